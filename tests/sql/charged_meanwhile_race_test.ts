/**
 * The window of the person lock order (docs/database.md "Lock order"): an erasure (astapa.erase_user), a refund
 * callback (astapa.apply_refund_event) and a project's deletion (api.delete_project) lock a person's charged
 * checkouts, then the person's row. A checkout still open when that set was read, charged (api.record_payment)
 * before the row was taken, is not in it: its success callback (astapa.apply_payment_event_row) held it and waited
 * for the row, while the other held the row and then waited for the checkout (40P01, which tests/helpers/db.ts
 * fails the test for). Now, with the row held, each takes the open checkouts it changes and reads the set again: a
 * checkout charged meanwhile breaks it off (40001), the callback goes on, and asApp runs it again in the new order.
 *
 * The interleaving is made certain without timing: a third transaction holds the person's row (for share) while
 * the locker queues behind it, having read its set; then the checkout is charged, and its callback queues too.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { asApp, type Tx } from "@/db/client.ts";
import { cancelSubscription } from "@/db/billing.ts";
import { applyPaymentEvent } from "@/db/payments.ts";
import { assignPlan, createPlan, currentSubscription } from "@/db/plans.ts";
import { changePlan } from "@/db/plan_changes.ts";
import { deleteProject } from "@/db/project_settings.ts";
import { setCheckoutBuyer } from "@/db/receipts.ts";
import { deleteUser } from "@/db/user_admin.ts";
import { rolledBack, testDatabase } from "../helpers/db.ts";
import { rejectsAs } from "../helpers/identity.ts";
import { waitForLockWaiter } from "../helpers/lock_race.ts";
import { seedShop, type Shop } from "../helpers/payments.ts";
import { pendingCharge } from "../helpers/pending_charge.ts";
import {
  charge,
  liveRefreshToken,
  openCheckout,
  refundToPeriodEnd,
  settle,
  storeRefundSuccess,
  storeSuccess,
} from "../helpers/person_lock_race.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const as = <T>(projectId: string, work: (tx: Tx) => Promise<T>) => asApp(db.sql, projectId, work);
type Applied = Awaited<ReturnType<typeof applyPaymentEvent>>;

/**
 * A holder takes the person's row; `locker` starts and waits for it; the open checkout is charged, its success
 * stored, and a callback starts and waits for the row too; the holder commits. Both settled.
 */
async function chargedMeanwhile<T>(
  shop: Shop,
  checkoutId: string,
  providerId: string,
  locker: () => Promise<T>,
) {
  const p = shop.project.id;
  let done: Promise<PromiseSettledResult<T>> | undefined;
  let callback: Promise<PromiseSettledResult<Applied>> | undefined;
  await as(p, async (tx) => {
    await tx`select from astapa.users where project_id = ${p} and id = ${shop.userId} for share`;
    // Started once each: were the holder run again, asApp would start them again otherwise.
    done ??= settle(locker());
    await waitForLockWaiter(db.sql, 1);
    if (!callback) {
      await charge(db.sql, shop, checkoutId, providerId);
      await storeSuccess(db.sql, shop, providerId, checkoutId);
      callback = settle(as(p, (worker) => applyPaymentEvent(worker, p)));
    }
    await waitForLockWaiter(db.sql, 2);
  });
  const [applied, other] = [await callback!, await done!];
  assert.equal(applied.status, "fulfilled", String((applied as PromiseRejectedResult).reason));
  assert.equal(other.status, "fulfilled", String((other as PromiseRejectedResult).reason));
  return {
    applied: (applied as PromiseFulfilledResult<Applied>).value,
    done: (other as PromiseFulfilledResult<T>).value,
  };
}

