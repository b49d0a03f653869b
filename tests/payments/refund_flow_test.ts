/**
 * Refunds end to end in the offline sandbox: the Platform API asks the simulator's Refund API through the
 * unmodified xendit-node client, the simulator's refund callback reaches the webhook, the worker applies it
 * (plan effect, payment.refunded, the receipt's refunded line), and the ledger still adds up; a refund that fails
 * reaches the app as payment.refund_failed, once; a refused API key (401) keeps the refund reserved and, in
 * reconciliation, is not counted against it.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { currentSubscription } from "@/db/plans.ts";
import { listReceipts } from "@/db/receipts.ts";
import { listRefunds } from "@/db/refunds.ts";
import { basic } from "../helpers/oauth.ts";
import { seedShop, type Shop } from "../helpers/payments.ts";
import { waitFor } from "../helpers/wait.ts";
import { postJson } from "../helpers/token_client.ts";
import { Webhook } from "standardwebhooks";
import { deriveMasterKeys } from "@/lib/tokens/master_key.ts";
import { WebhookWorker } from "@/lib/webhooks/worker.ts";
import { TEST_MASTER_KEY } from "../helpers/app.ts";
import { setEndpoint, startReceiver } from "../helpers/webhooks.ts";
import { paymentsTestApp } from "../helpers/payments_app.ts";

const t = await paymentsTestApp({ receiptLinks: true });

const as = <T>(projectId: string, work: Parameters<typeof asApp<T>>[2]) => asApp(t.db.sql, projectId, work);
const auth = (shop: Shop) => ({ authorization: basic(shop.project.clientId, shop.project.secret) });

async function paid(shop: Shop, extra: Record<string, string> = { method: "qris" }) {
  const { res, body } = await postJson(t, "/api/platform/checkout", {
    user: shop.userId,
    plan: "pro",
    ...extra,
  }, auth(shop));
  assert.equal(res.status, 201, JSON.stringify(body));
  const pr = [...t.deps.xenditSandbox.paymentRequests.values()].find((p) =>
    p.referenceId === body.checkout_id
  )!;
  await t.deps.xenditSandbox.settle(pr.id, "pay");
  return await waitFor(async () => {
    const receipts = await as(shop.project.id, (tx) => listReceipts(tx, shop.project.id));
    return receipts.find((r) => r.checkout_id === body.checkout_id);
  }, "the receipt");
}

/** POSTs a refund (numbers stay numbers in the JSON body). */
async function refund(shop: Shop, body: Record<string, unknown>) {
  const res = await t.app.request("/api/platform/refunds", {
    method: "POST",
    headers: { "content-type": "application/json", ...auth(shop) },
    body: JSON.stringify(body),
  });
  return { res, body: await res.json() };
}

/** A refund Xendit accepts and leaves pending (its callback held back): the refund's POST answer. */
async function heldRefund(shop: Shop, body: Record<string, unknown>) {
  t.deps.xenditSandbox.refundOutcome = "hold";
  try {
    return await refund(shop, body);
  } finally {
    t.deps.xenditSandbox.refundOutcome = "succeed";
  }
}

/** Refunds the whole payment of a checkout in Xendit itself (as its dashboard would), behind Astapa's back. */
async function refundAllAtXendit(shop: Shop, checkoutId: string, idempotencyKey: string) {
  const { xenditAccount } = await import("@/lib/payments/accounts.ts");
  const { xenditClient } = await import("@/lib/payments/xendit.ts");
  const pr = [...t.deps.xenditSandbox.paymentRequests.values()].find((r) => r.referenceId === checkoutId)!;
  const account = (await xenditAccount(t.deps, shop.project.id, "sandbox", "simulator"))!;
  t.deps.xenditSandbox.refundOutcome = "hold";
  try {
    await (await xenditClient(account.connection)).Refund.createRefund({
      idempotencyKey,
      data: { paymentRequestId: pr.id, reason: "OTHERS", currency: "IDR" },
    });
  } finally {
    t.deps.xenditSandbox.refundOutcome = "succeed";
  }
}

async function settledRefund(shop: Shop, refundId: string) {
  return await waitFor(async () => {
    const refunds = await as(shop.project.id, (tx) => listRefunds(tx, shop.project.id));
    const found = refunds.find((r) => r.refund_id === refundId);
    return found && found.status !== "pending" && found.status !== "requested" ? found : undefined;
  }, "the refund callback");
}

