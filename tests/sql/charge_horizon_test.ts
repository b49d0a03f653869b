/**
 * SQL tests for the local end of a pending charge (astapa.charge_horizon, api.abandon_charge and the past_horizon
 * of api.claim_stale_payments in db/api/billing.sql): when the billing pass may stop asking Xendit, the end
 * through the ledger with its reason, a later payment still applied (paid, paid_again, each with its receipt),
 * each error, and another project; a checkout's expiry (api.expire_checkouts) leaving its charges to that
 * end; and what the payments list (astapa.dashboard_payment_json) and the checkout (astapa.checkout_json) say of
 * a charge ended here (both from astapa.abandoned_charge_json). `now` is an argument, so the clock is the test's.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { abandonCharge, claimStalePayments, expireCheckouts } from "@/db/billing.ts";
import {
  applyPaymentEvent,
  createCheckout,
  getCheckout,
  recordPayment,
  recordPaymentEvent,
} from "@/db/payments.ts";
import { getPayment, listPayments, paymentFeed } from "@/db/dashboard_payments.ts";
import { currentSubscription } from "@/db/plans.ts";
import { rows, testDatabase } from "../helpers/db.ts";
import { rejectsAs } from "../helpers/identity.ts";
import { seedShop, type Shop } from "../helpers/payments.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const after = (ms: number, from = new Date()) => new Date(from.getTime() + ms);

/** The horizon astapa.charge_horizon gives these columns, as an ISO string (null for none). */
async function horizon(
  method: string,
  expiresAt: Date | null,
  createdAt: Date,
  resumedAt: Date | null,
  checkoutExpiresAt: Date,
): Promise<string | null> {
  const [row] = await db.sql`select astapa.charge_horizon(${method}, ${expiresAt?.toISOString() ?? null},
    ${createdAt.toISOString()}, ${resumedAt?.toISOString() ?? null}, ${checkoutExpiresAt.toISOString()})
    as horizon`;
  return row.horizon ? (row.horizon as Date).toISOString() : null;
}

/** A charge of `method` recorded on `checkoutId` as the checkout page records it (no expiry from Xendit). */
function charge(
  shop: Shop,
  checkoutId: string,
  providerId: string,
  method: "ovo" | "bank_transfer" | "qris",
) {
  const p = shop.project.id;
  return asApp(db.sql, p, (tx) =>
    recordPayment(tx, p, checkoutId, {
      kind: "payment_request",
      provider_id: providerId,
      method,
      bank: method === "bank_transfer" ? "BNI" : undefined,
      details: {},
      expires_at: null,
    }));
}

/** Xendit's callback for `providerId` (a payment of the checkout's Rp99,000), applied: its outcome. */
async function callback(shop: Shop, checkoutId: string, providerId: string, status: string) {
  const p = shop.project.id;
  await asApp(db.sql, p, (tx) =>
    recordPaymentEvent(tx, p, {
      providerId,
      status,
      checkoutId,
      body: { data: { amount: 99_000, currency: "IDR", status } },
    }));
  return (await asApp(db.sql, p, (tx) => applyPaymentEvent(tx, p)))?.outcome;
}

async function stateOf(shop: Shop, providerId: string) {
  const [row] = rows(
    await asApp(
      db.sql,
      shop.project.id,
      (tx) =>
        tx`select y.status, c.status as checkout, (select x.public_id from astapa.receipts as x
             where x.project_id = y.project_id and x.payment_id = y.id) as receipt
           from astapa.payments as y join astapa.checkouts as c on c.project_id = y.project_id and c.id = y.checkout_id
           where y.provider_id = ${providerId}`,
    ),
  );
  return row;
}

Deno.test("astapa.charge_horizon — a day after the charge's expiry; its checkout's for QR, VA and GoPay without one; an hour after it was made for the rest; a resume starts a day anew", async () => {
  const made = new Date("2026-03-01T00:00:00Z");
  const own = new Date("2026-03-01T06:00:00Z");
  const checkout = new Date("2026-03-02T00:00:00Z");
  assert.equal(
    await horizon("qris", own, made, null, checkout),
    "2026-03-02T06:00:00.000Z",
    "Xendit's expiry",
  );
  for (const method of ["qris", "bank_transfer", "gopay"]) {
    assert.equal(await horizon(method, null, made, null, checkout), "2026-03-03T00:00:00.000Z", method);
  }
  // OVO's push lasts 55 seconds, DANA's and ShopeePay's links 30 minutes; direct debit and cards minutes.
  for (const method of ["ovo", "dana", "shopeepay", "direct_debit", "card"]) {
    assert.equal(await horizon(method, null, made, null, checkout), "2026-03-02T01:00:00.000Z", method);
  }
  const resumed = new Date("2026-03-05T12:00:00Z");
  assert.equal(await horizon("ovo", null, made, resumed, checkout), "2026-03-06T12:00:00.000Z", "resumed");
  assert.equal(
    await horizon("qris", own, made, new Date("2026-03-01T01:00:00Z"), checkout),
    "2026-03-02T06:00:00.000Z",
  );
});

