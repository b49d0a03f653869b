/**
 * SQL tests for the dashboard's Plans and Payments functions (db/api/dashboard.sql): subscriber counts, the
 * payments list, the live feed over payment_events, and the chart aggregates — each in the project's current
 * mode only, each refused for another project or none.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { assignPlan } from "@/db/plans.ts";
import {
  applyPaymentEvent,
  createCheckout,
  recordPayment,
  recordPaymentEvent,
  type StoredMethod,
  StoredMethodSchema,
} from "@/db/payments.ts";
import type { PaymentMethod } from "@/sdk/mod.ts";
import {
  listPayments,
  paymentFeed,
  paymentFeedCursor,
  planSubscriberCounts,
  revenueByMethod,
  signupsPerDay,
} from "@/db/dashboard_payments.ts";
import { updateProject } from "@/db/projects.ts";
import { testDatabase } from "../helpers/db.ts";
import { rejectsAs, seedUser } from "../helpers/identity.ts";
import { seedShop, type Shop } from "../helpers/payments.ts";
import { takeLive } from "../helpers/live_keys.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const as = <T>(projectId: string | null, work: Parameters<typeof asApp<T>>[2]) =>
  asApp(db.sql, projectId, work);

let providerSeq = 0;

/** A checkout for the shop's user with a charge by `method`; paid through a SUCCEEDED callback when asked. */
async function charge(
  shop: Shop,
  method: StoredMethod,
  pay = true,
  userId?: string,
) {
  const p = shop.project.id;
  const checkout = await as(
    p,
    (tx) => createCheckout(tx, p, { sub: userId ?? shop.userId, plan: "pro", xendit_account: "simulator" }),
  );
  const providerId = `pr-test-${++providerSeq}`;
  await as(p, (tx) =>
    recordPayment(tx, p, checkout.checkout_id, {
      kind: method === "gopay" ? "invoice" : "payment_request",
      provider_id: providerId,
      method,
      bank: method === "bank_transfer" ? "BCA" : undefined,
      details: {},
      expires_at: null,
    }));
  if (pay) {
    await as(p, (tx) =>
      recordPaymentEvent(tx, p, {
        providerId,
        status: "SUCCEEDED",
        checkoutId: checkout.checkout_id,
        body: { data: { amount: checkout.amount } },
      }));
    while (await as(p, (tx) => applyPaymentEvent(tx, p))) { /* apply every waiting event */ }
  }
  return checkout;
}

Deno.test("api.plan_subscriber_counts — active current subscriptions per plan, current mode only", async () => {
  const shop = await seedShop(db.sql, { email: "count-a@example.com" });
  const p = shop.project.id;
  const second = await seedUser(db.sql, p, "count-b@example.com");
  const third = await seedUser(db.sql, p, "count-c@example.com");
  assert.deepEqual(await as(p, (tx) => planSubscriberCounts(tx, p)), {});
  await as(p, (tx) => assignPlan(tx, p, shop.userId, "pro", "dashboard"));
  await as(p, (tx) => assignPlan(tx, p, second, "pro", "dashboard"));
  await as(p, (tx) => assignPlan(tx, p, third, "pro", "dashboard"));
  // A changed plan ends the earlier subscription: it is counted under the new plan only.
  await as(p, (tx) => assignPlan(tx, p, third, "free", "dashboard"));
  // A past_due subscription is not an active one.
  await db.sql`update astapa.subscriptions set status = 'past_due'
               where project_id = ${p} and user_id = ${second} and ended_at is null`;
  assert.deepEqual(await as(p, (tx) => planSubscriberCounts(tx, p)), { pro: 1, free: 1 });
  // In production the sandbox subscribers are not counted.
  await takeLive(db.sql, p);
  assert.deepEqual(await as(p, (tx) => planSubscriberCounts(tx, p)), {});
  const other = await seedShop(db.sql, { email: "count-other@example.com" });
  await rejectsAs(as(other.project.id, (tx) => planSubscriberCounts(tx, p)), "not_found");
  await rejectsAs(as(null, (tx) => planSubscriberCounts(tx, p)), "not_found");
});