Deno.test("refunds — partial then full through the simulator's Refund API; end_now; the ledger adds up", async () => {
  const shop = await seedShop(t.db.sql, { email: "refund@example.com" });
  const p = shop.project.id;
  const receipt = await paid(shop);
  const part = await refund(shop, { receipt: receipt.number, amount: 30_000, plan_effect: "none" });
  assert.equal(part.res.status, 201, JSON.stringify(part.body));
  assert.match(part.body.provider_id, /^rfd-/);
  assert.equal((await settledRefund(shop, part.body.refund_id)).status, "succeeded");
  assert.equal((await as(p, (tx) => currentSubscription(tx, p, shop.userId))).plan, "pro", "none: plan kept");
  const over = await refund(shop, { receipt: receipt.receipt_id, amount: 70_000, plan_effect: "end_now" });
  assert.equal(over.res.status, 409);
  assert.match(over.body.error_description, /Only IDR 69000/);
  const rest = await refund(shop, {
    receipt: receipt.receipt_id,
    plan_effect: "end_now",
    reason: "CANCELLATION",
  });
  assert.equal(rest.res.status, 201, JSON.stringify(rest.body));
  assert.equal(rest.body.amount, 69_000);
  assert.equal((await settledRefund(shop, rest.body.refund_id)).status, "succeeded");
  await waitFor(
    async () => (await as(p, (tx) => currentSubscription(tx, p, shop.userId))).plan === "free",
    "end_now to apply",
  );
  const events = await as(
    p,
    (tx) => tx`select data from astapa.events where type = 'payment.refunded' order by id`,
  );
  assert.deepEqual(events.map((e) => e.data.refunded_total), [30_000, 99_000]);
  // The ledger: payments − refunds = what the receipts say they kept.
  const [ledger] = await as(
    p,
    (tx) =>
      tx`select (select sum(amount) from astapa.payments where status = 'paid')::bigint as paid,
              (select sum(amount) from astapa.refunds where status = 'succeeded')::bigint as refunded`,
  );
  const receipts = await as(p, (tx) => listReceipts(tx, p));
  const kept = receipts.reduce((sum, r) => sum + r.amount - r.refunded_idr, 0);
  assert.equal(Number(ledger.paid) - Number(ledger.refunded), kept);
  assert.equal(kept, 0);
  const page = await (await t.app.request(`/billing/receipts/${receipt.receipt_id}`)).text();
  assert.ok(page.includes("Refunded") && page.includes("-IDR 99.000"));
  const listed = await t.app.request(`/api/platform/refunds?receipt=${receipt.number}`, {
    headers: auth(shop),
  });
  assert.equal((await listed.json()).refunds.length, 2);
});

Deno.test("refunds — a virtual account is refused with the reason; bad input; duplicate callbacks change nothing", async () => {
  const shop = await seedShop(t.db.sql, { email: "va-refund@example.com" });
  const va = await paid(shop, { method: "bank_transfer", bank: "BNI" });
  const refused = await refund(shop, { receipt: va.receipt_id, plan_effect: "none" });
  assert.equal(refused.res.status, 409);
  assert.match(refused.body.error_description, /Virtual account payments cannot be refunded/);
  const bad = await refund(shop, { receipt: "nope", plan_effect: "soon" });
  assert.equal(bad.res.status, 400);
  assert.ok(bad.body.fields.receipt && bad.body.fields.plan_effect);
  assert.equal(
    (await refund(shop, { receipt: "rcp_aaaaaaaaaaaaaaaaaaaaaaaa", plan_effect: "none" })).res.status,
    404,
  );

  // A held refund gets its callback twice; it is applied once.
  const qris = await paid(shop);
  t.deps.xenditSandbox.refundOutcome = "hold";
  try {
    const held = await refund(shop, { receipt: qris.receipt_id, plan_effect: "keep_to_period_end" });
    assert.equal(held.res.status, 201);
    assert.equal(held.body.status, "pending");
    const { settleRefund } = await import("@/lib/payments/xendit_simulator/refunds.ts");
    settleRefund(t.deps.xenditSandbox, held.body.provider_id, "succeed", { times: 2 });
    await t.deps.xenditSandbox.webhooks.idle();
    assert.equal((await settledRefund(shop, held.body.refund_id)).status, "succeeded");
    const p = shop.project.id;
    const outcomes = await waitFor(async () => {
      const rows = await as(
        p,
        (tx) =>
          tx`select outcome from astapa.payment_events where body->>'event' like 'refund.%' order by id`,
      );
      return rows.length === 1 && rows[0].outcome ? rows.map((r) => r.outcome) : undefined;
    }, "the refund event");
    assert.deepEqual(outcomes, ["refunded"], "the duplicate delivery stored nothing");
    const state = await as(p, (tx) => currentSubscription(tx, p, shop.userId));
    assert.equal(state.subscription?.status, "canceled");
  } finally {
    t.deps.xenditSandbox.refundOutcome = "succeed";
  }
});

