/**
 * The organizations' part of the billing pass for one project: steps through api.organization_renewal_step
 * (db/api/team_plans.sql) until nothing is due, beside the personal renewals (renewals.ts). A step that opens
 * a team plan's next checkout queues the pay-link mail to every owner and admin in the same transaction.
 */
import { asApp } from "@/db/client.ts";
import { queueMail } from "@/db/billing.ts";
import { type OrganizationRenewalStep, organizationRenewalStep } from "@/db/organization_renewals.ts";
import { getProject } from "@/db/projects.ts";
import { chooseXendit, type PaymentDeps } from "./accounts.ts";
import { organizationRenewalMail } from "./organization_renewal_mail.ts";

/** Runs every due organization renewal step of a project at `now`; returns the steps taken (without "none"). */
export async function renewOrganizations(
  deps: PaymentDeps,
  projectId: string,
  now: Date,
): Promise<OrganizationRenewalStep[]> {
  const project = await asApp(deps.sql, projectId, (tx) => getProject(tx, projectId));
  // The account new charges use now, as for personal renewals (null: payments not configured, no pay link).
  const account = (await chooseXendit(deps, projectId, project.mode))?.account ?? null;
  const own = { appName: project.name, settings: project.settings };
  const taken: OrganizationRenewalStep[] = [];
  for (let guard = 0; guard < 10_000; guard++) {
    const step = await asApp(deps.sql, projectId, async (tx) => {
      const step = await organizationRenewalStep(tx, projectId, now, account);
      // The organization's chosen linked method is charged first (renewal_charges.ts); a failure mails this.
      if (step?.action === "remind" && step.checkout && !step.linked_charge) {
        for (const to of step.emails ?? []) {
          await queueMail(
            tx,
            projectId,
            organizationRenewalMail({
              to,
              organizationName: step.name ?? step.organization,
              planName: step.plan_name ?? step.checkout.plan_name,
              seats: step.checkout.seats,
              amount: step.checkout.amount,
              periodStart: step.period_start ?? now.toISOString(),
              payUrl: `${deps.config.baseUrl}/billing/checkout/${step.checkout.checkout_id}`,
            }, own),
          );
        }
      }
      return step;
    }, { actor: "billing" });
    if (!step) break;
    if (step.action !== "none") taken.push(step);
  }
  return taken;
}
