/**
 * SQL tests for plan changes (db/api/plan_changes.sql and its hooks in plans.sql, billing.sql, payments.sql):
 * prorated upgrades applied when paid, monthly → yearly, downgrades and yearly → monthly at the period end,
 * withdrawing a change, and the races — two changes at once, a change while a charge is under way, duplicated
 * or out-of-order callbacks, a wrong amount — each with one consistent outcome in the rows.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { renewalStep } from "@/db/billing.ts";
import { cancelPlanChange, changePlan, listPlanChanges } from "@/db/plan_changes.ts";
import { assignPlan, createPlan, currentSubscription } from "@/db/plans.ts";
import { applyPaymentEvent, createCheckout, recordPayment, recordPaymentEvent } from "@/db/payments.ts";
import { tokenClaims } from "@/db/users.ts";
import { rows, testDatabase } from "../helpers/db.ts";
import { rejectsAs, seedUser } from "../helpers/identity.ts";
import { seedShop } from "../helpers/payments.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const DAY = 86_400_000;
const at = (base: Date, days: number) => new Date(base.getTime() + days * DAY);
const as = <T>(projectId: string | null, work: Parameters<typeof asApp<T>>[2]) =>
  asApp(db.sql, projectId, work);

/** pro 99,000/month, team 300,000/month, basic 49,000/month, pro_year 990,000/year; a user 10 days into pro. */
async function shop(interval: "month" | "year" = "month") {
  const s = await seedShop(db.sql, { email: "owner@example.com" });
  const id = s.project.id;
  await as(id, (tx) => createPlan(tx, id, { key: "team", name: "Team", price_idr: 300_000 }));
  await as(id, (tx) => createPlan(tx, id, { key: "basic", name: "Basic", price_idr: 49_000 }));
  await as(
    id,
    (tx) => createPlan(tx, id, { key: "pro_year", name: "Pro yearly", price_idr: 990_000, interval: "year" }),
  );
  const now = new Date();
  const start = at(now, -10);
  const end = interval === "month" ? at(start, 30) : at(start, 365);
  await as(id, (tx) =>
    assignPlan(tx, id, s.userId, interval === "month" ? "pro" : "pro_year", "payment", {
      start: start.toISOString(),
      end: end.toISOString(),
    }));
  return { id, sub: s.userId, now, start, end };
}

const change = (
  id: string,
  sub: string,
  plan: string,
  now: Date,
  account: "simulator" | null = "simulator",
) => as(id, (tx) => changePlan(tx, id, sub, plan, account, { now }));

async function charge(id: string, checkoutId: string) {
  await as(id, (tx) =>
    recordPayment(tx, id, checkoutId, {
      kind: "payment_request",
      provider_id: `pr-${checkoutId}`,
      method: "qris",
      details: {},
      expires_at: null,
    }));
}
async function callback(id: string, checkoutId: string, status: string, amount: number) {
  await as(id, (tx) =>
    recordPaymentEvent(tx, id, {
      providerId: `pr-${checkoutId}`,
      status,
      checkoutId,
      body: { data: { amount, currency: "IDR" } },
    }));
}
async function drain(id: string) {
  const outcomes = [];
  for (let e; (e = await as(id, (tx) => applyPaymentEvent(tx, id)));) outcomes.push(e.outcome);
  return outcomes;
}
const subscription = (id: string, sub: string) => as(id, (tx) => currentSubscription(tx, id, sub));