Deno.test("api.claim_stale_payments — says when a charge is past its horizon; still claims it", async () => {
  const shop = await seedShop(db.sql, { email: "horizon-claim@example.com" });
  const p = shop.project.id;
  const start = new Date();
  const checkout = await asApp(
    db.sql,
    p,
    (tx) =>
      createCheckout(tx, p, {
        sub: shop.userId,
        plan: "pro",
        xendit_account: "simulator",
        ttl_seconds: 3600,
      }),
  );
  await charge(shop, checkout.checkout_id, "pr-horizon-claim", "qris");
  const claim = (when: Date) =>
    asApp(db.sql, p, async (tx) => (await claimStalePayments(tx, p, when, 900)).map((c) => c.past_horizon));
  assert.deepEqual(await claim(after(2 * HOUR, start)), [false], "its QR code expired an hour ago");
  assert.deepEqual(await claim(after(DAY + 2 * HOUR, start)), [true], "a day after");
});

Deno.test("api.abandon_charge — past its horizon a charge still pending ends as expired through the ledger, with its reason; its later payment is still paid, with its receipt", async () => {
  const shop = await seedShop(db.sql, { email: "horizon-abandon@example.com" });
  const p = shop.project.id;
  const start = new Date();
  // A renewal link expired early (its subscription ended) keeps its OVO charge pending.
  const checkout = await asApp(
    db.sql,
    p,
    (tx) => createCheckout(tx, p, { sub: shop.userId, plan: "pro", xendit_account: "simulator" }),
  );
  await charge(shop, checkout.checkout_id, "pr-horizon-ovo", "ovo");
  await db.sql`update astapa.checkouts set status = 'expired' where public_id = ${checkout.checkout_id}`;
  const abandon = (when: Date) => asApp(db.sql, p, (tx) => abandonCharge(tx, p, "pr-horizon-ovo", when));

  await rejectsAs(abandon(after(DAY, start)), "conflict", /may still be paid/);
  const past = after(DAY + 2 * HOUR, start);
  const ended = await abandon(past);
  assert.ok(ended && ended.event_id !== null);
  assert.deepEqual([ended.duplicate, ended.checkout_id, ended.provider_id], [
    false,
    checkout.checkout_id,
    "pr-horizon-ovo",
  ]);
  assert.match(ended.reason, /still called it pending .* past its horizon .*: ended here as expired/);
  // Asked again before the worker applied it: the same event, audited once.
  assert.equal((await abandon(past))?.duplicate, true);
  const audit = rows(
    await asApp(
      db.sql,
      p,
      (tx) => tx`select target, details from astapa.audit_log where action = 'payment.charge_abandoned'`,
    ),
  );
  assert.deepEqual(audit.map((a) => a.target), [`checkout:${checkout.checkout_id}`]);
  const details = audit[0].details as Record<string, unknown>;
  assert.deepEqual([details.provider_id, details.method, details.reason], [
    "pr-horizon-ovo",
    "ovo",
    ended.reason,
  ]);
  const [event] = rows(
    await asApp(
      db.sql,
      p,
      (tx) =>
        tx`select provider_status, body from astapa.payment_events where provider_id = 'pr-horizon-ovo'`,
    ),
  );
  assert.equal(event.provider_status, "EXPIRED");
  assert.deepEqual([
    (event.body as Record<string, unknown>).abandoned,
    (event.body as Record<string, unknown>).reason,
  ], [
    true,
    ended.reason,
  ]);

  // The worker applies it like Xendit's expiry: no longer asked about, nothing left to abandon.
  assert.equal((await asApp(db.sql, p, (tx) => applyPaymentEvent(tx, p)))?.outcome, "expired");
  assert.deepEqual(await stateOf(shop, "pr-horizon-ovo"), {
    status: "expired",
    checkout: "expired",
    receipt: null,
  });
  assert.deepEqual(await asApp(db.sql, p, (tx) => claimStalePayments(tx, p, after(DAY, past), 900)), []);
  assert.equal(await abandon(after(HOUR, past)), null);

  // Nothing is lost: the person paid after all, and Xendit's callback comes late. Paid wins.
  assert.equal(await callback(shop, checkout.checkout_id, "pr-horizon-ovo", "SUCCEEDED"), "paid");
  const paid = await stateOf(shop, "pr-horizon-ovo");
  assert.deepEqual([paid.status, paid.checkout], ["paid", "paid"]);
  assert.match(String(paid.receipt), /^rcp_/);
});

