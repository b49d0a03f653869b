/**
 * Reconciliation for one project: charges still pending after a while are asked about with Xendit's GET;
 * an answer other than pending is stored as a payment event (marked `reconciled`) and applied by the payment
 * worker exactly like a callback — a callback arriving later with the same status is a duplicate. Then
 * checkouts past their expires_at are marked expired, and refunds whose callback never came are asked about
 * (lib/payments/refund_reconcile.ts). A charge whose account's breaker is open in this pass (xendit_breaker.ts)
 * is not asked about: like one Xendit did not answer, it is asked again once older_than_seconds have passed.
 */
import { asApp } from "@/db/client.ts";
import { claimStalePayments, expireCheckouts } from "@/db/billing.ts";
import { recordPaymentEvent } from "@/db/payments.ts";
import { log } from "../http/log.ts";
import { type PaymentDeps, xenditAccount } from "./accounts.ts";
import { type ChargeStatus, fetchCharge, isXenditFailure } from "./xendit.ts";
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
      if (charge.status === "pending") continue;
      const status = PROVIDER_STATUS[charge.status][payment.kind];
      const stored = await asApp(deps.sql, projectId, (tx) =>
        recordPaymentEvent(tx, projectId, {
          providerId: payment.provider_id,
          status,
          checkoutId: payment.checkout_id,
          body: {
            reconciled: true,
            id: payment.provider_id,
            status,
            amount: charge.amount,
            reference_id: payment.checkout_id,
          },
        }));
      if (!stored.duplicate) recorded++;
    } catch (error) {
      // Xendit's silence is asked again next pass; anything else is a bug, logged with its stack.
      log(isXenditFailure(error) ? "warn" : "error", "reconcile_failed", {
        project_id: projectId,
        provider_id: payment.provider_id,
        error,
      });
    }
  }
  const expired = await asApp(deps.sql, projectId, (tx) => expireCheckouts(tx, projectId, now));
  recorded += await reconcileRefunds(deps, projectId, now, staleSeconds, breaker);
  return { checked: stale.length, recorded, expired };
}
