/**
 * SQL tests for linked-method charges beyond a person's renewal (db/api/renewal_charges.sql, billing.sql,
 * team_plans.sql): a trial's first paid period and an organization's team plan are charged through the same
 * attempts table (one per checkout, never twice) and fall back to their own pay link. Rows and the ledger
 * (payments − refunds = receipts) asserted; `now` is the test's.
 */
import assert from "node:assert/strict";
import { asApp, type Tx } from "@/db/client.ts";
import { renewalStep } from "@/db/billing.ts";
import { applyMethodCallback, recordMethodLinkAnswer, startMethodLink } from "@/db/linked_methods.ts";
import { applyPaymentEvent, recordPaymentEvent } from "@/db/payments.ts";
import { currentSubscription, updatePlan } from "@/db/plans.ts";
import { updateProjectSettings } from "@/db/project_settings.ts";
import { nextRenewalCharge, recordRenewalCharge } from "@/db/renewal_charges.ts";
import { startTrial } from "@/db/trials.ts";
import { rows, testDatabase } from "../helpers/db.ts";
import { seedShop, type Shop } from "../helpers/payments.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const as = <T>(projectId: string | null, work: (tx: Tx) => Promise<T>) => asApp(db.sql, projectId, work);
const DAY = 86_400_000;
const at = (base: Date, days: number) => new Date(base.getTime() + days * DAY);

/** Links an active DANA for `userId` through the simulator (with linking switched on for the project). */
async function linkDana(p: string, userId: string, providerId: string) {
  await as(p, async (tx) => {
    await updateProjectSettings(tx, p, { linked_methods: { enabled: true } });
    const method = await startMethodLink(tx, p, userId, {
      channel: "DANA",
      xendit_account: "simulator",
      environment: "sandbox",
    });
    await recordMethodLinkAnswer(tx, p, method.method_id, { provider_id: providerId });
    await applyMethodCallback(tx, p, method.method_id, {
      event: "payment_method.activated",
      provider_id: providerId,
    });
  });
}

/** A shop whose pro plan has a 14-day trial, a user trialing it since `started`, with DANA linked. */
async function trialing(email: string, started: Date) {
  const shop = await seedShop(db.sql, { email });
  const p = shop.project.id;
  await as(p, (tx) => updatePlan(tx, p, "pro", { trial_days: 14 }));
  await as(p, (tx) => startTrial(tx, p, shop.userId, "pro", started));
  await linkDana(p, shop.userId, `pm-${crypto.randomUUID()}`);
  return { shop, p, trialEnd: at(started, 14) };
}

async function ledger(p: string) {
  const [row] = await as(p, async (tx) =>
    rows(
      await tx`select (select coalesce(sum(amount), 0)::int from astapa.payments where status = 'paid') as paid,
                      (select coalesce(sum(amount), 0)::int from astapa.refunds
                       where status = 'refunded') as refunded,
                      (select coalesce(sum(amount), 0)::int from astapa.receipts) as receipted,
                      (select count(*)::int from astapa.receipts) as receipts`,
    ));
  return row;
}

const step = (shop: Shop, now: Date) =>
  as(shop.project.id, (tx) => renewalStep(tx, shop.project.id, now, "simulator"));