Deno.test("astapa.payment_methods — exactly the methods checkouts and payments take", async () => {
  const [{ methods }] = await db.sql`select astapa.payment_methods() as methods`;
  const constraints = await db.sql`select conname, pg_get_constraintdef(oid) as def from pg_constraint
    where conname in ('checkouts_method_check', 'payments_method_check') order by conname`;
  assert.equal(constraints.length, 2);
  for (const { conname, def } of constraints) {
    const allowed = [...def.matchAll(/'([a-z_]+)'::text/g)].map((m: RegExpMatchArray) => m[1]);
    assert.deepEqual([...allowed].sort(), [...methods].sort(), conname);
  }
  // The TypeScript list (the Platform API's filter and answers, the dashboard's filter) is the same, in order.
  assert.deepEqual(StoredMethodSchema.options, methods);
  // The SDK's type names the same methods (checked when this file is type-checked, both ways).
  type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
  const sdkNamesTheSame: Same<PaymentMethod, StoredMethod> = true;
  assert.ok(sdkNamesTheSame);
});

Deno.test("api.list_payments — newest first, filtered, a page at a time, current mode only", async () => {
  const shop = await seedShop(db.sql, { email: "list@example.com" });
  const p = shop.project.id;
  const paidQris = await charge(shop, "qris");
  const pendingOvo = await charge(shop, "ovo", false);
  const paidGopay = await charge(shop, "gopay");
  const all = await as(p, (tx) => listPayments(tx, p, {}));
  assert.deepEqual(all.map((row) => row.checkout_id), [
    paidGopay.checkout_id,
    pendingOvo.checkout_id,
    paidQris.checkout_id,
  ]);
  const first = all[2];
  assert.equal(first.status, "paid");
  assert.equal(first.method, "qris");
  assert.equal(first.amount, 99_000);
  assert.equal(first.email, "list@example.com");
  assert.equal(first.plan, "pro");
  assert.equal(first.plan_name, "Pro");
  assert.equal(first.environment, "sandbox");
  assert.ok(first.paid_at);
  assert.equal(all[1].paid_at, null);

  const paid = await as(p, (tx) => listPayments(tx, p, { status: "paid" }));
  assert.deepEqual(paid.map((row) => row.checkout_id), [paidGopay.checkout_id, paidQris.checkout_id]);
  const ovo = await as(p, (tx) => listPayments(tx, p, { method: "ovo" }));
  assert.deepEqual(ovo.map((row) => row.status), ["pending"]);
  assert.deepEqual(await as(p, (tx) => listPayments(tx, p, { method: "ovo", status: "paid" })), []);

  const page1 = await as(p, (tx) => listPayments(tx, p, { size: 2 }));
  assert.equal(page1.length, 2);
  const page2 = await as(p, (tx) => listPayments(tx, p, { size: 2, before: page1[1].id }));
  assert.deepEqual(page2.map((row) => row.checkout_id), [paidQris.checkout_id]);

  await takeLive(db.sql, p);
  assert.deepEqual(await as(p, (tx) => listPayments(tx, p, {})), [], "sandbox checkouts stay in sandbox");
  await as(p, (tx) => updateProject(tx, p, { mode: "sandbox" }));
  assert.equal((await as(p, (tx) => listPayments(tx, p, {}))).length, 3);
});

