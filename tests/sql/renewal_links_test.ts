/**
 * SQL tests for who gets a pay link for a period (astapa.open_checkout with period_start, what the renewal pass
 * opens): a subscription canceled at its period end (by the person, or by a refund callback) or ended (a refund
 * ending it now) gets none, as the renewal pass opens none for it; buying again (no period) is still open. A
 * cancel expires the open one (a charge in flight is left, and paying it renews); an expired link does not hold
 * its period (checkouts_renewal_key): after a resume or a withdrawn plan change the pass opens it again. The
 * races with a refund callback or a cancel holding the person's row are tests/sql/charged_meanwhile_race_test.ts's
 * and tests/sql/cancel_renewal_race_test.ts's.
 */
import assert from "node:assert/strict";
import { asApp, type Tx } from "@/db/client.ts";
import { cancelSubscription, renewalStep, resumeSubscription } from "@/db/billing.ts";
import { applyPaymentEvent, createCheckout, recordPaymentEvent } from "@/db/payments.ts";
import { cancelPlanChange, changePlan } from "@/db/plan_changes.ts";
import { assignPlan, createPlan, currentSubscription } from "@/db/plans.ts";
import { testDatabase } from "../helpers/db.ts";
import { rejectsAs } from "../helpers/identity.ts";
import { seedShop, type Shop } from "../helpers/payments.ts";
import { charge, refundToPeriodEnd, storeRefundSuccess, storeSuccess } from "../helpers/person_lock_race.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const DAY = 86_400_000;
const as = <T>(projectId: string, work: (tx: Tx) => Promise<T>) => asApp(db.sql, projectId, work);

/** A checkout of pro for the shop's user: the pay link for the period from `periodStart`, or a new purchase. */
const open = (shop: Shop, periodStart?: string) =>
  as(shop.project.id, (tx) =>
    createCheckout(tx, shop.project.id, {
      sub: shop.userId,
      plan: "pro",
      xendit_account: "simulator",
      ...(periodStart ? { period_start: periodStart } : {}),
    }));

/** How many of the user's renewal checkouts are open or pending. */
async function unpaidRenewals(shop: Shop): Promise<number> {
  const [row] = await db.sql`select count(*)::int as n
    from astapa.unpaid_renewal_checkouts(${shop.project.id}, ${shop.userId})`;
  return row.n;
}

const CANCELED = /canceled or has ended/;

/** The shop's user on pro, paid through `now` + 5 days (inside the renewal notice); answers that end. */
async function paidPro(shop: Shop, now: Date): Promise<string> {
  const p = shop.project.id;
  const end = new Date(now.getTime() + 5 * DAY).toISOString();
  await as(p, (tx) =>
    assignPlan(tx, p, shop.userId, "pro", "payment", {
      start: new Date(now.getTime() - 25 * DAY).toISOString(),
      end,
    }));
  return end;
}

/** The renewal pass's next step at `now`: the pay link it opened (asserting it opened one), by public id. */
async function renewed(shop: Shop, now: Date, plan = "pro"): Promise<string> {
  const p = shop.project.id;
  const step = await as(p, (tx) => renewalStep(tx, p, now, "simulator"));
  assert.equal(step?.action, "renew", "the renewal pass opened the period's pay link");
  assert.equal(step?.checkout?.plan, plan);
  return step!.checkout!.checkout_id;
}

/** A checkout's status, by public id. */
async function statusOf(shop: Shop, checkoutId: string): Promise<string> {
  const [row] = await db.sql`select status from astapa.checkouts
                             where project_id = ${shop.project.id} and public_id = ${checkoutId}`;
  return row.status;
}

Deno.test("astapa.open_checkout — no pay link for a period once the person canceled at its end, as the renewal pass opens none; again after a resume; buying again still opens", async () => {
  const shop = await seedShop(db.sql, { email: "renewal-link-cancel@example.com" });
  const p = shop.project.id;
  const now = new Date();
  const end = new Date(now.getTime() + 5 * DAY).toISOString();
  await as(p, (tx) =>
    assignPlan(tx, p, shop.userId, "pro", "payment", {
      start: new Date(now.getTime() - 25 * DAY).toISOString(),
      end,
    }));
  await as(p, (tx) => cancelSubscription(tx, p, shop.userId));
  // The renewal pass, inside the notice, takes nothing for it (a canceled subscription is not renewed) ...
  assert.equal(await as(p, (tx) => renewalStep(tx, p, now, "simulator")), null);
  // ... nor does the checkout function open one for it.
  await rejectsAs(open(shop, end), "conflict", CANCELED);
  assert.equal((await open(shop)).status, "open", "buying again");

  // Resumed, it runs again: its next period's pay link opens (one a period: checkouts_renewal_key).
  await as(p, (tx) => resumeSubscription(tx, p, shop.userId, now));
  assert.equal((await open(shop, end)).status, "open", "resumed: renewals resume");
});

