/**
 * The billing scheduler with a controllable clock: a renewal checkout and its pay-link mail before
 * paid_through, paying it through the offline sandbox extends from paid_through, past_due then expiry to the
 * default plan; two instances' concurrent passes open each renewal exactly once; reconciliation finds a
 * payment whose callback was lost; unpaid checkouts expire.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { listMail } from "@/db/billing.ts";
import { assignPlan, currentSubscription } from "@/db/plans.ts";
import { getCheckout } from "@/db/payments.ts";
import { BillingScheduler } from "@/lib/payments/billing_scheduler.ts";
import { chargeCheckout, openCheckout } from "@/lib/payments/checkout.ts";
import { rows } from "../helpers/db.ts";
import { seedUser } from "../helpers/identity.ts";
import { seedShop } from "../helpers/payments.ts";
import { waitFor } from "../helpers/wait.ts";
import { paymentsTestApp } from "../helpers/payments_app.ts";

const t = await paymentsTestApp();

const DAY = 86_400_000;
const at = (base: Date, days: number) => new Date(base.getTime() + days * DAY);
const as = <T>(projectId: string, work: Parameters<typeof asApp<T>>[2]) => asApp(t.db.sql, projectId, work);

/** A shop whose user paid for pro for the month ending `paidThrough`. */
async function payingShop(paidThrough: Date, users = 1) {
  const shop = await seedShop(t.db.sql, { email: "first@example.com" });
  const ids = [shop.userId];
  for (let i = 1; i < users; i++) ids.push(await seedUser(t.db.sql, shop.project.id, `user${i}@example.com`));
  for (const id of ids) {
    await as(shop.project.id, (tx) =>
      assignPlan(tx, shop.project.id, id, "pro", "payment", {
        start: at(paidThrough, -30).toISOString(),
        end: paidThrough.toISOString(),
      }));
  }
  return { ...shop, userIds: ids };
}

const subscriptionOf = (projectId: string, userId: string) =>
  as(projectId, (tx) => currentSubscription(tx, projectId, userId));

Deno.test("billing — the renewal mail in the project's own words; the pay link and amount stay Astapa's", async () => {
  const now = new Date();
  const shop = await payingShop(at(now, 5));
  const p = shop.project.id;
  await t.db.sql`update astapa.projects set settings = settings || ${
    t.db.sql.json({
      mail_texts: {
        renewal_due: {
          id: {
            subject: "Perpanjang {plan}",
            intro: "Halo! {plan} berlanjut {date}, {amount}:",
            closing: "Salam, {app}",
          },
        },
      },
    })
  } where id = ${p}`;
  const pass = await new BillingScheduler(t.deps, { clock: () => now }).pass();
  const checkoutId = pass.renewals.find((s) => s.projectId === p)!.checkout!.checkout_id;
  const [mail] = await as(p, (tx) => listMail(tx, p));
  const [{ name }] = await t.db.sql`select name from astapa.projects where id = ${p}`;
  assert.match(mail.subject, /^\S+: pay for your next period \/ Perpanjang \S+$/);
  const [en, id] = mail.text.trim().split("\n\n");
  assert.match(
    en,
    /^Your .+ plan renews on .+\. Pay IDR 99\.000 for the next period here:\n/,
    "English untouched",
  );
  assert.match(id, /^Halo! .+ berlanjut \d{1,2} \S+ \d{4}, IDR 99\.000:\n/);
  assert.ok(id.includes(`${t.origin}/billing/checkout/${checkoutId}`));
  assert.equal(mail.text.trim().split("\n").at(-1), `Salam, ${name}`);
});

Deno.test("billing — renewal mail with a pay link, paid in the sandbox, then past_due and expiry by the clock", async () => {
  let now = new Date();
  const paidThrough = at(now, 5);
  const shop = await payingShop(paidThrough);
  const p = shop.project.id;
  const scheduler = new BillingScheduler(t.deps, { clock: () => now });

  const first = await scheduler.pass();
  const renewal = first.renewals.find((s) => s.projectId === p);
  assert.equal(renewal?.action, "renew");
  const checkoutId = renewal!.checkout!.checkout_id;
  const [mail] = await as(p, (tx) => listMail(tx, p));
  assert.equal(mail.to, "first@example.com");
  assert.equal(mail.template, "renewal_due");
  assert.ok(mail.text.includes(`${t.origin}/billing/checkout/${checkoutId}`));
  assert.ok(mail.text.includes("IDR 99.000"));
  assert.equal(
    (await scheduler.pass()).renewals.filter((s) => s.projectId === p).length,
    0,
    "once per period",
  );

  // The user pays the renewal in the offline sandbox: the new period starts at the old paid_through.
  const charged = await chargeCheckout(t.deps, p, checkoutId, { method: "qris" });
  await t.deps.xenditSandbox.settle(charged.payment!.provider_id, "pay");
  const renewed = await waitFor(async () => {
    const state = await subscriptionOf(p, shop.userId);
    return state.subscription!.paid_through !== null &&
      new Date(state.subscription!.paid_through).getTime() > paidThrough.getTime() && state;
  }, "the renewal to be applied");
  const expected = new Date(paidThrough);
  expected.setUTCMonth(expected.getUTCMonth() + 1);
  assert.equal(new Date(renewed.subscription!.paid_through!).getTime(), expected.getTime());

  // Nobody pays the period after that: past_due at paid_through, back to free after the grace.
  now = at(expected, -6);
  const second = (await scheduler.pass()).renewals.filter((s) => s.projectId === p);
  assert.deepEqual(second.map((s) => s.action), ["renew"]);
  now = at(expected, 1);
  assert.deepEqual((await scheduler.pass()).renewals.filter((s) => s.projectId === p).map((s) => s.action), [
    "past_due",
  ]);
  assert.equal((await subscriptionOf(p, shop.userId)).plan, "pro", "grace: still pro");
  now = at(expected, 4);
  assert.deepEqual((await scheduler.pass()).renewals.filter((s) => s.projectId === p).map((s) => s.action), [
    "expire",
  ]);
  const lapsed = await subscriptionOf(p, shop.userId);
  assert.equal(lapsed.plan, "free");
  assert.equal(lapsed.history[0].status, "expired");
  const mails = await as(p, (tx) => listMail(tx, p));
  assert.equal(mails.length, 2, "one mail per renewal");
});

