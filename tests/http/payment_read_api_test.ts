/**
 * GET /api/platform/payments/{id} and /api/platform/refunds/{id}: the project's own client reads one payment or
 * refund as its list shows it (with the reconciliation and why it stopped, and a charge ended here: abandoned,
 * which GET /api/platform/checkout/{id} carries too); another project's client and unknown or malformed ids get
 * 404, a machine client 403, no credential 401.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { listPayments } from "@/db/dashboard_payments.ts";
import { listRefunds } from "@/db/refunds.ts";
import { BILLING_ANSWERS } from "@/lib/platform/billing_schemas.ts";
import { abandonedCharge } from "../helpers/abandoned_charge.ts";
import { testApp } from "../helpers/app.ts";
import { seedMachineClient } from "../helpers/machine_clients.ts";
import { basic } from "../helpers/oauth.ts";
import { seedShop } from "../helpers/payments.ts";
import { OURS, stoppedCharge, stoppedRefund } from "../helpers/stopped_reconciliation.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

const shop = await seedShop(t.db.sql, { email: "api-read@example.com" });
const other = await seedShop(t.db.sql, { email: "api-read-other@example.com" });
const p = shop.project.id;
const own = { authorization: basic(shop.project.clientId, shop.project.secret) };
const machine = await seedMachineClient(t.db.sql, p);

const get = (path: string, headers: Record<string, string> = own) => t.app.request(path, { headers });

/** Another project's client (404), a machine client (403) and no credential (401). */
async function refusedOthers(path: string) {
  const callers = [
    [{ authorization: basic(other.project.clientId, other.project.secret) }, 404, "not_found"],
    [{ authorization: basic(machine.clientId, machine.secret) }, 403, "unauthorized_client"],
    [{}, 401, "invalid_client"],
  ] as const;
  for (const [headers, status, error] of callers) {
    const refused = await get(path, headers);
    assert.equal(refused.status, status, path);
    assert.equal((await refused.json()).error, error, path);
  }
}

/** A stopped reconciliation's fields as the answer carries them: stopped, not resumed, the cause kept. */
function assertStoppedWithCause(answer: Record<string, unknown>) {
  assert.equal(answer.reconcile_errors, 3);
  assert.equal(typeof answer.reconcile_stopped_at, "string");
  assert.equal(answer.reconcile_resumed_at, null);
  const last = answer.reconcile_last_error as Record<string, unknown>;
  assert.deepEqual([last.code, last.message], [OURS.code, OURS.message]);
}

Deno.test("GET /api/platform/payments/{id} — the project's client reads one payment as the list shows it", async () => {
  const checkoutId = await stoppedCharge(t.db.sql, shop, "pr-api-read");
  const path = `/api/platform/payments/${checkoutId}`;
  const res = await get(path);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("cache-control"), "no-store");
  const payment = BILLING_ANSWERS.payment.parse(await res.json());
  const listed = (await asApp(t.db.sql, p, (tx) => listPayments(tx, p, {})))
    .find((r) => r.checkout_id === checkoutId);
  assert.deepEqual(payment, listed, "the list's row, field for field");
  assert.equal(payment.status, "pending");
  assertStoppedWithCause(payment);

  await refusedOthers(path);
  const theirs = await stoppedCharge(t.db.sql, other, "pr-api-read-other");
  for (const id of [theirs, "chk_aaaaaaaaaaaaaaaaaaaaaaaa", "not-a-checkout", "1"]) {
    const missing = await get(`/api/platform/payments/${id}`);
    assert.equal(missing.status, 404, id);
    const problem = await missing.json();
    assert.deepEqual(Object.keys(problem).sort(), ["error", "error_description"], id);
    assert.equal(problem.error, "not_found", id);
  }
});

