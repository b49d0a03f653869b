/**
 * SQL tests for the guards that keep team plans off people (issue 28): api.assign_plan refuses a team plan from
 * every source; api.set_plan_seats refuses to make a plan people hold, are scheduled into or owe a checkout for
 * (or the default plan) a team plan, and an organization's team plan a personal one; api.update_plan refuses a
 * team plan as the default; and the renewal pass, meeting a person left on a team plan by older data, opens no
 * pay link and lets the subscription run out (past_due, then expired to the default plan) instead of failing.
 * Run at the same moment, a plan becoming a team plan and a person getting it never both succeed.
 */
import assert from "node:assert/strict";
import { asApp, type Tx } from "@/db/client.ts";
import { renewalStep } from "@/db/billing.ts";
import { changePlan } from "@/db/plan_changes.ts";
import { assignPlan, createPlan, currentSubscription } from "@/db/plans.ts";
import { createCheckout } from "@/db/payments.ts";
import { rows, testDatabase } from "../helpers/db.ts";
import { rejectsAs, seedUser } from "../helpers/identity.ts";
import { seedShop } from "../helpers/payments.ts";
import { waitFor } from "../helpers/wait.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const DAY = 86_400_000;
const at = (base: Date, days: number) => new Date(base.getTime() + days * DAY);
const as = <T>(projectId: string, work: (tx: Tx) => Promise<T>) => asApp(db.sql, projectId, work);
const seats = (p: string, key: string, pricing: string | null, included: number | null = null) =>
  as(p, (tx) => tx`select api.set_plan_seats(${p}, ${key}, ${pricing}, ${included}) as result`);
const TEAM_WORDING = /Plan (\w+) is a team plan: buy it for an organization\./;

/** A shop with pro (held by nobody yet), team (per seat) and the user seedShop made. */
async function shop() {
  const s = await seedShop(db.sql, { email: `ayu-${crypto.randomUUID()}@example.com` });
  const p = s.project.id;
  await as(p, (tx) => createPlan(tx, p, { key: "team", name: "Team", price_idr: 50_000 }));
  await as(p, (tx) => createPlan(tx, p, { key: "basic", name: "Basic", price_idr: 49_000 }));
  await seats(p, "team", "per_seat");
  return { p, user: s.userId };
}

Deno.test("api.assign_plan — a team plan is refused from every source with the checkout's wording", async () => {
  const { p, user } = await shop();
  for (const source of ["claims_api", "dashboard", "cli", "payment", "default"] as const) {
    await rejectsAs(
      as(p, (tx) => assignPlan(tx, p, user, "team", source)),
      "validation_failed",
      TEAM_WORDING,
    );
  }
  await rejectsAs(
    as(p, (tx) => tx`select api.patch_user_claims(${p}, ${user}::bigint, '{"plan": "team"}', 'claims_api')`),
    "validation_failed",
    TEAM_WORDING,
  );
  assert.equal((await as(p, (tx) => currentSubscription(tx, p, user))).plan, "free");
  // A personal plan still goes on.
  assert.equal((await as(p, (tx) => assignPlan(tx, p, user, "pro", "claims_api"))).plan, "pro");
});

Deno.test("api.set_plan_seats — refuses a plan people hold, are scheduled into or owe a checkout for", async () => {
  const { p, user } = await shop();
  const held = /Plan (\w+) is held by people \(1 subscriptions, scheduled changes or unpaid checkouts\)/;
  // A current subscription.
  const start = new Date();
  await as(p, (tx) =>
    assignPlan(tx, p, user, "pro", "payment", {
      start: at(start, -10).toISOString(),
      end: at(start, 20).toISOString(),
    }));
  await rejectsAs(seats(p, "pro", "per_seat"), "conflict", held);
  // A downgrade scheduled into basic.
  const change = await as(p, (tx) => changePlan(tx, p, user, "basic", "simulator"));
  assert.equal(change.change.kind, "scheduled");
  await rejectsAs(seats(p, "basic", "flat", 5), "conflict", held);
  // An unpaid personal checkout for a third plan.
  await as(p, (tx) => createPlan(tx, p, { key: "max", name: "Max", price_idr: 199_000 }));
  const other = await seedUser(db.sql, p, `other-${crypto.randomUUID()}@example.com`);
  await as(p, (tx) => createCheckout(tx, p, { sub: other, plan: "max", xendit_account: "simulator" }));
  await rejectsAs(seats(p, "max", "per_seat"), "conflict", held);
  // The default plan.
  await rejectsAs(seats(p, "free", "per_seat"), "conflict", /Plan free is the default plan/);
  const plans = await as(
    p,
    async (tx) => rows(await tx`select key from astapa.plans where seat_pricing is not null`),
  );
  assert.deepEqual(plans.map((r) => r.key), ["team"], "nothing became a team plan");
  // A plan nobody holds still becomes one.
  await as(p, (tx) => createPlan(tx, p, { key: "crew", name: "Crew", price_idr: 300_000 }));
  assert.equal(
    ((await seats(p, "crew", "flat", 3))[0].result as { seat_pricing: string }).seat_pricing,
    "flat",
  );
});

