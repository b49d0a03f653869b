/** A paid checkout made through the stored-callback path (as the webhook and the worker do): one receipt. */
import { asApp, type Sql } from "@/db/client.ts";
import { applyPaymentEvent, createCheckout, recordPayment, recordPaymentEvent } from "@/db/payments.ts";

/** Opens a QRIS checkout of `plan` for `userId`, records its charge and success callback, applies it. */
export async function paidCheckout(
  sql: Sql,
  projectId: string,
  userId: string,
  plan = "pro",
  amount = 99_000,
) {
  const providerId = `pr-${crypto.randomUUID()}`;
  const checkout = await asApp(
    sql,
    projectId,
    (tx) => createCheckout(tx, projectId, { sub: userId, plan, xendit_account: "simulator" }),
  );
  await asApp(sql, projectId, async (tx) => {
    await recordPayment(tx, projectId, checkout.checkout_id, {
      kind: "payment_request",
      provider_id: providerId,
      method: "qris",
      details: {},
      expires_at: null,
    });
    await recordPaymentEvent(tx, projectId, {
      providerId,
      status: "SUCCEEDED",
      checkoutId: checkout.checkout_id,
      body: { data: { amount, currency: "IDR", status: "SUCCEEDED" } },
    });
    while (await applyPaymentEvent(tx, projectId));
  });
  return checkout;
}

/** Pays an open checkout (a team plan's, a renewal's) the same way: its charge, a SUCCEEDED callback, applied. */
export async function payCheckout(sql: Sql, projectId: string, checkoutId: string, amount: number) {
  const providerId = `pr-${crypto.randomUUID()}`;
  await asApp(sql, projectId, async (tx) => {
    await recordPayment(tx, projectId, checkoutId, {
      kind: "payment_request",
      provider_id: providerId,
      method: "qris",
      details: {},
      expires_at: null,
    });
    await recordPaymentEvent(tx, projectId, {
      providerId,
      status: "SUCCEEDED",
      checkoutId,
      body: { data: { amount, currency: "IDR", status: "SUCCEEDED" } },
    });
  });
  return (await asApp(sql, projectId, (tx) => applyPaymentEvent(tx, projectId)))?.outcome;
}
