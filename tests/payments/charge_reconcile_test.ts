/**
 * Charge reconciliation that fails on our side (a bug, an answer we cannot read — not Xendit's silence), or that
 * Xendit refuses to answer (a 4xx other than 429, 401 and 403: here a simulator that does not know the charge
 * answers 404), in the offline sandbox: each error is counted and doubles the wait before the charge is asked
 * about again (15, 30, 60 minutes); the third stops it, logged once as an error and shown by the Platform API's
 * payments list. Nothing fails the charge: Xendit's callback still settles it.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { listPayments } from "@/db/dashboard_payments.ts";
import { reconcileProject } from "@/lib/payments/reconcile.ts";
import { sandboxKeys } from "@/lib/payments/sandbox_accounts.ts";
import { basic } from "../helpers/oauth.ts";
import { seedShop } from "../helpers/payments.ts";
import { waitFor } from "../helpers/wait.ts";
import { postJson } from "../helpers/token_client.ts";
import { serveSimulator } from "../helpers/xendit.ts";
import { paymentsTestApp } from "../helpers/payments_app.ts";

const t = await paymentsTestApp({ receiptLinks: true });

/** A shop whose user's QRIS checkout is charged and pending in the offline sandbox. */
async function pendingQris(email: string) {
  const shop = await seedShop(t.db.sql, { email });
  const auth = { authorization: basic(shop.project.clientId, shop.project.secret) };
  const { res, body } = await postJson(t, "/api/platform/checkout", {
    user: shop.userId,
    plan: "pro",
    method: "qris",
  }, auth);
  assert.equal(res.status, 201, JSON.stringify(body));
  const checkoutId: string = body.checkout_id;
  const pr = [...t.deps.xenditSandbox.paymentRequests.values()].find((r) => r.referenceId === checkoutId)!;
  return { p: shop.project.id, auth, checkoutId, pr };
}

/**
 * Passes at these many seconds from the start while every question fails: asked at 0, 1 801 and 5 402 (the
 * wait doubling from 15 to 30 to 60 minutes), stopped after the third.
 */
async function backOffPasses(pass: (seconds: number) => Promise<unknown>) {
  await pass(0);
  await pass(901); // one error: not asked again before 30 minutes
  await pass(1_801);
  await pass(1_801 + 1_801); // two errors: not before an hour
  await pass(1_801 + 3_601);
  await pass(43_200); // stopped: never again (the checkout is open for a day)
  await pass(80_000);
}

Deno.test("charge reconciliation — failing on our side backs off, stops after three errors, is shown and logged once", async () => {
  const { p, auth, checkoutId, pr } = await pendingQris("charge-reconcile-bug@example.com");

  // Something answers 200 with a page where Xendit's JSON should be: every question fails on our side.
  let asked = 0;
  const garbled = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, () => {
    asked++;
    return new Response("<html>maintenance</html>", { headers: { "content-type": "application/json" } });
  });
  const simulatorUrl = t.deps.xenditSandbox.baseUrl;
  const start = Date.now() + 3_600_000;
  const pass = (seconds: number) => reconcileProject(t.deps, p, new Date(start + seconds * 1000), 900);
  try {
    t.deps.xenditSandbox.baseUrl = `http://127.0.0.1:${garbled.addr.port}`;
    await backOffPasses(pass);
  } finally {
    t.deps.xenditSandbox.baseUrl = simulatorUrl;
    await garbled.shutdown();
  }
  assert.equal(asked, 3, "asked three times in all");
  const logged = t.logs.filter((line) =>
    String(line.msg).startsWith("reconcile_") && line.provider_id === pr.id
  );
  assert.deepEqual(logged.map((line) => [line.level, line.msg, line.errors, line.checkout_id]), [
    ["warn", "reconcile_failed", 1, checkoutId],
    ["warn", "reconcile_failed", 2, checkoutId],
    ["error", "reconcile_stopped", 3, checkoutId],
  ]);
  const stopped = logged.at(-1)!.error as { name: string; stack: string[] };
  assert.equal(stopped.name, "SyntaxError");
  assert.ok(stopped.stack.length > 0, "with its stack");

  // The operator sees it over the API (and on the dashboard's payments list, from the same row).
  const listed = await t.app.request("/api/platform/payments", { headers: auth });
  const row = (await listed.json()).payments.find((r: { checkout_id: string }) =>
    r.checkout_id === checkoutId
  );
  assert.deepEqual([row.status, row.reconcile_errors], ["pending", 3]);
  assert.equal(new Date(row.reconcile_stopped_at).getTime(), start + (1_801 + 3_601) * 1000);
  assert.deepEqual(row.reconcile_last_error, {
    code: "unexpected_answer",
    message: "Xendit's answer could not be read (not the JSON expected).",
    at: row.reconcile_stopped_at,
  }, "the stop says why, never quoting the page");

  // Xendit's callback still settles it.
  await t.deps.xenditSandbox.settle(pr.id, "pay");
  const paid = await waitFor(async () => {
    const rows = await asApp(t.db.sql, p, (tx) => listPayments(tx, p, {}));
    return rows.find((r) => r.checkout_id === checkoutId && r.status === "paid");
  }, "the payment callback");
  assert.deepEqual([paid.reconcile_errors, paid.reconcile_stopped_at], [0, null], "nothing pending is stuck");
});