Deno.test("api.renewal_step — a trial's first paid period is charged to the linked method (reminder mail held), paid from the trial's end", async () => {
  const started = new Date("2036-01-01T00:00:00Z");
  const t = await trialing("trial-linked@example.com", started);
  const now = at(t.trialEnd, -3);
  const reminder = await step(t.shop, now);
  assert.equal(reminder?.action, "trial_reminder");
  assert.equal(reminder?.linked_charge?.purpose, "trial");
  assert.equal(
    reminder?.checkout?.period_start && new Date(reminder.checkout.period_start).getTime(),
    t.trialEnd.getTime(),
  );
  assert.equal(await step(t.shop, at(now, 1)), null, "one checkout, one charge");
  const [event] = await as(
    t.p,
    async (tx) => rows(await tx`select data from astapa.events where type = 'subscription.trial_will_end'`),
  );
  assert.equal((event.data as { auto_charge: boolean }).auto_charge, true);

  const work = await as(t.p, (tx) => nextRenewalCharge(tx, t.p, now, 600));
  assert.equal(work?.action, "charge");
  if (work?.action !== "charge") return;
  assert.equal(work.amount, 99_000);
  const answer = { provider_id: "pr-trial-linked", amount: 99_000, status: "PENDING" };
  assert.equal(
    (await as(t.p, (tx) => recordRenewalCharge(tx, t.p, work.charge_id, answer, now))).action,
    "pending",
  );
  await as(t.p, (tx) =>
    recordPaymentEvent(tx, t.p, {
      providerId: "pr-trial-linked",
      status: "SUCCEEDED",
      checkoutId: reminder!.checkout!.checkout_id,
      body: { event: "payment.succeeded", data: { amount: 99_000, currency: "IDR", status: "SUCCEEDED" } },
    }));
  assert.equal((await as(t.p, (tx) => applyPaymentEvent(tx, t.p)))?.outcome, "paid");
  const sub = (await as(t.p, (tx) => currentSubscription(tx, t.p, t.shop.userId))).subscription!;
  const expected = new Date(t.trialEnd);
  expected.setUTCMonth(expected.getUTCMonth() + 1);
  assert.deepEqual([sub.plan, sub.status, new Date(sub.paid_through!).getTime()], [
    "pro",
    "active",
    expected.getTime(),
  ], "no trial day lost");
  assert.deepEqual(await as(t.p, (tx) => nextRenewalCharge(tx, t.p, now, 600)), {
    action: "paid",
    charge_id: work.charge_id,
  });
  assert.equal(await step(t.shop, at(t.trialEnd, 1)), null, "nothing left for trial_end");
  assert.deepEqual(await ledger(t.p), { paid: 99_000, refunded: 0, receipted: 99_000, receipts: 1 });
});

Deno.test("renewal charges — a trial's failed charge falls back to the trial's pay link (purpose trial), once; unpaid, the trial ends", async () => {
  const started = new Date("2036-02-01T00:00:00Z");
  const t = await trialing("trial-declined@example.com", started);
  const now = at(t.trialEnd, -3);
  const reminder = await step(t.shop, now);
  const work = await as(t.p, (tx) => nextRenewalCharge(tx, t.p, now, 600));
  assert.equal(work?.action, "charge");
  const refused = await as(
    t.p,
    (tx) => recordRenewalCharge(tx, t.p, work!.charge_id, { failure: "INSUFFICIENT_BALANCE" }, now),
  );
  assert.equal(refused.action, "mail");
  assert.deepEqual(
    refused.action === "mail" &&
      [refused.purpose, refused.email, refused.checkout.checkout_id, refused.checkout.status],
    ["trial", "trial-declined@example.com", reminder!.checkout!.checkout_id, "open"],
  );
  assert.equal(await as(t.p, (tx) => nextRenewalCharge(tx, t.p, now, 600)), null, "mailed once");
  const ended = await step(t.shop, at(t.trialEnd, 0.01));
  assert.equal(ended?.action, "trial_end");
  const [checkout] = await as(
    t.p,
    async (tx) =>
      rows(
        await tx`select status from astapa.checkouts where public_id = ${reminder!.checkout!.checkout_id}`,
      ),
  );
  assert.equal(checkout.status, "expired");
  assert.deepEqual(await ledger(t.p), { paid: 0, refunded: 0, receipted: 0, receipts: 0 });
});

Deno.test("api.renewal_step — a trial without a linked method (or with linking off) keeps the pay-link reminder", async () => {
  const started = new Date("2036-03-01T00:00:00Z");
  const t = await trialing("trial-off@example.com", started);
  await as(t.p, (tx) => updateProjectSettings(tx, t.p, { linked_methods: { enabled: false } }));
  const reminder = await step(t.shop, at(t.trialEnd, -3));
  assert.deepEqual([reminder?.action, reminder?.linked_charge], ["trial_reminder", null]);
  assert.equal((await as(t.p, (tx) => tx`select 1 from astapa.renewal_charges`)).length, 0);
});
