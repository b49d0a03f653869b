import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { toAppError } from "@/lib/http/errors.ts";
import { patchUserClaims } from "@/db/users.ts";
import { userOwnClaims } from "@/db/user_admin.ts";
import { claimsPatchOf, describeClaimsProblem } from "@/lib/dashboard/claims_form.ts";
import { userAction } from "@/lib/dashboard/user_page.ts";
import { dashboardLang } from "@/lib/dashboard/i18n.ts";
import { UserView, type UserViewData } from "@/components/dashboard/UserView.tsx";

const ClaimsForm = z.object({
  csrf: z.string(),
  role: z.string().max(1000).default(""),
  feature_flags: z.string().max(10000).default(""),
  extra: z.string().max(20000).default(""),
});

/**
 * POST …/users/:sub/claims: role, feature flags and custom claims through api.patch_user_claims (source
 * dashboard), the Claims API's function: the same checks and messages, all or nothing.
 */
export const handler: Handlers<UserViewData> = {
  POST: (c) =>
    userAction(c, ClaimsForm, async (tx, projectId, userId, form) => {
      const stored = await userOwnClaims(tx, projectId, userId);
      const patch = claimsPatchOf(form, stored.extra);
      try {
        await patchUserClaims(tx, projectId, userId, patch, "dashboard");
      } catch (thrown) {
        throw describeClaimsProblem(toAppError(thrown), dashboardLang(c));
      }
      return "claims_saved";
    }),
};

export default function ClaimsPage({ data }: PageProps<UserViewData>) {
  return <UserView data={data} />;
}
