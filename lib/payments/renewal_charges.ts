/**
 * The linked-method half of the renewal pass (docs/billing.md "Automatic renewal"): for each renewal whose
 * customer linked an e-wallet, claim the charge (api.next_renewal_charge, FOR UPDATE SKIP LOCKED), ask Xendit
 * for a Payment Request naming the method (idempotency key = the charge id, so a retry after no answer is the
 * same charge) and record the answer. The callback then pays the checkout like any other payment. A charge that
 * fails — refused at once, failed or expired later, or never answered (a refused API key counts as no answer:
 * it is no decline of the customer's) — falls back to the pay-link mail, queued
 * in the transaction that marks it failed, so it goes out exactly once. While the pass's breaker is open for a
 * charge's account (xendit_breaker.ts), its claim is rolled back — no try counted, nothing failed or mailed —
 * and the project's remaining charges wait for the next pass (claims come in order, so there is no skipping
 * past one).
 */
import { asApp } from "@/db/client.ts";
import { queueMail } from "@/db/billing.ts";
import { getProject } from "@/db/projects.ts";
import {
  nextRenewalCharge,
  type RecordedRenewalCharge,
  recordRenewalCharge,
  type RenewalChargeAnswer,
  type RenewalChargeWork,
} from "@/db/renewal_charges.ts";
import type { Tx } from "@/db/client.ts";
import { log } from "../http/log.ts";
import { type PaymentDeps, xenditAccount } from "./accounts.ts";
import { organizationRenewalMail } from "./organization_renewal_mail.ts";
import { renewalMail, trialReminderMail } from "./renewal_mail.ts";
import { isCredentialsRefused, isRefusal, logCredentialsRefused } from "./provider_errors.ts";
import { asChargeError, type ChargeError, chargeLinkedMethod } from "./xendit.ts";
import { type AccountRef, XenditBreaker } from "./xendit_breaker.ts";

/** A charge Xendit did not answer is asked again (same idempotency key) after this long. */
export const RETRY_SECONDS = 600;

export type ChargeOutcome = {
  projectId: string;
  chargeId: string;
  outcome: "pending" | "mailed" | "paid" | "none" | "retry";
};

/** Thrown inside a claim's transaction to roll it back: its account's breaker is open. */
const HELD_BACK = Symbol("held back");

/** Works through the project's linked-method renewal charges at `now`; returns what happened to each. */
export async function chargeRenewals(
  deps: PaymentDeps,
  projectId: string,
  now: Date,
  breaker = new XenditBreaker(),
): Promise<ChargeOutcome[]> {
  const outcomes: ChargeOutcome[] = [];
  for (let guard = 0; guard < 10_000; guard++) {
    const work = await asApp(deps.sql, projectId, async (tx) => {
      const work = await nextRenewalCharge(tx, projectId, now, RETRY_SECONDS);
      if (work?.action === "charge" && !breaker.allows(accountOf(projectId, work))) throw HELD_BACK;
      if (work && work.action !== "charge") await mailIfDue(tx, deps, projectId, work);
      return work;
    }, { actor: "billing" }).catch((error): typeof HELD_BACK => {
      if (error === HELD_BACK) return HELD_BACK;
      throw error;
    });
    if (!work || work === HELD_BACK) break;
    if (work.action !== "charge") {
      outcomes.push({
        projectId,
        chargeId: work.charge_id,
        outcome: work.action === "mail" ? "mailed" : work.action,
      });
      continue;
    }
    const answer = await askXendit(deps, projectId, work, breaker);
    if (!answer) {
      outcomes.push({ projectId, chargeId: work.charge_id, outcome: "retry" });
      continue;
    }
    const recorded = await asApp(deps.sql, projectId, async (tx) => {
      const recorded = await recordRenewalCharge(tx, projectId, work.charge_id, answer, now);
      await mailIfDue(tx, deps, projectId, recorded);
      return recorded;
    }, { actor: "billing" });
    outcomes.push({
      projectId,
      chargeId: work.charge_id,
      outcome: recorded.action === "mail" ? "mailed" : recorded.action,
    });
  }
  return outcomes;
}

