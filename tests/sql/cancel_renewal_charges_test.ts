/**
 * A cancel (api.cancel_subscription) and the person's renewal pay links that have had a charge. One whose only
 * charge ended (Xendit expired it, or it was abandoned here) stayed pending through the cancel, and a new method
 * then renewed the plan the person had canceled. Now the cancel voids it too (astapa.void_renewal_checkouts),
 * taking the charged checkouts before the person's row, as a refund callback does (docs/database.md "Lock order");
 * one whose charge is under way is left (paid, it renews the plan), but no new charge is taken on a pay link of a
 * canceled subscription (api.record_payment, astapa.assert_period_to_renew). The races with a success callback that
 * holds such a checkout and then waits for the payer's row are made certain: one side holds its locks until the
 * other is seen waiting (tests/helpers/lock_race.ts); tests/helpers/db.ts fails a test that met a deadlock.
 */
import assert from "node:assert/strict";
import { asApp, type Tx } from "@/db/client.ts";
import { cancelSubscription } from "@/db/billing.ts";
import { applyPaymentEvent, checkoutToCharge, createCheckout, recordPaymentEvent } from "@/db/payments.ts";
import { assignPlan, currentSubscription } from "@/db/plans.ts";
import { testDatabase } from "../helpers/db.ts";
import { rejectsAs } from "../helpers/identity.ts";
import { lockRace, waitForLockWaiter } from "../helpers/lock_race.ts";
import { seedShop, type Shop } from "../helpers/payments.ts";
import { charge, settle, storeSuccess } from "../helpers/person_lock_race.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const DAY = 86_400_000;
const as = <T>(projectId: string, work: (tx: Tx) => Promise<T>) => asApp(db.sql, projectId, work);
type Applied = Awaited<ReturnType<typeof applyPaymentEvent>>;

/** The shop's user on pro, paid through 5 days from now, and the next period's pay link, charged (QRIS). */
async function chargedRenewal(shop: Shop, providerId: string) {
  const p = shop.project.id;
  const now = Date.now();
  const end = new Date(now + 5 * DAY).toISOString();
  await as(p, (tx) =>
    assignPlan(tx, p, shop.userId, "pro", "payment", {
      start: new Date(now - 25 * DAY).toISOString(),
      end,
    }));
  const { checkout_id: link } = await as(p, (tx) =>
    createCheckout(tx, p, {
      sub: shop.userId,
      plan: "pro",
      xendit_account: "simulator",
      period_start: end,
    }));
  await charge(db.sql, shop, link, providerId);
  return { link, end };
}

/** Xendit's callback for the charge, stored and applied: its outcome. */
async function callback(shop: Shop, link: string, providerId: string, status: string) {
  const p = shop.project.id;
  await as(p, (tx) =>
    recordPaymentEvent(tx, p, {
      providerId,
      status,
      checkoutId: link,
      body: { data: { amount: 99_000, currency: "IDR", status } },
    }));
  return (await as(p, (tx) => applyPaymentEvent(tx, p)))?.outcome;
}

async function statusOf(shop: Shop, link: string): Promise<string> {
  const [row] = await db.sql`select status from astapa.checkouts
                             where project_id = ${shop.project.id} and public_id = ${link}`;
  return row.status;
}

Deno.test("api.cancel_subscription — a renewal pay link whose only charge ended is voided: no new method renews the canceled plan", async () => {
  const shop = await seedShop(db.sql, { email: "cancel-ended-charge@example.com" });
  const p = shop.project.id;
  const { link } = await chargedRenewal(shop, "pr-cancel-ended");
  assert.equal(await callback(shop, link, "pr-cancel-ended", "EXPIRED"), "expired");
  assert.equal(await statusOf(shop, link), "pending", "the link stays payable by another method");

  await as(p, (tx) => cancelSubscription(tx, p, shop.userId));
  assert.equal(await statusOf(shop, link), "expired", "the cancel voided it");
  await rejectsAs(charge(db.sql, shop, link, "pr-cancel-ended-again"), "conflict", /already expired/);
  const state = await as(p, (tx) => currentSubscription(tx, p, shop.userId));
  assert.deepEqual([state.plan, state.subscription?.status], ["pro", "canceled"]);
});

