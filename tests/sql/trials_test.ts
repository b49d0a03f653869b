/**
 * SQL tests for free trials (db/api/trials.sql, and the trial parts of plans.sql, claims.sql, billing.sql and
 * payments.sql): starting one once per user and plan (also under a race), the JWT's trial_ends_at, the
 * reminder with its pay link, and the end — paid → active from the trial's end, unpaid → the default plan.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { renewalStep } from "@/db/billing.ts";
import { assignPlan, currentSubscription, updatePlan } from "@/db/plans.ts";
import { applyPaymentEvent, createCheckout, recordPayment, recordPaymentEvent } from "@/db/payments.ts";
import { startTrial, userTrials } from "@/db/trials.ts";
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

/** A shop whose plan pro (IDR 99,000 a month) offers a 14-day trial. */
async function trialShop() {
  const shop = await seedShop(db.sql, { email: "owner@example.com" });
  await as(shop.project.id, (tx) => updatePlan(tx, shop.project.id, "pro", { trial_days: 14 }));
  return shop;
}

async function pay(projectId: string, checkoutId: string, amount: number) {
  await as(projectId, async (tx) => {
    await recordPayment(tx, projectId, checkoutId, {
      kind: "payment_request",
      provider_id: `pr-${checkoutId}`,
      method: "qris",
      details: { qr_string: "000201" },
      expires_at: null,
    });
    await recordPaymentEvent(tx, projectId, {
      providerId: `pr-${checkoutId}`,
      status: "SUCCEEDED",
      checkoutId,
      body: { data: { amount, currency: "IDR" } },
    });
  });
  while (await as(projectId, (tx) => applyPaymentEvent(tx, projectId)));
}

Deno.test("api.start_trial — a trialing subscription; the JWT names the plan and trial_ends_at", async () => {
  const shop = await trialShop();
  const now = new Date();
  const started = await as(shop.project.id, (tx) => startTrial(tx, shop.project.id, shop.userId, "pro", now));
  assert.equal(started.status, "trialing");
  assert.equal(started.source, "trial");
  assert.equal(new Date(started.trial_ends_at!).getTime(), at(now, 14).getTime());
  assert.equal(started.paid_through, null);
  const claims = await as(shop.project.id, (tx) => tokenClaims(tx, shop.project.id, shop.userId));
  assert.equal(claims.plan, "pro");
  assert.equal(claims.trial_ends_at, Math.floor(at(now, 14).getTime() / 1000));
  const trials = await as(shop.project.id, (tx) => userTrials(tx, shop.project.id, shop.userId));
  assert.deepEqual(trials.map((t) => t.plan), ["pro"]);
  const audit = await as(
    shop.project.id,
    async (tx) =>
      rows(await tx`select action from astapa.audit_log where action = 'subscription.trial_start'`),
  );
  assert.equal(audit.length, 1);
});

Deno.test("api.start_trial — refused: no trial on the plan, unknown user, already paying, a second trial", async () => {
  const shop = await trialShop();
  const id = shop.project.id;
  await rejectsAs(as(id, (tx) => startTrial(tx, id, shop.userId, "free")), "validation_failed", /no trial/);
  await rejectsAs(as(id, (tx) => startTrial(tx, id, shop.userId, "nope")), "validation_failed");
  await rejectsAs(as(id, (tx) => startTrial(tx, id, "999999", "pro")), "not_found");
  await rejectsAs(
    as(id, (tx) => updatePlan(tx, id, "pro", { trial_days: 400 })),
    "validation_failed",
    /trial_days/,
  );
  const payer = await seedUser(db.sql, id, "payer@example.com");
  await as(id, (tx) =>
    assignPlan(tx, id, payer, "pro", "payment", {
      start: new Date().toISOString(),
      end: at(new Date(), 30).toISOString(),
    }));
  await rejectsAs(as(id, (tx) => startTrial(tx, id, payer, "pro")), "conflict", /already has the paid plan/);
  // One trial per user and plan, even after the first one went back to the free plan.
  await as(id, (tx) => startTrial(tx, id, shop.userId, "pro"));
  await as(id, (tx) => assignPlan(tx, id, shop.userId, "free", "dashboard"));
  await rejectsAs(as(id, (tx) => startTrial(tx, id, shop.userId, "pro")), "conflict", /already had a trial/);
  // assign_plan itself refuses a trial without an end.
  await rejectsAs(as(id, (tx) => assignPlan(tx, id, shop.userId, "pro", "trial")), "validation_failed");
});

