/**
 * Refunds whose callback never came, asked about again by the billing pass: a pending refund with Xendit's
 * GET /refunds/{id}; a refund Xendit never answered (still `requested`) by sending the same request again under
 * the same idempotency key (Xendit answers the refund it made, or makes it now). A final answer is stored as a
 * refund callback (marked `reconciled`) in the durable events table and applied by the payment worker exactly
 * like one — a callback arriving later is a duplicate, and succeeded and failed stay final. A refund whose
 * account's breaker is open in this pass (xendit_breaker.ts) is not asked about: it waits like an unanswered one,
 * as does one whose question met our API key refused (401/403, as charges': logged as an error, it opens the
 * breaker and is not counted — a dead key is the operator's to fix, and must not stop every pending refund).
 * Xendit refusing the request asked again (a 4xx: its definitive no) fails the refund as a refusal at request time
 * does (lib/payments/refunds.ts recordRefusal: failure_code, the amount free again). Any other failed question is
 * recorded in SQL as the refund's last error (reconcile_errors.ts: a code and a sentence of ours); an error of ours
 * while asking (a bug, an answer we cannot read) — or Xendit refusing to tell us about a refund it had accepted —
 * also counts: the next question waits twice as long, and the third stops automatic reconciliation of that refund
 * (reconcile_stopped_at), logged once.
 */
import { asApp } from "@/db/client.ts";
import { recordPaymentEvent } from "@/db/payments.ts";
import {
  claimStaleRefunds,
  recordRefundAnswer,
  recordRefundReconcileError,
  type Refund,
} from "@/db/refunds.ts";
import { log } from "../http/log.ts";
import { type PaymentDeps, xenditAccount } from "./accounts.ts";
import { recordRefusal } from "./refunds.ts";
import { isCredentialsRefused, isRefusal, logCredentialsRefused } from "./provider_errors.ts";
import { recordReconcileError } from "./reconcile_errors.ts";
import { asChargeError, type ChargeError, isXenditFailure, xenditClient } from "./xendit.ts";
import { type AccountRef, XenditBreaker } from "./xendit_breaker.ts";
import type { Xendit } from "xendit-node";

/** Xendit's refund as sent (snake_case): xendit-node 7's Refund model has no `status`, so it is read raw. */
type XenditRefund = { id?: string; status?: string; amount?: number; failure_code?: string | null };

/**
 * The SDK's own raw calls (same auth, URL and errors as getRefund/createRefund): their parsed result drops the
 * refund's status, which is the one thing reconciliation needs.
 */
type RawRefunds = {
  getRefundRaw(request: { refundID: string }): Promise<{ raw: Response }>;
  createRefundRaw(request: Parameters<Xendit["Refund"]["createRefund"]>[0]): Promise<{ raw: Response }>;
};

async function askXendit(
  deps: PaymentDeps,
  ref: AccountRef,
  refund: Refund,
  breaker: XenditBreaker,
): Promise<XenditRefund | null> {
  const { projectId } = ref;
  const account = await xenditAccount(deps, projectId, ref.environment, ref.account);
  if (!account) return null;
  const refunds = (await xenditClient(account.connection)).Refund as unknown as RawRefunds;
  try {
    return await askRefunds(refunds, projectId, refund);
  } catch (error) {
    // Classified here, around the calls alone: a database error later must not read as Xendit's silence.
    breaker.failed(ref, asChargeError(error), "reconcile refund");
    throw error;
  }
}

async function askRefunds(refunds: RawRefunds, projectId: string, refund: Refund): Promise<XenditRefund> {
  if (refund.provider_id) {
    return await (await refunds.getRefundRaw({ refundID: refund.provider_id })).raw.json();
  }
  // The same body as the first request (lib/payments/refunds.ts): an idempotent replay, not a second refund.
  const replayed = await refunds.createRefundRaw({
    idempotencyKey: refund.refund_id,
    data: {
      ...(refund.payment.kind === "invoice"
        ? { invoiceId: refund.payment.provider_id }
        : { paymentRequestId: refund.payment.provider_id }),
      referenceId: refund.refund_id,
      amount: refund.amount,
      currency: "IDR",
      reason: refund.reason,
      metadata: { project_id: projectId, checkout_id: refund.checkout.checkout_id },
    },
  });
  return await replayed.raw.json();
}