Deno.test("api.change_plan — upgrade: the prorated difference now; the switch when paid; period kept", async () => {
  const { id, sub, now, start, end } = await shop();
  const { change: asked, checkout } = await change(id, sub, "team", now);
  assert.equal(asked.kind, "upgrade");
  assert.equal(asked.status, "awaiting_payment");
  // 20 of 30 days left: (300,000 − 99,000) × 2/3 = 134,000.
  assert.equal(asked.amount_idr, 134_000);
  assert.equal(checkout?.amount, 134_000);
  assert.equal(checkout?.plan, "team");
  assert.equal((await subscription(id, sub)).plan, "pro", "nothing switches before the payment");
  await charge(id, checkout!.checkout_id);
  await callback(id, checkout!.checkout_id, "SUCCEEDED", 134_000);
  assert.deepEqual(await drain(id), ["paid"]);
  const state = await subscription(id, sub);
  assert.equal(state.plan, "team");
  assert.equal(new Date(state.subscription!.current_period_start).getTime(), start.getTime());
  assert.equal(new Date(state.subscription!.paid_through!).getTime(), end.getTime());
  assert.equal((await as(id, (tx) => tokenClaims(tx, id, sub))).plan, "team");
  const [latest] = await as(id, (tx) => listPlanChanges(tx, id, sub));
  assert.equal(latest.status, "applied");
  assert.equal(latest.checkout_id, checkout!.checkout_id);
  const events = await as(
    id,
    async (tx) =>
      rows(
        await tx`select data->'change'->>'status' as status from astapa.events
                  where type = 'subscription.plan_change' order by id`,
      ).map((r) => r.status),
  );
  assert.deepEqual(events, ["awaiting_payment", "applied"]);
});

Deno.test("api.change_plan — monthly → yearly: the year less the unused month, a year from payment", async () => {
  const { id, sub, now } = await shop();
  const { change: asked, checkout } = await change(id, sub, "pro_year", now);
  assert.equal(asked.credit_idr, 66_000); // 99,000 × 2/3
  assert.equal(asked.amount_idr, 924_000);
  await charge(id, checkout!.checkout_id);
  await callback(id, checkout!.checkout_id, "SUCCEEDED", 924_000);
  await drain(id);
  const state = await subscription(id, sub);
  assert.equal(state.plan, "pro_year");
  const paidThrough = new Date(state.subscription!.paid_through!).getTime();
  assert.ok(paidThrough > at(new Date(), 364).getTime() && paidThrough < at(new Date(), 367).getTime());
});

Deno.test("api.change_plan — downgrade at the period end: the renewal is for the new plan, then applied", async () => {
  const { id, sub, now, end } = await shop();
  const { change: asked, checkout } = await change(id, sub, "basic", now);
  assert.equal(asked.kind, "scheduled");
  assert.equal(asked.status, "scheduled");
  assert.equal(new Date(asked.effective_at!).getTime(), end.getTime());
  assert.equal(checkout, null);
  assert.equal((await subscription(id, sub)).plan, "pro", "the paid period keeps its plan");
  const renewal = await as(id, (tx) => renewalStep(tx, id, at(end, -2), "simulator"));
  assert.equal(renewal?.checkout?.plan, "basic");
  assert.equal(renewal?.checkout?.amount, 49_000);
  await charge(id, renewal!.checkout!.checkout_id);
  await callback(id, renewal!.checkout!.checkout_id, "SUCCEEDED", 49_000);
  await drain(id);
  const state = await subscription(id, sub);
  assert.equal(state.subscription?.plan, "basic");
  assert.equal(new Date(state.subscription!.current_period_start).getTime(), end.getTime());
  assert.equal((await as(id, (tx) => listPlanChanges(tx, id, sub)))[0].status, "applied");
});

Deno.test("api.change_plan — yearly → monthly is scheduled; a renewal opened for the old plan is replaced", async () => {
  const { id, sub, end } = await shop("year");
  // Inside the notice window the old plan's renewal is already open.
  const old = await as(id, (tx) => renewalStep(tx, id, at(end, -3), "simulator"));
  assert.equal(old?.checkout?.plan, "pro_year");
  const { change: asked } = await change(id, sub, "pro", at(end, -3));
  assert.equal(asked.kind, "scheduled");
  const replaced = await as(id, (tx) => renewalStep(tx, id, at(end, -2), "simulator"));
  assert.equal(replaced?.checkout?.plan, "pro");
  assert.equal(replaced?.checkout?.amount, 99_000);
  const statuses = await as(
    id,
    async (tx) =>
      rows(await tx`select plan_key, status from astapa.checkouts order by id`).map((r) =>
        `${r.plan_key}:${r.status}`
      ),
  );
  assert.deepEqual(statuses, ["pro_year:expired", "pro:open"]);
});

