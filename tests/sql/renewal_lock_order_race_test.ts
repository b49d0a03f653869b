/**
 * The renewal pass (api.renewal_step, db/api/billing.sql) against what takes a person's row before their
 * subscription: a plan change (api.assign_plan), a cancel (api.cancel_subscription), a payment's success callback.
 * The holder takes the person's row as those do; the pass starts to expire, end or end the trial of that person;
 * once the pass has finished or is seen waiting on a lock, the holder goes on to the subscription. The pass used to
 * hold the subscription and then wait for the row inside api.assign_plan: a circle, Postgres broke one off (40P01,
 * which tests/helpers/db.ts fails the test for). Now it takes the row (skip locked) before the subscription: it
 * skips the person while the row is held, and finds their work on its next run.
 */
import assert from "node:assert/strict";
import { asApp, type Tx } from "@/db/client.ts";
import { cancelSubscription, type RenewalStep, renewalStep } from "@/db/billing.ts";
import { applyPaymentEvent, createCheckout, recordPayment, recordPaymentEvent } from "@/db/payments.ts";
import { assignPlan, currentSubscription } from "@/db/plans.ts";
import { testDatabase } from "../helpers/db.ts";
import { seedShop, type Shop } from "../helpers/payments.ts";
import { waitFor } from "../helpers/wait.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const as = <T>(projectId: string, work: (tx: Tx) => Promise<T>) => asApp(db.sql, projectId, work);
const DAY = 86_400_000;
const at = (base: Date, days: number) => new Date(base.getTime() + days * DAY);
const PAID_THROUGH = new Date("2036-03-01T00:00:00Z");

/** A shop whose user paid for pro until PAID_THROUGH (a month from its start). */
async function payingShop(email: string): Promise<Shop> {
  const shop = await seedShop(db.sql, { email });
  const p = shop.project.id;
  await as(p, (tx) =>
    assignPlan(tx, p, shop.userId, "pro", "payment", {
      start: at(PAID_THROUGH, -30).toISOString(),
      end: PAID_THROUGH.toISOString(),
    }));
  return shop;
}

/** Resolves once `pass` has settled or some statement of this database waits for a lock. */
async function settledOrWaiting(pass: Promise<unknown>) {
  let settled = false;
  pass.then(() => settled = true, () => settled = true);
  await waitFor(
    async () =>
      settled || (await db.sql`select 1 from pg_stat_activity
                               where datname = current_database() and wait_event_type = 'Lock'`).length > 0,
    "the pass to finish or to wait for a lock",
  );
}

/**
 * `hold` takes the person's row (and what comes before it) in one transaction; the pass at `now` runs one step on
 * another; once it finished or waits, the holder goes on (`goOn`) and commits. Both ends, the pass's settled.
 */
async function passMeetingHolder<T>(
  shop: Shop,
  now: Date,
  hold: (tx: Tx) => Promise<unknown>,
  goOn: (tx: Tx) => Promise<T>,
): Promise<{ held: T; step: PromiseSettledResult<RenewalStep | null> }> {
  const p = shop.project.id;
  let pass: Promise<RenewalStep | null> | undefined;
  const held = await as(p, async (tx) => {
    await hold(tx);
    // Started once: were the holder a deadlock's victim, asApp would run it again.
    pass ??= as(p, (other) => renewalStep(other, p, now, "simulator"));
    await settledOrWaiting(pass);
    return await goOn(tx);
  });
  const [step] = await Promise.allSettled([pass!]);
  return { held, step };
}

/** The person's row, as api.assign_plan, api.cancel_subscription and a success callback take it. */
const personsRow = (tx: Tx, shop: Shop) =>
  tx`select from astapa.users where id = ${shop.userId}::bigint for no key update`;

const cases: { action: string; setUp: (shop: Shop) => Promise<unknown>; now: Date }[] = [
  { action: "expire", setUp: async () => {}, now: at(PAID_THROUGH, 4) },
  {
    action: "end",
    setUp: (shop) => as(shop.project.id, (tx) => cancelSubscription(tx, shop.project.id, shop.userId)),
    now: at(PAID_THROUGH, 1),
  },
  {
    action: "trial_end",
    setUp: (shop) =>
      as(shop.project.id, (tx) =>
        assignPlan(tx, shop.project.id, shop.userId, "pro", "trial", {
          start: at(PAID_THROUGH, -14).toISOString(),
          end: PAID_THROUGH.toISOString(),
        })),
    now: at(PAID_THROUGH, 1),
  },
];