/** Asks Xendit about this project's stale refunds; answers how many final answers were stored. */
export async function reconcileRefunds(
  deps: PaymentDeps,
  projectId: string,
  now: Date,
  staleSeconds: number,
  breaker = new XenditBreaker(),
): Promise<number> {
  const stale = await asApp(deps.sql, projectId, (tx) => claimStaleRefunds(tx, projectId, now, staleSeconds));
  let recorded = 0;
  for (const refund of stale) {
    const ref = {
      projectId,
      environment: refund.checkout.environment,
      account: refund.checkout.xendit_account,
    };
    if (!breaker.allows(ref)) continue;
    try {
      const answer = await askXendit(deps, ref, refund, breaker);
      if (!answer?.id) continue;
      const status = String(answer.status ?? "");
      if (status !== "SUCCEEDED" && status !== "FAILED") {
        if (!refund.provider_id) {
          await asApp(
            deps.sql,
            projectId,
            (tx) => recordRefundAnswer(tx, projectId, refund.refund_id, { provider_id: answer.id! }),
          );
        }
        continue;
      }
      const stored = await asApp(deps.sql, projectId, (tx) =>
        recordPaymentEvent(tx, projectId, {
          providerId: answer.id!,
          status,
          checkoutId: refund.checkout.checkout_id,
          body: {
            reconciled: true,
            event: status === "SUCCEEDED" ? "refund.succeeded" : "refund.failed",
            data: {
              id: answer.id,
              reference_id: refund.refund_id,
              status,
              amount: answer.amount,
              currency: "IDR",
              failure_code: answer.failure_code ?? null,
            },
          },
        }));
      if (!stored.duplicate) recorded++;
    } catch (error) {
      const failure = isXenditFailure(error) ? asChargeError(error) : null;
      const fields = { project_id: projectId, refund_id: refund.refund_id };
      if (failure && isRefusal(failure) && !refund.provider_id) {
        // The request asked again was refused: Xendit's definitive answer, as at request time.
        await refused(deps, projectId, refund, failure);
        continue;
      }
      // Our key, not the refund: logged as an error (the breaker holds the account's others), its amount still
      // reserved.
      if (failure && isCredentialsRefused(failure)) logCredentialsRefused("refund", failure, fields);
      // Recorded as its last error whatever it was; only ours, or a refusal to tell us about a refund Xendit
      // accepted, counts towards stopping — three passes with a dead key must not stop every refund.
      await recordReconcileError({
        record: (cause) =>
          asApp(
            deps.sql,
            projectId,
            (tx) => recordRefundReconcileError(tx, projectId, refund.refund_id, now, cause),
          ),
        fields,
        failed: "refund_reconcile_failed",
        stopped: "refund_reconcile_stopped",
      }, error);
    }
  }
  return recorded;
}

/**
 * Xendit refused the refund asked for again: failed with the refusal as its failure_code and its amount free
 * again (the API and the dashboard show it failed), logged as a warning — nobody waits on this request.
 */
async function refused(
  deps: PaymentDeps,
  projectId: string,
  refund: Refund,
  failure: ChargeError,
): Promise<void> {
  const fields = { project_id: projectId, refund_id: refund.refund_id };
  let failed: Refund;
  try {
    failed = await recordRefusal(deps, projectId, refund.refund_id, failure);
  } catch (error) {
    // Not recorded (the database): still requested, so asked again next period; the pass goes on.
    log("error", "refund_refused", { ...fields, failure_code: failure.code, record_error: error });
    return;
  }
  log("warn", "refund_refused", { ...fields, status: failed.status, failure_code: failed.failure_code });
}