Deno.test("charge reconciliation — Xendit's 4xx to the status question backs off and stops like an error of ours, never fails the charge", async () => {
  const { p, checkoutId, pr } = await pendingQris("charge-reconcile-4xx@example.com");

  // Another simulator with the project's own sandbox key, which never saw the charge: 404 DATA_NOT_FOUND.
  const stranger = serveSimulator(await sandboxKeys(t.deps, p));
  const simulatorUrl = t.deps.xenditSandbox.baseUrl;
  const start = Date.now() + 3_600_000;
  const pass = (seconds: number) => reconcileProject(t.deps, p, new Date(start + seconds * 1000), 900);
  try {
    t.deps.xenditSandbox.baseUrl = stranger.url;
    await backOffPasses(pass);
  } finally {
    t.deps.xenditSandbox.baseUrl = simulatorUrl;
    await stranger.close();
  }
  assert.deepEqual(
    stranger.requests.map((r) => `${r.method} ${r.path}`),
    Array(3).fill(`GET /payment_requests/${pr.id}`),
    "asked three times in all",
  );
  const logged = t.logs.filter((line) =>
    String(line.msg).startsWith("reconcile_") && line.provider_id === pr.id
  );
  assert.deepEqual(logged.map((line) => [line.level, line.msg, line.errors]), [
    ["warn", "reconcile_failed", 1],
    ["warn", "reconcile_failed", 2],
    ["error", "reconcile_stopped", 3],
  ]);
  assert.match(JSON.stringify(logged[0].error), /DATA_NOT_FOUND/);
  const rows = await asApp(t.db.sql, p, (tx) => listPayments(tx, p, {}));
  const row = rows.find((r) => r.checkout_id === checkoutId)!;
  assert.deepEqual([row.status, row.reconcile_errors], ["pending", 3], "pending: a 4xx alone fails nothing");
  assert.equal(new Date(row.reconcile_stopped_at!).getTime(), start + (1_801 + 3_601) * 1000);
  assert.deepEqual(
    [row.reconcile_last_error?.code, row.reconcile_last_error?.message, row.reconcile_last_error?.at],
    ["provider_refused", "Xendit refused the question (404 DATA_NOT_FOUND).", row.reconcile_stopped_at],
    "the stop says why",
  );

  // It may still be paid: the callback settles it.
  await t.deps.xenditSandbox.settle(pr.id, "pay");
  await waitFor(async () => {
    const rows = await asApp(t.db.sql, p, (tx) => listPayments(tx, p, {}));
    return rows.find((r) => r.checkout_id === checkoutId && r.status === "paid");
  }, "the payment callback");
});
