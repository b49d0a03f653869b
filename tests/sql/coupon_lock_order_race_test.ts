/**
 * A coupon applied to an open checkout (api.apply_checkout_coupon → astapa.redeem_coupon, db/api/coupons.sql) at
 * the moment something holding its person's row expires it: an erasure (astapa.erase_user, db/api/account.sql) or
 * the project's deletion (api.delete_project, db/api/projects.sql, which holds its signed-in users' rows). The
 * coupon used to hold the checkout and then record its redemption, whose foreign key takes a key share on the
 * person's row: each held one and waited for the other's, and Postgres broke one off (40P01, which
 * tests/helpers/db.ts fails the test for). Now the coupon takes the person's row's key share before the checkout,
 * as the order has it (docs/database.md "Lock order": the person's row, then their open checkouts), and the other
 * waits for it, then expires the checkout: nothing is left to pay for the tombstone or the deleted project.
 *
 * The overlap is made certain without timing: a third transaction holds the checkout while the coupon and then the
 * erasure queue up (each seen waiting in pg_stat_activity), so the coupon gets the checkout first.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { asApp, type Tx } from "@/db/client.ts";
import { applyCheckoutCoupon, createCoupon } from "@/db/coupons.ts";
import { createCheckout } from "@/db/payments.ts";
import { deleteProject } from "@/db/project_settings.ts";
import { setCheckoutBuyer } from "@/db/receipts.ts";
import { deleteUser } from "@/db/user_admin.ts";
import { sha256 } from "@/lib/secrets.ts";
import { testDatabase } from "../helpers/db.ts";
import { waitForLockWaiter } from "../helpers/lock_race.ts";
import { seedShop, type Shop } from "../helpers/payments.ts";
import { charge, openCheckout } from "../helpers/person_lock_race.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const as = <T>(projectId: string, work: (tx: Tx) => Promise<T>) => asApp(db.sql, projectId, work);
const settle = <T>(work: Promise<T>) => Promise.allSettled([work]).then(([done]) => done);

type Applied = Awaited<ReturnType<typeof applyCheckoutCoupon>>;

/**
 * An open checkout of the shop's user and a 10% coupon; a holder takes the checkout, the coupon queues behind it,
 * then `other` starts and waits too; the holder commits. Both settled; the checkout's status and coupon after.
 */
async function couponMeeting<T>(shop: Shop, code: string, other: () => Promise<T>) {
  const p = shop.project.id;
  await as(p, (tx) => createCoupon(tx, p, { code, percent_off: 10 }));
  const checkout = await as(
    p,
    (tx) => createCheckout(tx, p, { sub: shop.userId, plan: "pro", xendit_account: "simulator" }),
  );
  let coupon: Promise<PromiseSettledResult<Applied>> | undefined;
  let second: Promise<PromiseSettledResult<T>> | undefined;
  await as(p, async (tx) => {
    await tx`select from astapa.checkouts where project_id = ${p} and public_id = ${checkout.checkout_id}
             for update`;
    // Started once each: were the holder run again, asApp would start them again otherwise.
    coupon ??= settle(as(p, (worker) => applyCheckoutCoupon(worker, p, checkout.checkout_id, code)));
    await waitForLockWaiter(db.sql, 1);
    second ??= settle(other());
    await waitForLockWaiter(db.sql, 2);
  });
  const [applied, done] = [await coupon!, await second!];
  assert.equal(applied.status, "fulfilled", String((applied as PromiseRejectedResult).reason));
  assert.equal(done.status, "fulfilled", String((done as PromiseRejectedResult).reason));
  const [state] = await db.sql`select status, coupon_code from astapa.checkouts
                               where project_id = ${p} and public_id = ${checkout.checkout_id}`;
  return { applied: (applied as PromiseFulfilledResult<Applied>).value, checkout: { ...state } };
}