Deno.test("api.list_payments — one user's checkouts; every method a checkout takes filters", async () => {
  const shop = await seedShop(db.sql, { email: "list-user@example.com" });
  const p = shop.project.id;
  const second = await seedUser(db.sql, p, "list-user-2@example.com", { verified: true });
  const firstsQris = await charge(shop, "qris");
  const secondsDana = await charge(shop, "dana", true, second);
  const firstsCard = await charge(shop, "card", false);
  const ids = (rows: { checkout_id: string }[]) => rows.map((row) => row.checkout_id);
  assert.deepEqual(
    ids(await as(p, (tx) => listPayments(tx, p, { user: shop.userId }))),
    [firstsCard.checkout_id, firstsQris.checkout_id],
  );
  assert.deepEqual(ids(await as(p, (tx) => listPayments(tx, p, { user: second }))), [
    secondsDana.checkout_id,
  ]);
  assert.deepEqual(ids(await as(p, (tx) => listPayments(tx, p, { method: "dana" }))), [
    secondsDana.checkout_id,
  ]);
  assert.deepEqual(
    ids(await as(p, (tx) => listPayments(tx, p, { method: "card", user: shop.userId }))),
    [firstsCard.checkout_id],
  );
  assert.deepEqual(await as(p, (tx) => listPayments(tx, p, { method: "card", user: second })), []);
  assert.deepEqual(await as(p, (tx) => listPayments(tx, p, { user: "9223372036854775807" })), []);
  for (const user of ["0", "12a", "9223372036854775808", "99999999999999999999", ""]) {
    await rejectsAs(as(p, (tx) => listPayments(tx, p, { user })), "validation_failed", /user must be/);
  }
});

Deno.test("api.list_payments — bad filters name their field; other projects and none see nothing", async () => {
  const shop = await seedShop(db.sql, { email: "list-errors@example.com" });
  const p = shop.project.id;
  const bad = (filter: Record<string, unknown>) =>
    // deno-lint-ignore no-explicit-any
    as(p, (tx) => listPayments(tx, p, filter as any));
  await rejectsAs(bad({ status: "refunded" }), "validation_failed", /status must be/);
  await rejectsAs(bad({ method: "cash" }), "validation_failed", /method must be/);
  await rejectsAs(bad({ before: "x1" }), "validation_failed", /before must be/);
  await rejectsAs(bad({ size: 0 }), "validation_failed", /size must be/);
  await rejectsAs(bad({ size: 201 }), "validation_failed", /size must be/);
  await rejectsAs(
    as(p, (tx) => tx`select api.list_payments(${p}, '[]'::jsonb)`),
    "validation_failed",
    /JSON object/,
  );
  await charge(shop, "qris", false);
  const other = await seedShop(db.sql, { email: "list-other@example.com" });
  await rejectsAs(as(other.project.id, (tx) => listPayments(tx, p, {})), "not_found");
  await rejectsAs(as(null, (tx) => listPayments(tx, p, {})), "not_found");
  // Even asked as itself, another project's rows stay hidden by RLS.
  assert.deepEqual(await as(other.project.id, (tx) => listPayments(tx, other.project.id, {})), []);
});

