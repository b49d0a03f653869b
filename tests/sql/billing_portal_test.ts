/**
 * SQL tests for the customer portal's read (db/api/billing_portal.sql): a paying user's plan, next renewal,
 * open change, receipts with refunds; only their own rows; unknown, disabled and other projects' users refused.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { billingAccount } from "@/db/billing_portal.ts";
import { changePlan } from "@/db/plan_changes.ts";
import { createPlan } from "@/db/plans.ts";
import { applyPaymentEvent, createCheckout, recordPaymentEvent } from "@/db/payments.ts";
import { requestRefund } from "@/db/refunds.ts";
import { disableUser } from "@/db/users.ts";
import { testDatabase } from "../helpers/db.ts";
import { rejectsAs, seedUser } from "../helpers/identity.ts";
import { pendingCharge } from "../helpers/pending_charge.ts";
import { seedShop } from "../helpers/payments.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const as = <T>(projectId: string | null, work: Parameters<typeof asApp<T>>[2]) =>
  asApp(db.sql, projectId, work);

/** Pays plan pro (99,000) for `sub` through a checkout, a charge and its callback; answers the checkout id. */
async function pay(p: string, sub: string, providerId: string) {
  const checkout = await pendingCharge(db.sql, p, sub, providerId);
  await as(p, (tx) =>
    recordPaymentEvent(tx, p, {
      providerId,
      status: "SUCCEEDED",
      checkoutId: checkout.checkout_id,
      body: { data: { amount: 99_000, currency: "IDR" } },
    }));
  while (await as(p, (tx) => applyPaymentEvent(tx, p)));
  return checkout.checkout_id;
}

Deno.test("api.billing_account — a paying user: plan, next renewal, scheduled change, receipts and refunds", async () => {
  const shop = await seedShop(db.sql);
  const p = shop.project.id;
  await as(p, (tx) => createPlan(tx, p, { key: "basic", name: "Basic", price_idr: 49_000 }));
  const other = await seedUser(db.sql, p, "other@example.com");

  const fresh = await as(p, (tx) => billingAccount(tx, p, shop.userId));
  assert.equal(fresh.plan.key, "free");
  assert.equal(fresh.subscription, null);
  assert.equal(fresh.next_renewal, null);
  assert.deepEqual(fresh.payments, []);
  assert.deepEqual(fresh.plans.map((plan) => [plan.key, plan.price_idr]), [["basic", 49_000], [
    "pro",
    99_000,
  ]]);

  await pay(p, shop.userId, "pr-portal-1");
  await as(p, (tx) => changePlan(tx, p, shop.userId, "basic", "simulator"));
  const [receipt] = (await as(p, (tx) => billingAccount(tx, p, shop.userId))).payments;
  await as(p, (tx) =>
    requestRefund(tx, p, {
      receipt: receipt.number,
      amount: 9_000,
      plan_effect: "none",
      requested_by: "test",
    }));
  // A payment of another user of the same project must not show up.
  await pay(p, other, "pr-portal-2");

  const account = await as(p, (tx) => billingAccount(tx, p, shop.userId));
  assert.equal(account.plan.key, "pro");
  assert.equal(account.subscription?.status, "active");
  assert.equal(account.next_renewal?.plan, "basic", "the renewal follows the scheduled downgrade");
  assert.equal(account.next_renewal?.amount, 49_000);
  assert.equal(account.next_renewal?.at, account.subscription?.paid_through);
  assert.equal(account.open_change?.kind, "scheduled");
  assert.equal(account.open_change?.to_plan, "basic");
  assert.equal(account.payments.length, 1, "only this user's receipts");
  assert.equal(account.payments[0].amount, 99_000);
  assert.equal(account.payments[0].refunded_idr, 0, "a requested refund has not given anything back yet");
  assert.deepEqual(account.payments[0].refunds.map((r) => [r.amount, r.status]), [[9_000, "requested"]]);
  assert.deepEqual(account.open_checkouts, []);

  const theirs = await as(p, (tx) => billingAccount(tx, p, other));
  assert.equal(theirs.payments.length, 1);
  assert.notEqual(theirs.payments[0].receipt_id, receipt.receipt_id);
  assert.equal(theirs.open_change, null);
});

Deno.test("api.billing_account — an unpaid checkout is listed while open, not after it expires", async () => {
  const shop = await seedShop(db.sql);
  const p = shop.project.id;
  const checkout = await as(
    p,
    (tx) =>
      createCheckout(tx, p, { sub: shop.userId, plan: "pro", xendit_account: "simulator", ttl_seconds: 600 }),
  );
  const open = await as(p, (tx) => billingAccount(tx, p, shop.userId));
  assert.deepEqual(open.open_checkouts.map((c) => [c.checkout_id, c.amount]), [[
    checkout.checkout_id,
    99_000,
  ]]);
  const later = await as(p, (tx) => billingAccount(tx, p, shop.userId, new Date(Date.now() + 3_600_000)));
  assert.deepEqual(later.open_checkouts, []);
});

Deno.test("api.billing_account — unknown, disabled and other projects' users are 404", async () => {
  const a = await seedShop(db.sql);
  const b = await seedShop(db.sql);
  await rejectsAs(as(a.project.id, (tx) => billingAccount(tx, a.project.id, "987654321")), "not_found");
  // b's user read as project a: RLS hides it, so it is unknown there.
  await rejectsAs(as(a.project.id, (tx) => billingAccount(tx, a.project.id, b.userId)), "not_found");
  await as(a.project.id, (tx) => disableUser(tx, a.project.id, a.userId));
  await rejectsAs(as(a.project.id, (tx) => billingAccount(tx, a.project.id, a.userId)), "not_found");
});

Deno.test("api.billing_account — team plans (an organization's) are never among the plans on offer", async () => {
  const shop = await seedShop(db.sql);
  const p = shop.project.id;
  await as(p, (tx) => createPlan(tx, p, { key: "basic", name: "Basic", price_idr: 49_000 }));
  await as(p, (tx) => createPlan(tx, p, { key: "seat", name: "Seat", price_idr: 50_000 }));
  await as(p, (tx) => createPlan(tx, p, { key: "crew", name: "Crew", price_idr: 300_000 }));
  await as(p, (tx) => tx`select api.set_plan_seats(${p}, 'seat', 'per_seat')`);
  await as(p, (tx) => tx`select api.set_plan_seats(${p}, 'crew', 'flat', 5)`);
  await pay(p, shop.userId, "pr-portal-team");
  const account = await as(p, (tx) => billingAccount(tx, p, shop.userId));
  assert.equal(account.subscription?.status, "active", "a paying user, who sees the change options");
  assert.deepEqual(account.plans.map((plan) => plan.key), ["basic", "pro"]);
});
