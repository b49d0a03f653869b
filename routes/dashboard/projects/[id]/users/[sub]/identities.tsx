import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { unlinkSignInMethod } from "@/db/user_admin.ts";
import { userAction } from "@/lib/dashboard/user_page.ts";
import { UserView, type UserViewData } from "@/components/dashboard/UserView.tsx";

const UnlinkForm = z.object({
  csrf: z.string(),
  provider: z.enum(["password", "google", "github", "apple", "microsoft"]),
  subject: z.string().min(1).max(255).optional(),
});

/** POST …/users/:sub/identities: removes one way to sign in (api.unlink_sign_in_method refuses the last). */
export const handler: Handlers<UserViewData> = {
  POST: (c) =>
    userAction(c, UnlinkForm, async (tx, projectId, userId, form) => {
      await unlinkSignInMethod(tx, projectId, userId, { provider: form.provider, subject: form.subject });
      return "identity_unlinked";
    }),
};

export default function IdentitiesPage({ data }: PageProps<UserViewData>) {
  return <UserView data={data} />;
}
