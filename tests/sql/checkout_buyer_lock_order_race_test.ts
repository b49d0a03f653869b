/**
 * A buyer named on a checkout (api.set_checkout_buyer, db/api/receipts.sql) while its person is erased
 * (astapa.erase_user, db/api/account.sql). It used to take no lock on the person's row: after the erasure committed
 * it wrote a name and tax id back onto the tombstone's checkout, and on a charged checkout between the erasure's
 * check (astapa.hold_checkouts_after_person) and its clearing of buyer details it added one the erasure then cleared
 * without having taken it first, while that checkout's success callback held it and waited for the person's row
 * (40P01, which tests/helpers/db.ts fails the test for). Now it takes the person's row (key share) before an open
 * checkout and after a charged one, and refuses (409) a person erased (docs/database.md "Lock order").
 *
 * The overlaps are made certain without timing: a third transaction holds a row the other transactions queue
 * behind (each seen waiting in pg_stat_activity) and commits once they all are.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { asApp, type Sql, type Tx } from "@/db/client.ts";
import { applyPaymentEvent } from "@/db/payments.ts";
import { setCheckoutBuyer } from "@/db/receipts.ts";
import { deleteUser } from "@/db/user_admin.ts";
import { testDatabase } from "../helpers/db.ts";
import { waitForLockWaiter } from "../helpers/lock_race.ts";
import { seedShop, type Shop } from "../helpers/payments.ts";
import { charge, liveRefreshToken, openCheckout, settle, storeSuccess } from "../helpers/person_lock_race.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const as = <T>(projectId: string, work: (tx: Tx) => Promise<T>) => asApp(db.sql, projectId, work);
type Applied = Awaited<ReturnType<typeof applyPaymentEvent>>;
const buyer = { name: "Ayu Lestari", tax_id: "3174012345678901" };

/** An open checkout charged (its charge pending) and the charge's success stored, not applied yet. */
async function chargedCheckout(shop: Shop, providerId: string) {
  const { checkout_id: checkoutId } = await openCheckout(db.sql, shop);
  await charge(db.sql, shop, checkoutId, providerId);
  await storeSuccess(db.sql, shop, providerId, checkoutId);
  return checkoutId;
}

const buyerOf = async (sql: Sql, p: string, checkoutId: string) => {
  const [row] = await sql`select status, buyer_name, buyer_tax_id from astapa.checkouts
                          where project_id = ${p} and public_id = ${checkoutId}`;
  return { ...row };
};

Deno.test("api.set_checkout_buyer after its person's erasure: refused (409), nothing personal written back", async () => {
  const shop = await seedShop(db.sql, { email: "buyer-after-erasure@example.com" });
  const p = shop.project.id;
  // Charged: the erasure leaves it as it is (kept for a refund if paid), buyer details blank.
  const checkoutId = await chargedCheckout(shop, "pr-buyer-after-erasure");
  await as(p, (tx) => deleteUser(tx, p, shop.userId));
  await assert.rejects(
    as(p, (tx) => setCheckoutBuyer(tx, p, checkoutId, buyer)),
    (error: { code?: string }) => error.code === "AS409",
  );
  assert.deepEqual(await buyerOf(db.sql, p, checkoutId), {
    status: "pending",
    buyer_name: null,
    buyer_tax_id: null,
  });
});

Deno.test("api.set_checkout_buyer on a charged checkout during its person's erasure, its callback waiting: no deadlock, refused, cleared", async () => {
  const shop = await seedShop(db.sql, { email: "buyer-during-erasure@example.com" });
  const p = shop.project.id;
  const checkoutId = await chargedCheckout(shop, "pr-buyer-during-erasure");
  // A live refresh token: the erasure revokes it after its check of the checkouts, before clearing buyer details.
  const tokenHash = await liveRefreshToken(db.sql, shop, "buyer-during-erasure-rt");
  let erasure: Promise<PromiseSettledResult<unknown>> | undefined;
  let named: Promise<PromiseSettledResult<unknown>> | undefined;
  let callback: Promise<PromiseSettledResult<Applied>> | undefined;
  // A connection of its own: the erasure, the buyer, the callback and the watcher take the test pool's four.
  const holder = postgres(db.url, { max: 1, onnotice: () => {} });
  await holder.begin(async (tx) => {
    await tx`select from astapa.refresh_tokens where project_id = ${p} and token_hash = ${tokenHash} for share`;
    erasure = settle(as(p, (worker) => deleteUser(worker, p, shop.userId)));
    await waitForLockWaiter(db.sql, 1);
    // The erasure holds the person's row, past its check: the buyer is named now, or waits for the erasure.
    named = settle(as(p, (worker) => setCheckoutBuyer(worker, p, checkoutId, buyer)));
    const first = await Promise.race([named.then(() => "named"), waitForLockWaiter(db.sql, 2)]);
    // The success callback holds the checkout and waits for the person's row, or queues behind the buyer.
    callback = settle(as(p, (worker) => applyPaymentEvent(worker, p)));
    await waitForLockWaiter(db.sql, first === "named" ? 2 : 3);
  }).finally(() => holder.end());
  const [erased, set, applied] = [await erasure!, await named!, await callback!];
  assert.equal(erased.status, "fulfilled", String((erased as PromiseRejectedResult).reason));
  assert.equal(applied.status, "fulfilled", String((applied as PromiseRejectedResult).reason));
  assert.equal(set.status, "rejected", "the buyer waited for the erasure and was refused");
  assert.equal((set as PromiseRejectedResult).reason.code, "AS409");
  assert.equal(
    (applied as PromiseFulfilledResult<Applied>).value?.outcome,
    "account_deleted",
  );
  assert.deepEqual(await buyerOf(db.sql, p, checkoutId), {
    status: "paid",
    buyer_name: null,
    buyer_tax_id: null,
  });
});

