/**
 * SQL tests for callbacks racing the recording of their charge (db/api/payments.sql, renewal_charges.sql):
 * api.record_payment / api.record_renewal_charge and the worker (api.apply_payment_event) are serialized on the
 * payment id, so a callback is never left as unknown_payment; every re-queue NOTIFYs the workers; two callbacks
 * of one payment applied at once pay once. Two connections each, rows and the ledger asserted.
 */
import assert from "node:assert/strict";
import { asApp, type Tx } from "@/db/client.ts";
import { renewalStep } from "@/db/billing.ts";
import { applyMethodCallback, recordMethodLinkAnswer, startMethodLink } from "@/db/linked_methods.ts";
import {
  applyPaymentEvent,
  createCheckout,
  recordPayment,
  recordPaymentEvent,
  requeuePaymentEvent,
} from "@/db/payments.ts";
import { assignPlan, currentSubscription } from "@/db/plans.ts";
import { updateProjectSettings } from "@/db/project_settings.ts";
import { nextRenewalCharge, recordRenewalCharge } from "@/db/renewal_charges.ts";
import { rows, testDatabase } from "../helpers/db.ts";
import { listenTo } from "../helpers/notify.ts";
import { seedShop, type Shop } from "../helpers/payments.ts";
import { waitFor } from "../helpers/wait.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const as = <T>(projectId: string | null, work: (tx: Tx) => Promise<T>) => asApp(db.sql, projectId, work);

/** Runs `work` in a transaction that stays open until `release()`; `ran` resolves once `work` returned. */
function heldOpen<T>(projectId: string, work: (tx: Tx) => Promise<T>) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => release = resolve);
  let ran!: (value: T) => void;
  const done = new Promise<T>((resolve) => ran = resolve);
  const committed = as(projectId, async (tx) => {
    const value = await work(tx);
    ran(value);
    await released;
    return value;
  });
  return { ran: done, release, committed };
}

/** Resolves once some statement of this database waits for a lock (the other connection got there first). */
const someoneWaits = (what: string) =>
  waitFor(
    async () =>
      (await db.sql`select 1 from pg_stat_activity
                    where datname = current_database() and wait_event_type = 'Lock'`).length > 0,
    what,
  );

const qris = (providerId: string) => ({
  kind: "payment_request" as const,
  provider_id: providerId,
  method: "qris",
  details: { qr_string: "000201" },
  expires_at: null,
});

const storeCallback = (
  p: string,
  providerId: string,
  checkoutId: string,
  status = "SUCCEEDED",
  amount = 99_000,
) =>
  as(p, (tx) =>
    recordPaymentEvent(tx, p, {
      providerId,
      status,
      checkoutId,
      body: { event: `payment.${status.toLowerCase()}`, data: { amount, currency: "IDR", status } },
    }));

/** What the project holds: paid payments, receipts, their sums (the ledger; no refunds here), and the plan. */
async function ledger(shop: Shop) {
  const p = shop.project.id;
  const [row] = await as(p, async (tx) =>
    rows(
      await tx`select (select count(*)::int from astapa.payments where status = 'paid') as paid_payments,
                      (select coalesce(sum(amount), 0)::int from astapa.payments where status = 'paid') as paid,
                      (select coalesce(sum(amount), 0)::int from astapa.refunds
                       where status = 'refunded') as refunded,
                      (select count(*)::int from astapa.receipts) as receipts,
                      (select coalesce(sum(amount), 0)::int from astapa.receipts) as receipted,
                      (select count(*)::int from astapa.events where type = 'payment.succeeded') as succeeded,
                      (select count(*)::int from astapa.payment_events where processed_at is null) as waiting,
                      (select count(*)::int from astapa.payment_events
                       where outcome = 'unknown_payment') as unknown`,
    ));
  const plan = await as(p, (tx) => currentSubscription(tx, p, shop.userId));
  return { ...row, plan: plan.subscription?.plan, status: plan.subscription?.status };
}

const paidOnce = {
  paid_payments: 1,
  paid: 99_000,
  refunded: 0,
  receipts: 1,
  receipted: 99_000,
  succeeded: 1,
  waiting: 0,
  unknown: 0,
  plan: "pro",
  status: "active",
};