Deno.test("api.payment_feed — applied events after a cursor, never past one still waiting", async () => {
  const shop = await seedShop(db.sql, { email: "feed@example.com" });
  const p = shop.project.id;
  assert.equal(await as(p, (tx) => paymentFeedCursor(tx, p)), "0");
  assert.deepEqual(await as(p, (tx) => paymentFeed(tx, p, "0")), { cursor: "0", events: [] });
  const first = await charge(shop, "qris");
  const start = await as(p, (tx) => paymentFeed(tx, p, "0"));
  assert.equal(start.events.length, 1);
  assert.equal(start.events[0].outcome, "paid");
  assert.equal(start.events[0].payment.checkout_id, first.checkout_id);
  assert.equal(start.events[0].payment.status, "paid");
  assert.equal(start.cursor, start.events[0].event_id);
  assert.equal(await as(p, (tx) => paymentFeedCursor(tx, p)), start.cursor);

  // A recorded callback not yet applied holds the feed (and the cursor) back until it is.
  const waiting = await charge(shop, "ovo", false);
  await as(p, (tx) =>
    recordPaymentEvent(tx, p, {
      providerId: "pr-feed-waiting",
      status: "FAILED",
      checkoutId: waiting.checkout_id,
      body: {},
    }));
  assert.deepEqual((await as(p, (tx) => paymentFeed(tx, p, start.cursor))).events, []);
  assert.equal(await as(p, (tx) => paymentFeedCursor(tx, p)), start.cursor);
  while (await as(p, (tx) => applyPaymentEvent(tx, p))) { /* apply */ }
  const after = await as(p, (tx) => paymentFeed(tx, p, start.cursor));
  assert.deepEqual(after.events.map((e) => [e.outcome, e.payment.checkout_id]), [[
    "unknown_payment",
    waiting.checkout_id,
  ]]);
  // Reconnecting with the last id seen sends only what came after it; a page of one moves one at a time.
  const second = await charge(shop, "gopay");
  const resumed = await as(p, (tx) => paymentFeed(tx, p, after.cursor, 1));
  assert.deepEqual(resumed.events.map((e) => e.payment.checkout_id), [second.checkout_id]);
  assert.deepEqual((await as(p, (tx) => paymentFeed(tx, p, resumed.cursor))).events, []);

  // Production does not see sandbox events, but its cursor still passes them.
  await takeLive(db.sql, p);
  const production = await as(p, (tx) => paymentFeed(tx, p, "0"));
  assert.deepEqual(production.events, []);
  assert.equal(production.cursor, resumed.cursor);
  await as(p, (tx) => updateProject(tx, p, { mode: "sandbox" }));

  await rejectsAs(as(p, (tx) => paymentFeed(tx, p, "-1")), "validation_failed", /after_event/);
  await rejectsAs(as(p, (tx) => paymentFeed(tx, p, "0", 0)), "validation_failed", /size/);
  const other = await seedShop(db.sql, { email: "feed-other@example.com" });
  await rejectsAs(as(other.project.id, (tx) => paymentFeed(tx, p, "0")), "not_found");
  await rejectsAs(as(null, (tx) => paymentFeedCursor(tx, p)), "not_found");
  assert.deepEqual(
    (await as(other.project.id, (tx) => paymentFeed(tx, other.project.id, "0"))).events,
    [],
    "another project's events stay hidden",
  );
});

Deno.test("api.signups_per_day — every day of the window, users of the current mode by UTC day", async () => {
  const shop = await seedShop(db.sql, { email: "signup-today@example.com" });
  const p = shop.project.id;
  const old = await seedUser(db.sql, p, "signup-old@example.com");
  const older = await seedUser(db.sql, p, "signup-older@example.com");
  const outside = await seedUser(db.sql, p, "signup-outside@example.com");
  await db
    .sql`update astapa.users set created_at = '2026-03-09T23:59:59Z' where project_id = ${p} and id = ${old}`;
  await db
    .sql`update astapa.users set created_at = '2026-03-09T00:00:00Z' where project_id = ${p} and id = ${older}`;
  await db
    .sql`update astapa.users set created_at = '2026-02-08T23:00:00Z' where project_id = ${p} and id = ${outside}`;
  await db
    .sql`update astapa.users set created_at = '2026-03-10T08:00:00Z' where project_id = ${p} and id = ${shop.userId}`;
  const until = new Date("2026-03-10T12:00:00Z");
  const days = await as(p, (tx) => signupsPerDay(tx, p, 30, until));
  assert.equal(days.length, 30);
  assert.equal(days[0].day, "2026-02-09");
  assert.deepEqual(days.slice(-2), [{ day: "2026-03-09", count: 2 }, { day: "2026-03-10", count: 1 }]);
  assert.equal(days.reduce((sum, d) => sum + d.count, 0), 3, "the day before the window is left out");
  // A deleted account (a tombstone) is no longer counted.
  await as(p, (tx) => tx`select astapa.erase_user(${older})`);
  const afterDeletion = await as(p, (tx) => signupsPerDay(tx, p, 30, until));
  assert.deepEqual(afterDeletion.slice(-2), [{ day: "2026-03-09", count: 1 }, {
    day: "2026-03-10",
    count: 1,
  }]);
  await takeLive(db.sql, p);
  const production = await as(p, (tx) => signupsPerDay(tx, p, 30, until));
  assert.equal(production.reduce((sum, d) => sum + d.count, 0), 0);
  await rejectsAs(as(p, (tx) => signupsPerDay(tx, p, 0)), "validation_failed", /days/);
  await rejectsAs(as(p, (tx) => signupsPerDay(tx, p, 367)), "validation_failed", /days/);
  await rejectsAs(as(null, (tx) => signupsPerDay(tx, p)), "not_found");
});

