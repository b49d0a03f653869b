import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { resetFactorsAsAdmin } from "@/lib/users/admin_removals.ts";
import { userAction } from "@/lib/dashboard/user_page.ts";
import { UserView, type UserViewData } from "@/components/dashboard/UserView.tsx";

const ResetForm = z.object({ csrf: z.string() });

/**
 * POST …/users/:sub/factors: an admin resets the user's second factor (app and recovery codes removed; audited
 * as user.mfa_removed, the app's webhook told, the user mailed in English and Indonesian, as their language is
 * not known here).
 */
export const handler: Handlers<UserViewData> = {
  POST: (c) =>
    userAction(c, ResetForm, async (tx, projectId, userId) => {
      const { removed, mailed } = await resetFactorsAsAdmin(tx, projectId, userId);
      if (removed === 0) return "factors_none";
      return mailed ? "factors_reset" : "factors_reset_unmailed";
    }),
};

export default function FactorsPage({ data }: PageProps<UserViewData>) {
  return <UserView data={data} />;
}