Deno.test("api.start_trial — two concurrent starts: one trial, one 409, one current subscription", async () => {
  const shop = await trialShop();
  const id = shop.project.id;
  const results = await Promise.allSettled([
    as(id, (tx) => startTrial(tx, id, shop.userId, "pro")),
    as(id, (tx) => startTrial(tx, id, shop.userId, "pro")),
  ]);
  assert.equal(results.filter((r) => r.status === "fulfilled").length, 1);
  const refused = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
  await rejectsAs(Promise.reject(refused.reason), "conflict");
  const counts = await as(
    id,
    async (tx) =>
      (await tx`select (select count(*) from astapa.trials)::int as trials,
                     (select count(*) from astapa.subscriptions where ended_at is null)::int as current,
                     (select count(*) from astapa.subscriptions where source = 'trial')::int as trial_rows`)[
        0
      ],
  );
  assert.deepEqual({ ...counts }, { trials: 1, current: 1, trial_rows: 1 });
});

Deno.test("renewal_step — trial reminder 3 days before the end with the pay link; unpaid → default plan", async () => {
  const shop = await trialShop();
  const id = shop.project.id;
  const now = new Date();
  const ends = at(now, 14);
  await as(id, (tx) => startTrial(tx, id, shop.userId, "pro", now));
  const step = (when: Date) => as(id, (tx) => renewalStep(tx, id, when, "simulator"));
  assert.equal(await step(at(ends, -3.5)), null, "too early for the reminder");
  const reminder = await step(at(ends, -2.9));
  assert.equal(reminder?.action, "trial_reminder");
  assert.equal(reminder?.email, "owner@example.com");
  assert.equal(reminder?.checkout?.amount, 99_000);
  assert.equal(new Date(reminder!.checkout!.period_start!).getTime(), ends.getTime());
  assert.equal(await step(at(ends, -1)), null, "one reminder");
  const events = await as(
    id,
    async (tx) => rows(await tx`select data from astapa.events where type = 'subscription.trial_will_end'`),
  );
  assert.equal(events.length, 1);
  const ended = await step(at(ends, 0.01));
  assert.equal(ended?.action, "trial_end");
  const state = await as(id, (tx) => currentSubscription(tx, id, shop.userId));
  assert.equal(state.plan, "free");
  assert.equal(state.history[0].status, "expired");
  assert.equal(state.history[0].source, "trial");
  const claims = await as(id, (tx) => tokenClaims(tx, id, shop.userId));
  assert.equal(claims.trial_ends_at, undefined);
  const checkout = await as(
    id,
    async (tx) =>
      (await tx`select status from astapa.checkouts where public_id = ${reminder!.checkout!.checkout_id}`)[0],
  );
  assert.equal(checkout.status, "expired", "the unpaid pay link dies with the trial");
});

Deno.test("renewal_step — a paid reminder makes the plan active from the trial's end; nothing ends it", async () => {
  const shop = await trialShop();
  const id = shop.project.id;
  const now = new Date();
  const ends = at(now, 14);
  await as(id, (tx) => startTrial(tx, id, shop.userId, "pro", now));
  const reminder = await as(id, (tx) => renewalStep(tx, id, at(ends, -2), "simulator"));
  await pay(id, reminder!.checkout!.checkout_id, 99_000);
  const state = await as(id, (tx) => currentSubscription(tx, id, shop.userId));
  assert.equal(state.subscription?.status, "active");
  assert.equal(new Date(state.subscription!.current_period_start).getTime(), ends.getTime());
  assert.equal(
    new Date(state.subscription!.paid_through!).getTime(),
    new Date(ends).setUTCMonth(ends.getUTCMonth() + 1),
  );
  assert.equal(state.history[0].status, "trialing", "the trial row stays as it was, ended");
  assert.equal(await as(id, (tx) => renewalStep(tx, id, at(ends, 0.5), "simulator")), null);
});

Deno.test("trials — bought on the picker during the trial: the reminder's pay link expires, no second charge", async () => {
  const shop = await trialShop();
  const id = shop.project.id;
  const now = new Date();
  const ends = at(now, 14);
  await as(id, (tx) => startTrial(tx, id, shop.userId, "pro", now));
  const reminder = await as(id, (tx) => renewalStep(tx, id, at(ends, -2), "simulator"));
  const bought = await as(
    id,
    (tx) => createCheckout(tx, id, { sub: shop.userId, plan: "pro", xendit_account: "simulator" }),
  );
  await pay(id, bought.checkout_id, 99_000);
  const paidThrough = new Date(ends).setUTCMonth(ends.getUTCMonth() + 1);
  const state = await as(id, (tx) => currentSubscription(tx, id, shop.userId));
  assert.equal(new Date(state.subscription!.paid_through!).getTime(), paidThrough);
  const [link] = rows(
    await as(
      id,
      (tx) => tx`select status from astapa.checkouts where public_id = ${reminder!.checkout!.checkout_id}`,
    ),
  );
  assert.equal(link.status, "expired", "the reminder's pay link is for a period already paid");
  await rejectsAs(pay(id, reminder!.checkout!.checkout_id, 99_000), "conflict");
  const paid = rows(
    await as(id, (tx) => tx`select count(*)::int as n from astapa.payments where status = 'paid'`),
  );
  assert.equal(paid[0].n, 1, "one payment for the one period");
});