Deno.test("api.revenue_by_method — paid charges per method in the window, every method listed", async () => {
  const shop = await seedShop(db.sql, { email: "revenue@example.com" });
  const p = shop.project.id;
  const empty = await as(p, (tx) => revenueByMethod(tx, p));
  assert.deepEqual(empty.map((r) => [r.method, r.amount, r.payments]), [
    ["qris", 0, 0],
    ["gopay", 0, 0],
    ["ovo", 0, 0],
    ["dana", 0, 0],
    ["shopeepay", 0, 0],
    ["bank_transfer", 0, 0],
    ["direct_debit", 0, 0],
    ["card", 0, 0],
  ]);
  await charge(shop, "qris");
  await charge(shop, "qris");
  await charge(shop, "bank_transfer");
  await charge(shop, "card");
  await charge(shop, "ovo", false);
  const oldCheckout = await charge(shop, "gopay");
  await db.sql`update astapa.payments as y set paid_at = now() - interval '40 days' from astapa.checkouts as c
               where c.project_id = y.project_id and c.id = y.checkout_id and c.public_id = ${oldCheckout.checkout_id}`;
  const revenue = await as(p, (tx) => revenueByMethod(tx, p));
  assert.deepEqual(revenue.map((r) => [r.method, r.amount, r.payments]), [
    ["qris", 198_000, 2],
    ["gopay", 0, 0],
    ["ovo", 0, 0],
    ["dana", 0, 0],
    ["shopeepay", 0, 0],
    ["bank_transfer", 99_000, 1],
    ["direct_debit", 0, 0],
    ["card", 99_000, 1],
  ]);
  const longer = await as(p, (tx) => revenueByMethod(tx, p, 60));
  assert.equal(longer.find((r) => r.method === "gopay")!.amount, 99_000);
  await takeLive(db.sql, p);
  assert.ok((await as(p, (tx) => revenueByMethod(tx, p))).every((r) => r.amount === 0));
  await rejectsAs(as(p, (tx) => revenueByMethod(tx, p, 0)), "validation_failed", /days/);
  const other = await seedShop(db.sql, { email: "revenue-other@example.com" });
  await rejectsAs(as(other.project.id, (tx) => revenueByMethod(tx, p)), "not_found");
  await rejectsAs(as(null, (tx) => revenueByMethod(tx, p)), "not_found");
});

Deno.test("api.payment_feed_cursor — 0, then the latest applied event, held before one still waiting; AS404 for another project or none", async () => {
  const shop = await seedShop(db.sql, { email: "cursor@example.com" });
  const other = await seedShop(db.sql, { email: "cursor-other@example.com" });
  const p = shop.project.id;
  const cursor = (acting: string | null, of = p) =>
    as(acting, async (tx) => (await tx`select api.payment_feed_cursor(${of})::text as c`)[0].c);
  const latest = async (projectId: string) =>
    (await db.sql`select max(id)::text as id from astapa.payment_events where project_id = ${projectId}`)[0]
      .id;

  assert.equal(await cursor(p), "0", "no events yet");
  await charge(shop, "qris");
  const applied = await latest(p);
  assert.equal(await cursor(p), applied);
  await charge(other, "qris");
  assert.equal(await cursor(p), applied, "another project's events do not move it");

  const waiting = await charge(shop, "ovo", false);
  await as(p, (tx) =>
    recordPaymentEvent(tx, p, {
      providerId: "pr-cursor-waiting",
      status: "FAILED",
      checkoutId: waiting.checkout_id,
      body: {},
    }));
  await charge(shop, "gopay", false);
  assert.equal(await cursor(p), applied, "not past the event still waiting");
  while (await as(p, (tx) => applyPaymentEvent(tx, p))) { /* apply */ }
  assert.equal(await cursor(p), await latest(p));

  await rejectsAs(cursor(other.project.id), "not_found");
  await rejectsAs(cursor(null), "not_found");
});
