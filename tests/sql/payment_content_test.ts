/**
 * Migration 2052: payment events deduplicate on the payment and its content, a success in another currency is not
 * a payment, and api.create_checkout refuses a user of the environment the project is not in.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { applyPaymentEvent, createCheckout, recordPayment, recordPaymentEvent } from "@/db/payments.ts";
import { testDatabase } from "../helpers/db.ts";
import { rejectsAs } from "../helpers/identity.ts";
import { seedShop } from "../helpers/payments.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());
const shop = await seedShop(db.sql, { email: "content@example.com" });
const p = shop.project.id;

async function pendingPayment(providerId: string) {
  const checkout = await asApp(
    db.sql,
    p,
    (tx) => createCheckout(tx, p, { sub: shop.userId, plan: "pro", xendit_account: "simulator" }),
  );
  await asApp(db.sql, p, (tx) =>
    recordPayment(tx, p, checkout.checkout_id, {
      kind: "payment_request",
      provider_id: providerId,
      method: "qris",
      details: { qr_string: "000201" },
      expires_at: null,
    }));
  return checkout.checkout_id;
}

const record = (providerId: string, checkoutId: string, data: Record<string, unknown>) =>
  asApp(db.sql, p, (tx) =>
    recordPaymentEvent(tx, p, {
      providerId,
      status: "SUCCEEDED",
      checkoutId,
      body: { data: { status: "SUCCEEDED", ...data } },
    }));

async function applyAll(): Promise<string[]> {
  const outcomes: string[] = [];
  for (;;) {
    const applied = await asApp(db.sql, p, (tx) => applyPaymentEvent(tx, p));
    if (!applied) return outcomes;
    outcomes.push(applied.outcome);
  }
}

Deno.test("api.record_payment_event — same id and status but other content is a new event; same content a duplicate", async () => {
  const checkoutId = await pendingPayment("pr-content-1");
  assert.equal((await record("pr-content-1", checkoutId, { amount: 1, currency: "IDR" })).duplicate, false);
  assert.equal(
    (await record("pr-content-1", checkoutId, { amount: 99_000, currency: "IDR" })).duplicate,
    false,
  );
  assert.equal(
    (await record("pr-content-1", checkoutId, { amount: 99_000, currency: "IDR" })).duplicate,
    true,
  );
  assert.deepEqual(await applyAll(), ["amount_mismatch", "paid"]);
});

Deno.test("astapa.apply_payment_event_row — a success in another currency is currency_mismatch, not paid", async () => {
  const checkoutId = await pendingPayment("pr-content-2");
  await record("pr-content-2", checkoutId, { amount: 99_000, currency: "USD" });
  assert.deepEqual(await applyAll(), ["currency_mismatch"]);
  const [row] = await db.sql`select status from astapa.payments where provider_id = 'pr-content-2'`;
  assert.equal(row.status, "pending");
});

Deno.test("api.create_checkout — a sandbox user of a project now in production is refused (AS404)", async () => {
  await db.sql`update astapa.projects set mode = 'production' where id = ${p}`;
  try {
    await rejectsAs(
      asApp(
        db.sql,
        p,
        (tx) => createCheckout(tx, p, { sub: shop.userId, plan: "pro", xendit_account: "simulator" }),
      ),
      "not_found",
      /other environment/,
    );
  } finally {
    await db.sql`update astapa.projects set mode = 'sandbox' where id = ${p}`;
  }
});