Deno.test("api.abandon_charge — a paid checkout's other charge ends at its horizon; a payment of it after is paid_again, with its receipt", async () => {
  const shop = await seedShop(db.sql, { email: "horizon-paid@example.com" });
  const p = shop.project.id;
  const start = new Date();
  // A QRIS code shown, then a virtual account opened; the QRIS code is paid.
  const { checkout_id: checkoutId } = await asApp(
    db.sql,
    p,
    (tx) => createCheckout(tx, p, { sub: shop.userId, plan: "pro", xendit_account: "simulator" }),
  );
  await charge(shop, checkoutId, "pr-horizon-first", "qris");
  await charge(shop, checkoutId, "pr-horizon-va", "bank_transfer");
  assert.equal(await callback(shop, checkoutId, "pr-horizon-first", "SUCCEEDED"), "paid");
  const past = after(2 * DAY + HOUR, start); // its checkout expires in a day, its virtual account with it
  await rejectsAs(
    asApp(db.sql, p, (tx) => abandonCharge(tx, p, "pr-horizon-va", after(DAY + HOUR, start))),
    "conflict",
  );
  assert.deepEqual(
    await asApp(
      db.sql,
      p,
      async (tx) => (await claimStalePayments(tx, p, past, 900)).map((c) => [c.provider_id, c.past_horizon]),
    ),
    [["pr-horizon-va", true]],
  );
  assert.equal(
    (await asApp(db.sql, p, (tx) => abandonCharge(tx, p, "pr-horizon-va", past)))?.duplicate,
    false,
  );
  assert.equal((await asApp(db.sql, p, (tx) => applyPaymentEvent(tx, p)))?.outcome, "expired");
  assert.deepEqual(await stateOf(shop, "pr-horizon-va"), {
    status: "expired",
    checkout: "paid",
    receipt: null,
  });
  // No payment.failed: the checkout is paid.
  const failed = await asApp(
    db.sql,
    p,
    (tx) => tx`select 1 from astapa.events where type = 'payment.failed'`,
  );
  assert.equal(failed.length, 0);

  assert.equal(await callback(shop, checkoutId, "pr-horizon-va", "SUCCEEDED"), "paid_again");
  const again = await stateOf(shop, "pr-horizon-va");
  assert.deepEqual([again.status, again.checkout], ["paid", "paid"]);
  assert.match(String(again.receipt), /^rcp_/);
});

Deno.test("api.abandon_charge — errors: no now, an unknown charge, another project's", async () => {
  const shop = await seedShop(db.sql, { email: "horizon-errors@example.com" });
  const other = await seedShop(db.sql, { email: "horizon-errors-other@example.com" });
  const p = shop.project.id;
  const checkout = await asApp(
    db.sql,
    p,
    (tx) => createCheckout(tx, p, { sub: shop.userId, plan: "pro", xendit_account: "simulator" }),
  );
  await charge(shop, checkout.checkout_id, "pr-horizon-errors", "ovo");
  const past = after(3 * DAY);
  await rejectsAs(
    asApp(db.sql, p, (tx) => tx`select api.abandon_charge(${p}, 'pr-horizon-errors', null)`),
    "validation_failed",
  );
  await rejectsAs(asApp(db.sql, p, (tx) => abandonCharge(tx, p, "pr-unknown", past)), "not_found");
  await rejectsAs(
    asApp(db.sql, other.project.id, (tx) => abandonCharge(tx, p, "pr-horizon-errors", past)),
    "not_found",
  );
  await rejectsAs(
    asApp(db.sql, other.project.id, (tx) => abandonCharge(tx, other.project.id, "pr-horizon-errors", past)),
    "not_found",
  );
  const events = await asApp(db.sql, p, (tx) => tx`select 1 from astapa.payment_events`);
  assert.equal(events.length, 0, "nothing recorded");
  assert.equal((await stateOf(shop, "pr-horizon-errors")).status, "pending");
});

