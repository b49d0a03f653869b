/**
 * Checkouts for team plans (issue 28 item 3): an owner or admin of an organization pays for its plan and seats
 * through the same checkout page and Xendit accounts as a personal plan; paying sets the organization's plan and
 * seat limit (db/api/team_plans.sql).
 */
import { asApp } from "@/db/client.ts";
import { getProject } from "@/db/projects.ts";
import { createOrganizationCheckout, type NewOrganizationCheckout } from "@/db/team_plans.ts";
import { AppError } from "@/lib/http/errors.ts";
import { chooseXendit, type PaymentDeps } from "@/lib/payments/accounts.ts";

/** Opens a team plan checkout with the account the project pays through now. */
export async function openOrganizationCheckout(
  deps: PaymentDeps,
  projectId: string,
  organization: string,
  request: Omit<NewOrganizationCheckout, "xendit_account">,
) {
  const project = await asApp(deps.sql, projectId, (tx) => getProject(tx, projectId));
  const account = await chooseXendit(deps, projectId, project.mode);
  if (!account) throw new AppError("payments_not_configured");
  return await asApp(
    deps.sql,
    projectId,
    (tx) =>
      createOrganizationCheckout(tx, projectId, organization, {
        ...request,
        xendit_account: account.account,
      }),
  );
}
