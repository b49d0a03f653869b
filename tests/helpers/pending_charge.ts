/**
 * The fixture many billing tests start from: a checkout with one charge recorded as Xendit's pending Payment
 * Request (no callback yet), made through the same SQL functions the checkout page uses.
 */
import { asApp, type Sql } from "@/db/client.ts";
import { type Checkout, createCheckout, recordPayment } from "@/db/payments.ts";

/**
 * A checkout of plan pro for `sub` with one pending charge (QRIS unless `method` says; a bank transfer's bank is
 * BCA), provider id `providerId` — a renewal's when `periodStart` is given; answers the checkout.
 */
export async function pendingCharge(
  sql: Sql,
  projectId: string,
  sub: string,
  providerId: string,
  method = "qris",
  periodStart?: string,
): Promise<Checkout> {
  const checkout = await asApp(sql, projectId, (tx) =>
    createCheckout(tx, projectId, {
      sub,
      plan: "pro",
      xendit_account: "simulator",
      ...(periodStart ? { period_start: periodStart } : {}),
    }));
  await asApp(sql, projectId, (tx) =>
    recordPayment(tx, projectId, checkout.checkout_id, {
      kind: "payment_request",
      provider_id: providerId,
      method,
      bank: method === "bank_transfer" ? "BCA" : undefined,
      details: {},
      expires_at: null,
    }));
  return checkout;
}
