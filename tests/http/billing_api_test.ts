/**
 * The Platform API's billing operations a project's backend runs for its customers (issue 23 item 8): cancel
 * and resume a paid plan, one user's billing as the portal shows it, the MRR / revenue metrics, reading a
 * checkout and applying a coupon to one already open. Each
 * refusal (nothing to cancel, bad query, another project's user) is worded and changes nothing.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { assignPlan, createPlan } from "@/db/plans.ts";
import { testApp } from "../helpers/app.ts";
import { basic, seedProject, seedUser } from "../helpers/oauth.ts";
import type { SeededProject } from "../helpers/identity.ts";
import { seedShop } from "../helpers/payments.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

const shop = await seedShop(t.db.sql, { email: "owner-of-shop@example.com", price: 99_000 });
const other = await seedProject(t.db.sql, { name: "Neighbour" });
const DAY = 86_400_000;

async function call(method: string, path: string, p: SeededProject = shop.project, body?: unknown) {
  const res = await t.app.request(path, {
    method,
    headers: {
      authorization: basic(p.clientId, p.secret),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { res, body: await res.json() };
}

/** A user of the shop who paid for pro from ten days ago for a month. */
async function payingUser(email: string): Promise<{ sub: string; paidThrough: string }> {
  const sub = await seedUser(t.db.sql, shop.project.id, email);
  const paid = await asApp(
    t.db.sql,
    shop.project.id,
    (tx) =>
      assignPlan(tx, shop.project.id, sub, "pro", "payment", {
        start: new Date(Date.now() - 10 * DAY).toISOString(),
        end: new Date(Date.now() + 20 * DAY).toISOString(),
      }),
  );
  return { sub, paidThrough: paid.paid_through! };
}

Deno.test("POST …/subscription/cancel and …/resume — runs to paid_through, then renews again", async () => {
  const { sub, paidThrough } = await payingUser("cancel@example.com");
  const canceled = await call("POST", `/api/platform/users/${sub}/subscription/cancel`);
  assert.equal(canceled.res.status, 200);
  assert.equal(canceled.res.headers.get("cache-control"), "no-store");
  assert.deepEqual([canceled.body.plan, canceled.body.status], ["pro", "canceled"]);
  assert.equal(new Date(canceled.body.current_period_end).getTime(), new Date(paidThrough).getTime());
  const again = await call("POST", `/api/platform/users/${sub}/subscription/cancel`);
  assert.deepEqual([again.res.status, again.body.status], [200, "canceled"], "canceling twice is a no-op");
  const state = await call("GET", `/api/platform/users/${sub}/subscription`);
  assert.deepEqual([state.body.plan, state.body.subscription.status], ["pro", "canceled"], "the plan stays");

  const resumed = await call("POST", `/api/platform/users/${sub}/subscription/resume`);
  assert.equal(resumed.res.status, 200);
  assert.deepEqual([resumed.body.plan, resumed.body.status], ["pro", "active"]);
  const twice = await call("POST", `/api/platform/users/${sub}/subscription/resume`);
  assert.deepEqual([twice.res.status, twice.body.error], [409, "conflict"]);
  assert.match(twice.body.error_description, /nothing|no canceled/i);
});

Deno.test("POST …/subscription/cancel — refused for a free user, another project's user, a bad sub", async () => {
  const free = await seedUser(t.db.sql, shop.project.id, "free-cancel@example.com");
  const nothing = await call("POST", `/api/platform/users/${free}/subscription/cancel`);
  assert.deepEqual([nothing.res.status, nothing.body.error], [409, "conflict"]);
  assert.match(nothing.body.error_description, /no paid subscription/);
  const { sub } = await payingUser("guarded@example.com");
  const foreign = await call("POST", `/api/platform/users/${sub}/subscription/cancel`, other);
  assert.deepEqual([foreign.res.status, foreign.body.error], [404, "not_found"]);
  const bad = await call("POST", "/api/platform/users/not-a-sub/subscription/resume");
  assert.equal(bad.res.status, 404);
  const state = await call("GET", `/api/platform/users/${sub}/subscription`);
  assert.equal(state.body.subscription.status, "active", "the foreign call changed nothing");
});

