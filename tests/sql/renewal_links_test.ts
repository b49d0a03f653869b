/**
 * SQL tests for who gets a pay link for a period (astapa.open_checkout with period_start, what the renewal pass
 * opens): a subscription canceled at its period end (by the person, or by a refund callback) or ended (a refund
 * ending it now) gets none, as the renewal pass opens none for it; buying again (no period) is still open. The
 * race with a refund callback holding the person's row is tests/sql/charged_meanwhile_race_test.ts's.
 */
import assert from "node:assert/strict";
import { asApp, type Tx } from "@/db/client.ts";
import { cancelSubscription, renewalStep, resumeSubscription } from "@/db/billing.ts";
import { applyPaymentEvent, createCheckout } from "@/db/payments.ts";
import { assignPlan, currentSubscription } from "@/db/plans.ts";
import { testDatabase } from "../helpers/db.ts";
import { rejectsAs } from "../helpers/identity.ts";
import { seedShop, type Shop } from "../helpers/payments.ts";
import { refundToPeriodEnd, storeRefundSuccess } from "../helpers/person_lock_race.ts";

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
