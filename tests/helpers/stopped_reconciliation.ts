/**
 * Fixtures for resuming reconciliation: a charge and a refund whose reconciliation stopped after three errors of
 * ours, made through the same SQL functions the billing pass uses (no Xendit involved: the errors are recorded).
 */
import { asApp, type Sql } from "@/db/client.ts";
import { recordPaymentReconcileError } from "@/db/billing.ts";
import { applyPaymentEvent, recordPaymentEvent } from "@/db/payments.ts";
import { recordRefundReconcileError, requestRefund } from "@/db/refunds.ts";
import { reconcileErrorOf } from "@/lib/payments/reconcile_errors.ts";
import { pendingCharge } from "./pending_charge.ts";
import { type Shop } from "./payments.ts";
import { waitFor } from "./wait.ts";

/** An error of ours while reconciling (a bug): it counts, so three stop the reconciliation. */
export const OURS = reconcileErrorOf(new TypeError("a bug of ours"));

/** The pending QRIS charge of plan pro for the shop's user (tests/helpers/pending_charge.ts): its checkout id. */
async function pendingCheckout(sql: Sql, shop: Shop, providerId: string): Promise<string> {
  return (await pendingCharge(sql, shop.project.id, shop.userId, providerId)).checkout_id;
}

/** A pending charge whose reconciliation stopped (three errors of ours); answers its checkout id. */
export async function stoppedCharge(sql: Sql, shop: Shop, providerId: string): Promise<string> {
  const checkoutId = await pendingCheckout(sql, shop, providerId);
  const p = shop.project.id;
  for (let error = 0; error < 3; error++) {
    await asApp(sql, p, (tx) => recordPaymentReconcileError(tx, p, providerId, new Date(), OURS));
  }
  return checkoutId;
}

/** Settles charge `providerId` as paid through its callback (receipt issued); answers both ids. */
export async function paidCharge(
  sql: Sql,
  shop: Shop,
  providerId: string,
): Promise<{ checkoutId: string; receiptId: string }> {
  const p = shop.project.id;
  const checkoutId = await pendingCheckout(sql, shop, providerId);
  await asApp(sql, p, (tx) =>
    recordPaymentEvent(tx, p, {
      providerId,
      status: "SUCCEEDED",
      checkoutId,
      body: { data: { amount: 99_000, currency: "IDR" } },
    }));
  // Applied here, or by a payment worker the test runs (which may hold the event until it commits).
  while (await asApp(sql, p, (tx) => applyPaymentEvent(tx, p)));
  const receiptId = await waitFor(async () => {
    const [row] = await asApp(
      sql,
      p,
      (tx) =>
        tx`select x.public_id from astapa.receipts as x join astapa.payments as y
        on y.project_id = x.project_id and y.id = x.payment_id where y.provider_id = ${providerId}`,
    );
    return row?.public_id as string | undefined;
  }, "the receipt");
  return { checkoutId, receiptId };
}

/** A refund (still requested) of a paid charge whose reconciliation stopped; answers the refund id. */
export async function stoppedRefund(sql: Sql, shop: Shop, providerId: string): Promise<string> {
  const p = shop.project.id;
  const { receiptId: receipt } = await paidCharge(sql, shop, providerId);
  const refund = await asApp(
    sql,
    p,
    (tx) => requestRefund(tx, p, { receipt, amount: 1_000, plan_effect: "none" }),
  );
  for (let error = 0; error < 3; error++) {
    await asApp(sql, p, (tx) => recordRefundReconcileError(tx, p, refund.refund_id, new Date(), OURS));
  }
  return refund.refund_id;
}
