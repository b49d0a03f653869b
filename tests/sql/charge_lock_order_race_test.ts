/**
 * A payment callback (astapa.apply_payment_event_row, db/api/payments.sql) applied at the moment its checkout
 * expires (api.expire_checkouts, db/api/billing.sql). The expiry used to take the checkout, then its pending
 * charges; the callback used to take the charge, then the checkout: each held one and waited for the other, and
 * Postgres broke one off (40P01, which tests/helpers/db.ts fails the test for). Now the callback takes the checkout
 * before the charge, as every path does (docs/database.md "Lock order"), and waits for the expiry, which leaves
 * the charge pending for the callback to settle.
 *
 * The overlap is made certain without timing: a third transaction holds the checkout while the expiry and then the
 * callback queue up behind it (each seen waiting in pg_stat_activity), so the expiry gets the checkout first.
 */
import assert from "node:assert/strict";
import { asApp, type Tx } from "@/db/client.ts";
import { expireCheckouts } from "@/db/billing.ts";
import { applyPaymentEvent, recordPaymentEvent } from "@/db/payments.ts";
import { currentSubscription } from "@/db/plans.ts";
import { testDatabase } from "../helpers/db.ts";
import { waitForLockWaiter } from "../helpers/lock_race.ts";
import { seedShop } from "../helpers/payments.ts";
import { pendingCharge } from "../helpers/pending_charge.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const as = <T>(projectId: string, work: (tx: Tx) => Promise<T>) => asApp(db.sql, projectId, work);
const settle = <T>(work: Promise<T>) => Promise.allSettled([work]).then(([done]) => done);

const cases = [
  { status: "SUCCEEDED", event: "payment.succeeded", outcome: "paid", checkout: "paid", charge: "paid" },
  { status: "FAILED", event: "payment.failed", outcome: "failed", checkout: "expired", charge: "failed" },
];

for (const want of cases) {
  Deno.test(`api.expire_checkouts meeting a ${want.status} callback of the checkout's charge: no deadlock, ${want.outcome}`, async () => {
    const shop = await seedShop(db.sql, { email: `charge-lock-${want.status.toLowerCase()}@example.com` });
    const p = shop.project.id;
    const providerId = `pr-charge-lock-${want.status.toLowerCase()}`;
    const checkout = await pendingCharge(db.sql, p, shop.userId, providerId);
    await as(p, (tx) =>
      recordPaymentEvent(tx, p, {
        providerId,
        status: want.status,
        checkoutId: checkout.checkout_id,
        body: { event: want.event, data: { amount: 99_000, currency: "IDR", status: want.status } },
      }));
    let expiry: Promise<PromiseSettledResult<number>> | undefined;
    let callback: Promise<PromiseSettledResult<Awaited<ReturnType<typeof applyPaymentEvent>>>> | undefined;
    await as(p, async (tx) => {
      await tx`select from astapa.checkouts where project_id = ${p} and public_id = ${checkout.checkout_id}
               for update`;
      // Started once each: were the holder run again, asApp would start them again otherwise.
      expiry ??= settle(as(p, (other) => expireCheckouts(other, p, new Date(Date.now() + 86_400_000))));
      await waitForLockWaiter(db.sql, 1);
      callback ??= settle(as(p, (other) => applyPaymentEvent(other, p)));
      await waitForLockWaiter(db.sql, 2);
    });
    const [expired, applied] = [await expiry!, await callback!];
    assert.equal(expired.status, "fulfilled", String((expired as PromiseRejectedResult).reason));
    assert.equal(applied.status, "fulfilled", String((applied as PromiseRejectedResult).reason));
    assert.equal((expired as PromiseFulfilledResult<number>).value, 1, "the expiry got the checkout first");
    assert.equal(
      (applied as PromiseFulfilledResult<Awaited<ReturnType<typeof applyPaymentEvent>>>).value?.outcome,
      want.outcome,
      "the callback applied after the expiry, which left the charge pending: paid wins, a failure is a failure",
    );
    const [state] = await db.sql`select c.status as checkout, y.status as charge from astapa.checkouts as c
      join astapa.payments as y on y.project_id = c.project_id and y.checkout_id = c.id
      where c.project_id = ${p} and c.public_id = ${checkout.checkout_id}`;
    assert.deepEqual({ ...state }, { checkout: want.checkout, charge: want.charge });
    const plan = (await as(p, (tx) => currentSubscription(tx, p, shop.userId))).plan;
    assert.equal(plan, want.outcome === "paid" ? "pro" : "free");
  });
}