Deno.test("api.expire_checkouts — leaves an expired checkout's charges pending for reconciliation: a payment whose callback was lost is paid late (plan, receipt), Xendit's expiry expires, still pending past its horizon ends here", async () => {
  const shop = await seedShop(db.sql, { email: "horizon-expiry@example.com" });
  const p = shop.project.id;
  const start = new Date();
  const open = () =>
    asApp(
      db.sql,
      p,
      (tx) =>
        createCheckout(tx, p, {
          sub: shop.userId,
          plan: "pro",
          xendit_account: "simulator",
          ttl_seconds: 3600,
        }),
    );
  // A QRIS code paid in the checkout's last minutes, its callback lost; on another checkout a virtual account
  // Xendit expires with it and an OVO push Xendit keeps calling pending.
  const paidLate = await open();
  await charge(shop, paidLate.checkout_id, "pr-expiry-qris", "qris");
  const unpaid = await open();
  await charge(shop, unpaid.checkout_id, "pr-expiry-va", "bank_transfer");
  await charge(shop, unpaid.checkout_id, "pr-expiry-ovo", "ovo");

  const expiry = after(HOUR + 60_000, start);
  assert.equal(await asApp(db.sql, p, (tx) => expireCheckouts(tx, p, expiry)), 2);
  for (const providerId of ["pr-expiry-qris", "pr-expiry-va", "pr-expiry-ovo"]) {
    assert.deepEqual(await stateOf(shop, providerId), {
      status: "pending",
      checkout: "expired",
      receipt: null,
    });
  }
  // The next billing pass still asks Xendit about each.
  assert.deepEqual(
    await asApp(
      db.sql,
      p,
      async (tx) =>
        (await claimStalePayments(tx, p, after(20 * 60_000, expiry), 900)).map((c) => [
          c.provider_id,
          c.past_horizon,
        ]),
    ),
    [["pr-expiry-qris", false], ["pr-expiry-va", false], ["pr-expiry-ovo", false]],
  );

  // Xendit says the QRIS code was paid: applied as a payment on an expired checkout always is — the plan, the
  // receipt, payment.succeeded.
  assert.equal(await callback(shop, paidLate.checkout_id, "pr-expiry-qris", "SUCCEEDED"), "paid");
  const paid = await stateOf(shop, "pr-expiry-qris");
  assert.deepEqual([paid.status, paid.checkout], ["paid", "paid"]);
  assert.match(String(paid.receipt), /^rcp_/);
  assert.equal((await asApp(db.sql, p, (tx) => currentSubscription(tx, p, shop.userId))).plan, "pro");

  // Xendit says the virtual account expired: expired, and the app told (payment.failed), as for any charge of
  // a checkout not paid.
  assert.equal(await callback(shop, unpaid.checkout_id, "pr-expiry-va", "EXPIRED"), "expired");
  assert.deepEqual(await stateOf(shop, "pr-expiry-va"), {
    status: "expired",
    checkout: "expired",
    receipt: null,
  });

  // The OVO push, still pending a day after it could last be paid: ended here.
  const past = after(DAY + 2 * HOUR, start);
  assert.equal(
    (await asApp(db.sql, p, (tx) => abandonCharge(tx, p, "pr-expiry-ovo", past)))?.duplicate,
    false,
  );
  assert.equal((await asApp(db.sql, p, (tx) => applyPaymentEvent(tx, p)))?.outcome, "expired");
  assert.deepEqual(await stateOf(shop, "pr-expiry-ovo"), {
    status: "expired",
    checkout: "expired",
    receipt: null,
  });

  const events = rows(
    await asApp(
      db.sql,
      p,
      (tx) =>
        tx`select type, data ->> 'checkout_id' as checkout, data ->> 'method' as method
          from astapa.events where type like 'payment.%' order by id`,
    ),
  );
  assert.deepEqual(events.map((e) => [e.type, e.checkout, e.method]), [
    ["payment.succeeded", paidLate.checkout_id, "qris"],
    ["payment.failed", unpaid.checkout_id, "bank_transfer"],
    ["payment.failed", unpaid.checkout_id, "ovo"],
  ]);
  assert.deepEqual(await asApp(db.sql, p, (tx) => claimStalePayments(tx, p, after(HOUR, past), 900)), []);
});

