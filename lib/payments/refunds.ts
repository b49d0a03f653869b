/**
 * Refunding a payment: reserve the amount in Postgres (api.request_refund locks the payment, so refunds never
 * exceed it), ask Xendit's Refund API through the unmodified xendit-node client with the refund id as the
 * idempotency key and reference_id, then record the answer. The refund succeeds — and its plan effect and the
 * payment.refunded webhook happen — when Xendit's refund callback is applied by the payment worker. A refund
 * Xendit refuses fails (payment.refund_failed); one refused for our API key (401/403) stays reserved.
 */
import { asApp } from "@/db/client.ts";
import { recordRefundAnswer, type Refund, type RefundRequest, requestRefund } from "@/db/refunds.ts";
import { AppError } from "../http/errors.ts";
import { log } from "../http/log.ts";
import { type PaymentDeps, xenditAccount } from "./accounts.ts";
import { isCredentialsRefused, isRefusal, logCredentialsRefused, providerError } from "./provider_errors.ts";
import { asChargeError, ChargeError, xenditClient } from "./xendit.ts";

/** Refunds (part of) the payment a receipt is for; answers the refund, pending until Xendit's callback. */
export async function refundPayment(
  deps: PaymentDeps,
  projectId: string,
  request: RefundRequest,
): Promise<Refund> {
  const refund = await asApp(deps.sql, projectId, (tx) => requestRefund(tx, projectId, request));
  const account = await xenditAccount(
    deps,
    projectId,
    refund.checkout.environment,
    refund.checkout.xendit_account,
  );
  if (!account) throw new AppError("payments_not_configured");
  let providerId: string;
  try {
    const xendit = await xenditClient(account.connection);
    const charge = refund.payment.kind === "invoice"
      ? { invoiceId: refund.payment.provider_id }
      : { paymentRequestId: refund.payment.provider_id };
    const created = await xendit.Refund.createRefund({
      idempotencyKey: refund.refund_id,
      data: {
        ...charge,
        referenceId: refund.refund_id,
        amount: refund.amount,
        currency: "IDR",
        reason: refund.reason,
        metadata: { project_id: projectId, checkout_id: refund.checkout.checkout_id },
      },
    });
    if (!created.id) throw new ChargeError("Xendit answered without a refund id.", "xendit", null);
    providerId = created.id;
  } catch (error) {
    const failure = asChargeError(error);
    if (isCredentialsRefused(failure)) {
      // Our key was refused, not the refund: failing it would free an amount never refunded. It stays
      // requested (reserved) and the billing pass asks again once an operator has fixed the key.
      logCredentialsRefused("refund", failure, { project_id: projectId, refund_id: refund.refund_id });
      throw providerError(failure, "refund");
    }
    if (!isRefusal(failure)) {
      // No answer: Xendit may have made it. The amount stays reserved; its callback (reference_id = our
      // refund id) still applies it, and the same request again would be replayed by the idempotency key.
      log("warn", "xendit_refund_unanswered", { project_id: projectId, refund_id: refund.refund_id });
      throw providerError(failure, "refund");
    }
    await recordRefusal(deps, projectId, refund.refund_id, failure);
    throw new AppError("conflict", { description: `Xendit refused the refund: ${failure.message}` });
  }
  return await asApp(
    deps.sql,
    projectId,
    (tx) => recordRefundAnswer(tx, projectId, refund.refund_id, { provider_id: providerId }),
  );
}

/**
 * Xendit refused a refund still `requested` (asked for, or asked again by the billing pass): it becomes failed with
 * the refusal as its failure_code, and the amount it reserved is free again. A refund Xendit had accepted
 * (pending) or that settled meanwhile is left as it is. Answers the refund as now.
 */
export async function recordRefusal(
  deps: PaymentDeps,
  projectId: string,
  refundId: string,
  failure: ChargeError,
): Promise<Refund> {
  return await asApp(
    deps.sql,
    projectId,
    (tx) => recordRefundAnswer(tx, projectId, refundId, { failure: `${failure.code}: ${failure.message}` }),
  );
}