Deno.test("refunds — a lost callback and an unanswered request are settled by the billing pass's re-poll", async () => {
  const { reconcileProject } = await import("@/lib/payments/reconcile.ts");
  const { requestRefund } = await import("@/db/refunds.ts");
  const { settleRefund } = await import("@/lib/payments/xendit_simulator/refunds.ts");
  const shop = await seedShop(t.db.sql, { email: "lost-callback@example.com" });
  const p = shop.project.id;
  const receipt = await paid(shop);
  const refundOf = async (id: string) =>
    (await as(p, (tx) => listRefunds(tx, p))).find((r) => r.refund_id === id)!;

  // Xendit accepted it and settled it, but its callback never arrived.
  t.deps.xenditSandbox.refundOutcome = "hold";
  let held;
  try {
    held = await refund(shop, { receipt: receipt.number, amount: 20_000, plan_effect: "none" });
    assert.equal(held.body.status, "pending");
    settleRefund(t.deps.xenditSandbox, held.body.provider_id, "succeed", { times: 0 });
  } finally {
    t.deps.xenditSandbox.refundOutcome = "succeed";
  }
  const soon = await reconcileProject(t.deps, p, new Date(), 900);
  assert.equal(soon.recorded, 0, "too young to ask about");
  assert.equal((await refundOf(held.body.refund_id)).status, "pending");
  const later = new Date(Date.now() + 3_600_000);
  assert.equal((await reconcileProject(t.deps, p, later, 900)).recorded, 1);
  assert.equal((await settledRefund(shop, held.body.refund_id)).status, "succeeded");
  assert.equal((await reconcileProject(t.deps, p, later, 900)).recorded, 0, "asked once per period");

  // Reserved, but Xendit never answered (no provider id): the same request again, under the same key.
  const unanswered = await as(
    p,
    (tx) =>
      requestRefund(tx, p, {
        receipt: receipt.number,
        amount: 10_000,
        plan_effect: "none",
        requested_by: "test",
      }),
  );
  assert.equal(unanswered.status, "requested");
  await reconcileProject(t.deps, p, later, 900);
  const settled = await settledRefund(shop, unanswered.refund_id);
  assert.equal(settled.status, "succeeded");
  assert.match(settled.provider_id ?? "", /^rfd-/);
  const simulated = [...t.deps.xenditSandbox.refunds.values()].filter((r) =>
    r.referenceId === unanswered.refund_id
  );
  assert.equal(simulated.length, 1, "one refund at Xendit");
  const [ledger] = await as(
    p,
    (tx) =>
      tx`select coalesce(sum(amount), 0)::int as refunded from astapa.refunds where status = 'succeeded'`,
  );
  assert.equal(ledger.refunded, 30_000);
  const outcomes = await as(
    p,
    (tx) => tx`select outcome from astapa.payment_events where body->>'event' like 'refund.%' order by id`,
  );
  assert.equal(outcomes.filter((r) => r.outcome === "refunded").length, 2, "each refund applied once");
});