Deno.test("astapa.erase_user meeting a checkout charged after it read its charged ones: no deadlock, paid, then erased", async () => {
  const shop = await seedShop(db.sql, { email: "charged-meanwhile-erasure@example.com" });
  const p = shop.project.id;
  const { checkout_id: checkoutId } = await openCheckout(db.sql, shop);
  await as(p, (tx) => setCheckoutBuyer(tx, p, checkoutId, { name: "PT Contoh", tax_id: "0123456789012345" }));
  const { applied } = await chargedMeanwhile(
    shop,
    checkoutId,
    "pr-charged-meanwhile-erasure",
    () => as(p, (tx) => deleteUser(tx, p, shop.userId)),
  );
  assert.equal(applied?.outcome, "paid", "the callback went on and paid the checkout");
  const [checkout] = await db.sql`select status, buyer_name, buyer_tax_id from astapa.checkouts
                                  where project_id = ${p} and public_id = ${checkoutId}`;
  assert.deepEqual({ ...checkout }, { status: "paid", buyer_name: null, buyer_tax_id: null });
  const [person] = await db
    .sql`select deleted_at is not null as erased from astapa.users where id = ${shop.userId}`;
  assert.equal(person.erased, true);
  const [ended] = await db.sql`select count(*)::int as open from astapa.subscriptions
                               where user_id = ${shop.userId} and status <> 'canceled'`;
  assert.equal(ended.open, 0, "the erasure, run again, ended the subscription the payment started");
});

