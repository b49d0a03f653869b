/** SQL tests for the dashboard's MRR and churn by month (db/api/billing_metrics.sql). */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { mrrByMonth } from "@/db/billing_metrics.ts";
import { createPlan } from "@/db/plans.ts";
import { testDatabase } from "../helpers/db.ts";
import { rejectsAs, seedUser } from "../helpers/identity.ts";
import { seedShop } from "../helpers/payments.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const as = <T>(projectId: string | null, work: Parameters<typeof asApp<T>>[2]) =>
  asApp(db.sql, projectId, work);

/** A subscription row as the payment path leaves it, with the times the test needs. */
async function subscription(
  projectId: string,
  userId: string,
  plan: string,
  from: string,
  paidThrough: string,
  ended: string | null = null,
  source = "payment",
) {
  await db
    .sql`insert into astapa.subscriptions (project_id, user_id, plan_key, status, source, current_period_start,
                 paid_through, created_at, ended_at)
               values (${projectId}, ${userId}::bigint, ${plan}, 'active', ${source}, ${from}::timestamptz,
                 ${paidThrough}::timestamptz, ${from}::timestamptz, ${ended}::timestamptz)`;
}

Deno.test("api.mrr_by_month — monthly and yearly plans, new and churned per month, only paid subscriptions", async () => {
  const shop = await seedShop(db.sql, { email: "mrr-a@example.com", price: 99_000 });
  const p = shop.project.id;
  await as(
    p,
    (tx) => createPlan(tx, p, { key: "annual", name: "Annual", price_idr: 1_200_000, interval: "year" }),
  );
  const b = await seedUser(db.sql, p, "mrr-b@example.com");
  const c = await seedUser(db.sql, p, "mrr-c@example.com");
  const d = await seedUser(db.sql, p, "mrr-d@example.com");
  // a: monthly from mid-January, renewed through April. b: yearly from February. c: paid January only, its
  // row ended when it expired. d: given the plan on the dashboard, not paid: never counted.
  await subscription(p, shop.userId, "pro", "2031-01-15T00:00:00Z", "2031-04-15T00:00:00Z");
  await subscription(p, b, "annual", "2031-02-10T00:00:00Z", "2032-02-10T00:00:00Z");
  await subscription(p, c, "pro", "2031-01-05T00:00:00Z", "2031-02-05T00:00:00Z", "2031-02-06T00:00:00Z");
  await subscription(p, d, "pro", "2031-01-01T00:00:00Z", "2031-12-01T00:00:00Z", null, "dashboard");

  const months = await as(p, (tx) => mrrByMonth(tx, p, 4, new Date("2031-04-20T00:00:00Z")));
  assert.deepEqual(months, [
    { month: "2031-01", mrr_idr: 198_000, paying: 2, new: 2, churned: 0, paying_at_start: 0 },
    { month: "2031-02", mrr_idr: 199_000, paying: 2, new: 1, churned: 1, paying_at_start: 2 },
    { month: "2031-03", mrr_idr: 199_000, paying: 2, new: 0, churned: 0, paying_at_start: 2 },
    // April is measured at until (the 20th): a's month ran out on the 15th.
    { month: "2031-04", mrr_idr: 100_000, paying: 1, new: 0, churned: 1, paying_at_start: 2 },
  ]);
});

Deno.test("api.mrr_by_month — errors; another project sees none of it", async () => {
  const shop = await seedShop(db.sql, { email: "mrr-own@example.com" });
  const other = await seedShop(db.sql, { email: "mrr-other@example.com" });
  const p = shop.project.id;
  await subscription(p, shop.userId, "pro", "2031-01-15T00:00:00Z", "2031-06-15T00:00:00Z");
  await rejectsAs(as(p, (tx) => mrrByMonth(tx, p, 0)), "validation_failed");
  await rejectsAs(as(p, (tx) => mrrByMonth(tx, p, 37)), "validation_failed");
  await rejectsAs(as(other.project.id, (tx) => mrrByMonth(tx, p, 3)), "not_found");
  const theirs = await as(
    other.project.id,
    (tx) => mrrByMonth(tx, other.project.id, 2, new Date("2031-03-01T00:00:00Z")),
  );
  assert.deepEqual(theirs.map((m) => m.mrr_idr), [0, 0]);
  const mine = await as(p, (tx) => mrrByMonth(tx, p, 1, new Date("2031-03-01T00:00:00Z")));
  assert.deepEqual(mine.map((m) => [m.month, m.mrr_idr]), [["2031-03", 99_000]]);
});