Deno.test("api.change_plan — two at once: one open change and one open checkout, the other replaced", async () => {
  const { id, sub, now } = await shop();
  const results = await Promise.allSettled([change(id, sub, "team", now), change(id, sub, "pro_year", now)]);
  assert.deepEqual(results.map((r) => r.status), ["fulfilled", "fulfilled"]);
  const counts = await as(
    id,
    async (tx) =>
      (await tx`select (select count(*) from astapa.plan_changes where status = 'awaiting_payment')::int as open,
                     (select count(*) from astapa.plan_changes where status = 'canceled')::int as canceled,
                     (select count(*) from astapa.checkouts where status = 'open')::int as payable,
                     (select count(*) from astapa.checkouts where status = 'expired')::int as expired`)[0],
  );
  assert.deepEqual({ ...counts }, { open: 1, canceled: 1, payable: 1, expired: 1 });
  // The same change asked twice at once is one change with one checkout.
  const s2 = await shop();
  const same = await Promise.all([
    change(s2.id, s2.sub, "team", s2.now),
    change(s2.id, s2.sub, "team", s2.now),
  ]);
  assert.equal(same[0].checkout?.checkout_id, same[1].checkout?.checkout_id);
  const one = await as(
    s2.id,
    async (tx) =>
      (await tx`select (select count(*) from astapa.plan_changes)::int as changes,
                     (select count(*) from astapa.checkouts)::int as checkouts`)[0],
  );
  assert.deepEqual({ ...one }, { changes: 1, checkouts: 1 });
});

Deno.test("api.change_plan — callbacks duplicated, out of order, or for another amount: one outcome", async () => {
  const { id, sub, now, end } = await shop();
  const { checkout } = await change(id, sub, "team", now);
  const k = checkout!.checkout_id;
  await charge(id, k);
  // While its charge is under way the change can neither be replaced nor withdrawn.
  await rejectsAs(change(id, sub, "basic", now), "conflict", /waiting for its payment/);
  await rejectsAs(as(id, (tx) => cancelPlanChange(tx, id, sub)), "conflict");
  await callback(id, k, "SUCCEEDED", 300_000); // the list price is not what was asked
  assert.deepEqual(await drain(id), ["amount_mismatch"]);
  assert.equal((await subscription(id, sub)).plan, "pro");
  await callback(id, k, "SUCCEEDED", 134_000);
  await callback(id, k, "SUCCEEDED", 134_000); // Xendit's duplicate delivery: stored once
  await callback(id, k, "PENDING", 134_000); // late
  assert.deepEqual(await drain(id), ["paid", "no_change"]);
  const state = await subscription(id, sub);
  assert.equal(state.plan, "team");
  assert.equal(new Date(state.subscription!.paid_through!).getTime(), end.getTime(), "no period added");
  const ledger = await as(
    id,
    async (tx) =>
      (await tx`select (select count(*) from astapa.subscriptions where plan_key = 'team')::int as team_rows,
                     (select sum(amount) from astapa.payments where status = 'paid')::int as paid`)[0],
  );
  assert.deepEqual({ ...ledger }, { team_rows: 1, paid: 134_000 });
});

Deno.test("api.change_plan / api.cancel_plan_change — refusals and withdrawing", async () => {
  const { id, sub, now } = await shop();
  const free = await seedUser(db.sql, id, "free@example.com");
  await rejectsAs(change(id, free, "team", now), "conflict", /no running paid subscription/);
  await rejectsAs(change(id, sub, "pro", now), "conflict", /already has plan/);
  await rejectsAs(change(id, sub, "gold", now), "validation_failed");
  await rejectsAs(change(id, sub, "free", now), "validation_failed");
  await rejectsAs(change(id, "999999", "team", now), "not_found");
  await rejectsAs(change(id, sub, "team", now, null), "conflict", /cannot take payments/);
  await rejectsAs(
    as(
      id,
      (tx) => changePlan(tx, id, sub, "team", "simulator", { now, successUrl: "https://evil.example/" }),
    ),
    "validation_failed",
  );
  await rejectsAs(as(id, (tx) => cancelPlanChange(tx, id, sub)), "conflict", /no open plan change/);
  const { checkout } = await change(id, sub, "team", now);
  const withdrawn = await as(id, (tx) => cancelPlanChange(tx, id, sub));
  assert.equal(withdrawn.status, "canceled");
  const k = await as(
    id,
    async (tx) =>
      (await tx`select status from astapa.checkouts where public_id = ${checkout!.checkout_id}`)[0],
  );
  assert.equal(k.status, "expired");
  // A downgrade is withdrawn too, and one scheduled is canceled when the subscription expires unpaid.
  await change(id, sub, "basic", now);
  assert.equal((await as(id, (tx) => cancelPlanChange(tx, id, sub))).to_plan, "basic");
  const s2 = await shop();
  await change(s2.id, s2.sub, "basic", s2.now);
  for (const day of [-2, 0.5, 3.5]) {
    await as(s2.id, (tx) => renewalStep(tx, s2.id, at(s2.end, day), "simulator"));
  }
  assert.equal((await subscription(s2.id, s2.sub)).plan, "free");
  assert.equal((await as(s2.id, (tx) => listPlanChanges(tx, s2.id, s2.sub)))[0].status, "canceled");
});