Deno.test("refunds — a reconciliation that keeps failing on our side backs off, stops after three errors, is shown and logged once", async () => {
  const { reconcileProject } = await import("@/lib/payments/reconcile.ts");
  const { settleRefund } = await import("@/lib/payments/xendit_simulator/refunds.ts");
  const shop = await seedShop(t.db.sql, { email: "reconcile-bug@example.com" });
  const p = shop.project.id;
  const receipt = await paid(shop);
  const held = await heldRefund(shop, { receipt: receipt.number, amount: 15_000, plan_effect: "none" });
  assert.equal(held.body.status, "pending", JSON.stringify(held.body));
  // Something answers 200 with a page where Xendit's JSON should be: every question fails on our side.
  let asked = 0;
  const garbled = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, () => {
    asked++;
    return new Response("<html>maintenance</html>", { headers: { "content-type": "application/json" } });
  });
  const simulatorUrl = t.deps.xenditSandbox.baseUrl;
  const lines = () =>
    t.logs.filter((line) =>
      String(line.msg).startsWith("refund_reconcile") && line.refund_id === held.body.refund_id
    );
  const start = Date.now() + 3_600_000;
  const pass = (seconds: number) => reconcileProject(t.deps, p, new Date(start + seconds * 1000), 900);
  try {
    t.deps.xenditSandbox.baseUrl = `http://127.0.0.1:${garbled.addr.port}`;
    await pass(0);
    await pass(901); // one error: not asked again before 30 minutes
    await pass(1_801);
    await pass(1_801 + 1_801); // two errors: not before an hour
    await pass(1_801 + 3_601);
    await pass(86_400); // stopped: never again
    await pass(86_400 * 7);
  } finally {
    t.deps.xenditSandbox.baseUrl = simulatorUrl;
    await garbled.shutdown();
  }
  assert.equal(asked, 3, "asked three times in all");
  const logged = lines();
  assert.deepEqual(logged.map((line) => [line.level, line.msg, line.errors]), [
    ["warn", "refund_reconcile_failed", 1],
    ["warn", "refund_reconcile_failed", 2],
    ["error", "refund_reconcile_stopped", 3],
  ]);
  const stopped = logged.at(-1)!.error as { name: string; stack: string[] };
  assert.equal(stopped.name, "SyntaxError");
  assert.ok(stopped.stack.length > 0, "with its stack");

  // The operator sees it over the API (and on the dashboard's refunds list, from the same refund_json).
  const listed = await t.app.request(`/api/platform/refunds?receipt=${receipt.number}`, {
    headers: auth(shop),
  });
  const found = (await listed.json()).refunds.find((r: { refund_id: string }) =>
    r.refund_id === held.body.refund_id
  );
  assert.equal(found.status, "pending");
  assert.equal(found.reconcile_errors, 3);
  assert.equal(new Date(found.reconcile_stopped_at).getTime(), start + (1_801 + 3_601) * 1000);

  // Xendit's callback still settles it.
  settleRefund(t.deps.xenditSandbox, held.body.provider_id, "succeed");
  assert.equal((await settledRefund(shop, held.body.refund_id)).status, "succeeded");
});

Deno.test("refunds — a request asked again that Xendit refuses fails the refund with the refusal and frees its amount", async () => {
  const { reconcileProject } = await import("@/lib/payments/reconcile.ts");
  const { requestRefund } = await import("@/db/refunds.ts");
  const shop = await seedShop(t.db.sql, { email: "refused-on-replay@example.com" });
  const p = shop.project.id;
  const receipt = await paid(shop);
  const refundOf = async (id: string) =>
    (await as(p, (tx) => listRefunds(tx, p))).find((r) => r.refund_id === id)!;
  // Reserved, but Xendit never answered; meanwhile the whole payment was refunded at Xendit (its dashboard).
  const unanswered = await as(
    p,
    (tx) => requestRefund(tx, p, { receipt: receipt.number, amount: 10_000, plan_effect: "none" }),
  );
  await refundAllAtXendit(shop, receipt.checkout_id, `dashboard-${unanswered.refund_id}`);

  const later = new Date(Date.now() + 3_600_000);
  await reconcileProject(t.deps, p, later, 900);
  const failed = await refundOf(unanswered.refund_id);
  assert.deepEqual([failed.status, failed.failure_code, failed.reconcile_errors], [
    "failed",
    "MAXIMUM_REFUND_AMOUNT_REACHED: Refund amount exceeds the refundable amount",
    0,
  ]);
  const logged = t.logs.filter((line) => line.refund_id === unanswered.refund_id);
  assert.deepEqual(logged.map((line) => [line.level, line.msg, line.failure_code]), [
    ["warn", "refund_refused", failed.failure_code],
  ]);
  // Apps are told, once.
  const told = await as(
    p,
    (tx) => tx`select data from astapa.events where type = 'payment.refund_failed'`,
  );
  assert.deepEqual(told.map((e) => [e.data.refund_id, e.data.failure_code]), [
    [unanswered.refund_id, failed.failure_code],
  ]);
  // Its amount is free again: the whole payment may be asked for once more.
  const again = await as(
    p,
    (tx) => requestRefund(tx, p, { receipt: receipt.number, plan_effect: "none" }),
  );
  assert.equal(again.amount, receipt.amount);
  // Final: not asked about again.
  await reconcileProject(t.deps, p, new Date(later.getTime() + 86_400_000), 900);
  assert.equal((await refundOf(unanswered.refund_id)).status, "failed");
  assert.equal(t.logs.filter((line) => line.refund_id === unanswered.refund_id).length, 1);
});