Deno.test("api.set_checkout_buyer on an open checkout meeting its person's erasure: no deadlock, named, then cleared and expired", async () => {
  const shop = await seedShop(db.sql, { email: "buyer-open-erasure@example.com" });
  const p = shop.project.id;
  const { checkout_id: checkoutId } = await openCheckout(db.sql, shop);
  let named: Promise<PromiseSettledResult<unknown>> | undefined;
  let erasure: Promise<PromiseSettledResult<unknown>> | undefined;
  await as(p, async (tx) => {
    await tx`select from astapa.checkouts where project_id = ${p} and public_id = ${checkoutId} for update`;
    named ??= settle(as(p, (worker) => setCheckoutBuyer(worker, p, checkoutId, buyer)));
    await waitForLockWaiter(db.sql, 1);
    erasure ??= settle(as(p, (worker) => deleteUser(worker, p, shop.userId)));
    await waitForLockWaiter(db.sql, 2);
  });
  const [set, erased] = [await named!, await erasure!];
  assert.equal(set.status, "fulfilled", String((set as PromiseRejectedResult).reason));
  assert.equal(erased.status, "fulfilled", String((erased as PromiseRejectedResult).reason));
  assert.deepEqual(await buyerOf(db.sql, p, checkoutId), {
    status: "expired",
    buyer_name: null,
    buyer_tax_id: null,
  });
});

Deno.test("api.set_checkout_buyer on a checkout read open, charged and held by its person's erasure before it locks it: no deadlock, run again, refused (409)", async () => {
  const shop = await seedShop(db.sql, { email: "buyer-read-open-erasure@example.com" });
  const p = shop.project.id;
  const { checkout_id: checkoutId } = await openCheckout(db.sql, shop);
  // Buyer details already: the erasure clears them, so it takes the checkout, once charged, before the person's row.
  await as(p, (tx) => setCheckoutBuyer(tx, p, checkoutId, { name: "PT Contoh", tax_id: "0123456789012345" }));
  let named: Promise<PromiseSettledResult<unknown>> | undefined;
  let erasure: Promise<PromiseSettledResult<unknown>> | undefined;
  // A connection of its own: the buyer, the charge, the erasure and the watcher take the test pool's four.
  const holder = postgres(db.url, { max: 1, onnotice: () => {} });
  await holder.begin(async (tx) => {
    await tx`select from astapa.users where project_id = ${p} and id = ${shop.userId} for update`;
    // The buyer reads the checkout open and waits for the person's row.
    named = settle(as(p, (worker) => setCheckoutBuyer(worker, p, checkoutId, buyer)));
    await waitForLockWaiter(db.sql, 1);
    // Charged now (recording a charge takes nothing of the person's): the erasure reads it charged, holds it and
    // queues for the row behind the buyer.
    await charge(db.sql, shop, checkoutId, "pr-buyer-read-open-erasure");
    erasure = settle(as(p, (worker) => deleteUser(worker, p, shop.userId)));
    await waitForLockWaiter(db.sql, 2);
  }).finally(() => holder.end());
  const [set, erased] = [await named!, await erasure!];
  assert.equal(erased.status, "fulfilled", String((erased as PromiseRejectedResult).reason));
  assert.equal(set.status, "rejected", "run again, the buyer waited for the erasure and was refused");
  assert.equal((set as PromiseRejectedResult).reason.code, "AS409");
  assert.deepEqual(await buyerOf(db.sql, p, checkoutId), {
    status: "pending",
    buyer_name: null,
    buyer_tax_id: null,
  });
});
