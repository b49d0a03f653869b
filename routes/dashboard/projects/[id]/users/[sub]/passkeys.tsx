import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { removePasskeyAsAdmin } from "@/lib/users/admin_removals.ts";
import { userAction } from "@/lib/dashboard/user_page.ts";
import { UserView, type UserViewData } from "@/components/dashboard/UserView.tsx";

const RemoveForm = z.object({
  csrf: z.string(),
  // The credential id as the page lists it (hex; WebAuthn ids are 16 to 1023 bytes).
  credential_id: z.string().regex(/^([0-9a-f]{2}){16,1023}$/, "A passkey's id is hex, as the page lists it.")
    .transform((hex) => Uint8Array.fromHex(hex)),
});

/**
 * POST …/users/:sub/passkeys: an admin removes one of the user's passkeys (audited as user.passkey_removed by
 * admin, the app's webhook told as when the person removes it, the user mailed in English and Indonesian,
 * naming the key).
 */
export const handler: Handlers<UserViewData> = {
  POST: (c) =>
    userAction(c, RemoveForm, async (tx, projectId, userId, form) => {
      const { mailed } = await removePasskeyAsAdmin(tx, projectId, userId, form.credential_id);
      return mailed ? "passkey_removed" : "passkey_removed_unmailed";
    }),
};

export default function PasskeysPage({ data }: PageProps<UserViewData>) {
  return <UserView data={data} />;
}