Deno.test("refunds — a refund Xendit accepted that it will not tell us about is counted with the back-off, not failed", async () => {
  const { reconcileProject } = await import("@/lib/payments/reconcile.ts");
  const shop = await seedShop(t.db.sql, { email: "refund-not-found@example.com" });
  const p = shop.project.id;
  const receipt = await paid(shop);
  const held = await heldRefund(shop, { receipt: receipt.number, amount: 12_000, plan_effect: "none" });
  assert.equal(held.body.status, "pending", JSON.stringify(held.body));
  // Xendit answers GET /refunds/{id} with 404: not a refusal of the refund it made, whose amount stays reserved.
  const kept = t.deps.xenditSandbox.refunds.get(held.body.provider_id)!;
  t.deps.xenditSandbox.refunds.delete(held.body.provider_id);
  try {
    await reconcileProject(t.deps, p, new Date(Date.now() + 3_600_000), 900);
  } finally {
    t.deps.xenditSandbox.refunds.set(kept.id, kept);
  }
  const found = (await as(p, (tx) => listRefunds(tx, p))).find((r) => r.refund_id === held.body.refund_id)!;
  assert.deepEqual([found.status, found.reconcile_errors, found.reconcile_stopped_at], ["pending", 1, null]);
  const logged = t.logs.filter((line) => line.refund_id === held.body.refund_id);
  assert.deepEqual(logged.map((line) => [line.level, line.msg, line.errors]), [
    ["warn", "refund_reconcile_failed", 1],
  ]);
});

Deno.test("refunds — a failed refund reaches the app's webhook once, signed, as payment.refund_failed; a success sends none", async () => {
  const { settleRefund } = await import("@/lib/payments/xendit_simulator/refunds.ts");
  const shop = await seedShop(t.db.sql, { email: "refund-failed-hook@example.com" });
  const p = shop.project.id;
  const app = startReceiver();
  const { sealing } = await deriveMasterKeys(TEST_MASTER_KEY);
  const secret = await setEndpoint(t.db.sql, sealing, p, app.url, ["payment.refund_failed"]);
  const hooks = new WebhookWorker({ sql: t.db.sql, sealing, backoffSeconds: () => 0, maxAttempts: 3 });
  await hooks.start();
  try {
    // A refund that succeeds: no payment.refund_failed.
    const receipt = await paid(shop);
    const ok = await refund(shop, { receipt: receipt.number, amount: 20_000, plan_effect: "none" });
    assert.equal(ok.res.status, 201, JSON.stringify(ok.body));
    assert.equal((await settledRefund(shop, ok.body.refund_id)).status, "succeeded");

    // Xendit's refund callback says FAILED.
    const held = await heldRefund(shop, { receipt: receipt.number, amount: 30_000, plan_effect: "end_now" });
    assert.equal(held.res.status, 201, JSON.stringify(held.body));
    settleRefund(t.deps.xenditSandbox, held.body.provider_id, "fail");
    const failed = await settledRefund(shop, held.body.refund_id);
    assert.equal(failed.status, "failed");
    await app.waitFor(1);

    // Xendit refuses at request time: the rest of the payment was refunded in Xendit's own dashboard.
    await refundAllAtXendit(shop, receipt.checkout_id, `dashboard-${receipt.receipt_id}`);
    const refused = await refund(shop, { receipt: receipt.number, amount: 5_000, plan_effect: "none" });
    assert.equal(refused.res.status, 409, JSON.stringify(refused.body));
    const refusedRefund = (await as(p, (tx) => listRefunds(tx, p))).find((r) => r.amount === 5_000)!;
    assert.equal(refusedRefund.status, "failed");
    await app.waitFor(2);

    const deliveries = await as(
      p,
      (tx) => tx`select count(*)::int as n from astapa.webhook_deliveries`,
    );
    assert.equal(deliveries[0].n, 2, "one delivery per failed refund, none for the success");
    const events = await as(
      p,
      (tx) =>
        tx`select data->>'refund_id' as refund_id from astapa.events
                 where type = 'payment.refund_failed' order by id`,
    );
    assert.deepEqual(events.map((e) => e.refund_id), [held.body.refund_id, refusedRefund.refund_id]);

    const [first, second] = app.received.map((request) =>
      new Webhook(secret).verify(request.body, Object.fromEntries(request.headers)) as {
        type: string;
        project_id: string;
        data: Record<string, unknown>;
      }
    );
    assert.deepEqual([first.type, first.project_id], ["payment.refund_failed", p]);
    assert.deepEqual(first.data, {
      refund_id: held.body.refund_id,
      checkout_id: receipt.checkout_id,
      sub: String(shop.userId),
      plan: "pro",
      method: "qris",
      amount: 30_000,
      refunded_total: 20_000,
      payment_amount: receipt.amount,
      plan_effect: "end_now",
      receipt_number: receipt.number,
      failure_code: failed.failure_code,
    });
    assert.ok(failed.failure_code, "the callback's failure_code");
    assert.equal(second.type, "payment.refund_failed");
    assert.equal(second.data.refund_id, refusedRefund.refund_id);
    assert.equal(second.data.failure_code, refusedRefund.failure_code);
    assert.match(String(second.data.failure_code), /^MAXIMUM_REFUND_AMOUNT_REACHED: /);
    assert.equal(
      (await as(p, (tx) => currentSubscription(tx, p, shop.userId))).plan,
      "pro",
      "a failed refund applies no plan effect",
    );
  } finally {
    await hooks.stop();
    await app.close();
  }
});