Deno.test("GET …/users/{sub}/billing — the portal's view: subscription, next renewal, history, offer", async () => {
  const { sub, paidThrough } = await payingUser("account@example.com");
  const { res, body } = await call("GET", `/api/platform/users/${sub}/billing`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("cache-control"), "no-store");
  assert.equal(body.sub, sub);
  assert.equal(body.email, "account@example.com");
  assert.deepEqual([body.plan.key, body.subscription.status], ["pro", "active"]);
  assert.deepEqual(
    [new Date(body.next_renewal.at).getTime(), body.next_renewal.plan, body.next_renewal.amount],
    [new Date(paidThrough).getTime(), "pro", 99_000],
  );
  assert.deepEqual([body.open_change, body.payments, body.linked_methods], [null, [], []]);
  assert.deepEqual(body.plans.map((p: { key: string }) => p.key), ["pro"]);
  const foreign = await call("GET", `/api/platform/users/${sub}/billing`, other);
  assert.deepEqual([foreign.res.status, foreign.body.error], [404, "not_found"]);
});

Deno.test("GET /api/platform/metrics/mrr and …/revenue — this month's paying users; bad ranges are 400", async () => {
  const { body: before } = await call("GET", "/api/platform/metrics/mrr?months=3");
  assert.equal(before.months.length, 3);
  const now = before.months[2];
  assert.equal(now.month, new Date().toISOString().slice(0, 7));
  await payingUser("mrr@example.com");
  const { res, body } = await call("GET", "/api/platform/metrics/mrr?months=3");
  assert.equal(res.status, 200);
  assert.equal(body.months[2].paying, now.paying + 1);
  assert.equal(body.months[2].mrr_idr, now.mrr_idr + 99_000);
  assert.equal((await call("GET", "/api/platform/metrics/mrr")).body.months.length, 12, "a year by default");
  const neighbour = await call("GET", "/api/platform/metrics/mrr?months=1", other);
  assert.deepEqual(neighbour.body.months.map((m: { mrr_idr: number }) => m.mrr_idr), [0], "only its own");
  for (const months of ["0", "37", "two"]) {
    const bad = await call("GET", `/api/platform/metrics/mrr?months=${months}`);
    assert.deepEqual([bad.res.status, bad.body.error], [400, "validation_failed"]);
    assert.ok(bad.body.fields.months, months);
  }

  const revenue = await call("GET", "/api/platform/metrics/revenue?days=7");
  assert.equal(revenue.res.status, 200);
  assert.deepEqual(revenue.body.methods.map((m: { method: string }) => m.method), [
    "qris",
    "gopay",
    "ovo",
    "dana",
    "shopeepay",
    "bank_transfer",
    "direct_debit",
    "card",
  ]);
  const badDays = await call("GET", "/api/platform/metrics/revenue?days=400");
  assert.deepEqual([badDays.res.status, Object.keys(badDays.body.fields)], [400, ["days"]]);
});

Deno.test("GET /api/platform/checkout/{id} and POST …/coupon — a coupon on an open pay link, read back", async () => {
  const sub = await seedUser(t.db.sql, shop.project.id, "coupon-later@example.com");
  const coupon = await call("POST", "/api/platform/coupons", shop.project, {
    code: "LATER20",
    percent_off: 20,
  });
  assert.equal(coupon.res.status, 201);
  const opened = await call("POST", "/api/platform/checkout", shop.project, { user: sub, plan: "pro" });
  assert.equal(opened.res.status, 201);
  const id = opened.body.checkout_id;
  const path = `/api/platform/checkout/${id}`;

  const unknown = await call("POST", `${path}/coupon`, shop.project, { coupon: "NOPE99" });
  assert.deepEqual([unknown.res.status, unknown.body.error], [400, "validation_failed"]);
  const empty = await call("POST", `${path}/coupon`, shop.project, { coupon: " ", extra: true });
  assert.deepEqual([empty.res.status, Object.keys(empty.body.fields).sort()], [400, ["(body)", "coupon"]]);
  const foreign = await call("POST", `${path}/coupon`, other, { coupon: "LATER20" });
  assert.deepEqual([foreign.res.status, foreign.body.error], [404, "not_found"]);
  assert.equal((await call("GET", path, other)).res.status, 404, "another project's checkout is not found");
  assert.equal((await call("GET", "/api/platform/checkout/chk_nope")).res.status, 404);
  const untouched = await call("GET", path);
  assert.deepEqual(
    [untouched.body.amount, untouched.body.coupon_code],
    [99_000, null],
    "refusals changed nothing",
  );

  const applied = await call("POST", `${path}/coupon`, shop.project, { coupon: "later20" });
  assert.equal(applied.res.status, 200);
  assert.deepEqual(
    [applied.body.checkout_id, applied.body.amount, applied.body.discount_idr, applied.body.coupon_code],
    [id, 79_200, 19_800, "LATER20"],
  );
  const read = await call("GET", path);
  assert.equal(read.res.status, 200);
  assert.deepEqual(
    [read.body.status, read.body.amount, read.body.coupon_code, read.body.sub, read.body.plan],
    ["open", 79_200, "LATER20", sub, "pro"],
  );
  assert.equal(read.body.checkout_url, `http://astapa.test/billing/checkout/${id}`);
  const redeemed = await call("GET", "/api/platform/coupons/LATER20");
  assert.equal(redeemed.body.redemptions, 1);
});