Deno.test("api.record_payment — a renewal link whose charge was under way at the cancel and ended since takes no new charge (astapa.assert_period_to_renew); a cancel again voids it", async () => {
  const shop = await seedShop(db.sql, { email: "cancel-charge-ended-after@example.com" });
  const p = shop.project.id;
  const { link } = await chargedRenewal(shop, "pr-cancel-in-flight");
  await as(p, (tx) => cancelSubscription(tx, p, shop.userId));
  assert.equal(await statusOf(shop, link), "pending", "a charge under way is left to finish");
  assert.equal(await callback(shop, link, "pr-cancel-in-flight", "FAILED"), "failed");

  await rejectsAs(charge(db.sql, shop, link, "pr-cancel-in-flight-2"), "conflict", /canceled or has ended/);
  const [charges] = await db.sql`select count(*)::int as n from astapa.payments
                                 where project_id = ${p} and provider_id = 'pr-cancel-in-flight-2'`;
  assert.equal(charges.n, 0, "nothing recorded");
  await as(p, (tx) => cancelSubscription(tx, p, shop.userId));
  assert.equal(await statusOf(shop, link), "expired", "canceling again voids what is left");
});

Deno.test("astapa.charge_under_way — a checkout whose charges all ended has none; astapa.void_renewal_checkouts voids it, and leaves one with a pending charge", async () => {
  const shop = await seedShop(db.sql, { email: "cancel-charge-under-way@example.com" });
  const p = shop.project.id;
  const { link } = await chargedRenewal(shop, "pr-under-way");
  const underWay = async () => {
    const [row] = await db.sql`select astapa.charge_under_way(${p}, id) as yes from astapa.checkouts
                               where project_id = ${p} and public_id = ${link}`;
    return row.yes;
  };
  assert.equal(await underWay(), true, "pending at Xendit");
  await db.sql`select astapa.void_renewal_checkouts(${p}, ${shop.userId})`;
  assert.equal(await statusOf(shop, link), "pending", "a charge under way is not cut off");
  assert.equal(await callback(shop, link, "pr-under-way", "EXPIRED"), "expired");
  assert.equal(await underWay(), false, "its only charge ended");
  await db.sql`select astapa.void_renewal_checkouts(${p}, ${shop.userId})`;
  assert.equal(await statusOf(shop, link), "expired");
});

Deno.test("api.cancel_subscription meeting a success callback of a charged renewal link: no deadlock, paid, then canceled", async () => {
  const shop = await seedShop(db.sql, { email: "cancel-meets-callback@example.com" });
  const p = shop.project.id;
  const { link, end } = await chargedRenewal(shop, "pr-cancel-meets");
  await storeSuccess(db.sql, shop, "pr-cancel-meets", link);
  // A holder takes the link; the callback queues behind it, then the cancel; the holder commits. The callback
  // gets the link and waits for the payer's row: a cancel holding that row and waiting for the link deadlocked.
  let applied: Promise<PromiseSettledResult<Applied>> | undefined;
  let canceled: Promise<PromiseSettledResult<unknown>> | undefined;
  await as(p, async (tx) => {
    await tx`select from astapa.checkouts where project_id = ${p} and public_id = ${link} for update`;
    // Started once each: were the holder run again, asApp would start them again otherwise.
    applied ??= settle(as(p, (worker) => applyPaymentEvent(worker, p)));
    await waitForLockWaiter(db.sql, 1);
    canceled ??= settle(as(p, (other) => cancelSubscription(other, p, shop.userId)));
    await waitForLockWaiter(db.sql, 2);
  });
  const [paid, done] = [await applied!, await canceled!];
  assert.equal(paid.status, "fulfilled", String((paid as PromiseRejectedResult).reason));
  assert.equal(done.status, "fulfilled", String((done as PromiseRejectedResult).reason));
  assert.equal((paid as PromiseFulfilledResult<Applied>).value?.outcome, "paid");
  assert.equal(await statusOf(shop, link), "paid");
  const state = await as(p, (tx) => currentSubscription(tx, p, shop.userId));
  assert.equal(state.subscription?.status, "canceled", "canceled after the renewal, at its new end");
  assert.ok(new Date(state.subscription!.paid_through!) > new Date(end), "the renewal paid its period");
});