Deno.test("GET /api/platform/payments/{id} and the list — a charge ended here (still pending at Xendit past its horizon) carries abandoned: which, when, its horizon and why", async () => {
  const ended = await abandonedCharge(t.db.sql, shop, "pr-api-read-abandoned");
  const res = await get(`/api/platform/payments/${ended.checkoutId}`);
  assert.equal(res.status, 200);
  const payment = BILLING_ANSWERS.payment.parse(await res.json());
  assert.ok(payment.abandoned);
  assert.deepEqual(
    [
      payment.abandoned.provider_id,
      payment.abandoned.method,
      new Date(payment.abandoned.at).getTime(),
      new Date(payment.abandoned.horizon).getTime(),
      payment.abandoned.reason,
    ],
    ["pr-api-read-abandoned", "ovo", ended.at.getTime(), new Date(ended.horizon).getTime(), ended.reason],
  );
  const list = await get("/api/platform/payments?status=pending");
  const { payments } = BILLING_ANSWERS.payments.parse(await list.json());
  assert.deepEqual(payments.find((r) => r.checkout_id === ended.checkoutId), payment, "the list's row");
  // Any other payment says null.
  const stopped = await stoppedCharge(t.db.sql, shop, "pr-api-read-not-abandoned");
  assert.equal(
    BILLING_ANSWERS.payment.parse(await (await get(`/api/platform/payments/${stopped}`)).json()).abandoned,
    null,
  );

  const doc = await (await t.app.request("/api/openapi.json")).json();
  const declared = doc.paths["/api/platform/payments/{id}"].get.responses["200"].content["application/json"]
    .schema.properties.abandoned;
  assert.ok(declared, "declared in the OpenAPI document");
  assert.match(JSON.stringify(declared), /"horizon"/);
  assert.match(JSON.stringify(declared), /"reason"/);
});

Deno.test("GET /api/platform/checkout/{id} — a charge ended here carries abandoned as the payment read does; another checkout null", async () => {
  const ended = await abandonedCharge(t.db.sql, shop, "pr-api-checkout-abandoned");
  const res = await get(`/api/platform/checkout/${ended.checkoutId}`);
  assert.equal(res.status, 200);
  const checkout = BILLING_ANSWERS.checkout.parse(await res.json());
  assert.ok(checkout.abandoned);
  assert.deepEqual(
    [checkout.abandoned.provider_id, checkout.abandoned.method, new Date(checkout.abandoned.at).getTime()],
    ["pr-api-checkout-abandoned", "ovo", ended.at.getTime()],
  );
  const payment = BILLING_ANSWERS.payment.parse(
    await (await get(`/api/platform/payments/${ended.checkoutId}`)).json(),
  );
  assert.deepEqual(checkout.abandoned, payment.abandoned, "the payment read's abandoned, field for field");
  // Any other checkout says null.
  const stopped = await stoppedCharge(t.db.sql, shop, "pr-api-checkout-not-abandoned");
  assert.equal(
    BILLING_ANSWERS.checkout.parse(await (await get(`/api/platform/checkout/${stopped}`)).json()).abandoned,
    null,
  );

  const doc = await (await t.app.request("/api/openapi.json")).json();
  const declared = doc.paths["/api/platform/checkout/{id}"].get.responses["200"].content["application/json"]
    .schema.properties.abandoned;
  assert.ok(declared, "declared in the OpenAPI document");
  assert.match(JSON.stringify(declared), /"horizon"/);
});

Deno.test("GET /api/platform/refunds/{id} — the project's client reads one refund as the list shows it", async () => {
  const refundId = await stoppedRefund(t.db.sql, shop, "pr-api-read-refund");
  const path = `/api/platform/refunds/${refundId}`;
  const res = await get(path);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("cache-control"), "no-store");
  const refund = BILLING_ANSWERS.refund.parse(await res.json());
  const listed = (await asApp(t.db.sql, p, (tx) => listRefunds(tx, p))).find((r) => r.refund_id === refundId);
  assert.deepEqual(refund, listed, "the list's row, field for field");
  assert.equal(refund.status, "requested");
  assertStoppedWithCause(refund);

  await refusedOthers(path);
  const theirs = await stoppedRefund(t.db.sql, other, "pr-api-read-refund-other");
  for (const id of [theirs, "rfd_aaaaaaaaaaaaaaaaaaaaaaaa", "rfd_unknown"]) {
    const missing = await get(`/api/platform/refunds/${id}`);
    assert.equal(missing.status, 404, id);
    assert.equal((await missing.json()).error, "not_found", id);
  }
});

Deno.test("OpenAPI — one payment and one refund are declared with the lists' item shape", async () => {
  const doc = await (await t.app.request("/api/openapi.json")).json();
  const pairs = [
    ["/api/platform/payments/{id}", "/api/platform/payments", "payments"],
    ["/api/platform/refunds/{id}", "/api/platform/refunds", "refunds"],
  ] as const;
  for (const [one, list, key] of pairs) {
    const answer = doc.paths[one].get.responses;
    assert.ok(answer["404"], `${one} declares 404`);
    const item =
      doc.paths[list].get.responses["200"].content["application/json"].schema.properties[key].items;
    assert.deepEqual(answer["200"].content["application/json"].schema, item, one);
    assert.ok(item.properties.reconcile_last_error && item.properties.reconcile_resumed_at, one);
  }
});