Deno.test("plan_changes — RLS: a project sees only its own", async () => {
  const a = await shop();
  const b = await shop();
  await change(a.id, a.sub, "team", a.now);
  const seen = await as(b.id, async (tx) => rows(await tx`select * from astapa.plan_changes`));
  assert.equal(seen.length, 0);
  await rejectsAs(as(b.id, (tx) => listPlanChanges(tx, b.id, a.sub)), "not_found");
  const none = await as(null, async (tx) => rows(await tx`select * from astapa.plan_changes`));
  assert.equal(none.length, 0);
});

Deno.test("api.change_plan — a team plan is refused (upgrade or downgrade): no change, no checkout", async () => {
  const { id, sub, now } = await shop();
  await as(id, (tx) => tx`select api.set_plan_seats(${id}, 'team', 'per_seat')`);
  await as(id, (tx) => tx`select api.set_plan_seats(${id}, 'basic', 'flat', 3)`);
  for (const plan of ["team", "basic"]) {
    await rejectsAs(
      change(id, sub, plan, now),
      "validation_failed",
      new RegExp(`Plan ${plan} is a team plan: buy it for an organization\\.`),
    );
  }
  assert.deepEqual(await as(id, (tx) => listPlanChanges(tx, id, sub)), []);
  const checkouts = await as(
    id,
    async (tx) => rows(await tx`select plan_key from astapa.checkouts where user_id = ${sub}::bigint`),
  );
  assert.deepEqual(checkouts, []);
  assert.equal((await subscription(id, sub)).plan, "pro");
  // A personal plan still changes as before.
  assert.equal((await change(id, sub, "pro_year", now)).change.to_plan, "pro_year");
});

Deno.test("api.change_plan — an upgrade paid after the old plan's renewal switches nothing: the renewal is not bought dearer", async () => {
  const { id, sub, end } = await shop();
  // Three days before the period ends, the upgrade is the difference for three days.
  const now = at(end, -3);
  const { checkout: upgrade } = await change(id, sub, "team", now);
  assert.equal(upgrade?.amount, 20_100);
  // The old plan's next period is paid before the upgrade is.
  const renewal = await as(
    id,
    (tx) =>
      createCheckout(tx, id, {
        sub,
        plan: "pro",
        xendit_account: "simulator",
        period_start: end.toISOString(),
      }),
  );
  await charge(id, renewal.checkout_id);
  await callback(id, renewal.checkout_id, "SUCCEEDED", 99_000);
  await charge(id, upgrade!.checkout_id);
  await callback(id, upgrade!.checkout_id, "SUCCEEDED", 20_100);
  assert.deepEqual(await drain(id), ["paid", "paid"]);
  const state = await subscription(id, sub);
  assert.equal(state.plan, "pro", "20,100 never buys a month of team (300,000) on top of pro's 99,000");
  assert.ok(
    new Date(state.subscription!.paid_through!) > at(end, 27),
    "the renewal paid for pro's next month",
  );
  const [latest] = await as(id, (tx) => listPlanChanges(tx, id, sub));
  assert.equal(latest.status, "canceled");
  const lapsed = await as(
    id,
    async (tx) =>
      rows(
        await tx`select details->>'to_plan' as plan from astapa.audit_log
                    where action = 'subscription.upgrade_lapsed'`,
      ),
  );
  assert.deepEqual(lapsed.map((r) => r.plan), ["team"]);
});