Deno.test("api.cancel_subscription holding a renewal link whose charge ended: a late success of that charge waits, then pays it (paid wins, the cancel undone)", async () => {
  const shop = await seedShop(db.sql, { email: "cancel-then-late-success@example.com" });
  const p = shop.project.id;
  const { link, end } = await chargedRenewal(shop, "pr-cancel-late");
  assert.equal(await callback(shop, link, "pr-cancel-late", "EXPIRED"), "expired");
  await storeSuccess(db.sql, shop, "pr-cancel-late", link);
  const [cancel, late] = await lockRace(
    db.sql,
    p,
    (tx) => cancelSubscription(tx, p, shop.userId),
    () => as(p, (worker) => applyPaymentEvent(worker, p)),
  );
  assert.equal(cancel.status, "fulfilled", String((cancel as PromiseRejectedResult).reason));
  assert.equal(late.status, "fulfilled", String((late as PromiseRejectedResult).reason));
  assert.equal((late as PromiseFulfilledResult<Applied>).value?.outcome, "paid");
  assert.equal(await statusOf(shop, link), "paid", "money Xendit took is applied");
  const state = await as(p, (tx) => currentSubscription(tx, p, shop.userId));
  assert.equal(state.subscription?.status, "active", "paid, the renewal undoes the cancel");
  assert.ok(new Date(state.subscription!.paid_through!) > new Date(end));
});

Deno.test("api.checkout_to_charge — answers a checkout a charge may be made for, and refuses before Xendit is asked what api.record_payment refuses (astapa.assert_chargeable)", async () => {
  const shop = await seedShop(db.sql, { email: "checkout-to-charge@example.com" });
  const p = shop.project.id;
  const { link } = await chargedRenewal(shop, "pr-to-charge");
  const toCharge = (checkoutId: string) => as(p, (tx) => checkoutToCharge(tx, p, checkoutId));
  assert.equal((await toCharge(link)).status, "pending", "another method may still be chosen");
  await rejectsAs(toCharge("chk_aaaaaaaaaaaaaaaaaaaaaaaa"), "not_found", /not found/);

  await as(p, (tx) => cancelSubscription(tx, p, shop.userId));
  assert.equal(await callback(shop, link, "pr-to-charge", "FAILED"), "failed");
  await rejectsAs(toCharge(link), "conflict", /canceled or has ended/);
  await as(p, (tx) => cancelSubscription(tx, p, shop.userId));
  await rejectsAs(toCharge(link), "conflict", /already expired/);

  // A link for a period already paid (paid through 5 days from now; the link starts in 2).
  const other = await seedShop(db.sql, { email: "checkout-to-charge-paid@example.com" });
  const q = other.project.id;
  const now = Date.now();
  await as(q, (tx) =>
    assignPlan(tx, q, other.userId, "pro", "payment", {
      start: new Date(now - 25 * DAY).toISOString(),
      end: new Date(now + 5 * DAY).toISOString(),
    }));
  const { checkout_id: covered } = await as(q, (tx) =>
    createCheckout(tx, q, {
      sub: other.userId,
      plan: "pro",
      xendit_account: "simulator",
      period_start: new Date(now + 2 * DAY).toISOString(),
    }));
  await rejectsAs(
    as(q, (tx) => checkoutToCharge(tx, q, covered)),
    "conflict",
    /period this checkout is for has already been paid/,
  );
  await rejectsAs(charge(db.sql, other, covered, "pr-to-charge-covered"), "conflict", /already been paid/);
});