/** A local stand-in for Xendit that refuses every request's API key, as Xendit does a rotated one. */
function keyRefused() {
  let asked = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, () => {
    asked++;
    return Response.json({
      error_code: "INVALID_API_KEY",
      message: "API key is not authorized for this API service",
    }, { status: 401 });
  });
  return { url: `http://127.0.0.1:${server.addr.port}`, asked: () => asked, close: () => server.shutdown() };
}

Deno.test("refunds — Xendit refusing our API key (401) at request time is no refusal of the refund: it stays reserved and is asked again", async () => {
  const { reconcileProject } = await import("@/lib/payments/reconcile.ts");
  const shop = await seedShop(t.db.sql, { email: "refund-key-refused@example.com" });
  const p = shop.project.id;
  const receipt = await paid(shop);
  const fake = keyRefused();
  const simulatorUrl = t.deps.xenditSandbox.baseUrl;
  let answer;
  try {
    t.deps.xenditSandbox.baseUrl = fake.url;
    answer = await refund(shop, { receipt: receipt.number, amount: 25_000, plan_effect: "none" });
  } finally {
    t.deps.xenditSandbox.baseUrl = simulatorUrl;
    await fake.close();
  }
  assert.equal(answer.res.status, 502, JSON.stringify(answer.body));
  assert.equal(answer.body.error, "payment_provider_error");
  assert.equal(
    answer.body.error_description,
    "The payment provider refused this project's Xendit credentials (API key). The amount stays reserved, " +
      "and the refund is asked for again in about 15 minutes; fix the project's Xendit keys.",
  );
  const [kept] = await as(p, (tx) => listRefunds(tx, p));
  assert.deepEqual([kept.status, kept.amount, kept.failure_code], ["requested", 25_000, null]);
  const logged = t.logs.filter((line) => line.refund_id === kept.refund_id);
  assert.deepEqual(logged.map((line) => [line.level, line.msg, line.status]), [
    ["error", "xendit_refund_credentials_refused", 401],
  ]);
  // Reserved: only what is left may be asked for.
  const over = await refund(shop, { receipt: receipt.number, amount: 80_000, plan_effect: "none" });
  assert.equal(over.res.status, 409);
  assert.match(over.body.error_description, /Only IDR 74000/);
  const none = await as(
    p,
    (tx) => tx`select count(*)::int as n from astapa.events where type = 'payment.refund_failed'`,
  );
  assert.equal(none[0].n, 0);

  // The key fixed, the billing pass asks again (same idempotency key) and Xendit makes the refund.
  await reconcileProject(t.deps, p, new Date(Date.now() + 3_600_000), 900);
  assert.equal((await settledRefund(shop, kept.refund_id)).status, "succeeded");
});

