/**
 * POST /api/platform/payments/{id}/reconcile and /api/platform/refunds/{id}/reconcile: the project's own client
 * resumes a stopped reconciliation (audited as the API); another project's client, a machine client and no
 * credential change nothing; a payment or refund not stopped, final or unknown is refused with its code.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { listPayments } from "@/db/dashboard_payments.ts";
import { listRefunds, recordRefundAnswer } from "@/db/refunds.ts";
import { testApp } from "../helpers/app.ts";
import { rows } from "../helpers/db.ts";
import { seedMachineClient } from "../helpers/machine_clients.ts";
import { basic } from "../helpers/oauth.ts";
import { seedShop } from "../helpers/payments.ts";
import { OURS, paidCharge, stoppedCharge, stoppedRefund } from "../helpers/stopped_reconciliation.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

const shop = await seedShop(t.db.sql, { email: "api-resume@example.com" });
const other = await seedShop(t.db.sql, { email: "api-resume-other@example.com" });
const p = shop.project.id;
const own = { authorization: basic(shop.project.clientId, shop.project.secret) };
const machine = await seedMachineClient(t.db.sql, p);

const post = (path: string, headers: Record<string, string> = own) =>
  t.app.request(path, { method: "POST", headers });

/** Another project's client (404), a machine client (403) and no credential (401): each changes nothing. */
async function refusedOthers(path: string, unchanged: () => Promise<void>) {
  const callers = [
    [{ authorization: basic(other.project.clientId, other.project.secret) }, 404],
    [{ authorization: basic(machine.clientId, machine.secret) }, 403],
    [{}, 401],
  ] as const;
  for (const [headers, status] of callers) {
    const refused = await post(path, headers);
    assert.equal(refused.status, status, await refused.text());
    await unchanged();
  }
}

/** A resume's answer says when it resumed and keeps what had stopped it: {code, message, at}. */
function assertResumedWithCause(answer: Record<string, unknown>) {
  assert.equal(typeof answer.reconcile_resumed_at, "string");
  const last = answer.reconcile_last_error as Record<string, unknown>;
  assert.deepEqual(Object.keys(last).sort(), ["at", "code", "message"]);
  assert.deepEqual([last.code, last.message], [OURS.code, OURS.message]);
  assert.ok(!Number.isNaN(Date.parse(String(last.at))), "at is a timestamp");
}

async function stoppedOf(checkoutId: string) {
  const row = (await asApp(t.db.sql, p, (tx) => listPayments(tx, p, {})))
    .find((r) => r.checkout_id === checkoutId)!;
  return [row.reconcile_errors, row.reconcile_stopped_at !== null];
}

Deno.test("POST /api/platform/payments/{id}/reconcile — the project's client resumes a stopped payment; others change nothing", async () => {
  const checkoutId = await stoppedCharge(t.db.sql, shop, "pr-api-resume");
  const path = `/api/platform/payments/${checkoutId}/reconcile`;
  await refusedOthers(path, async () => assert.deepEqual(await stoppedOf(checkoutId), [3, true]));

  const res = await post(path);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("cache-control"), "no-store");
  const payment = await res.json();
  assert.deepEqual([
    payment.checkout_id,
    payment.status,
    payment.reconcile_errors,
    payment.reconcile_stopped_at,
  ], [
    checkoutId,
    "pending",
    0,
    null,
  ]);
  assertResumedWithCause(payment);
  const [entry] = rows(
    await asApp(
      t.db.sql,
      p,
      (tx) => tx`select actor, target from astapa.audit_log where action = 'payment.reconcile_resumed'`,
    ),
  );
  assert.deepEqual(entry, { actor: "api", target: `checkout:${checkoutId}` }, "audited as the API");

  const again = await post(path);
  assert.equal(again.status, 409);
  assert.equal((await again.json()).error, "reconciliation_not_stopped");
  const { checkoutId: paid } = await paidCharge(t.db.sql, shop, "pr-api-resume-paid");
  const final = await post(`/api/platform/payments/${paid}/reconcile`);
  assert.deepEqual([final.status, (await final.json()).error], [409, "already_final"]);
  for (const id of ["chk_aaaaaaaaaaaaaaaaaaaaaaaa", "not-a-checkout", "1"]) {
    const missing = await post(`/api/platform/payments/${id}/reconcile`);
    assert.deepEqual([missing.status, (await missing.json()).error], [404, "not_found"], id);
  }
});

Deno.test("POST /api/platform/refunds/{id}/reconcile — the project's client resumes a stopped refund; others change nothing", async () => {
  const refundId = await stoppedRefund(t.db.sql, shop, "pr-api-resume-refund");
  const path = `/api/platform/refunds/${refundId}/reconcile`;
  const refundOf = async () =>
    (await asApp(t.db.sql, p, (tx) => listRefunds(tx, p))).find((r) => r.refund_id === refundId)!;
  await refusedOthers(path, async () => assert.equal((await refundOf()).reconcile_errors, 3));
  const res = await post(path);
  assert.equal(res.status, 200);
  const refund = await res.json();
  assert.deepEqual([refund.refund_id, refund.status, refund.reconcile_errors, refund.reconcile_stopped_at], [
    refundId,
    "requested",
    0,
    null,
  ]);
  assertResumedWithCause(refund);
  const again = await post(path);
  assert.deepEqual([again.status, (await again.json()).error], [409, "reconciliation_not_stopped"]);
  await asApp(t.db.sql, p, (tx) => recordRefundAnswer(tx, p, refundId, { failure: "REFUSED: no" }));
  const final = await post(path);
  assert.deepEqual([final.status, (await final.json()).error], [409, "already_final"]);
  const missing = await post("/api/platform/refunds/rfd_unknown/reconcile");
  assert.deepEqual([missing.status, (await missing.json()).error], [404, "not_found"]);
});

Deno.test("OpenAPI — the payments and refunds answers declare reconcile_resumed_at and reconcile_last_error with its codes", async () => {
  const doc = await (await t.app.request("/api/openapi.json")).json();
  const answers = [
    doc.paths["/api/platform/payments/{id}/reconcile"].post.responses["200"],
    doc.paths["/api/platform/refunds/{id}/reconcile"].post.responses["200"],
  ];
  for (const answer of answers) {
    const properties = answer.content["application/json"].schema.properties;
    assert.ok(properties.reconcile_resumed_at, "reconcile_resumed_at");
    const last = properties.reconcile_last_error;
    const shaped = last.anyOf?.find((s: { type?: string }) => s.type === "object") ?? last;
    assert.deepEqual(Object.keys(shaped.properties).sort(), ["at", "code", "message"]);
    assert.ok(shaped.properties.code.enum.includes("credentials_refused"));
    assert.ok(shaped.properties.code.enum.includes("provider_5xx"));
    assert.match(JSON.stringify(last), /why reconciliation stopped/);
  }
});
