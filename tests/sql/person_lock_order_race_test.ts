/**
 * What holds a person's row and then changes their checkouts, against a success callback of one of those
 * checkouts (astapa.apply_payment_event_row, db/api/payments.sql), which holds the checkout and its charge and then
 * waits for the payer's row. An erasure (astapa.erase_user, clearing buyer details), a refund callback
 * (astapa.apply_refund_event, expiring renewal checkouts) and a project's deletion (api.delete_project, locking its
 * signed-in users, then expiring pending checkouts and their charges) used to take the person's row first: each
 * held one and waited for the other's, and Postgres broke one off (40P01, which tests/helpers/db.ts fails the test
 * for). Now they take the person's charged checkouts they will change before the person's row (docs/database.md
 * "Lock order"), and wait for the callback.
 *
 * The overlap is made certain without timing: a third transaction holds the checkout while the callback and then
 * the other queue up behind it (each seen waiting in pg_stat_activity), so the callback gets the checkout first.
 */
import assert from "node:assert/strict";
import { asApp, type Tx } from "@/db/client.ts";
import { applyPaymentEvent } from "@/db/payments.ts";
import { currentSubscription } from "@/db/plans.ts";
import { setCheckoutBuyer } from "@/db/receipts.ts";
import { deleteProject } from "@/db/project_settings.ts";
import { deleteUser } from "@/db/user_admin.ts";
import { testDatabase } from "../helpers/db.ts";
import { waitForLockWaiter } from "../helpers/lock_race.ts";
import { seedShop, type Shop } from "../helpers/payments.ts";
import { pendingCharge } from "../helpers/pending_charge.ts";
import {
  liveRefreshToken,
  refundToPeriodEnd,
  settle,
  storeRefundSuccess,
  storeSuccess,
} from "../helpers/person_lock_race.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const as = <T>(projectId: string, work: (tx: Tx) => Promise<T>) => asApp(db.sql, projectId, work);
type Applied = Awaited<ReturnType<typeof applyPaymentEvent>>;

/** A charge of pro on a new checkout of the shop's user (a renewal's when periodStart), its public id. */
const chargedCheckout = (shop: Shop, providerId: string, periodStart?: string) =>
  pendingCharge(db.sql, shop.project.id, shop.userId, providerId, "qris", periodStart).then((c) =>
    c.checkout_id
  );

/**
 * A holder takes the checkout; the callback (the oldest stored event) queues behind it, then `other` starts and
 * waits too; the holder commits. Both settled.
 */
async function callbackMeeting<T>(shop: Shop, checkoutId: string, other: () => Promise<T>) {
  const p = shop.project.id;
  let callback: Promise<PromiseSettledResult<Applied>> | undefined;
  let second: Promise<PromiseSettledResult<T>> | undefined;
  await as(p, async (tx) => {
    await tx`select from astapa.checkouts where project_id = ${p} and public_id = ${checkoutId} for update`;
    // Started once each: were the holder run again, asApp would start them again otherwise.
    callback ??= settle(as(p, (worker) => applyPaymentEvent(worker, p)));
    await waitForLockWaiter(db.sql, 1);
    second ??= settle(other());
    await waitForLockWaiter(db.sql, 2);
  });
  const [applied, done] = [await callback!, await second!];
  assert.equal(applied.status, "fulfilled", String((applied as PromiseRejectedResult).reason));
  assert.equal(done.status, "fulfilled", String((done as PromiseRejectedResult).reason));
  return {
    applied: (applied as PromiseFulfilledResult<Applied>).value,
    done: (done as PromiseFulfilledResult<T>).value,
  };
}