// An intended change: a refused key used to be counted against the refund (three passes stopped every pending
// refund); now it is read as charges' reconciliation reads it — the operator's to fix, not the refund's.
Deno.test("refunds — Xendit refusing our API key (401) in reconciliation is logged as an error and opens the breaker, never counted nor failed; the fixed key settles them", async () => {
  const { reconcileProject } = await import("@/lib/payments/reconcile.ts");
  const { requestRefund } = await import("@/db/refunds.ts");
  const { XenditBreaker } = await import("@/lib/payments/xendit_breaker.ts");
  const shop = await seedShop(t.db.sql, { email: "reconcile-key-refused@example.com" });
  const p = shop.project.id;
  const receipt = await paid(shop);
  // Two reserved refunds of one account, never answered: the billing pass sends each request again.
  const [first, second] = [
    await as(
      p,
      (tx) => requestRefund(tx, p, { receipt: receipt.number, amount: 10_000, plan_effect: "none" }),
    ),
    await as(
      p,
      (tx) => requestRefund(tx, p, { receipt: receipt.number, amount: 5_000, plan_effect: "none" }),
    ),
  ];
  const refundsNow = async () => {
    const listed = await as(p, (tx) => listRefunds(tx, p));
    return [first, second].map(({ refund_id }) => listed.find((r) => r.refund_id === refund_id)!)
      .map((r) => [r.refund_id, r.status, r.reconcile_errors, r.reconcile_stopped_at, r.failure_code]);
  };
  const fake = keyRefused();
  const simulatorUrl = t.deps.xenditSandbox.baseUrl;
  const start = Date.now() + 3_600_000;
  const breakers: InstanceType<typeof XenditBreaker>[] = [];
  const pass = (seconds: number) => {
    const breaker = new XenditBreaker();
    breakers.push(breaker);
    return reconcileProject(t.deps, p, new Date(start + seconds * 1000), 900, breaker);
  };
  try {
    t.deps.xenditSandbox.baseUrl = fake.url;
    // Three passes, each 15 minutes on: a counted error would have waited 30 minutes and stopped at the third.
    await pass(0);
    await pass(901);
    await pass(1_802);
  } finally {
    t.deps.xenditSandbox.baseUrl = simulatorUrl;
    await fake.close();
  }
  assert.equal(fake.asked(), 3, "one question a pass: the first refund's");
  assert.deepEqual(breakers.map((b) => b.skipped), [1, 1, 1], "the breaker held back the second refund");
  assert.deepEqual(await refundsNow(), [
    [first.refund_id, "requested", 0, null, null],
    [second.refund_id, "requested", 0, null, null],
  ]);
  const logged = t.logs.filter((line) =>
    line.refund_id === first.refund_id || line.refund_id === second.refund_id
  );
  assert.deepEqual(
    logged.map((line) => [line.level, line.msg, line.refund_id, line.status, line.failure_code, line.error]),
    Array(3).fill([
      "error",
      "xendit_refund_credentials_refused",
      first.refund_id,
      401,
      "INVALID_API_KEY",
      undefined,
    ]),
  );
  assert.deepEqual(
    t.logs.filter((line) => line.msg === "xendit_breaker_open" && line.project_id === p).map((line) => [
      line.call,
      line.reason,
    ]),
    Array(3).fill(["reconcile refund", "credentials_refused"]),
  );
  const none = await as(
    p,
    (tx) => tx`select count(*)::int as n from astapa.events where type = 'payment.refund_failed'`,
  );
  assert.equal(none[0].n, 0, "no refund failed");

  // The key fixed: the next pass (15 minutes on, no back-off) makes both refunds, each once.
  await pass(2_703);
  assert.equal((await settledRefund(shop, first.refund_id)).status, "succeeded");
  assert.equal((await settledRefund(shop, second.refund_id)).status, "succeeded");
  assert.equal(breakers.at(-1)!.skipped, 0);
  const made = [...t.deps.xenditSandbox.refunds.values()].filter((r) =>
    r.referenceId === first.refund_id || r.referenceId === second.refund_id
  );
  assert.equal(made.length, 2, "one refund at Xendit each");
});
