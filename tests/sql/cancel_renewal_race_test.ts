/**
 * A cancel (api.cancel_subscription) and a renewal pay link being opened (astapa.open_checkout with period_start)
 * at once. The cancel expires the person's open renewal links after their row; the opening takes that row for key
 * share, then reads the subscription. Held by the cancel for no key update, the row let the opening through: it
 * read the subscription not yet canceled and opened a link the cancel, its expiry already done, never saw — a pay
 * link left for a period that will not come. Held for update (as a refund callback holds it), the opening waits
 * and is refused (409), or the cancel waits for the opening and expires its link. Each order is made certain: one
 * side holds its locks until the other is seen waiting, or has ended.
 */
import assert from "node:assert/strict";
import { asApp, type Tx } from "@/db/client.ts";
import { cancelSubscription } from "@/db/billing.ts";
import { createCheckout } from "@/db/payments.ts";
import { assignPlan, currentSubscription } from "@/db/plans.ts";
import { testDatabase } from "../helpers/db.ts";
import { rejectsAs } from "../helpers/identity.ts";
import { waitForLockWaiter } from "../helpers/lock_race.ts";
import { seedShop, type Shop } from "../helpers/payments.ts";
import { settle } from "../helpers/person_lock_race.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const DAY = 86_400_000;
const as = <T>(projectId: string, work: (tx: Tx) => Promise<T>) => asApp(db.sql, projectId, work);

/** The shop's user on pro, paid through 5 days from now; answers that end (the next period's start). */
async function paidPro(shop: Shop): Promise<string> {
  const p = shop.project.id;
  const now = Date.now();
  const end = new Date(now + 5 * DAY).toISOString();
  await as(
    p,
    (tx) =>
      assignPlan(tx, p, shop.userId, "pro", "payment", {
        start: new Date(now - 25 * DAY).toISOString(),
        end,
      }),
  );
  return end;
}

/** Opens the next period's pay link in `tx`. */
const openRenewal = (tx: Tx, shop: Shop, periodStart: string) =>
  createCheckout(tx, shop.project.id, {
    sub: shop.userId,
    plan: "pro",
    xendit_account: "simulator",
    period_start: periodStart,
  });

/** The person's renewal links open or being paid. */
async function unpaidRenewals(shop: Shop): Promise<number> {
  const [row] = await db.sql`select count(*)::int as n
    from astapa.unpaid_renewal_checkouts(${shop.project.id}, ${shop.userId})`;
  return row.n;
}

Deno.test("api.cancel_subscription holding the person's row: a renewal pay link opened meanwhile waits, then is refused — none survives the cancel", async () => {
  const shop = await seedShop(db.sql, { email: "cancel-then-open@example.com" });
  const p = shop.project.id;
  const end = await paidPro(shop);
  let opening: Promise<PromiseSettledResult<unknown>> | undefined;
  let first: string | undefined;
  await as(p, async (tx) => {
    await cancelSubscription(tx, p, shop.userId);
    // Started once: were the cancel run again, asApp would start it again otherwise.
    opening ??= settle(as(p, (other) => openRenewal(other, shop, end)));
    // Either the opening waits for the cancel's row, or (the row let it through) it ends first.
    first = await Promise.race([
      opening.then(() => "opened"),
      waitForLockWaiter(db.sql, 1).then(() => "waiting"),
    ]);
  });
  const opened = await opening!;
  assert.equal(first, "waiting", "the opening waited for the cancel");
  assert.equal(opened.status, "rejected", "no pay link for the period of a canceled subscription");
  await rejectsAs(
    Promise.reject((opened as PromiseRejectedResult).reason),
    "conflict",
    /canceled or has ended/,
  );
  assert.equal(await unpaidRenewals(shop), 0, "no renewal pay link left open");
  const state = await as(p, (tx) => currentSubscription(tx, p, shop.userId));
  assert.deepEqual([state.plan, state.subscription?.status], ["pro", "canceled"]);
});

Deno.test("api.cancel_subscription meeting a renewal pay link being opened: the cancel waits for it, then expires it", async () => {
  const shop = await seedShop(db.sql, { email: "open-then-cancel@example.com" });
  const p = shop.project.id;
  const end = await paidPro(shop);
  let canceling: Promise<PromiseSettledResult<unknown>> | undefined;
  let first: string | undefined;
  const { checkout_id: link } = await as(p, async (tx) => {
    const opened = await openRenewal(tx, shop, end);
    canceling ??= settle(as(p, (other) => cancelSubscription(other, p, shop.userId)));
    // Either the cancel waits for the opening's key share of the row, or (let through) it ends first.
    first = await Promise.race([
      canceling.then(() => "canceled"),
      waitForLockWaiter(db.sql, 1).then(() => "waiting"),
    ]);
    return opened;
  });
  const canceled = await canceling!;
  assert.equal(canceled.status, "fulfilled", String((canceled as PromiseRejectedResult).reason));
  assert.equal(first, "waiting", "the cancel waited for the opening");
  const [row] = await db
    .sql`select status from astapa.checkouts where project_id = ${p} and public_id = ${link}`;
  assert.equal(row.status, "expired", "the cancel expired the link opened before it");
  assert.equal(await unpaidRenewals(shop), 0);
});
