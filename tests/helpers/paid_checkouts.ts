/** A paid checkout made through the stored-callback path (as the webhook and the worker do): one receipt. */
import { asApp, type Sql } from "@/db/client.ts";
import { applyPaymentEvent, createCheckout, recordPayment, recordPaymentEvent } from "@/db/payments.ts";
import { waitFor } from "./wait.ts";

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
  const stored = await asApp(sql, projectId, async (tx) => {
    await recordPayment(tx, projectId, checkoutId, {
      kind: "payment_request",
      provider_id: providerId,
      method: "qris",
      details: {},
      expires_at: null,
    });
    return await recordPaymentEvent(tx, projectId, {
      providerId,
      status: "SUCCEEDED",
      checkoutId,
      body: { data: { amount, currency: "IDR", status: "SUCCEEDED" } },
    });
  });
  const applied = await asApp(sql, projectId, (tx) => applyPaymentEvent(tx, projectId));
  if (applied) return applied.outcome;
  // A payment worker the test runs took the event first (its NOTIFY sends it straight to this project): the
  // outcome is the one it recorded.
  return await waitFor(async () => {
    const [event] = await asApp(
      sql,
      projectId,
      (tx) =>
        tx`select outcome from astapa.payment_events where id = ${stored.event_id} and processed_at is not null`,
    );
    return event?.outcome as string | undefined;
  }, "the worker to apply the payment event");
}