const openCheckout = (shop: Shop) =>
  as(
    shop.project.id,
    (tx) =>
      createCheckout(tx, shop.project.id, { sub: shop.userId, plan: "pro", xendit_account: "simulator" }),
  );

/** Listens on astapa_payment_events; `heard(project, id)` resolves once a NOTIFY names the event. */
async function listenForEvents() {
  const events = await listenTo(db.sql, "astapa_payment_events");
  return {
    async heard(projectId: string, eventId: number) {
      // The payload names the project too: a worker goes straight to it (lib/payments/worker.ts).
      await events.heard(`event ${eventId} of project ${projectId}`, (payload) => {
        const named = JSON.parse(payload);
        return named.project_id === projectId && named.event_id === eventId;
      });
    },
    stop: () => events.unlisten(),
  };
}

Deno.test("api.record_payment — a callback a worker is applying meanwhile is waited for, re-queued with a NOTIFY, paid once", async () => {
  const shop = await seedShop(db.sql, { email: "requeue-worker@example.com" });
  const p = shop.project.id;
  const checkout = await openCheckout(shop);
  const stored = await storeCallback(p, "pr-worker-first", checkout.checkout_id);
  const listening = await listenForEvents();
  try {
    // The worker has taken the callback (no payment yet) and not committed when the charge is recorded.
    const worker = heldOpen(p, (tx) => applyPaymentEvent(tx, p));
    assert.equal((await worker.ran)?.outcome, "unknown_payment");
    const recording = as(p, (tx) => recordPayment(tx, p, checkout.checkout_id, qris("pr-worker-first")));
    await someoneWaits("the recording to wait for the worker");
    worker.release();
    await worker.committed;
    assert.equal((await recording).status, "pending");
    await listening.heard(p, stored.event_id!);
    const applied = await as(p, (tx) => applyPaymentEvent(tx, p));
    assert.deepEqual([applied?.event_id, applied?.outcome], [stored.event_id, "paid"]);
    assert.equal(await as(p, (tx) => applyPaymentEvent(tx, p)), null);
    assert.deepEqual(await ledger(shop), paidOnce);
  } finally {
    await listening.stop();
  }
});

Deno.test("api.apply_payment_event — a callback stored while its charge is being recorded waits for the row, then pays", async () => {
  const shop = await seedShop(db.sql, { email: "requeue-recording@example.com" });
  const p = shop.project.id;
  const checkout = await openCheckout(shop);
  // The charge is recorded but not committed when Xendit's callback is stored and a worker takes it.
  const recording = heldOpen(
    p,
    (tx) => recordPayment(tx, p, checkout.checkout_id, qris("pr-recording-first")),
  );
  await recording.ran;
  await storeCallback(p, "pr-recording-first", checkout.checkout_id);
  const worker = as(p, (tx) => applyPaymentEvent(tx, p));
  await someoneWaits("the worker to wait for the recording");
  recording.release();
  await recording.committed;
  assert.equal((await worker)?.outcome, "paid", "not unknown_payment: the worker saw the committed charge");
  assert.deepEqual(await ledger(shop), paidOnce);
});

Deno.test("api.apply_payment_event — two callbacks of one payment applied by two workers at once pay once", async () => {
  const shop = await seedShop(db.sql, { email: "requeue-two@example.com" });
  const p = shop.project.id;
  const checkout = await openCheckout(shop);
  await as(p, (tx) => recordPayment(tx, p, checkout.checkout_id, qris("pr-twice")));
  // Xendit's SUCCEEDED and a COMPLETED of the same payment: two events (different statuses), one payment.
  await storeCallback(p, "pr-twice", checkout.checkout_id, "SUCCEEDED");
  await storeCallback(p, "pr-twice", checkout.checkout_id, "COMPLETED");
  const first = heldOpen(p, (tx) => applyPaymentEvent(tx, p));
  assert.equal((await first.ran)?.outcome, "paid");
  const second = as(p, (tx) => applyPaymentEvent(tx, p));
  await someoneWaits("the second worker to wait for the first");
  first.release();
  await first.committed;
  assert.equal((await second)?.outcome, "no_change");
  assert.deepEqual(await ledger(shop), paidOnce);
  const sub = await as(p, (tx) => currentSubscription(tx, p, shop.userId));
  const month = new Date(sub.subscription!.paid_through!).getTime() -
    new Date(sub.subscription!.current_period_start!).getTime();
  assert.ok(month <= 31 * 86_400_000, "one period, not two");
});

