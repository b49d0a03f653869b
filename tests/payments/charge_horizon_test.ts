/**
 * The local end of a charge Xendit keeps calling pending, in the offline sandbox: a QRIS code is paid, and the
 * OVO push sent before it is never answered (Xendit says PENDING for ever). The billing pass asks about it until
 * its horizon (astapa.charge_horizon), then ends it here as expired through the ledger and stops asking. The
 * person approves the push after all: its callback is still applied, as paid_again with its own receipt. And a
 * checkout's expiry leaves its charges to that end: a virtual account paid in the checkout's last minutes, its
 * callback lost, is found by the next questions after the checkout expired and paid late (the plan, the receipt).
 * A QRIS code nobody pays is expired by the simulator at its expiry, as by Xendit: settled by the next pass.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { currentSubscription } from "@/db/plans.ts";
import { chargeCheckout, openCheckout } from "@/lib/payments/checkout.ts";
import { reconcileProject } from "@/lib/payments/reconcile.ts";
import { rows } from "../helpers/db.ts";
import { seedShop } from "../helpers/payments.ts";
import { waitFor } from "../helpers/wait.ts";
import { paymentsTestApp } from "../helpers/payments_app.ts";

const t = await paymentsTestApp({ receiptLinks: true });

const as = <T>(projectId: string, work: Parameters<typeof asApp<T>>[2]) => asApp(t.db.sql, projectId, work);
const HOUR = 3_600_000;

Deno.test("charge horizon — a charge Xendit calls pending past its horizon ends here as expired; its later payment is paid_again, with its receipt", async () => {
  const shop = await seedShop(t.db.sql, { email: "horizon-ovo@example.com" });
  const p = shop.project.id;
  const opened = await openCheckout(t.deps, p, { sub: shop.userId, plan: "pro" });
  const charge = async (choice: Parameters<typeof chargeCheckout>[3]) =>
    (await chargeCheckout(t.deps, p, opened.checkout_id, choice)).payment!.provider_id;
  const ovo = await charge({ method: "ovo", mobileNumber: "+6281234567890" });
  const qris = await charge({ method: "qris" });
  await t.deps.xenditSandbox.settle(qris, "pay");
  await waitFor(async () => {
    const [row] = await as(
      p,
      (tx) => tx`select status from astapa.checkouts where public_id = ${opened.checkout_id}`,
    );
    return row?.status === "paid" || undefined;
  }, "the QRIS payment to be applied");

  const statusOf = async (providerId: string) =>
    (await as(p, (tx) => tx`select status from astapa.payments where provider_id = ${providerId}`))[0].status;
  // Before its horizon Xendit's PENDING changes nothing: asked again next time.
  const early = await reconcileProject(t.deps, p, new Date(Date.now() + HOUR), 900);
  assert.deepEqual([early.checked, early.recorded], [1, 0]);
  assert.equal(await statusOf(ovo), "pending");

  // A day after the push could last be paid, Xendit still says PENDING: ended here.
  const past = new Date(Date.now() + 26 * HOUR);
  const ending = await reconcileProject(t.deps, p, past, 900);
  assert.deepEqual([ending.checked, ending.recorded], [1, 1]);
  await waitFor(async () => (await statusOf(ovo)) === "expired" || undefined, "the end to be applied");
  const [ended] = rows(
    await as(
      p,
      (tx) =>
        tx`select provider_status, outcome, body ->> 'abandoned' as abandoned, body ->> 'reason' as reason
          from astapa.payment_events where provider_id = ${ovo}`,
    ),
  );
  assert.deepEqual([ended.provider_status, ended.outcome, ended.abandoned], ["EXPIRED", "expired", "true"]);
  assert.match(String(ended.reason), /past its horizon/);
  const audit = await as(
    p,
    (tx) => tx`select target from astapa.audit_log where action = 'payment.charge_abandoned'`,
  );
  assert.deepEqual(audit.map((a) => a.target), [`checkout:${opened.checkout_id}`]);
  assert.equal(
    (await reconcileProject(t.deps, p, new Date(past.getTime() + HOUR), 900)).checked,
    0,
    "not asked again",
  );

  // The push approved after all: its callback is applied, the money kept with its receipt for a refund.
  await t.deps.xenditSandbox.settle(ovo, "pay");
  const receipt = await waitFor(async () => {
    const [row] = await as(
      p,
      (tx) =>
        tx`select x.public_id, x.period_start from astapa.receipts as x join astapa.payments as y
          on y.project_id = x.project_id and y.id = x.payment_id where y.provider_id = ${ovo}`,
    );
    return row;
  }, "the late payment's receipt");
  assert.equal(receipt.period_start, null, "no second period");
  assert.equal(await statusOf(ovo), "paid");
  const outcomes = await as(
    p,
    (tx) => tx`select outcome from astapa.payment_events where provider_id = ${ovo} order by id`,
  );
  assert.deepEqual(outcomes.map((o) => o.outcome), ["expired", "paid_again"]);
});

Deno.test("charge horizon — a virtual account paid in its checkout's last minutes, its callback lost, is found after the checkout expired and paid late: the plan, the receipt", async () => {
  const shop = await seedShop(t.db.sql, { email: "horizon-last-minute@example.com" });
  const p = shop.project.id;
  const opened = await openCheckout(t.deps, p, { sub: shop.userId, plan: "pro" });
  const va = (await chargeCheckout(t.deps, p, opened.checkout_id, { method: "bank_transfer", bank: "BNI" }))
    .payment!.provider_id;
  const expiresAt = new Date(opened.expires_at).getTime();
  const checkoutStatus = async () =>
    (await as(p, (tx) => tx`select status from astapa.checkouts where public_id = ${opened.checkout_id}`))[0]
      .status;

  // Asked about five minutes before the checkout expires: still pending.
  const before = await reconcileProject(t.deps, p, new Date(expiresAt - 5 * 60_000), 900);
  assert.deepEqual([before.checked, before.recorded], [1, 0]);
  // Then paid at Xendit; its callback never arrives.
  await t.deps.xenditSandbox.settle(va, "pay", { times: 0 });
  // The next pass comes a minute after the checkout expired, too soon to ask again: the checkout expires.
  const expiry = await reconcileProject(t.deps, p, new Date(expiresAt + 60_000), 900);
  assert.deepEqual([expiry.checked, expiry.expired], [0, 1]);
  assert.equal(await checkoutStatus(), "expired");

  // The one after asks about the charge anyway, and Xendit says it was paid.
  const found = await reconcileProject(t.deps, p, new Date(expiresAt + 20 * 60_000), 900);
  assert.deepEqual([found.checked, found.recorded], [1, 1], "asked about after its checkout expired");
  await waitFor(
    async () => (await checkoutStatus()) === "paid" || undefined,
    "the late payment to be applied",
  );
  assert.equal((await as(p, (tx) => currentSubscription(tx, p, shop.userId))).plan, "pro");
  const [receipt] = rows(
    await as(
      p,
      (tx) =>
        tx`select x.public_id, x.period_start from astapa.receipts as x join astapa.payments as y
          on y.project_id = x.project_id and y.id = x.payment_id where y.provider_id = ${va}`,
    ),
  );
  assert.match(String(receipt.public_id), /^rcp_/);
  assert.notEqual(receipt.period_start, null, "the receipt covers the period it bought");
  const events = await as(
    p,
    (tx) =>
      tx`select provider_status, outcome, body ->> 'reconciled' as reconciled from astapa.payment_events`,
  );
  assert.deepEqual(events.map((e) => [e.provider_status, e.outcome, e.reconciled]), [[
    "SUCCEEDED",
    "paid",
    "true",
  ]]);
  const sent = await as(p, (tx) => tx`select type from astapa.events where type like 'payment.%'`);
  assert.deepEqual(sent.map((e) => e.type), ["payment.succeeded"]);
});

Deno.test("charge horizon — an expired checkout's QRIS code, expired by the simulator at its expiry as by Xendit, is settled expired by the next pass: payment.failed once, nothing abandoned", async () => {
  const shop = await seedShop(t.db.sql, { email: "horizon-sim-expiry@example.com" });
  const p = shop.project.id;
  const opened = await openCheckout(t.deps, p, { sub: shop.userId, plan: "pro" });
  const qris = (await chargeCheckout(t.deps, p, opened.checkout_id, { method: "qris" })).payment!.provider_id;
  const expiresAt = new Date(opened.expires_at).getTime();
  const sim = t.deps.xenditSandbox;

  // The pass a minute after the checkout (and its code) expired; the simulator's clock says the same time.
  const passAt = expiresAt + 60_000;
  sim.now = () => passAt;
  try {
    const pass = await reconcileProject(t.deps, p, new Date(passAt), 900);
    assert.deepEqual([pass.checked, pass.recorded, pass.expired], [1, 1, 1]);
  } finally {
    sim.now = Date.now;
  }
  await sim.webhooks.idle();
  const statusOf = async () =>
    (await as(p, (tx) => tx`select status from astapa.payments where provider_id = ${qris}`))[0].status;
  // The simulator's callback and the pass's answer say the same (status, amount, currency): whichever came
  // second is a duplicate of the first, so one event is stored, and applied.
  const events = await waitFor(async () => {
    const all = await as(
      p,
      (tx) =>
        tx`select provider_status, outcome, body ->> 'abandoned' as abandoned, paid_content
          from astapa.payment_events where provider_id = ${qris}`,
    );
    return all.length > 0 && all.every((e) => e.outcome !== null) && all;
  }, "the callback or the answer to be applied");
  assert.equal(await statusOf(), "expired");
  assert.deepEqual(
    events.map((e) => [e.provider_status, e.outcome, e.abandoned, e.paid_content]),
    [["EXPIRED", "expired", null, "99000 IDR"]],
  );
  const sent = await as(p, (tx) => tx`select type from astapa.events where type like 'payment.%'`);
  assert.deepEqual(sent.map((e) => e.type), ["payment.failed"]);
  const abandoned = await as(
    p,
    (tx) => tx`select target from astapa.audit_log where action = 'payment.charge_abandoned'`,
  );
  assert.equal(abandoned.length, 0);
  assert.equal(
    (await reconcileProject(t.deps, p, new Date(expiresAt + 26 * HOUR), 900)).checked,
    0,
    "settled: not asked again, nor ended at its horizon",
  );
});