Deno.test("trials — both pay links charged before either was paid: each payment buys its own period", async () => {
  const shop = await trialShop();
  const id = shop.project.id;
  const now = new Date();
  const ends = at(now, 14);
  await as(id, (tx) => startTrial(tx, id, shop.userId, "pro", now));
  const reminder = await as(id, (tx) => renewalStep(tx, id, at(ends, -2), "simulator"));
  const bought = await as(
    id,
    (tx) => createCheckout(tx, id, { sub: shop.userId, plan: "pro", xendit_account: "simulator" }),
  );
  const charge = (checkoutId: string) =>
    as(id, (tx) =>
      recordPayment(tx, id, checkoutId, {
        kind: "payment_request",
        provider_id: `pr-${checkoutId}`,
        method: "qris",
        details: {},
        expires_at: null,
      }));
  const succeed = (checkoutId: string) =>
    as(id, (tx) =>
      recordPaymentEvent(tx, id, {
        providerId: `pr-${checkoutId}`,
        status: "SUCCEEDED",
        checkoutId,
        body: { data: { amount: 99_000, currency: "IDR" } },
      }));
  await charge(bought.checkout_id);
  await charge(reminder!.checkout!.checkout_id);
  await succeed(bought.checkout_id);
  await succeed(reminder!.checkout!.checkout_id);
  while (await as(id, (tx) => applyPaymentEvent(tx, id)));
  const state = await as(id, (tx) => currentSubscription(tx, id, shop.userId));
  const twoMonths = new Date(ends).setUTCMonth(ends.getUTCMonth() + 2);
  assert.equal(new Date(state.subscription!.paid_through!).getTime(), twoMonths, "two payments, two periods");
  const receipts = rows(
    await as(id, (tx) => tx`select period_start, period_end from astapa.receipts order by id`),
  );
  assert.equal(receipts.length, 2);
  assert.equal(new Date(receipts[1].period_start).getTime(), new Date(receipts[0].period_end).getTime());
});

Deno.test("trials — RLS: a project sees and records only its own trials", async () => {
  const a = await trialShop();
  const b = await trialShop();
  await as(a.project.id, (tx) => startTrial(tx, a.project.id, a.userId, "pro"));
  const seen = await as(b.project.id, async (tx) => rows(await tx`select * from astapa.trials`));
  assert.equal(seen.length, 0);
  const none = await as(null, async (tx) => rows(await tx`select * from astapa.trials`));
  assert.equal(none.length, 0);
  await assert.rejects(
    as(b.project.id, (tx) =>
      tx`insert into astapa.trials (project_id, user_id, plan_key, started_at, ends_at)
         values (${a.project.id}, ${a.userId}, 'pro', now(), now() + interval '1 day')`),
    /row-level security/,
  );
});

Deno.test("api.start_trial — a team plan is refused with the checkout's wording; nothing recorded", async () => {
  const shop = await trialShop();
  const p = shop.project.id;
  // pro offers a trial; as a team plan (per seat or flat) it is an organization's, never a person's.
  for (const [pricing, seats] of [["per_seat", null], ["flat", 5]] as const) {
    await as(p, (tx) => tx`select api.set_plan_seats(${p}, 'pro', ${pricing}, ${seats})`);
    await rejectsAs(
      as(p, (tx) => startTrial(tx, p, shop.userId, "pro")),
      "validation_failed",
      /Plan pro is a team plan: buy it for an organization\./,
    );
  }
  assert.deepEqual(await as(p, (tx) => userTrials(tx, p, shop.userId)), []);
  assert.equal((await as(p, (tx) => currentSubscription(tx, p, shop.userId))).plan, "free");
  // The same plan made personal again offers its trial.
  await as(p, (tx) => tx`select api.set_plan_seats(${p}, 'pro', null)`);
  assert.equal((await as(p, (tx) => startTrial(tx, p, shop.userId, "pro"))).status, "trialing");
});
