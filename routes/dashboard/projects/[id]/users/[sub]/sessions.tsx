import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { readBody } from "@/lib/http/body.ts";
import { signOutEverywhere } from "@/db/user_admin.ts";
import { userAction } from "@/lib/dashboard/user_page.ts";
import { UserView, type UserViewData } from "@/components/dashboard/UserView.tsx";

const SignOutForm = z.object({ csrf: z.string() });

/**
 * POST …/users/:sub/sessions: signs the user out everywhere — every hosted-login session ends, every refresh
 * token is revoked (the revocation POST /api/platform/revoke performs) and every unredeemed authorization code
 * is voided.
 */
export const handler: Handlers<UserViewData> = {
  POST: async (c) => {
    await readBody(c, SignOutForm, ["form"]);
    return userAction(c, async (tx, projectId, userId) => {
      await signOutEverywhere(tx, projectId, userId);
      return "signed_out";
    });
  },
};

export default function SessionsPage({ data }: PageProps<UserViewData>) {
  return <UserView data={data} />;
}