Deno.test("api.record_renewal_charge — a callback stored while Xendit's answer is being recorded waits, then pays the renewal once", async () => {
  const shop = await seedShop(db.sql, { email: "requeue-renewal@example.com" });
  const p = shop.project.id;
  const paidThrough = new Date("2035-03-01T00:00:00Z");
  const now = new Date(paidThrough.getTime() - 6 * 86_400_000);
  await as(p, async (tx) => {
    await updateProjectSettings(tx, p, { linked_methods: { enabled: true } });
    await assignPlan(tx, p, shop.userId, "pro", "payment", {
      start: new Date(paidThrough.getTime() - 30 * 86_400_000).toISOString(),
      end: paidThrough.toISOString(),
    });
    const method = await startMethodLink(tx, p, shop.userId, {
      channel: "DANA",
      xendit_account: "simulator",
      environment: "sandbox",
    });
    await recordMethodLinkAnswer(tx, p, method.method_id, { provider_id: "pm-requeue-renewal" });
    await applyMethodCallback(tx, p, method.method_id, {
      event: "payment_method.activated",
      provider_id: "pm-requeue-renewal",
    });
  });
  const renewal = await as(p, (tx) => renewalStep(tx, p, now, "simulator"));
  const checkoutId = renewal!.checkout!.checkout_id;
  const work = await as(p, (tx) => nextRenewalCharge(tx, p, now, 600));
  assert.equal(work?.action, "charge");
  const chargeId = work!.charge_id;
  const answer = { provider_id: "pr-renewal-race", amount: 99_000, status: "PENDING" };
  const recording = heldOpen(p, (tx) => recordRenewalCharge(tx, p, chargeId, answer, now));
  assert.equal((await recording.ran).action, "pending");
  await storeCallback(p, "pr-renewal-race", checkoutId);
  const worker = as(p, (tx) => applyPaymentEvent(tx, p));
  await someoneWaits("the worker to wait for the renewal charge's answer");
  recording.release();
  await recording.committed;
  assert.equal((await worker)?.outcome, "paid");
  const sub = await as(p, (tx) => currentSubscription(tx, p, shop.userId));
  const expected = new Date(paidThrough);
  expected.setUTCMonth(expected.getUTCMonth() + 1);
  assert.equal(new Date(sub.subscription!.paid_through!).getTime(), expected.getTime(), "one period added");
  assert.deepEqual(await ledger(shop), paidOnce);
  assert.deepEqual(await as(p, (tx) => nextRenewalCharge(tx, p, now, 600)), {
    action: "paid",
    charge_id: chargeId,
  });
});

Deno.test("api.requeue_payment_event — putting a failed event back in line NOTIFYs the workers (trigger)", async () => {
  const shop = await seedShop(db.sql, { email: "requeue-error@example.com" });
  const p = shop.project.id;
  const checkout = await openCheckout(shop);
  await as(p, (tx) => recordPayment(tx, p, checkout.checkout_id, qris("pr-error")));
  const stored = await storeCallback(p, "pr-error", checkout.checkout_id);
  // Set aside as an error (as apply_payment_event does when an event fails for good).
  await as(
    p,
    (tx) =>
      tx`update astapa.payment_events set processed_at = now(), outcome = 'error', error = 'XX000: test'
         where id = ${stored.event_id}`,
  );
  const listening = await listenForEvents();
  try {
    await as(p, (tx) => requeuePaymentEvent(tx, p, stored.event_id!));
    await listening.heard(p, stored.event_id!);
  } finally {
    await listening.stop();
  }
  assert.equal((await as(p, (tx) => applyPaymentEvent(tx, p)))?.outcome, "paid");
  assert.deepEqual(await ledger(shop), paidOnce);
});