type ChargeWork = Extract<RenewalChargeWork, { action: "charge" }>;

const accountOf = (projectId: string, work: ChargeWork): AccountRef => ({
  projectId,
  environment: work.checkout.environment,
  account: work.checkout.xendit_account,
});

/**
 * Xendit's answer; null when it could not be had (unreachable, 5xx, 429, our API key refused, a bug): the charge
 * is asked again later.
 */
async function askXendit(
  deps: PaymentDeps,
  projectId: string,
  work: ChargeWork,
  breaker: XenditBreaker,
): Promise<RenewalChargeAnswer | null> {
  const { checkout } = work;
  const account = await xenditAccount(deps, projectId, checkout.environment, checkout.xendit_account);
  if (!account) return { failure: "PAYMENTS_NOT_CONFIGURED" };
  try {
    const charged = await chargeLinkedMethod(account.connection, {
      paymentMethodId: work.provider_method_id,
      amount: work.amount,
      reference: checkout.checkout_id,
      idempotencyKey: work.charge_id,
      description: `${checkout.plan_name} (${checkout.plan}), automatic renewal`,
      metadata: {
        project_id: projectId,
        checkout_id: checkout.checkout_id,
        renewal_charge_id: work.charge_id,
      },
    });
    return { provider_id: charged.providerId, amount: charged.amount, status: charged.status };
  } catch (error) {
    const failure = chargeFailure(error, projectId, work.charge_id);
    if (!failure) return null;
    breaker.failed(accountOf(projectId, work), failure, "renewal charge");
    if (isRefusal(failure)) return { failure: `${failure.code}: ${failure.message}`.slice(0, 500) };
    // No answer, a server error, too many requests or our key refused: no decline, asked again (same key).
    const fields = { project_id: projectId, charge_id: work.charge_id };
    if (isCredentialsRefused(failure)) logCredentialsRefused("charge", failure, fields);
    else log("warn", "renewal_charge_retry", fields);
    return null;
  }
}

/**
 * Xendit's failure, or null for one of ours (a bug, an answer we cannot read): that is logged as an error with
 * its stack, never counted by the breaker, and the charge is asked again like an unanswered one — the same
 * request under the same key, so a charge Xendit did make is not made twice — at most three tries in all, then
 * the pay-link mail (NO_ANSWER). The project's other charges go on meanwhile.
 */
function chargeFailure(error: unknown, projectId: string, chargeId: string): ChargeError | null {
  try {
    return asChargeError(error);
  } catch {
    log("error", "renewal_charge_error", { project_id: projectId, charge_id: chargeId, error });
    return null;
  }
}

/** Queues the pay-link mail when the charge fell back to it (inside the transaction that marked it failed). */
async function mailIfDue(
  tx: Tx,
  deps: PaymentDeps,
  projectId: string,
  work: RenewalChargeWork | RecordedRenewalCharge,
): Promise<void> {
  if (work.action !== "mail") return;
  const payUrl = `${deps.config.baseUrl}/billing/checkout/${work.checkout.checkout_id}`;
  const project = await getProject(tx, projectId);
  const own = { appName: project.name, settings: project.settings };
  if (work.purpose === "organization" && work.organization) {
    for (const to of work.organization.emails) {
      await queueMail(
        tx,
        projectId,
        organizationRenewalMail({
          to,
          organizationName: work.organization.name,
          planName: work.checkout.plan_name,
          seats: work.checkout.organization?.seats ?? 1,
          amount: work.checkout.amount,
          periodStart: work.organization.period_start ?? new Date().toISOString(),
          payUrl,
          failedMethod: work.label,
        }, own),
      );
    }
    return;
  }
  if (!work.email) return;
  const notice = {
    to: work.email,
    planName: work.checkout.plan_name,
    amount: work.checkout.amount,
    periodStart: work.checkout.period_start ?? new Date().toISOString(),
    payUrl,
    failedMethod: work.label,
  };
  // The pay link the charge stood in for: a trial's reminder or a renewal notice.
  await queueMail(
    tx,
    projectId,
    work.purpose === "trial" ? trialReminderMail(notice, own) : renewalMail(notice, own),
  );
}