Deno.test("astapa.open_checkout — after a refund callback kept the plan to its period end, or ended it now, no pay link for the next period; buying again still opens", async () => {
  for (const effect of ["keep_to_period_end", "end_now"] as const) {
    const shop = await seedShop(db.sql, { email: `renewal-link-${effect}@example.com` });
    const p = shop.project.id;
    const refunded = await refundToPeriodEnd(db.sql, shop, `pr-link-${effect}`, `rf-link-${effect}`, effect);
    await storeRefundSuccess(db.sql, shop, refunded);
    assert.equal((await as(p, (tx) => applyPaymentEvent(tx, p)))?.outcome, "refunded", effect);
    const state = await as(p, (tx) => currentSubscription(tx, p, shop.userId));
    assert.deepEqual(
      [state.plan, state.subscription?.status],
      effect === "end_now" ? ["free", "active"] : ["pro", "canceled"],
      effect,
    );

    await rejectsAs(open(shop, refunded.paidThrough), "conflict", CANCELED);
    assert.equal(await unpaidRenewals(shop), 0, effect);
    assert.equal((await open(shop)).status, "open", `${effect}: buying again`);
  }
});

Deno.test("api.cancel_subscription — expires the person's open renewal pay link (voided, as a refund voids it); renewalStep opens the period's link again after a resume", async () => {
  const shop = await seedShop(db.sql, { email: "cancel-voids-renewal@example.com" });
  const p = shop.project.id;
  const now = new Date();
  const end = await paidPro(shop, now);
  const link = await renewed(shop, now);
  const bought = (await open(shop)).checkout_id;

  await as(p, (tx) => cancelSubscription(tx, p, shop.userId));
  assert.equal(await statusOf(shop, link), "expired", "the renewal pay link is voided");
  assert.equal(await statusOf(shop, bought), "open", "a purchase (no period) is not a renewal: left open");
  assert.equal(await unpaidRenewals(shop), 0);

  // The expired link does not hold its period: resumed, the pass opens the period's link again.
  await as(p, (tx) => resumeSubscription(tx, p, shop.userId, now));
  const again = await renewed(shop, now);
  assert.notEqual(again, link);
  const [row] = await db
    .sql`select period_start from astapa.checkouts where project_id = ${p} and public_id = ${again}`;
  assert.equal(row.period_start.toISOString(), end);
  // One live link a period still: the pass opens no second one, nor does the API.
  assert.equal(await as(p, (tx) => renewalStep(tx, p, now, "simulator")), null);
  await assert.rejects(open(shop, end), /duplicate key/);
});

Deno.test("api.cancel_subscription — leaves a renewal whose charge is in flight; paid after the cancel, it renews the plan (the cancel undone)", async () => {
  const shop = await seedShop(db.sql, { email: "cancel-leaves-pending@example.com" });
  const p = shop.project.id;
  const now = new Date();
  const end = await paidPro(shop, now);
  const link = await renewed(shop, now);
  await charge(db.sql, shop, link, "pr-cancel-leaves-pending");

  const canceled = await as(p, (tx) => cancelSubscription(tx, p, shop.userId));
  assert.equal(canceled.status, "canceled");
  assert.equal(await statusOf(shop, link), "pending", "the money may already be moving: the charge finishes");

  await storeSuccess(db.sql, shop, "pr-cancel-leaves-pending", link);
  assert.equal((await as(p, (tx) => applyPaymentEvent(tx, p)))?.outcome, "paid");
  const state = await as(p, (tx) => currentSubscription(tx, p, shop.userId));
  assert.deepEqual([state.plan, state.subscription?.status], ["pro", "active"], "paid: the plan renews");
  assert.equal(
    new Date(state.subscription!.current_period_start).getTime(),
    new Date(end).getTime(),
    "for the period the link was for",
  );
  assert.ok(new Date(state.subscription!.paid_through!) > new Date(end));
});

Deno.test("astapa.renewal_action — a plan change scheduled then withdrawn: the pass opens the old plan's pay link for the period again", async () => {
  const shop = await seedShop(db.sql, { email: "withdrawn-change-renewal@example.com" });
  const p = shop.project.id;
  await as(
    p,
    (tx) => createPlan(tx, p, { key: "basic", name: "Basic", price_idr: 49_000, interval: "month" }),
  );
  const now = new Date();
  await paidPro(shop, now);
  const link = await renewed(shop, now);
  await as(p, (tx) => changePlan(tx, p, shop.userId, "basic", "simulator", { now }));
  assert.equal(await statusOf(shop, link), "expired", "the old plan's link gave way to the scheduled change");
  await as(p, (tx) => cancelPlanChange(tx, p, shop.userId));
  const again = await renewed(shop, now, "pro");
  assert.notEqual(again, link);
});

