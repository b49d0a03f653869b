/**
 * Charge reconciliation that fails on our side (a bug, an answer we cannot read — not Xendit's silence) in the
 * offline sandbox: each error is counted and doubles the wait before the charge is asked about again (15, 30,
 * 60 minutes); the third stops it, logged once as an error and shown by the Platform API's payments list.
 * Xendit's callback still settles the charge.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { listPayments } from "@/db/dashboard_payments.ts";
import { reconcileProject } from "@/lib/payments/reconcile.ts";
import { PaymentEventWorker } from "@/lib/payments/worker.ts";
import { testApp } from "../helpers/app.ts";
import { basic } from "../helpers/oauth.ts";
import { seedShop, waitFor } from "../helpers/payments.ts";
import { postJson } from "../helpers/token_client.ts";

const t = await testApp({ listen: true });
const worker = new PaymentEventWorker(t.db.sql, { receiptBaseUrl: t.origin });
await worker.start();
Deno.test.afterAll(async () => {
  await worker.stop();
  await t.close();
});

Deno.test("charge reconciliation — failing on our side backs off, stops after three errors, is shown and logged once", async () => {
  const shop = await seedShop(t.db.sql, { email: "charge-reconcile-bug@example.com" });
  const p = shop.project.id;
  const auth = { authorization: basic(shop.project.clientId, shop.project.secret) };
  const { res, body } = await postJson(t, "/api/platform/checkout", {
    user: shop.userId,
    plan: "pro",
    method: "qris",
  }, auth);
  assert.equal(res.status, 201, JSON.stringify(body));
  const checkoutId: string = body.checkout_id;
  const pr = [...t.deps.xenditSandbox.paymentRequests.values()].find((r) => r.referenceId === checkoutId)!;

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
    await pass(0);
    await pass(901); // one error: not asked again before 30 minutes
    await pass(1_801);
    await pass(1_801 + 1_801); // two errors: not before an hour
    await pass(1_801 + 3_601);
    await pass(43_200); // stopped: never again (the checkout is open for a day)
    await pass(80_000);
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

  // Xendit's callback still settles it.
  await t.deps.xenditSandbox.settle(pr.id, "pay");
  const paid = await waitFor(async () => {
    const rows = await asApp(t.db.sql, p, (tx) => listPayments(tx, p, {}));
    return rows.find((r) => r.checkout_id === checkoutId && r.status === "paid");
  }, "the payment callback");
  assert.deepEqual([paid.reconcile_errors, paid.reconcile_stopped_at], [0, null], "nothing pending is stuck");
});
