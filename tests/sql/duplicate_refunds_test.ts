/**
 * Double payments refunded without an operator (astapa.refund_duplicate_payment, db/api/payments.sql): with the
 * project's billing_refund_duplicates on, a payment applied as paid_again (a second payment of a checkout already
 * paid) asks for its full refund through api.request_refund — the rows, audit entry and callback path of a hand
 * refund — with reason DUPLICATE and no plan effect; once per payment, never for a virtual account (Xendit cannot
 * refund one), never with the setting off (the default). The refund's success changes no plan and voids no
 * renewal pay link. Xendit is asked by the billing pass (tests/payments/duplicate_refund_test.ts).
 */
import assert from "node:assert/strict";
import { asApp, type Tx } from "@/db/client.ts";
import { applyPaymentEvent, createCheckout, recordPayment, recordPaymentEvent } from "@/db/payments.ts";
import { currentSubscription } from "@/db/plans.ts";
import { billingSettings, updateBillingSettings } from "@/db/project_settings.ts";
import { rows, testDatabase } from "../helpers/db.ts";
import { rejectsAs } from "../helpers/identity.ts";
import { seedShop, type Shop } from "../helpers/payments.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const as = <T>(projectId: string, work: (tx: Tx) => Promise<T>) => asApp(db.sql, projectId, work);

/** Records a charge of `method` on the checkout (another method chosen on its page). */
const charge = (shop: Shop, checkoutId: string, providerId: string, method = "qris") =>
  as(shop.project.id, (tx) =>
    recordPayment(tx, shop.project.id, checkoutId, {
      kind: "payment_request",
      provider_id: providerId,
      method,
      bank: method === "bank_transfer" ? "BCA" : undefined,
      details: {},
      expires_at: null,
    }));

/** Stores Xendit's SUCCEEDED callback of a charge and applies it: the outcome. */
async function succeeded(shop: Shop, checkoutId: string, providerId: string) {
  const p = shop.project.id;
  await as(p, (tx) =>
    recordPaymentEvent(tx, p, {
      providerId,
      status: "SUCCEEDED",
      checkoutId,
      body: { event: "payment.succeeded", data: { amount: 99_000, currency: "IDR", status: "SUCCEEDED" } },
    }));
  return (await as(p, (tx) => applyPaymentEvent(tx, p)))?.outcome;
}

/** A checkout of pro charged twice (QRIS, then `second`), both paid: the first "paid", the second "paid_again". */
async function paidTwice(shop: Shop, prefix: string, second = "qris") {
  const { checkout_id: checkout } = await as(
    shop.project.id,
    (tx) =>
      createCheckout(tx, shop.project.id, { sub: shop.userId, plan: "pro", xendit_account: "simulator" }),
  );
  await charge(shop, checkout, `${prefix}-1`);
  await charge(shop, checkout, `${prefix}-2`, second);
  assert.equal(await succeeded(shop, checkout, `${prefix}-1`), "paid");
  assert.equal(await succeeded(shop, checkout, `${prefix}-2`), "paid_again");
  return checkout;
}

const refundsOf = async (p: string) =>
  rows(
    await db.sql`select y.provider_id, r.amount::int, r.reason, r.plan_effect, r.status, r.requested_by
                 from astapa.refunds r join astapa.payments y on y.id = r.payment_id
                 where r.project_id = ${p} order by r.id`,
  );

Deno.test("astapa.refund_duplicate_payment — with billing_refund_duplicates on, a paid_again payment gets one full refund (DUPLICATE, no plan effect), audited; off by default, none", async () => {
  const off = await seedShop(db.sql, { email: "duplicate-off@example.com" });
  assert.equal(
    (await as(off.project.id, (tx) => billingSettings(tx, off.project.id))).billing_refund_duplicates,
    false,
  );
  await paidTwice(off, "pr-dup-off");
  assert.deepEqual(await refundsOf(off.project.id), [], "off: refunded by hand, as before");

  const on = await seedShop(db.sql, { email: "duplicate-on@example.com" });
  const p = on.project.id;
  const settings = await as(p, (tx) => updateBillingSettings(tx, p, { billing_refund_duplicates: true }));
  assert.equal(settings.billing_refund_duplicates, true);
  await paidTwice(on, "pr-dup-on");
  const refund = {
    provider_id: "pr-dup-on-2",
    amount: 99_000,
    reason: "DUPLICATE",
    plan_effect: "none",
    status: "requested",
    requested_by: "duplicate_payment",
  };
  assert.deepEqual(await refundsOf(p), [refund], "the second payment, in full; the first is kept");
  const [audit] = await as(p, async (tx) =>
    rows(
      await tx`select details from astapa.audit_log where action = 'payment.refund_requested'`,
    ));
  assert.equal((audit.details as { by: string }).by, "duplicate_payment");

  // Applied again (an event put back in line, the helper called twice): still the one refund.
  await db.sql`update astapa.payment_events set processed_at = null, outcome = null
               where project_id = ${p} and provider_id = 'pr-dup-on-2'`;
  assert.equal((await as(p, (tx) => applyPaymentEvent(tx, p)))?.outcome, "no_change");
  await as(
    p,
    (tx) =>
      tx`select astapa.refund_duplicate_payment(y) from astapa.payments y where provider_id = 'pr-dup-on-2'`,
  );
  assert.deepEqual(await refundsOf(p), [refund], "one refund per payment");
});

