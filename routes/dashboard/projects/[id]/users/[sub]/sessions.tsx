import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { endUserSession, signOutEverywhere } from "@/db/user_admin.ts";
import { userAction } from "@/lib/dashboard/user_page.ts";
import { UserView, type UserViewData } from "@/components/dashboard/UserView.tsx";

const SignOutForm = z.object({
  csrf: z.string(),
  // One session's sid (the page's "End" button); absent: every session.
  sid: z.string().regex(/^ses_[a-z2-7]{24}$/, "A session's sid, as the page lists it.").optional(),
});

/**
 * POST …/users/:sub/sessions: signs the user out everywhere — every hosted-login session ends, every refresh
 * token is revoked (the revocation POST /api/platform/revoke performs) and every unredeemed authorization code
 * is voided. With a `sid`, only that session ends (its online refresh tokens with it), as on the Platform API.
 */
export const handler: Handlers<UserViewData> = {
  POST: (c) =>
    userAction(c, SignOutForm, async (tx, projectId, userId, { sid }) => {
      if (sid) {
        await endUserSession(tx, projectId, userId, sid);
        return "session_ended";
      }
      await signOutEverywhere(tx, projectId, userId);
      return "signed_out";
    }),
};

export default function SessionsPage({ data }: PageProps<UserViewData>) {
  return <UserView data={data} />;
}
