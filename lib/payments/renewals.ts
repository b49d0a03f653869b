/**
 * The renewal part of the billing pass for one project: steps through api.renewal_step until nothing is due.
 * A step that opens the next period's checkout queues the pay-link mail in the same transaction, so the mail
 * exists exactly when the checkout does — unless the customer linked an e-wallet: then the renewal is charged
 * to it (lib/payments/renewal_charges.ts) and the mail goes out only if that charge fails.
 */
import { asApp } from "@/db/client.ts";
import { queueMail, type RenewalStep, renewalStep } from "@/db/billing.ts";
import { getProject } from "@/db/projects.ts";
import { chooseXendit, type PaymentDeps } from "./accounts.ts";
import { renewalMail, trialReminderMail } from "./renewal_mail.ts";

export type StepHook = (step: RenewalStep & { projectId: string }) => Promise<void>;

/** Runs every due renewal step of a project at `now`; returns the steps taken (without "none"). */
export async function renewProject(
  deps: PaymentDeps,
  projectId: string,
  now: Date,
  beforeCommit?: StepHook,
): Promise<RenewalStep[]> {
  const project = await asApp(deps.sql, projectId, (tx) => getProject(tx, projectId));
  // Renewals pay through the account new charges use now (null: payments not configured, no checkout).
  const account = (await chooseXendit(deps, projectId, project.mode))?.account ?? null;
  const own = { appName: project.name, settings: project.settings };
  const taken: RenewalStep[] = [];
  for (let guard = 0; guard < 10_000; guard++) {
    const step = await asApp(deps.sql, projectId, async (tx) => {
      const step = await renewalStep(tx, projectId, now, account);
      if (!step) return null;
      // A trial's first paid period is charged to a linked e-wallet the same way; its failure mails this.
      if (step.action === "trial_reminder" && step.checkout && step.email && !step.linked_charge) {
        await queueMail(
          tx,
          projectId,
          trialReminderMail({
            to: step.email,
            planName: step.checkout.plan_name,
            amount: step.checkout.amount,
            periodStart: step.checkout.period_start ?? now.toISOString(),
            payUrl: `${deps.config.baseUrl}/billing/checkout/${step.checkout.checkout_id}`,
          }, own),
        );
      }
      // A linked e-wallet is charged first (renewal_charges.ts); its failure sends this mail instead.
      if (step.action === "renew" && step.checkout && step.email && !step.linked_charge) {
        await queueMail(
          tx,
          projectId,
          renewalMail({
            to: step.email,
            planName: step.checkout.plan_name,
            amount: step.checkout.amount,
            periodStart: step.checkout.period_start ?? now.toISOString(),
            payUrl: `${deps.config.baseUrl}/billing/checkout/${step.checkout.checkout_id}`,
          }, own),
        );
      }
      await beforeCommit?.({ ...step, projectId });
      return step;
    }, { actor: "billing" });
    if (!step) break;
    if (step.action !== "none") taken.push(step);
  }
  return taken;
}