Deno.test("astapa.refund_duplicate_payment — a virtual account's double payment is left for a bank transfer by hand; a payment refunded by hand already gets none", async () => {
  const shop = await seedShop(db.sql, { email: "duplicate-va@example.com" });
  const p = shop.project.id;
  await as(p, (tx) => updateBillingSettings(tx, p, { billing_refund_duplicates: true }));
  await paidTwice(shop, "pr-dup-va", "bank_transfer");
  assert.deepEqual(await refundsOf(p), [], "Xendit cannot refund a virtual account");

  // A hand refund asked for first (the operator was quicker): the automatic one leaves the payment be.
  const second = await seedShop(db.sql, { email: "duplicate-by-hand@example.com" });
  const q = second.project.id;
  await as(q, (tx) => updateBillingSettings(tx, q, { billing_refund_duplicates: true }));
  await paidTwice(second, "pr-dup-hand");
  await db.sql`update astapa.refunds set requested_by = 'dashboard' where project_id = ${q}`;
  await as(
    q,
    (tx) =>
      tx`select astapa.refund_duplicate_payment(y) from astapa.payments y where provider_id = 'pr-dup-hand-2'`,
  );
  assert.equal((await refundsOf(q)).length, 1);
});

Deno.test("astapa.refund_duplicate_payment — its refund succeeding changes no plan and voids none of the person's renewal pay links (plan_effect none)", async () => {
  const shop = await seedShop(db.sql, { email: "duplicate-keeps-links@example.com" });
  const p = shop.project.id;
  await as(p, (tx) => updateBillingSettings(tx, p, { billing_refund_duplicates: true }));
  const paid = await paidTwice(shop, "pr-dup-links");
  const through = (await as(p, (tx) => currentSubscription(tx, p, shop.userId))).subscription!.paid_through!;
  const { checkout_id: renewal } = await as(
    p,
    (tx) =>
      createCheckout(tx, p, {
        sub: shop.userId,
        plan: "pro",
        xendit_account: "simulator",
        period_start: through,
      }),
  );
  const [refund] = await as(p, async (tx) => rows(await tx`select public_id from astapa.refunds`));
  await as(p, (tx) =>
    recordPaymentEvent(tx, p, {
      providerId: "rfd-dup-links",
      status: "SUCCEEDED",
      checkoutId: paid,
      body: {
        event: "refund.succeeded",
        data: { reference_id: refund.public_id, amount: 99_000, currency: "IDR", status: "SUCCEEDED" },
      },
    }));
  assert.equal((await as(p, (tx) => applyPaymentEvent(tx, p)))?.outcome, "refunded");
  const state = await as(p, (tx) => currentSubscription(tx, p, shop.userId));
  assert.deepEqual([state.plan, state.subscription?.status, state.subscription?.paid_through], [
    "pro",
    "active",
    through,
  ]);
  const [link] = await as(
    p,
    async (tx) => rows(await tx`select status from astapa.checkouts where public_id = ${renewal}`),
  );
  assert.equal(link.status, "open", "the next period's pay link stays");
});

Deno.test("api.update_billing_settings — billing_refund_duplicates is true or false (null: off again)", async () => {
  const shop = await seedShop(db.sql, { email: "duplicate-setting@example.com" });
  const p = shop.project.id;
  await rejectsAs(
    as(p, (tx) => updateBillingSettings(tx, p, { billing_refund_duplicates: "yes" })),
    "validation_failed",
    /billing_refund_duplicates must be true or false/,
  );
  await as(p, (tx) => updateBillingSettings(tx, p, { billing_refund_duplicates: true }));
  const back = await as(p, (tx) => updateBillingSettings(tx, p, { billing_refund_duplicates: null }));
  assert.equal(back.billing_refund_duplicates, false);
});

Deno.test("astapa.refund_duplicate_payment — a refusal of api.request_refund is a warning, never the undoing of the payment it follows", async () => {
  const shop = await seedShop(db.sql, { email: "duplicate-refused@example.com" });
  const p = shop.project.id;
  await as(p, (tx) => updateBillingSettings(tx, p, { billing_refund_duplicates: true }));
  const { checkout_id: checkout } = await as(
    p,
    (tx) => createCheckout(tx, p, { sub: shop.userId, plan: "pro", xendit_account: "simulator" }),
  );
  await charge(shop, checkout, "pr-dup-refused");
  // A payment without a receipt (still pending): api.request_refund refuses it (AS404: no paid payment has that
  // receipt).
  await as(
    p,
    (tx) =>
      tx`select astapa.refund_duplicate_payment(y) from astapa.payments y where provider_id = 'pr-dup-refused'`,
  );
  assert.deepEqual(await refundsOf(p), [], "no refund, and no error");
});