Deno.test("astapa.erase_user meeting a success callback of a checkout with buyer details: no deadlock, paid, then erased", async () => {
  const shop = await seedShop(db.sql, { email: "person-lock-erasure@example.com" });
  const p = shop.project.id;
  const checkoutId = await chargedCheckout(shop, "pr-person-lock-erasure");
  await as(p, (tx) => setCheckoutBuyer(tx, p, checkoutId, { name: "PT Contoh", tax_id: "0123456789012345" }));
  await storeSuccess(db.sql, shop, "pr-person-lock-erasure", checkoutId);
  const { applied } = await callbackMeeting(
    shop,
    checkoutId,
    () => as(p, (tx) => deleteUser(tx, p, shop.userId)),
  );
  assert.equal(applied?.outcome, "paid", "the callback got the checkout first and paid it");
  const [checkout] = await db.sql`select status, buyer_name, buyer_tax_id from astapa.checkouts
                                  where project_id = ${p} and public_id = ${checkoutId}`;
  assert.deepEqual({ ...checkout }, { status: "paid", buyer_name: null, buyer_tax_id: null });
  const [person] = await db
    .sql`select deleted_at is not null as erased from astapa.users where id = ${shop.userId}`;
  assert.equal(person.erased, true);
  const [ended] = await db.sql`select count(*)::int as open from astapa.subscriptions
                               where user_id = ${shop.userId} and status <> 'canceled'`;
  assert.equal(ended.open, 0, "the erasure ended the subscription the payment started");
});

Deno.test("astapa.apply_refund_event meeting a success callback of a pending renewal checkout: no deadlock, paid, then refunded", async () => {
  const shop = await seedShop(db.sql, { email: "person-lock-refund@example.com" });
  const p = shop.project.id;
  // A first payment for pro, receipted and refunded (keep to the period end).
  const refunded = await refundToPeriodEnd(db.sql, shop, "pr-person-lock-first", "rfd-person-lock");
  const { paidThrough } = refunded;
  // The next period's renewal checkout, charged; its success stored before the refund's callback.
  const renewal = await chargedCheckout(shop, "pr-person-lock-renewal", paidThrough);
  await storeSuccess(db.sql, shop, "pr-person-lock-renewal", renewal);
  await storeRefundSuccess(db.sql, shop, refunded);
  const { applied, done } = await callbackMeeting(
    shop,
    renewal,
    () => as(p, (worker) => applyPaymentEvent(worker, p)),
  );
  assert.equal(applied?.outcome, "paid", "the callback got the renewal checkout first and paid it");
  assert.equal(done?.outcome, "refunded");
  const [checkout] = await db
    .sql`select status from astapa.checkouts where project_id = ${p} and public_id = ${renewal}`;
  assert.equal(checkout.status, "paid");
  const state = await as(p, (tx) => currentSubscription(tx, p, shop.userId));
  assert.deepEqual([state.plan, state.subscription?.status], ["pro", "canceled"], "kept to its period end");
  assert.ok(
    new Date(state.subscription!.paid_through!) > new Date(paidThrough),
    "the renewal paid for the next period",
  );
});

Deno.test("api.delete_project meeting a success callback of a pending checkout of a signed-in user: no deadlock, paid, then ended", async () => {
  const shop = await seedShop(db.sql, { email: "person-lock-project@example.com" });
  const p = shop.project.id;
  await liveRefreshToken(db.sql, shop, "person-lock-project-rt");
  const checkoutId = await chargedCheckout(shop, "pr-person-lock-project");
  await storeSuccess(db.sql, shop, "pr-person-lock-project", checkoutId);
  const { applied, done } = await callbackMeeting(
    shop,
    checkoutId,
    () => asApp(db.sql, p, (tx) => deleteProject(tx, p, "Shop"), { actor: "account:1" }),
  );
  assert.equal(applied?.outcome, "paid", "the callback got the checkout first and paid it");
  assert.equal(done.name, "Shop");
  const [state] = await db.sql`select c.status as checkout, y.status as charge from astapa.checkouts as c
    join astapa.payments as y on y.project_id = c.project_id and y.checkout_id = c.id
    where c.project_id = ${p} and c.public_id = ${checkoutId}`;
  assert.deepEqual({ ...state }, { checkout: "paid", charge: "paid" }, "paid stays paid");
  const [ended] = await db.sql`select count(*)::int as live from astapa.subscriptions
                               where project_id = ${p} and ended_at is null`;
  assert.equal(ended.live, 0, "the deletion ended the subscription the payment started");
  const [tokens] = await db.sql`select count(*)::int as live from astapa.refresh_tokens
                                where project_id = ${p} and revoked_at is null`;
  assert.equal(tokens.live, 0);
});