Deno.test("ending a trial early (docs/billing.md operations): another plan through the claims API ends it", async () => {
  await asApp(t.db.sql, shop.project.id, (tx) =>
    createPlan(tx, shop.project.id, {
      key: "trialled",
      name: "Trialled",
      price_idr: 50_000,
      interval: "month",
      trial_days: 14,
    }));
  const sub = await seedUser(t.db.sql, shop.project.id, "trial-ended@example.com");
  const started = await call("POST", `/api/platform/users/${sub}/trial`, shop.project, { plan: "trialled" });
  assert.equal(started.body.status, "trialing");
  const ended = await call("PATCH", `/api/platform/users/${sub}/claims`, shop.project, { plan: "free" });
  assert.equal(ended.res.status, 200);
  assert.deepEqual([ended.body.plan, ended.body.trial_ends_at], ["free", undefined]);
  const state = await call("GET", `/api/platform/users/${sub}/subscription`);
  assert.equal(state.body.plan, "free");
  const trial = state.body.history.find((s: { source: string }) => s.source === "trial");
  assert.ok(trial?.ended_at, "the trialing subscription ended");
  const again = await call("POST", `/api/platform/users/${sub}/trial`, shop.project, { plan: "trialled" });
  assert.equal(again.res.status, 409, "still one trial per user and plan");
});

Deno.test("GET /api/platform/payments — the project's checkouts, filtered and paged; bad filters are 400", async () => {
  const subs = [
    await seedUser(t.db.sql, shop.project.id, "payments-a@example.com"),
    await seedUser(t.db.sql, shop.project.id, "payments-b@example.com"),
  ];
  const ids = [];
  for (const user of subs) {
    ids.push(
      (await call("POST", "/api/platform/checkout", shop.project, { user, plan: "pro" })).body.checkout_id,
    );
  }
  const first = await call("GET", "/api/platform/payments?status=open&limit=1");
  assert.equal(first.res.status, 200);
  assert.equal(first.res.headers.get("cache-control"), "no-store");
  assert.deepEqual(
    first.body.payments.map((
      p: Record<string, unknown>,
    ) => [p.checkout_id, p.sub, p.email, p.plan, p.amount]),
    [[ids[1], subs[1], "payments-b@example.com", "pro", 99_000]],
  );
  const next = await call(
    "GET",
    `/api/platform/payments?status=open&limit=1&before=${first.body.payments[0].id}`,
  );
  assert.equal(next.body.payments[0].checkout_id, ids[0], "the page before the newest");
  const paid = await call("GET", "/api/platform/payments?status=paid&method=qris");
  assert.deepEqual(paid.body.payments, []);
  const cards = await call("GET", "/api/platform/payments?method=card");
  assert.deepEqual(
    [cards.res.status, cards.body.payments],
    [200, []],
    "every method a checkout takes filters",
  );
  const firstUsers = await call("GET", `/api/platform/payments?user=${subs[0]}`);
  assert.deepEqual(firstUsers.body.payments.map((p: { checkout_id: string }) => p.checkout_id), [ids[0]]);
  const neighbour = await call("GET", "/api/platform/payments", other);
  assert.deepEqual(neighbour.body.payments, [], "another project sees none of them");
  const theirUser = await call("GET", `/api/platform/payments?user=${subs[0]}`, other);
  assert.deepEqual(theirUser.body.payments, [], "nor by naming one of its users");
  const bads = ["status=refunded", "method=cash", "limit=0", "limit=201", "before=abc", "user=abc", "user=0"];
  for (const query of bads) {
    const bad = await call("GET", `/api/platform/payments?${query}`);
    assert.deepEqual([bad.res.status, Object.keys(bad.body.fields)], [400, [query.split("=")[0]]], query);
  }
});