for (const { action, setUp, now } of cases) {
  Deno.test(`api.renewal_step — ${action} meeting a plan change holding the person's row: skipped, no deadlock`, async () => {
    const shop = await payingShop(`lock-order-${action}@example.com`);
    const p = shop.project.id;
    await setUp(shop);
    const { step } = await passMeetingHolder(
      shop,
      now,
      (tx) => personsRow(tx, shop),
      (tx) => assignPlan(tx, p, shop.userId, "free", "dashboard"),
    );
    assert.equal(step.status, "fulfilled", "the pass does not deadlock with the plan change");
    assert.equal(
      step.status === "fulfilled" && step.value,
      null,
      "the person is skipped while their row is held",
    );
    const state = await as(p, (tx) => currentSubscription(tx, p, shop.userId));
    assert.deepEqual(
      [state.plan, state.subscription?.source],
      ["free", "dashboard"],
      "the plan change stands",
    );
    assert.equal(await as(p, (tx) => renewalStep(tx, p, now, "simulator")), null, "nothing left to end");
  });
}

Deno.test("api.renewal_step — an expiry meeting a cancel holding the person's row: skipped, then ended", async () => {
  const shop = await payingShop("lock-order-cancel@example.com");
  const p = shop.project.id;
  const now = at(PAID_THROUGH, 4);
  const { held, step } = await passMeetingHolder(
    shop,
    now,
    (tx) => personsRow(tx, shop),
    (tx) => cancelSubscription(tx, p, shop.userId),
  );
  assert.equal(held.status, "canceled");
  assert.equal(step.status, "fulfilled", "the pass does not deadlock with the cancel");
  assert.equal(
    step.status === "fulfilled" && step.value,
    null,
    "the person is skipped while their row is held",
  );
  // The next run finds the canceled period over: back to the default plan.
  assert.equal((await as(p, (tx) => renewalStep(tx, p, now, "simulator")))?.action, "end");
  const state = await as(p, (tx) => currentSubscription(tx, p, shop.userId));
  assert.deepEqual([state.plan, state.history[0].status], ["free", "canceled"]);
});

Deno.test("api.renewal_step — an expiry meeting a checkout's success callback holding the person's row: skipped, paid once", async () => {
  const shop = await payingShop("lock-order-callback@example.com");
  const p = shop.project.id;
  // A pay link bought on the picker (not a renewal's: the pass locks nothing of it), charged, its success stored.
  const checkout = await as(
    p,
    (tx) => createCheckout(tx, p, { sub: shop.userId, plan: "pro", xendit_account: "simulator" }),
  );
  await as(p, async (tx) => {
    await recordPayment(tx, p, checkout.checkout_id, {
      kind: "payment_request",
      provider_id: "pr-lock-order-picker",
      method: "qris",
      details: { qr_string: "000201" },
      expires_at: null,
    });
    await recordPaymentEvent(tx, p, {
      providerId: "pr-lock-order-picker",
      status: "SUCCEEDED",
      checkoutId: checkout.checkout_id,
      body: { event: "payment.succeeded", data: { amount: 99_000, currency: "IDR", status: "SUCCEEDED" } },
    });
  });
  const now = at(PAID_THROUGH, 4);
  // The callback's own order up to the person's row (astapa.apply_payment_event_row), then the whole callback.
  const { held, step } = await passMeetingHolder(shop, now, async (tx) => {
    await tx`select astapa.lock_payment_provider_id(${p}, 'pr-lock-order-picker')`;
    await tx`select from astapa.checkouts where public_id = ${checkout.checkout_id} for update`;
    await tx`select from astapa.payments where provider_id = 'pr-lock-order-picker' for update`;
    await personsRow(tx, shop);
  }, (tx) => applyPaymentEvent(tx, p));
  assert.equal(held?.outcome, "paid");
  assert.equal(step.status, "fulfilled", "the pass does not deadlock with the callback");
  assert.equal(
    step.status === "fulfilled" && step.value,
    null,
    "the person is skipped while their row is held",
  );
  // Paid before its grace was over: the next period follows the one paid for, and there is nothing to expire.
  const state = await as(p, (tx) => currentSubscription(tx, p, shop.userId));
  assert.deepEqual([state.plan, state.subscription?.status], ["pro", "active"]);
  assert.equal(new Date(state.subscription!.paid_through!).toISOString(), "2036-04-01T00:00:00.000Z");
  assert.equal(await as(p, (tx) => renewalStep(tx, p, now, "simulator")), null);
});