Deno.test("api.set_plan_seats — refuses to make a team plan an organization holds personal", async () => {
  const { p, user } = await shop();
  const org = (await as(p, (tx) => tx`select api.create_organization('Kopi', 'kopi', ${user}) as result`))[0]
    .result as { id: string };
  await as(p, (tx) => tx`update astapa.organizations set plan_key = 'team' where id = ${org.id}`);
  await rejectsAs(seats(p, "team", null), "conflict", /Plan team is held by organizations \(1 plans/);
  await as(p, (tx) => tx`update astapa.organizations set plan_key = null where id = ${org.id}`);
  assert.equal(((await seats(p, "team", null))[0].result as { seat_pricing: null }).seat_pricing, null);
});

Deno.test("api.update_plan — a team plan cannot become the default", async () => {
  const { p } = await shop();
  await rejectsAs(
    as(p, (tx) => tx`select api.update_plan(${p}, 'team', '{"default": true}')`),
    "validation_failed",
    /Plan team is a team plan: it cannot be the default plan\./,
  );
  const defaults = await as(p, async (tx) => rows(await tx`select key from astapa.plans where is_default`));
  assert.deepEqual(defaults.map((r) => r.key), ["free"]);
});

Deno.test("api.renewal_step — a person left on a team plan by older data: no pay link, runs out to the default", async () => {
  const { p, user } = await shop();
  const paidThrough = new Date("2032-05-01T00:00:00Z");
  await as(p, (tx) =>
    assignPlan(tx, p, user, "pro", "payment", {
      start: at(paidThrough, -30).toISOString(),
      end: paidThrough.toISOString(),
    }));
  // What a database from before the guard may hold: the plan made a team plan under its subscriber.
  await as(p, (tx) => tx`update astapa.plans set seat_pricing = 'per_seat' where key = 'pro'`);
  const step = (now: Date) => as(p, (tx) => renewalStep(tx, p, now, "simulator"));
  assert.equal(await step(at(paidThrough, -3)), null, "no pay link for a team plan");
  assert.equal((await step(at(paidThrough, 1)))?.action, "past_due");
  assert.equal((await step(at(paidThrough, 4)))?.action, "expire");
  assert.equal((await as(p, (tx) => currentSubscription(tx, p, user))).plan, "free");
  const checkouts = await as(p, async (tx) => rows(await tx`select plan_key from astapa.checkouts`));
  assert.deepEqual(checkouts, []);
});

/** Holds `work` open in its own transaction until the returned release() is called. */
async function holdOpen(p: string, work: (tx: Tx) => Promise<unknown>) {
  let release!: () => void;
  const held = new Promise<void>((resolve) => release = resolve);
  let ready!: () => void;
  const isReady = new Promise<void>((resolve) => ready = resolve);
  const done = as(p, async (tx) => {
    await work(tx);
    ready();
    await held;
  });
  await isReady;
  return { release, done };
}

/** Waits until some statement of this database waits for a row lock. */
const someoneWaits = () =>
  waitFor(async () => {
    const [row] = await db.sql`select count(*)::int as n from pg_stat_activity
                               where datname = current_database() and wait_event_type = 'Lock'`;
    return row.n > 0;
  }, "a statement to wait for the plan's lock");

Deno.test("at once — a plan becoming a team plan first: the person's assignment waits and is refused", async () => {
  const { p, user } = await shop();
  const seatsFirst = await holdOpen(p, (tx) => tx`select api.set_plan_seats(${p}, 'basic', 'per_seat')`);
  // The refusal is awaited from the start, so it is never an unhandled rejection while the lock is released.
  const refused = rejectsAs(
    as(p, (tx) => assignPlan(tx, p, user, "basic", "claims_api")),
    "validation_failed",
    TEAM_WORDING,
  );
  await someoneWaits();
  seatsFirst.release();
  await seatsFirst.done;
  await refused;
  assert.equal((await as(p, (tx) => currentSubscription(tx, p, user))).plan, "free");
});

Deno.test("at once — a plan becoming a team plan first: a person's downgrade into it waits and is refused", async () => {
  const { p, user } = await shop();
  const start = new Date();
  await as(p, (tx) =>
    assignPlan(tx, p, user, "pro", "payment", {
      start: at(start, -10).toISOString(),
      end: at(start, 20).toISOString(),
    }));
  const seatsFirst = await holdOpen(p, (tx) => tx`select api.set_plan_seats(${p}, 'basic', 'flat', 5)`);
  const refused = rejectsAs(
    as(p, (tx) => changePlan(tx, p, user, "basic", "simulator")),
    "validation_failed",
    TEAM_WORDING,
  );
  await someoneWaits();
  seatsFirst.release();
  await seatsFirst.done;
  await refused;
  const scheduled = await as(p, async (tx) => rows(await tx`select to_plan from astapa.plan_changes`));
  assert.deepEqual(scheduled, []);
});

Deno.test("a team plan renews each month or year — a one_time plan cannot become one, nor a team plan one_time", async () => {
  const { p } = await shop();
  await as(
    p,
    (tx) => createPlan(tx, p, { key: "once", name: "Once", price_idr: 500_000, interval: "one_time" }),
  );
  await rejectsAs(seats(p, "once", "per_seat"), "validation_failed", /Plan once is paid once \(one_time\)/);
  await rejectsAs(
    as(p, (tx) => tx`select api.update_plan(${p}, 'team', '{"interval": "one_time"}')`),
    "validation_failed",
    /Plan team is a team plan: it renews each month or year/,
  );
  const team = await as(
    p,
    async (tx) => rows(await tx`select interval from astapa.plans where key = 'team'`),
  );
  assert.deepEqual(team, [{ interval: "month" }]);
  // A yearly team plan is fine.
  await as(p, (tx) => tx`select api.update_plan(${p}, 'team', '{"interval": "year"}')`);
});
