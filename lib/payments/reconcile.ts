/**
 * Reconciliation for one project: charges still pending after a while are asked about with Xendit's GET;
 * an answer other than pending is stored as a payment event (marked `reconciled`) and applied by the payment
 * worker exactly like a callback — a callback arriving later with the same status is a duplicate. Then
 * checkouts past their expires_at are marked expired (their charges stay pending: the next passes ask about
 * them, as one may have been paid in the last minutes), and refunds whose callback never came are asked about
 * (lib/payments/refund_reconcile.ts). A charge whose account's breaker is open in this pass (xendit_breaker.ts)
 * is not asked about: like one Xendit did not answer, it is asked again once older_than_seconds have passed, as
 * is one whose question met our API key refused (401/403, logged as an error; it opens the breaker). Every failed
 * question is recorded in SQL as the charge's last error (reconcile_errors.ts: a code and a sentence of ours); an
 * error of ours (a bug, an answer we cannot read), or Xendit refusing the question (another 4xx, not 429), also
 * counts, as refunds' do: the next question waits twice as long, and the third stops automatic reconciliation of
 * that charge (reconcile_stopped_at), logged once. Nothing here fails a charge; one Xendit still calls pending
 * past its horizon (astapa.charge_horizon) is ended as expired through the ledger (api.abandon_charge).
 */
import { asApp } from "@/db/client.ts";
import {
  abandonCharge,
  claimStalePayments,
  expireCheckouts,
  recordPaymentReconcileError,
} from "@/db/billing.ts";
import { recordPaymentEvent } from "@/db/payments.ts";
import { log } from "../http/log.ts";
import { type PaymentDeps, xenditAccount } from "./accounts.ts";
import { isCredentialsRefused, logCredentialsRefused } from "./provider_errors.ts";
import { recordReconcileError } from "./reconcile_errors.ts";
import { asChargeError, type ChargeStatus, fetchCharge, isXenditFailure } from "./xendit.ts";
import { reconcileRefunds } from "./refund_reconcile.ts";
import { XenditBreaker } from "./xendit_breaker.ts";

const PROVIDER_STATUS: Record<
  Exclude<ChargeStatus, "pending">,
  { invoice: string; payment_request: string }
> = {
  paid: { invoice: "PAID", payment_request: "SUCCEEDED" },
  failed: { invoice: "EXPIRED", payment_request: "FAILED" },
  expired: { invoice: "EXPIRED", payment_request: "EXPIRED" },
};

export type ReconcileResult = { checked: number; recorded: number; expired: number };

export async function reconcileProject(
  deps: PaymentDeps,
  projectId: string,
  now: Date,
  staleSeconds: number,
  breaker = new XenditBreaker(),
): Promise<ReconcileResult> {
  const stale = await asApp(
    deps.sql,
    projectId,
    (tx) => claimStalePayments(tx, projectId, now, staleSeconds),
  );
  let recorded = 0;
  for (const payment of stale) {
    const ref = { projectId, environment: payment.environment, account: payment.xendit_account };
    if (!breaker.allows(ref)) continue;
    try {
      const account = await xenditAccount(deps, projectId, payment.environment, payment.xendit_account);
      if (!account) continue;
      const charge = await fetchCharge(account.connection, payment.kind, payment.provider_id)
        .catch((error) => {
          breaker.failed(ref, error, "reconcile charge");
          throw error;
        });
      if (charge.status === "pending") {
        // Still pending past its horizon (docs/payments.md "A local end for every charge"): ended here, so it is
        // not asked about for ever; a later callback of it is still applied.
        if (payment.past_horizon) {
          const abandoned = await asApp(
            deps.sql,
            projectId,
            (tx) => abandonCharge(tx, projectId, payment.provider_id, now),
          );
          if (abandoned && !abandoned.duplicate) {
            recorded++;
            log("info", "charge_abandoned", {
              project_id: projectId,
              checkout_id: payment.checkout_id,
              provider_id: payment.provider_id,
              horizon: abandoned.horizon,
            });
          }
        }
        continue;
      }
      const status = PROVIDER_STATUS[charge.status][payment.kind];
      const stored = await asApp(deps.sql, projectId, (tx) =>
        recordPaymentEvent(tx, projectId, {
          providerId: payment.provider_id,
          status,
          checkoutId: payment.checkout_id,
          // With the currency Xendit names, as its callbacks do: the same answer as a callback of the charge
          // has the same deduplication key (status, amount and currency), so one of the two is stored.
          body: {
            reconciled: true,
            id: payment.provider_id,
            status,
            amount: charge.amount,
            ...(charge.currency ? { currency: charge.currency } : {}),
            reference_id: payment.checkout_id,
          },
        }));
      if (!stored.duplicate) recorded++;
    } catch (error) {
      const failure = isXenditFailure(error) ? asChargeError(error) : null;
      const fields = {
        project_id: projectId,
        checkout_id: payment.checkout_id,
        provider_id: payment.provider_id,
      };
      // Our key, not the charge: logged as an error (the breaker holds the account's others).
      if (failure && isCredentialsRefused(failure)) logCredentialsRefused("charge", failure, fields);
      // Recorded as its last error whatever it was; only ours, or Xendit refusing to tell us about its charge (a
      // 4xx), counts towards stopping. Never failed on that alone: its callback settles it.
      await recordReconcileError({
        record: (cause) =>
          asApp(
            deps.sql,
            projectId,
            (tx) => recordPaymentReconcileError(tx, projectId, payment.provider_id, now, cause),
          ),
        fields,
        failed: "reconcile_failed",
        stopped: "reconcile_stopped",
      }, error);
    }
  }
  const expired = await asApp(deps.sql, projectId, (tx) => expireCheckouts(tx, projectId, now));
  recorded += await reconcileRefunds(deps, projectId, now, staleSeconds, breaker);
  return { checked: stale.length, recorded, expired };
}