Deno.test("billing — two instances' passes at once open each renewal exactly once", async () => {
  const now = new Date("2033-01-10T00:00:00Z");
  const shop = await payingShop(at(now, 3), 12);
  const p = shop.project.id;
  // Instance A holds its first step's transaction open until instance B's whole pass has finished, so B
  // meets A's locked subscription and must skip it, not renew it a second time.
  let bDone!: () => void;
  const bFinished = new Promise<void>((resolve) => bDone = resolve);
  let held = false;
  const a = new BillingScheduler(t.deps, {
    clock: () => now,
    beforeCommit: async (step) => {
      if (step.projectId !== p || held) return;
      held = true;
      await bFinished;
    },
  });
  const b = new BillingScheduler(t.deps, { clock: () => now });
  const passA = a.pass();
  await waitFor(() => Promise.resolve(held), "A to hold a step open");
  const reportB = await b.pass();
  bDone();
  const reportA = await passA;
  const renewedBy = (report: typeof reportA) =>
    report.renewals.filter((s) => s.projectId === p && s.action === "renew").map((s) => s.sub);
  const all = [...renewedBy(reportA), ...renewedBy(reportB)].sort();
  assert.deepEqual(all, [...shop.userIds].sort(), "every user renewed once, by one instance");
  assert.equal(renewedBy(reportA).length, 1);
  const counts = await as(p, async (tx) =>
    rows(
      await tx`select (select count(*)::int from astapa.checkouts where period_start is not null) as checkouts,
                      (select count(*)::int from astapa.mail_outbox) as mails`,
    )[0]);
  assert.deepEqual(counts, { checkouts: 12, mails: 12 });
});

Deno.test("billing — reconciliation applies a payment whose callback was lost; old checkouts expire", async () => {
  const shop = await seedShop(t.db.sql, { email: "lost@example.com" });
  const p = shop.project.id;
  const opened = await openCheckout(t.deps, p, { sub: shop.userId, plan: "pro" });
  const charged = await chargeCheckout(t.deps, p, opened.checkout_id, { method: "qris" });
  await t.deps.xenditSandbox.settle(charged.payment!.provider_id, "pay", { times: 0 }); // paid at Xendit; no callback
  const abandoned = await openCheckout(t.deps, p, { sub: shop.userId, plan: "pro" });

  let now = new Date();
  const scheduler = new BillingScheduler(t.deps, { clock: () => now, staleSeconds: 600 });
  assert.equal((await scheduler.pass()).reconciled, 0, "not stale yet");
  now = at(now, 1 / 48); // 30 minutes later
  assert.equal((await scheduler.pass()).reconciled, 1);
  const state = await waitFor(async () => {
    const s = await subscriptionOf(p, shop.userId);
    return s.subscription?.source === "payment" && s;
  }, "the reconciled payment to be applied");
  assert.equal(state.plan, "pro");
  const event = await as(
    p,
    async (tx) => rows(await tx`select provider_status, outcome, body from astapa.payment_events`)[0],
  );
  assert.equal(event.provider_status, "SUCCEEDED");
  assert.equal(event.outcome, "paid");
  assert.equal(event.body.reconciled, true);

  now = at(now, 2);
  assert.ok((await scheduler.pass()).expired >= 1);
  const expired = await as(p, (tx) => getCheckout(tx, p, abandoned.checkout_id));
  assert.equal(expired?.status, "expired");
  const paid = await as(p, (tx) => getCheckout(tx, p, opened.checkout_id));
  assert.equal(paid?.status, "paid", "a paid checkout never expires");
});

Deno.test("billing — start() runs a pass and stop() waits for it; no timers left behind", async () => {
  const now = new Date("2034-01-01T00:00:00Z");
  const shop = await payingShop(at(now, 1));
  const scheduler = new BillingScheduler(t.deps, { clock: () => now, intervalMs: 3_600_000 });
  scheduler.start();
  await waitFor(
    async () => (await as(shop.project.id, (tx) => listMail(tx, shop.project.id))).length === 1,
    "the first pass",
  );
  await scheduler.stop();
});