Deno.test("a coupon applied to an open checkout meeting its person's erasure: no deadlock, applied, then expired", async () => {
  const shop = await seedShop(db.sql, { email: "coupon-lock-erasure@example.com" });
  const p = shop.project.id;
  const { applied, checkout } = await couponMeeting(
    shop,
    "ERASED10",
    () => as(p, (tx) => deleteUser(tx, p, shop.userId)),
  );
  assert.equal(applied.amount, 89_100, "the coupon got the checkout first and applied");
  assert.deepEqual(checkout, { status: "expired", coupon_code: "ERASED10" }, "the erasure expired it after");
  const [person] = await db
    .sql`select deleted_at is not null as erased from astapa.users where id = ${shop.userId}`;
  assert.equal(person.erased, true);
});

Deno.test("a coupon applied to an open checkout meeting the project's deletion: no deadlock, applied, then expired", async () => {
  const shop = await seedShop(db.sql, { email: "coupon-lock-project@example.com" });
  const p = shop.project.id;
  // A live refresh token: api.delete_project locks the rows of the users with one.
  await db
    .sql`insert into astapa.refresh_tokens (project_id, token_hash, family_id, user_id, client_id, scope,
      expires_at, auth_time)
    values (${p}, ${await sha256("coupon-lock-project-rt")}, gen_random_uuid(), ${shop.userId},
      ${shop.project.clientId}, 'openid', now() + interval '1 day', now())`;
  const { applied, checkout } = await couponMeeting(
    shop,
    "DELETED10",
    () => asApp(db.sql, p, (tx) => deleteProject(tx, p, "Shop"), { actor: "account:1" }),
  );
  assert.equal(applied.amount, 89_100, "the coupon got the checkout first and applied");
  assert.deepEqual(
    checkout,
    { status: "expired", coupon_code: "DELETED10" },
    "the deletion expired it after",
  );
});

Deno.test("a coupon applied to a checkout read open, charged and held by its person's erasure before the coupon locks it: no deadlock, refused (409)", async () => {
  const shop = await seedShop(db.sql, { email: "coupon-read-open-erasure@example.com" });
  const p = shop.project.id;
  await as(p, (tx) => createCoupon(tx, p, { code: "CHARGED10", percent_off: 10 }));
  const { checkout_id: checkoutId } = await openCheckout(db.sql, shop);
  // Buyer details: the erasure clears them, so it takes the checkout, once charged, before the person's row.
  await as(p, (tx) => setCheckoutBuyer(tx, p, checkoutId, { name: "PT Contoh", tax_id: "0123456789012345" }));
  let coupon: Promise<PromiseSettledResult<Applied>> | undefined;
  let erasure: Promise<PromiseSettledResult<unknown>> | undefined;
  // A connection of its own: the coupon, the charge, the erasure and the watcher take the test pool's four.
  const holder = postgres(db.url, { max: 1, onnotice: () => {} });
  await holder.begin(async (tx) => {
    await tx`select from astapa.users where project_id = ${p} and id = ${shop.userId} for update`;
    // The coupon reads the checkout open and waits for the person's row.
    coupon = settle(as(p, (worker) => applyCheckoutCoupon(worker, p, checkoutId, "CHARGED10")));
    await waitForLockWaiter(db.sql, 1);
    // Charged now (recording a charge takes nothing of the person's): the erasure reads it charged, holds it and
    // queues for the row behind the coupon.
    await charge(db.sql, shop, checkoutId, "pr-coupon-read-open-erasure");
    erasure = settle(as(p, (worker) => deleteUser(worker, p, shop.userId)));
    await waitForLockWaiter(db.sql, 2);
  }).finally(() => holder.end());
  const [applied, erased] = [await coupon!, await erasure!];
  assert.equal(erased.status, "fulfilled", String((erased as PromiseRejectedResult).reason));
  assert.equal(applied.status, "rejected", "a charged checkout takes no coupon");
  assert.equal((applied as PromiseRejectedResult).reason.code, "AS409");
  const [state] = await db.sql`select status, coupon_code, buyer_name from astapa.checkouts
                               where project_id = ${p} and public_id = ${checkoutId}`;
  assert.deepEqual({ ...state }, { status: "pending", coupon_code: null, buyer_name: null });
});
