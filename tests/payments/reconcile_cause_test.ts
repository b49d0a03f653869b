/**
 * Why reconciliation failed, kept by the billing pass: a stand-in for Xendit answers the status questions about a
 * pending charge and a pending refund with 503 (SERVER_ERROR), then 401 (INVALID_API_KEY, as for a rotated key),
 * through the unmodified xendit-node client. Each is recorded as the row's last error — provider_5xx, then
 * credentials_refused, with a sentence of ours and the pass's time — without counting towards the stop, and the
 * Platform API's payments and refunds lists show it as reconcile_last_error {code, message, at}; never the key
 * or Xendit's body.
 */
import assert from "node:assert/strict";
import { reconcileProject } from "@/lib/payments/reconcile.ts";
import { paymentsTestApp } from "../helpers/payments_app.ts";
import { basic } from "../helpers/oauth.ts";
import { seedShop, type Shop } from "../helpers/payments.ts";
import { waitFor } from "../helpers/wait.ts";
import { postJson } from "../helpers/token_client.ts";

const t = await paymentsTestApp({ receiptLinks: true });

/** Xendit's error answers the stand-in gives, by status. */
const ANSWERS = {
  503: { error_code: "SERVER_ERROR", message: "Try again later. secret-body-text" },
  401: { error_code: "INVALID_API_KEY", message: "API key is not authorized for this API service" },
} as const;

/** A local Xendit that answers every request with `status` (set by the test) and counts what it was asked. */
const asked: string[] = [];
let status: keyof typeof ANSWERS = 503;
const standIn = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => {
  asked.push(`${request.method} ${new URL(request.url).pathname}`);
  return Response.json(ANSWERS[status], { status });
});
Deno.test.afterAll(async () => {
  await standIn.shutdown();
});

const auth = (shop: Shop) => ({ authorization: basic(shop.project.clientId, shop.project.secret) });

/** One billing pass at `when` with the stand-in answering `answer`; the questions it asked. */
async function passWith(shop: Shop, answer: keyof typeof ANSWERS, when: Date): Promise<string[]> {
  const simulatorUrl = t.deps.xenditSandbox.baseUrl;
  const from = asked.length;
  status = answer;
  try {
    t.deps.xenditSandbox.baseUrl = `http://127.0.0.1:${standIn.addr.port}`;
    await reconcileProject(t.deps, shop.project.id, when, 900);
  } finally {
    t.deps.xenditSandbox.baseUrl = simulatorUrl;
  }
  return asked.slice(from);
}

/** The row the Platform API lists (`/api/platform/payments` or `/refunds`) under `key` = `id`. */
async function listed(shop: Shop, path: string, key: string, id: string) {
  const res = await t.app.request(path, { headers: auth(shop) });
  assert.equal(res.status, 200);
  const body = await res.json();
  const all: Record<string, unknown>[] = body.payments ?? body.refunds;
  return all.find((row) => row[key] === id)!;
}

/** The reconciliation fields of a listed row, with its last error's time as epoch milliseconds. */
function reconciliation(row: Record<string, unknown>) {
  const last = row.reconcile_last_error as { code: string; message: string; at: string } | null;
  return {
    errors: row.reconcile_errors,
    stopped_at: row.reconcile_stopped_at,
    last_error: last && { code: last.code, message: last.message, at: new Date(last.at).getTime() },
  };
}

/** The shop's user's QRIS checkout, charged and pending in the offline sandbox: its answer and charge. */
async function pendingQris(shop: Shop) {
  const { res, body } = await postJson(t, "/api/platform/checkout", {
    user: shop.userId,
    plan: "pro",
    method: "qris",
  }, auth(shop));
  assert.equal(res.status, 201, JSON.stringify(body));
  const pr = [...t.deps.xenditSandbox.paymentRequests.values()].find((r) =>
    r.referenceId === body.checkout_id
  )!;
  return { body, pr };
}

/**
 * Two passes, the stand-in answering 503 then (15 minutes on: not counted, so no longer wait) 401: each asks
 * `question` once, and the row the Platform API lists at `path` keeps provider_5xx, then credentials_refused,
 * with the pass's time, uncounted — and never the key or Xendit's body. Answers the row.
 */
async function failTwice(shop: Shop, question: string, path: string, row: Record<string, string>) {
  const [[key, id]] = Object.entries(row);
  const first = new Date(Date.now() + 3_600_000);
  const second = new Date(first.getTime() + 901_000);
  const expected = [
    [503, first, "provider_5xx", "Xendit answered with a server error (503 SERVER_ERROR)."],
    [
      401,
      second,
      "credentials_refused",
      "Xendit refused the project's API key (401 INVALID_API_KEY): fix the Xendit keys.",
    ],
  ] as const;
  let found: Record<string, unknown> = {};
  for (const [answer, when, code, message] of expected) {
    assert.deepEqual(await passWith(shop, answer, when), [question], `${answer}: asked once`);
    found = await listed(shop, path, key, id);
    assert.deepEqual(reconciliation(found), {
      errors: 0,
      stopped_at: null,
      last_error: { code, message, at: when.getTime() },
    }, `${answer}: kept, not counted`);
  }
  assert.equal(found.reconcile_resumed_at, null);
  assert.doesNotMatch(JSON.stringify(found), /secret-body-text|not authorized|xnd_/, "no key, no body");
  return found;
}

Deno.test("reconcile cause — a charge's status question answered 503, then 401: provider_5xx, then credentials_refused, never counted", async () => {
  const shop = await seedShop(t.db.sql, { email: "cause-charge@example.com" });
  const { body, pr } = await pendingQris(shop);
  const row = await failTwice(shop, `GET /payment_requests/${pr.id}`, "/api/platform/payments", {
    checkout_id: body.checkout_id,
  });
  assert.equal(row.status, "pending");
});

Deno.test("reconcile cause — a refund's status question answered 503, then 401: provider_5xx, then credentials_refused, never counted", async () => {
  const shop = await seedShop(t.db.sql, { email: "cause-refund@example.com" });
  const { body, pr } = await pendingQris(shop);
  await t.deps.xenditSandbox.settle(pr.id, "pay");
  const receipt = await waitFor(async () => {
    const res = await t.app.request("/api/platform/receipts", { headers: auth(shop) });
    const { receipts } = await res.json();
    return (receipts as { checkout_id: string; number: string }[]).find((r) =>
      r.checkout_id === body.checkout_id
    );
  }, "the receipt");
  // Xendit accepts the refund and holds its callback back: pending, with Xendit's id, asked about with GET.
  t.deps.xenditSandbox.refundOutcome = "hold";
  let refund;
  try {
    const made = await postJson(t, "/api/platform/refunds", {
      receipt: receipt.number,
      plan_effect: "none",
    }, auth(shop));
    assert.equal(made.res.status, 201, JSON.stringify(made.body));
    refund = made.body;
  } finally {
    t.deps.xenditSandbox.refundOutcome = "succeed";
  }
  assert.equal(refund.status, "pending");
  const row = await failTwice(shop, `GET /refunds/${refund.provider_id}`, "/api/platform/refunds", {
    refund_id: refund.refund_id,
  });
  assert.equal(row.status, "pending", "its amount stays reserved");
});