Deno.test("astapa.apply_refund_event meeting a renewal checkout charged after it read the pending ones: no deadlock, paid, then refunded", async () => {
  const shop = await seedShop(db.sql, { email: "charged-meanwhile-refund@example.com" });
  const p = shop.project.id;
  // A first payment for pro, receipted and refunded (keep to the period end).
  const refunded = await refundToPeriodEnd(
    db.sql,
    shop,
    "pr-charged-meanwhile-first",
    "rfd-charged-meanwhile",
  );
  const { paidThrough } = refunded;
  // The next period's renewal checkout, open (no charge yet) when the refund's callback starts.
  const { checkout_id: renewal } = await openCheckout(db.sql, shop, paidThrough);
  await storeRefundSuccess(db.sql, shop, refunded);
  const { applied, done } = await chargedMeanwhile(
    shop,
    renewal,
    "pr-charged-meanwhile-renewal",
    () => as(p, (worker) => applyPaymentEvent(worker, p)),
  );
  assert.equal(applied?.outcome, "paid", "the callback went on and paid the renewal checkout");
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

Deno.test("api.cancel_subscription meeting a renewal checkout charged after it read the charged ones: no deadlock, paid, then canceled", async () => {
  const shop = await seedShop(db.sql, { email: "charged-meanwhile-cancel@example.com" });
  const p = shop.project.id;
  const now = Date.now();
  const paidThrough = new Date(now + 5 * 86_400_000).toISOString();
  await as(p, (tx) =>
    assignPlan(tx, p, shop.userId, "pro", "payment", {
      start: new Date(now - 25 * 86_400_000).toISOString(),
      end: paidThrough,
    }));
  // The next period's renewal checkout, open (no charge yet) when the cancel reads the charged ones.
  const { checkout_id: renewal } = await openCheckout(db.sql, shop, paidThrough);
  const { applied } = await chargedMeanwhile(
    shop,
    renewal,
    "pr-charged-meanwhile-cancel",
    () => as(p, (tx) => cancelSubscription(tx, p, shop.userId)),
  );
  assert.equal(applied?.outcome, "paid", "the callback went on and paid the renewal checkout");
  const [checkout] = await db
    .sql`select status from astapa.checkouts where project_id = ${p} and public_id = ${renewal}`;
  assert.equal(checkout.status, "paid");
  const state = await as(p, (tx) => currentSubscription(tx, p, shop.userId));
  assert.equal(state.subscription?.status, "canceled", "the cancel, run again, canceled the renewed plan");
  assert.ok(
    new Date(state.subscription!.paid_through!) > new Date(paidThrough),
    "the renewal paid its period",
  );
});

Deno.test("api.change_plan meeting a renewal checkout charged after it read the charged ones: no deadlock, paid, then the change scheduled", async () => {
  const shop = await seedShop(db.sql, { email: "charged-meanwhile-change@example.com" });
  const p = shop.project.id;
  const now = Date.now();
  const paidThrough = new Date(now + 5 * 86_400_000).toISOString();
  await as(p, async (tx) => {
    await assignPlan(tx, p, shop.userId, "pro", "payment", {
      start: new Date(now - 25 * 86_400_000).toISOString(),
      end: paidThrough,
    });
    await createPlan(tx, p, { key: "basic", name: "Basic", price_idr: 49_000 });
  });
  // The next period's renewal checkout, open (no charge yet) when the change reads the charged ones; the change
  // expires every unpaid renewal link, so it must not wait for this one while holding the row.
  const { checkout_id: renewal } = await openCheckout(db.sql, shop, paidThrough);
  const { applied, done } = await chargedMeanwhile(
    shop,
    renewal,
    "pr-charged-meanwhile-change",
    () => as(p, (tx) => changePlan(tx, p, shop.userId, "basic", "simulator")),
  );
  assert.equal(applied?.outcome, "paid", "the callback went on and paid the renewal checkout");
  assert.equal(done.change.kind, "scheduled");
  const [checkout] = await db
    .sql`select status from astapa.checkouts where project_id = ${p} and public_id = ${renewal}`;
  assert.equal(checkout.status, "paid");
});

Deno.test("api.delete_project meeting a checkout charged after it read the pending ones: no deadlock, paid, then ended", async () => {
  const shop = await seedShop(db.sql, { email: "charged-meanwhile-project@example.com" });
  const p = shop.project.id;
  await liveRefreshToken(db.sql, shop, "charged-meanwhile-project-rt");
  const { checkout_id: checkoutId } = await openCheckout(db.sql, shop);
  const { applied, done } = await chargedMeanwhile(
    shop,
    checkoutId,
    "pr-charged-meanwhile-project",
    () => asApp(db.sql, p, (tx) => deleteProject(tx, p, "Shop"), { actor: "account:1" }),
  );
  assert.equal(applied?.outcome, "paid", "the callback went on and paid the checkout");
  assert.equal(done.name, "Shop");
  const [state] = await db.sql`select c.status as checkout, y.status as charge from astapa.checkouts as c
    join astapa.payments as y on y.project_id = c.project_id and y.checkout_id = c.id
    where c.project_id = ${p} and c.public_id = ${checkoutId}`;
  assert.deepEqual({ ...state }, { checkout: "paid", charge: "paid" }, "paid stays paid");
  const [ended] = await db.sql`select count(*)::int as live from astapa.subscriptions
                               where project_id = ${p} and ended_at is null`;
  assert.equal(ended.live, 0, "the deletion, run again, ended the subscription the payment started");
});

Deno.test("astapa.erase_user holds the person's open checkouts it changes: a charge recorded after its check waits for it, and nothing is left to pay", async () => {
  const shop = await seedShop(db.sql, { email: "charged-after-check@example.com" });
  const p = shop.project.id;
  const providerId = "pr-charged-after-check";
  const { checkout_id: checkoutId } = await openCheckout(db.sql, shop);
  await as(p, (tx) => setCheckoutBuyer(tx, p, checkoutId, { name: "PT Contoh", tax_id: "0123456789012345" }));
  // The erasure deletes this row after its check and before it changes the checkouts: held, it pauses there.
  await db.sql`insert into astapa.user_metadata (project_id, user_id) values (${p}, ${shop.userId})`;
  // The success came first (a callback before its charge's row is kept as unknown_payment, then put back in line).
  await storeSuccess(db.sql, shop, providerId, checkoutId);
  let erasure: Promise<PromiseSettledResult<void>> | undefined;
  let recorded: Promise<PromiseSettledResult<unknown>> | undefined;
  let callback: Promise<PromiseSettledResult<Applied>> | undefined;
  // A connection of its own: the erasure, the charge, the callback and the watcher take the test pool's four.
  const holder = postgres(db.url, { max: 1, onnotice: () => {} });
  await holder.begin(async (tx) => {
    await tx`select from astapa.user_metadata where project_id = ${p} and user_id = ${shop.userId} for update`;
    erasure = settle(as(p, (worker) => deleteUser(worker, p, shop.userId)));
    await waitForLockWaiter(db.sql, 1);
    // The charge waits for the erasure, which holds the open checkout; had it not, the charge would be recorded
    // and its callback would hold the checkout, waiting for the person's row, when the erasure comes to it.
    recorded = settle(charge(db.sql, shop, checkoutId, providerId));
    const first = await Promise.race([recorded.then(() => "recorded"), waitForLockWaiter(db.sql, 2)]);
    callback = settle(as(p, (worker) => applyPaymentEvent(worker, p)));
    await waitForLockWaiter(db.sql, first === "recorded" ? 2 : 3);
  }).finally(() => holder.end());
  const [erased, charged, applied] = [await erasure!, await recorded!, await callback!];
  assert.equal(erased.status, "fulfilled", String((erased as PromiseRejectedResult).reason));
  assert.equal(charged.status, "rejected", "the checkout was expired by the erasure before the charge");
  assert.match(String((charged as PromiseRejectedResult).reason), /already expired/);
  assert.equal(applied.status, "fulfilled", String((applied as PromiseRejectedResult).reason));
  assert.equal((applied as PromiseFulfilledResult<Applied>).value?.outcome, "unknown_payment");
  const [checkout] = await db.sql`select status, buyer_name, buyer_tax_id from astapa.checkouts
                                  where project_id = ${p} and public_id = ${checkoutId}`;
  assert.deepEqual({ ...checkout }, { status: "expired", buyer_name: null, buyer_tax_id: null });
});

Deno.test("astapa.hold_checkouts_after_person — passes with the charged ones held first, 40001 with one that was not", async () => {
  const shop = await seedShop(db.sql, { email: "hold-after-person@example.com" });
  const p = shop.project.id;
  const charged = await pendingCharge(db.sql, p, shop.userId, "pr-hold-after-person");
  const open = await openCheckout(db.sql, shop);
  const ids = await db.sql`select id::text, public_id from astapa.checkouts where project_id = ${p}`;
  const id = (publicId: string): string => ids.find((row) => row.public_id === publicId)!.id;
  const hold = (held: string[]) =>
    rolledBack(db.sql, (tx) =>
      tx`select astapa.hold_checkouts_after_person(${p}, ${held}::bigint[],
           ${[id(charged.checkout_id), id(open.checkout_id)]}::bigint[])`);
  await hold([id(charged.checkout_id)]);
  await assert.rejects(() => hold([]), (error: { code?: string }) => error.code === "40001");
});

Deno.test("astapa.apply_refund_event meeting a renewal checkout opened and charged after it took the person's row: no deadlock, the opening waits, refunded, then the opening is refused (the subscription it renews is canceled)", async () => {
  const shop = await seedShop(db.sql, { email: "opened-during-refund@example.com" });
  const p = shop.project.id;
  const refunded = await refundToPeriodEnd(
    db.sql,
    shop,
    "pr-opened-during-refund-first",
    "rfd-opened-during-refund",
  );
  const { paidThrough } = refunded;
  await storeRefundSuccess(db.sql, shop, refunded);
  let refund: Promise<PromiseSettledResult<Applied>> | undefined;
  let opened: Promise<PromiseSettledResult<{ checkout_id: string }>> | undefined;
  let callback: Promise<PromiseSettledResult<Applied>> | undefined;
  // A connection of its own: the refund, the opening (then the charge and the callback) and the watcher take the
  // test pool's four.
  const holder = postgres(db.url, { max: 1, onnotice: () => {} });
  await holder.begin(async (tx) => {
    // The refund callback holds the person's row, then waits here for the subscription.
    await tx`select from astapa.subscriptions where project_id = ${p} and user_id = ${shop.userId}
             and ended_at is null for share`;
    refund = settle(as(p, (worker) => applyPaymentEvent(worker, p)));
    await waitForLockWaiter(db.sql, 1);
    // The next period's renewal checkout opens now (its foreign key takes the person's row's key share), is
    // charged and its success applied: the callback holds it and waits for the row. Or the opening waits.
    opened = settle(openCheckout(db.sql, shop, paidThrough));
    const first = await Promise.race([opened.then(() => "opened"), waitForLockWaiter(db.sql, 2)]);
    if (first === "opened" && (await opened).status === "fulfilled") {
      const { checkout_id: renewal } =
        (await opened as PromiseFulfilledResult<{ checkout_id: string }>).value;
      await charge(db.sql, shop, renewal, "pr-opened-during-refund-renewal");
      await storeSuccess(db.sql, shop, "pr-opened-during-refund-renewal", renewal);
      callback = settle(as(p, (worker) => applyPaymentEvent(worker, p)));
      await waitForLockWaiter(db.sql, 2);
    }
  }).finally(() => holder.end());
  const [done, open] = [await refund!, await opened!];
  assert.equal(done.status, "fulfilled", String((done as PromiseRejectedResult).reason));
  assert.equal((done as PromiseFulfilledResult<Applied>).value?.outcome, "refunded");
  assert.equal(
    callback,
    undefined,
    "the renewal checkout was not opened while the refund held the person's row",
  );
  // Let through once the refund committed, the opening reads the subscription it canceled: no pay link for a
  // period that will not come (as the renewal pass opens none for it), rather than one left open after the refund.
  assert.equal(
    open.status,
    "rejected",
    "no renewal checkout opened for the subscription the refund canceled",
  );
  await rejectsAs(
    Promise.reject((open as PromiseRejectedResult).reason),
    "conflict",
    /canceled or has ended/,
  );
  const [left] = await db
    .sql`select count(*)::int as n from astapa.unpaid_renewal_checkouts(${p}, ${shop.userId})`;
  assert.equal(left.n, 0, "no unpaid renewal checkout left");
  const state = await as(p, (tx) => currentSubscription(tx, p, shop.userId));
  assert.deepEqual([state.plan, state.subscription?.status], ["pro", "canceled"], "kept to its period end");
});

Deno.test("astapa.unpaid_renewal_checkouts and astapa.checkouts_project_deletion_ends — the sets a refund and a project's deletion lock", async () => {
  const shop = await seedShop(db.sql, { email: "sets-they-lock@example.com" });
  const p = shop.project.id;
  const charged = await pendingCharge(db.sql, p, shop.userId, "pr-sets-they-lock");
  const open = await openCheckout(db.sql, shop);
  const renewal = await openCheckout(db.sql, shop, "2035-01-01T00:00:00Z");
  const expired = await openCheckout(db.sql, shop);
  await charge(db.sql, shop, expired.checkout_id, "pr-sets-they-lock-expired");
  // Expired with its charge still pending (api.expire_checkouts leaves charges to the reconciliation).
  await db.sql`update astapa.checkouts set status = 'expired' where public_id = ${expired.checkout_id}`;
  const ids = (rows: { public_id: string }[]) => rows.map((row) => row.public_id).sort();
  assert.deepEqual(
    ids(await db.sql`select public_id from astapa.unpaid_renewal_checkouts(${p}, ${shop.userId})`),
    [renewal.checkout_id],
  );
  assert.deepEqual(
    ids(await db.sql`select public_id from astapa.checkouts_project_deletion_ends(${p})`),
    [charged.checkout_id, open.checkout_id, renewal.checkout_id, expired.checkout_id].sort(),
  );
});
