import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { z } from "zod";
import { userAction } from "@/lib/dashboard/user_page.ts";
import { mailAdminPasswordReset } from "@/lib/login/admin_password_reset.ts";
import { UserView, type UserViewData } from "@/components/dashboard/UserView.tsx";

const ResetForm = z.object({ csrf: z.string() });

/**
 * POST …/users/:sub/password-reset: mails the user a reset link through the app's initiate_login_uri, as the
 * Platform API's POST /api/platform/users/{sub}/password-reset (same checks, limit and audit entry).
 */
export const handler: Handlers<UserViewData> = {
  POST: (c) => {
    const baseUrl = c.var.deps.config.baseUrl;
    return userAction(c, ResetForm, async (tx, projectId, userId) => {
      await mailAdminPasswordReset(tx, baseUrl, projectId, userId);
      return "password_reset_sent";
    });
  },
};

export default function PasswordResetPage({ data }: PageProps<UserViewData>) {
  return <UserView data={data} />;
}