Deno.test("astapa.requeue_early_callbacks — puts back only this payment's unknown_payment callbacks of this project, with a NOTIFY", async () => {
  const shop = await seedShop(db.sql, { email: "requeue-early@example.com" });
  const other = await seedShop(db.sql, { email: "requeue-early-other@example.com" });
  const p = shop.project.id;
  const checkout = await openCheckout(shop);
  const otherCheckout = await openCheckout(other);
  // Applied before any charge was recorded: each is kept as unknown_payment.
  const early = await storeCallback(p, "pr-early", checkout.checkout_id);
  const unrelated = await storeCallback(p, "pr-early-unrelated", checkout.checkout_id);
  const elsewhere = await storeCallback(other.project.id, "pr-early", otherCheckout.checkout_id);
  while (await as(p, (tx) => applyPaymentEvent(tx, p)));
  while (await as(other.project.id, (tx) => applyPaymentEvent(tx, other.project.id)));
  const listening = await listenForEvents();
  try {
    const [row] = await as(
      p,
      async (tx) => rows(await tx`select astapa.requeue_early_callbacks(${p}, 'pr-early') as requeued`),
    );
    assert.equal(row.requeued, 1);
    await listening.heard(p, early.event_id!);
    const state = async (projectId: string) =>
      await as(projectId, async (tx) =>
        rows(
          await tx`select id::int, provider_id, outcome, processed_at is null as waiting
                   from astapa.payment_events order by id`,
        ));
    assert.deepEqual((await state(p)).map((e) => [e.id, e.outcome, e.waiting]), [
      [early.event_id, null, true],
      [unrelated.event_id, "unknown_payment", false],
    ]);
    assert.deepEqual((await state(other.project.id)).map((e) => [e.id, e.outcome, e.waiting]), [
      [elsewhere.event_id, "unknown_payment", false],
    ], "another project's callback of the same id stays");
    // Again: nothing left to put back (processed_at is null, outcome null), and another project sees none of it.
    const again = await as(
      p,
      async (tx) => rows(await tx`select astapa.requeue_early_callbacks(${p}, 'pr-early') as requeued`),
    );
    assert.equal(again[0].requeued, 0);
    const foreign = await as(
      other.project.id,
      async (tx) =>
        rows(await tx`select astapa.requeue_early_callbacks(${p}, 'pr-early-unrelated') as requeued`),
    );
    assert.equal(foreign[0].requeued, 0, "RLS: the other project cannot touch this one's events");
  } finally {
    await listening.stop();
  }
});

/** A renewal past its grace with a charge on its pay link, and that charge's SUCCEEDED callback stored. */
async function expiringRenewal(email: string, providerId: string) {
  const shop = await seedShop(db.sql, { email });
  const p = shop.project.id;
  const paidThrough = new Date("2035-03-01T00:00:00Z");
  await as(p, (tx) =>
    assignPlan(tx, p, shop.userId, "pro", "payment", {
      start: new Date(paidThrough.getTime() - 30 * 86_400_000).toISOString(),
      end: paidThrough.toISOString(),
    }));
  const renewal = await as(
    p,
    (tx) => renewalStep(tx, p, new Date(paidThrough.getTime() - 6 * 86_400_000), "simulator"),
  );
  const checkoutId = renewal!.checkout!.checkout_id;
  await as(p, (tx) => recordPayment(tx, p, checkoutId, qris(providerId)));
  await storeCallback(p, providerId, checkoutId);
  // Grace is 3 days: at paid-through + 4 the pass expires the subscription and closes its pay link.
  return { shop, p, checkoutId, paidThrough, expireAt: new Date(paidThrough.getTime() + 4 * 86_400_000) };
}