Deno.test("astapa.renewal_action — an expired pay link whose charge is still pending holds its period until the charge ends", async () => {
  const shop = await seedShop(db.sql, { email: "expired-with-charge@example.com" });
  const p = shop.project.id;
  const now = new Date();
  await paidPro(shop, now);
  const link = await renewed(shop, now);
  await charge(db.sql, shop, link, "pr-expired-with-charge");
  // Voided before its time with its charge pending (as a refund's expiry of unpaid renewal links does).
  await db
    .sql`update astapa.checkouts set status = 'expired' where project_id = ${p} and public_id = ${link}`;
  assert.equal(
    await as(p, (tx) => renewalStep(tx, p, now, "simulator")),
    null,
    "no second link while it may be paid",
  );
  await db.sql`update astapa.payments set status = 'failed' where project_id = ${p}
               and provider_id = 'pr-expired-with-charge'`;
  assert.notEqual(await renewed(shop, now), link, "the charge failed: the period gets a new link");
});

Deno.test("checkouts_renewal_key — an expired pay link paid late (its ended charge's success after all) while the period's new link is open: paid, the new link expires", async () => {
  const shop = await seedShop(db.sql, { email: "expired-paid-late@example.com" });
  const p = shop.project.id;
  const now = new Date();
  const end = await paidPro(shop, now);
  const link = await renewed(shop, now);
  await charge(db.sql, shop, link, "pr-expired-paid-late");
  // The charge ended (Xendit expired it), then the link was voided (as a refund's expiry does): the period is
  // open again.
  await db.sql`update astapa.payments set status = 'expired' where project_id = ${p}
               and provider_id = 'pr-expired-paid-late'`;
  await db
    .sql`update astapa.checkouts set status = 'expired' where project_id = ${p} and public_id = ${link}`;
  const again = await renewed(shop, now);

  await storeSuccess(db.sql, shop, "pr-expired-paid-late", link);
  assert.equal((await as(p, (tx) => applyPaymentEvent(tx, p)))?.outcome, "paid");
  assert.equal(await statusOf(shop, link), "paid");
  assert.equal(await statusOf(shop, again), "expired", "the period is paid: its new link would charge twice");
  const state = await as(p, (tx) => currentSubscription(tx, p, shop.userId));
  assert.equal(new Date(state.subscription!.current_period_start).getTime(), new Date(end).getTime());
});

Deno.test("astapa.period_paid_by_another_link — a voided pay link's ended charge paid late, after the period's new link was paid: paid_again, its own receipt without a period, the plan not extended twice", async () => {
  const shop = await seedShop(db.sql, { email: "paid-late-after-new-link@example.com" });
  const p = shop.project.id;
  const now = new Date();
  const end = await paidPro(shop, now);
  const link = await renewed(shop, now);
  await charge(db.sql, shop, link, "pr-paid-late-old");
  // Xendit expired the charge; the person canceled (the link voided) and resumed: the period gets a new link.
  await as(p, (tx) =>
    recordPaymentEvent(tx, p, {
      providerId: "pr-paid-late-old",
      status: "EXPIRED",
      checkoutId: link,
      body: { data: { amount: 99_000, currency: "IDR", status: "EXPIRED" } },
    }));
  assert.equal((await as(p, (tx) => applyPaymentEvent(tx, p)))?.outcome, "expired");
  await as(p, (tx) => cancelSubscription(tx, p, shop.userId));
  assert.equal(await statusOf(shop, link), "expired");
  await as(p, (tx) => resumeSubscription(tx, p, shop.userId, now));
  const again = await renewed(shop, now);
  await charge(db.sql, shop, again, "pr-paid-late-new");
  await storeSuccess(db.sql, shop, "pr-paid-late-new", again);
  assert.equal((await as(p, (tx) => applyPaymentEvent(tx, p)))?.outcome, "paid");
  const renewedTo = (await as(p, (tx) => currentSubscription(tx, p, shop.userId))).subscription!.paid_through;

  // Xendit took the old charge after all.
  await storeSuccess(db.sql, shop, "pr-paid-late-old", link);
  const late = await as(p, (tx) => applyPaymentEvent(tx, p));
  assert.equal(late?.outcome, "paid_again", "a second payment for one period, for a refund");
  assert.ok(late?.receipt_id, "money received gets its receipt");
  assert.equal(await statusOf(shop, link), "paid", "nothing takes money for it again");
  const state = await as(p, (tx) => currentSubscription(tx, p, shop.userId));
  assert.equal(state.subscription?.paid_through, renewedTo, "the plan is not extended twice");
  assert.equal(new Date(state.subscription!.current_period_start).getTime(), new Date(end).getTime());
  const [receipt] = await db.sql`select r.period_start, r.period_end from astapa.receipts as r
    join astapa.payments as y on y.project_id = r.project_id and y.id = r.payment_id
    where y.project_id = ${p} and y.provider_id = 'pr-paid-late-old'`;
  assert.deepEqual({ ...receipt }, { period_start: null, period_end: null }, "it bought no period");
  const [succeeded] = await db.sql`select count(*)::int as n from astapa.events
    where project_id = ${p} and type = 'payment.succeeded' and data ->> 'checkout_id' = ${link}`;
  assert.equal(succeeded.n, 0, "the app is told of no second renewal");
});
