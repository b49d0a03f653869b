/**
 * The billing routes answer what the OpenAPI document says (lib/platform/billing_schemas.ts): after a paid
 * checkout, a refund, a coupon, an upgrade and a linked e-wallet in the offline sandbox, each route's answer is
 * parsed with its documented schema, with the lists holding at least one row so their items are checked too.
 */
import assert from "node:assert/strict";
import type { z } from "zod";
import { asApp } from "@/db/client.ts";
import { createPlan } from "@/db/plans.ts";
import { updateProjectSettings } from "@/db/project_settings.ts";
import { linkMethod } from "@/lib/payments/linked_methods.ts";
import { PaymentEventWorker } from "@/lib/payments/worker.ts";
import { BILLING_ANSWERS } from "@/lib/platform/billing_schemas.ts";
import { testApp } from "../helpers/app.ts";
import { basic, seedUser } from "../helpers/oauth.ts";
import { seedShop } from "../helpers/payments.ts";
import { waitFor } from "../helpers/wait.ts";

const t = await testApp({ listen: true });
const worker = new PaymentEventWorker(t.db.sql, { receiptBaseUrl: t.origin });
await worker.start();
Deno.test.afterAll(async () => {
  await worker.stop();
  await t.close();
});

const shop = await seedShop(t.db.sql, { email: "shapes@example.com", price: 90_000 });
const p = shop.project.id;
await asApp(t.db.sql, p, async (tx) => {
  await createPlan(tx, p, { key: "max", name: "Max", price_idr: 300_000, interval: "month", trial_days: 7 });
  await updateProjectSettings(tx, p, { linked_methods: { enabled: true } });
});

async function call(method: string, path: string, body?: unknown) {
  const res = await fetch(`${t.origin}${path}`, {
    method,
    headers: {
      authorization: basic(shop.project.clientId, shop.project.secret),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** Parses an answer with its documented schema; the error names the route and the field at fault. */
function documented<S extends z.ZodType>(schema: S, answer: unknown, route: string): z.infer<S> {
  const parsed = schema.safeParse(answer);
  assert.ok(parsed.success, `${route}: ${parsed.success ? "" : JSON.stringify(parsed.error.issues)}`);
  return parsed.data;
}

Deno.test("billing routes — each answer has the documented shape", async () => {
  const A = BILLING_ANSWERS;
  const user = `/api/platform/users/${shop.userId}`;
  documented(
    A.coupon,
    await call("POST", "/api/platform/coupons", { code: "SHAPES10", percent_off: 10 }),
    "coupon",
  );
  const opened = documented(
    A.checkout,
    await call("POST", "/api/platform/checkout", { user: shop.userId, plan: "pro", coupon: "SHAPES10" }),
    "POST checkout",
  );
  const charged = documented(
    A.checkout,
    await call("POST", "/api/platform/checkout", { user: shop.userId, plan: "pro", method: "qris" }),
    "POST checkout with a method",
  );
  assert.ok(charged.payment, "a charged checkout has its payment");
  const pr = [...t.deps.xenditSandbox.paymentRequests.values()].find((r) =>
    r.referenceId === charged.checkout_id
  )!;
  await t.deps.xenditSandbox.settle(pr.id, "pay");
  const { receipts } = await waitFor(async () => {
    const answer = documented(A.receipts, await call("GET", "/api/platform/receipts"), "receipts");
    return answer.receipts.length ? answer : undefined;
  }, "the receipt");
  documented(A.receipt, await call("GET", `/api/platform/receipts/${receipts[0].number}`), "receipt");
  documented(
    A.refund,
    await call("POST", "/api/platform/refunds", {
      receipt: receipts[0].number,
      amount: 1_000,
      plan_effect: "none",
    }),
    "refund",
  );
  assert.equal(
    documented(A.refunds, await call("GET", "/api/platform/refunds"), "refunds").refunds.length,
    1,
  );
  documented(A.checkout, await call("GET", `/api/platform/checkout/${opened.checkout_id}`), "GET checkout");

  const upgrade = documented(
    A.planChangeAnswer,
    await call("POST", `${user}/plan-change`, { plan: "max" }),
    "plan-change",
  );
  assert.ok(upgrade.checkout, "an upgrade answers its checkout");
  assert.equal(
    documented(A.planChanges, await call("GET", `${user}/plan-change`), "plan changes").changes.length,
    1,
  );
  documented(A.planChange, await call("DELETE", `${user}/plan-change`), "withdrawn change");

  const { method } = await linkMethod(t.deps, p, shop.userId, {
    channel: "OVO",
    mobileNumber: "+6281234567890",
    successUrl: `${t.origin}/linked`,
    failureUrl: `${t.origin}/not-linked`,
  });
  const linked = documented(A.linkedMethods, await call("GET", `${user}/linked-methods`), "linked methods");
  assert.equal(linked.linked_methods.length, 1);

  const account = documented(A.account, await call("GET", `${user}/billing`), "billing");
  assert.deepEqual([account.payments.length, account.linked_methods.length], [1, 1]);
  assert.ok(documented(A.planState, await call("GET", `${user}/subscription`), "subscription").subscription);
  documented(A.subscription, await call("POST", `${user}/subscription/cancel`, {}), "cancel");
  documented(A.subscription, await call("POST", `${user}/subscription/resume`, {}), "resume");
  documented(A.linkedMethod, await call("DELETE", `${user}/linked-methods/${method.method_id}`), "unlink");

  assert.ok(documented(A.coupons, await call("GET", "/api/platform/coupons"), "coupons").coupons.length);
  const detail = documented(
    A.couponDetail,
    await call("GET", "/api/platform/coupons/SHAPES10"),
    "coupon detail",
  );
  assert.equal(detail.redemption_list.length, 1);
  documented(A.coupon, await call("PATCH", "/api/platform/coupons/SHAPES10", { disabled: true }), "disable");
  documented(A.taxSettings, await call("GET", "/api/platform/tax-settings"), "tax settings");
  documented(A.taxSettings, await call("PATCH", "/api/platform/tax-settings", { pkp: true }), "tax change");
  assert.ok(
    documented(A.payments, await call("GET", "/api/platform/payments"), "payments").payments.length >= 2,
  );
  assert.equal(
    documented(A.mrr, await call("GET", "/api/platform/metrics/mrr?months=2"), "mrr").months.length,
    2,
  );
  assert.equal(
    documented(A.revenue, await call("GET", "/api/platform/metrics/revenue"), "revenue").methods.length,
    8,
  );
  assert.ok(documented(A.plans, await call("GET", "/api/platform/plans"), "plans").plans.length >= 2);
  documented(A.plan, await call("GET", "/api/platform/plans/max"), "plan");

  const other = await seedUser(t.db.sql, p, "shapes-trial@example.com");
  documented(
    A.subscription,
    await call("POST", `/api/platform/users/${other}/trial`, { plan: "max" }),
    "trial",
  );
  assert.equal(
    documented(A.trials, await call("GET", `/api/platform/users/${other}/trial`), "trials").trials.length,
    1,
  );
});