Deno.test("api.renewal_step — an expiry racing a success callback takes the callback's lock order: it waits, no deadlock, paid once", async () => {
  const race = await expiringRenewal("lock-order@example.com", "pr-lock-order");
  const { p } = race;
  // The callback's worker has taken what it takes first (the payment id's lock, the checkout, the charge) and
  // has not yet reached the subscription when the pass starts expiring it.
  let callbackHolds!: () => void;
  const holding = new Promise<void>((resolve) => callbackHolds = resolve);
  let goOn!: () => void;
  const proceed = new Promise<void>((resolve) => goOn = resolve);
  const worker = as(p, async (tx) => {
    await tx`select astapa.lock_payment_provider_id(${p}, 'pr-lock-order')`;
    await tx`select 1 from astapa.checkouts where public_id = ${race.checkoutId} for update`;
    await tx`select 1 from astapa.payments where provider_id = 'pr-lock-order' for update`;
    callbackHolds();
    await proceed;
    // Then the whole callback in the same transaction: on to the subscription (api.assign_plan).
    return await applyPaymentEvent(tx, p);
  });
  await holding;
  // Settled either way, so a deadlock (the old lock order) fails this test rather than the run.
  const pass = as(p, (tx) => renewalStep(tx, p, race.expireAt, "simulator")).then(
    (step) => ({ step, error: null }),
    (error: Error) => ({ step: null, error }),
  );
  await someoneWaits("the pass to wait for the callback's locks");
  goOn();
  assert.equal((await worker)?.outcome, "paid");
  const { step, error } = await pass;
  assert.equal(error, null, "the pass does not deadlock with the callback");
  assert.ok(
    step === null || step.action === "none",
    `the pass finds nothing to expire: ${JSON.stringify(step)}`,
  );
  const sub = await as(p, (tx) => currentSubscription(tx, p, race.shop.userId));
  const expected = new Date(race.paidThrough);
  expected.setUTCMonth(expected.getUTCMonth() + 1);
  assert.equal(
    new Date(sub.subscription!.paid_through!).getTime(),
    expected.getTime(),
    "the renewal's period",
  );
  assert.deepEqual(await ledger(race.shop), paidOnce);
});

Deno.test("api.renewal_step — a success callback arriving while the pass expires waits for it, then pays once", async () => {
  const race = await expiringRenewal("lock-order-pass@example.com", "pr-lock-order-pass");
  const { p } = race;
  const pass = heldOpen(p, (tx) => renewalStep(tx, p, race.expireAt, "simulator"));
  assert.equal((await pass.ran)?.action, "expire");
  const worker = as(p, (tx) => applyPaymentEvent(tx, p));
  await someoneWaits("the callback to wait for the pass");
  pass.release();
  await pass.committed;
  // The charge was made on the pay link before it closed: the money buys the period it was for.
  assert.equal((await worker)?.outcome, "paid");
  const sub = await as(p, (tx) => currentSubscription(tx, p, race.shop.userId));
  assert.deepEqual([sub.subscription?.plan, sub.subscription?.status], ["pro", "active"]);
  assert.deepEqual(await ledger(race.shop), paidOnce);
});

Deno.test("astapa.notify_payment_event — {project_id, event_id} when an event is stored and when it is put back in line, not when applied", async () => {
  const shop = await seedShop(db.sql, { email: "notify-trigger@example.com" });
  const p = shop.project.id;
  const checkout = await openCheckout(shop);
  const events = await listenTo(db.sql, "astapa_payment_events");
  const mine = (payloads = events.payloads): { project_id: string; event_id: number }[] =>
    payloads.map((payload) => JSON.parse(payload)).filter((s) => s.project_id === p);
  const until = (count: number) =>
    events.until(`${count} of this project's events`, (all) => mine(all).length >= count);
  try {
    const stored = await storeCallback(p, "pr-notify-trigger", checkout.checkout_id);
    await until(1);
    assert.equal((await as(p, (tx) => applyPaymentEvent(tx, p)))?.event_id, stored.event_id);
    // Put back in line by hand (an operator's UPDATE): the workers are woken again.
    await db.sql`update astapa.payment_events set processed_at = null, outcome = null where id = ${stored
      .event_id!}::bigint`;
    await until(2);
    assert.deepEqual(mine(), [
      { project_id: p, event_id: Number(stored.event_id) },
      { project_id: p, event_id: Number(stored.event_id) },
    ], "stored, then put back; applying it sent nothing");
  } finally {
    await events.unlisten();
  }
});