Deno.test("astapa.dashboard_payment_json and astapa.checkout_json — a charge ended here is abandoned (which, when, its horizon, why) in the list, one payment, the feed and the checkout, alike; not before it is applied, nor after Xendit's own expiry, nor once paid", async () => {
  const shop = await seedShop(db.sql, { email: "horizon-shown@example.com" });
  const p = shop.project.id;
  const start = new Date();
  const open = async () =>
    (await asApp(
      db.sql,
      p,
      (tx) => createCheckout(tx, p, { sub: shop.userId, plan: "pro", xendit_account: "simulator" }),
    )).checkout_id;
  const shown = (checkoutId: string) => asApp(db.sql, p, (tx) => getPayment(tx, p, checkoutId));
  // The checkout's JSON (the Platform API's checkout reads, the checkout page) says the same, from the same function.
  const checkoutSays = async (checkoutId: string) =>
    (await asApp(db.sql, p, (tx) => getCheckout(tx, p, checkoutId)))!.abandoned;
  const past = after(DAY + 2 * HOUR, start);

  // An OVO push Xendit keeps calling pending: ended here, shown once the worker applied the end.
  const ended = await open();
  await charge(shop, ended, "pr-shown-ovo", "ovo");
  const cursor = "0";
  const abandoned = await asApp(db.sql, p, (tx) => abandonCharge(tx, p, "pr-shown-ovo", past));
  assert.ok(abandoned);
  assert.equal((await shown(ended)).abandoned, null, "not applied yet: the charge is still pending");
  assert.equal(await checkoutSays(ended), null, "not applied yet: the checkout says so too");
  assert.equal((await asApp(db.sql, p, (tx) => applyPaymentEvent(tx, p)))?.outcome, "expired");
  const row = await shown(ended);
  assert.ok(row.abandoned);
  assert.deepEqual(
    [
      row.abandoned.provider_id,
      row.abandoned.method,
      new Date(row.abandoned.at).getTime(),
      new Date(row.abandoned.horizon).getTime(),
      row.abandoned.reason,
    ],
    ["pr-shown-ovo", "ovo", past.getTime(), new Date(abandoned.horizon).getTime(), abandoned.reason],
  );
  assert.deepEqual(await checkoutSays(ended), row.abandoned, "the checkout's JSON");
  const [listed] = await asApp(db.sql, p, (tx) => listPayments(tx, p, {}));
  assert.deepEqual([listed.checkout_id, listed.abandoned], [ended, row.abandoned]);
  const feed = await asApp(db.sql, p, (tx) => paymentFeed(tx, p, cursor));
  assert.deepEqual(feed.events.map((e) => [e.outcome, e.payment.abandoned]), [["expired", row.abandoned]]);

  // Xendit's own expiry came first: its end, not ours (the local one was no_change).
  const xendits = await open();
  await charge(shop, xendits, "pr-shown-va", "bank_transfer");
  await asApp(db.sql, p, (tx) =>
    recordPaymentEvent(tx, p, {
      providerId: "pr-shown-va",
      status: "EXPIRED",
      checkoutId: xendits,
      body: { data: { amount: 99_000, currency: "IDR", status: "EXPIRED" } },
    }));
  assert.equal(
    (await asApp(db.sql, p, (tx) => abandonCharge(tx, p, "pr-shown-va", after(DAY, past))))?.duplicate,
    false,
  );
  assert.deepEqual(
    [
      (await asApp(db.sql, p, (tx) => applyPaymentEvent(tx, p)))?.outcome,
      (await asApp(db.sql, p, (tx) => applyPaymentEvent(tx, p)))?.outcome,
    ],
    ["expired", "no_change"],
  );
  assert.equal((await shown(xendits)).abandoned, null);
  assert.equal(await checkoutSays(xendits), null);

  // Paid after all: the end no longer stands.
  assert.equal(await callback(shop, ended, "pr-shown-ovo", "SUCCEEDED"), "paid");
  assert.deepEqual([(await shown(ended)).status, (await shown(ended)).abandoned], ["paid", null]);
  assert.equal(await checkoutSays(ended), null);
});
