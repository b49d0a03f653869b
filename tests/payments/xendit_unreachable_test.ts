/**
 * A Xendit that cannot be reached: while a test says so, the deployment's XENDIT_BASE_URL points at a closed
 * loopback port, so the unmodified xendit-node client's connections are refused. Every client call is
 * ChargeError "unreachable"; a charge, an unlink and a refund over the Platform API answer
 * payment_provider_error whose error_description says Xendit could not be reached (a refund: and that its amount
 * stays reserved and it is asked for again, not "try again"), and the hosted checkout page
 * says so in en and id — none of them reads as Xendit refusing the charge (xendit_deadline_test.ts is the
 * stalled Xendit's twin of this file). A Xendit that answers what we cannot read is no unreachable Xendit: a
 * 500 with the request id, the error logged with it.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { listReceipts } from "@/db/receipts.ts";
import { updateProjectSettings } from "@/db/project_settings.ts";
import { linkMethod } from "@/lib/payments/linked_methods.ts";
import { ChargeError, chargeLinkedMethod, createCharge, fetchCharge } from "@/lib/payments/xendit.ts";
import { paymentsTestApp } from "../helpers/payments_app.ts";
import { basic } from "../helpers/oauth.ts";
import { checkoutMethodForm, platformCall, seedShop } from "../helpers/payments.ts";
import { waitFor } from "../helpers/wait.ts";
import { TEST_CALLBACK_TOKEN, TEST_SECRET_KEY } from "../helpers/xendit.ts";
import { closedPort } from "../helpers/ports.ts";

const t = await paymentsTestApp({
  receiptLinks: true,
  servedXendit: true,
  env: {
    XENDIT_SECRET_KEY: TEST_SECRET_KEY,
    XENDIT_CALLBACK_TOKEN: TEST_CALLBACK_TOKEN,
    XENDIT_TIMEOUT_MS: "5000",
  },
});
const { served } = t;

/** A loopback port nothing listens on: connecting to it is refused at once. */
const CLOSED = `http://127.0.0.1:${closedPort()}`;

const shop = await seedShop(t.db.sql, { email: "unreachable@example.com" });
await asApp(
  t.db.sql,
  shop.project.id,
  (tx) => updateProjectSettings(tx, shop.project.id, { linked_methods: { enabled: true } }),
);

/** Runs `work` while the deployment's Xendit address is a closed port. */
async function whileXenditUnreachable<T>(work: () => T | Promise<T>): Promise<T> {
  t.deps.config.xendit.baseUrl = CLOSED;
  try {
    return await work();
  } finally {
    t.deps.config.xendit.baseUrl = served.url;
  }
}

const call = (method: string, path: string, body?: unknown) =>
  platformCall(t.origin, shop, method, path, body);

/** 502 payment_provider_error, whose description says Xendit could not be reached (not that it refused). */
function assertUnreachable(
  answer: { res: Response; json: Record<string, unknown> },
  description = "The payment provider could not be reached. Try again shortly.",
) {
  assert.equal(answer.res.status, 502, JSON.stringify(answer.json));
  assert.match(answer.res.headers.get("content-type") ?? "", /^application\/json/);
  assert.deepEqual(answer.json, { error: "payment_provider_error", error_description: description });
}

Deno.test("Xendit unreachable — every client call to a closed port is ChargeError 'unreachable'", async () => {
  const connection = { secretKey: TEST_SECRET_KEY, baseUrl: CLOSED, timeoutMs: 5000 };
  const request = {
    amount: 50_000,
    reference: "chk_unreachable",
    idempotencyKey: "chk_unreachable:qris:",
    description: "Pro",
    customerName: "Ayu",
    expiresAt: new Date(Date.now() + 3600_000),
    metadata: {},
  };
  const failures = await Promise.all([
    createCharge(connection, { ...request, method: "qris" }).catch((e) => e),
    createCharge(connection, { ...request, method: "gopay" }).catch((e) => e),
    fetchCharge(connection, "payment_request", "pr-00000000-0000-0000-0000-000000000000").catch((e) => e),
    chargeLinkedMethod(connection, { ...request, paymentMethodId: "pm-unreachable" }).catch((e) => e),
  ]);
  for (const failure of failures) {
    assert.ok(failure instanceof ChargeError, String(failure));
    assert.deepEqual([failure.code, failure.message, failure.status], [
      "unreachable",
      "Xendit could not be reached.",
      null,
    ]);
  }
});

Deno.test("Xendit unreachable — a checkout charge over the Platform API says Xendit could not be reached", async () => {
  const refused = await whileXenditUnreachable(() =>
    call("POST", "/api/platform/checkout", { user: shop.userId, plan: "pro", method: "qris" })
  );
  assertUnreachable(refused);
  const logged = t.logs.filter((line) =>
    line.msg === "request failed" && line.code === "payment_provider_error"
  );
  assert.match(JSON.stringify(logged.at(-1)), /Xendit could not be reached/);
});

Deno.test("Xendit unreachable — the checkout page's method form says so, in English and Indonesian", async () => {
  const opened = await call("POST", "/api/platform/checkout", { user: shop.userId, plan: "pro" });
  const chooseQris = await checkoutMethodForm(t.app, opened.json.checkout_id);
  for (
    const [lang, message] of [
      ["en", "The payment provider could not be reached. Try again shortly."],
      ["id", "Penyedia pembayaran tidak dapat dihubungi. Coba lagi sebentar lagi."],
    ]
  ) {
    const res = await whileXenditUnreachable(() => chooseQris(lang));
    assert.equal(res.status, 502);
    const page = await res.text();
    assert.ok(page.includes(`<p>${message}</p>`), page);
    assert.doesNotMatch(page, /did not accept|tidak menerima|<p lang="en">/, "no refusal, no English detail");
  }
});

Deno.test("Xendit unreachable — an unlink says the provider could not be reached and stays linked", async () => {
  const { method } = await linkMethod(t.deps, shop.project.id, shop.userId, {
    channel: "OVO",
    mobileNumber: "+6281234567890",
    successUrl: `${t.origin}/linked`,
    failureUrl: `${t.origin}/not-linked`,
  });
  const path = `/api/platform/users/${shop.userId}/linked-methods/${method.method_id}`;
  assertUnreachable(await whileXenditUnreachable(() => call("DELETE", path)));
  const unlinked = await call("DELETE", path);
  assert.equal(unlinked.res.status, 200, JSON.stringify(unlinked.json));
  assert.equal(unlinked.json.status, "expired");
});

Deno.test("Xendit unreachable — a refund says the provider could not be reached, and that it stays reserved and is asked again", async () => {
  const charged = await call("POST", "/api/platform/checkout", {
    user: shop.userId,
    plan: "pro",
    method: "qris",
  });
  assert.equal(charged.res.status, 201, JSON.stringify(charged.json));
  const pr = [...served.sim.paymentRequests.values()].find((p) =>
    p.referenceId === charged.json.checkout_id
  )!;
  served.sim.pay(pr.id);
  const receipt = await waitFor(async () => {
    const receipts = await asApp(t.db.sql, shop.project.id, (tx) => listReceipts(tx, shop.project.id));
    return receipts.find((r) => r.checkout_id === charged.json.checkout_id);
  }, "the receipt");
  assertUnreachable(
    await whileXenditUnreachable(() =>
      call("POST", "/api/platform/refunds", { receipt: receipt.number, amount: 10_000, plan_effect: "none" })
    ),
    "The payment provider could not be reached for the refund. The amount stays reserved, and the refund is " +
      "asked for again in about 15 minutes.",
  );
  const listed = await call("GET", `/api/platform/refunds?receipt=${receipt.number}`);
  assert.deepEqual(
    listed.json.refunds.map((r: { amount: number; status: string }) => [r.amount, r.status]),
    [[10_000, "requested"]],
    "reserved, for the billing pass to ask again",
  );
});

Deno.test("Xendit unreachable — an answer we cannot read is no unreachable Xendit: a 500 with the request id, logged", async () => {
  // Xendit (or something in front of it) answers 200 with a page, not JSON: a failure of ours to read it.
  const garbled = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () => new Response("<html>maintenance</html>", { headers: { "content-type": "application/json" } }),
  );
  t.deps.config.xendit.baseUrl = `http://127.0.0.1:${garbled.addr.port}`;
  let answer;
  try {
    const res = await fetch(`${t.origin}/api/platform/checkout`, {
      method: "POST",
      headers: {
        authorization: basic(shop.project.clientId, shop.project.secret),
        "content-type": "application/json",
        "x-request-id": "garbled-xendit-answer",
      },
      body: JSON.stringify({ user: shop.userId, plan: "pro", method: "qris" }),
    });
    answer = { res, json: await res.json() };
  } finally {
    t.deps.config.xendit.baseUrl = served.url;
    await garbled.shutdown();
  }
  assert.equal(answer.res.status, 500, JSON.stringify(answer.json));
  assert.equal(answer.json.error, "internal_error");
  assert.doesNotMatch(JSON.stringify(answer.json), /could not be reached|did not accept/);
  assert.equal(answer.res.headers.get("x-request-id"), "garbled-xendit-answer");
  const logged = t.logs.filter((line) =>
    line.msg === "request failed" && line.request_id === "garbled-xendit-answer"
  );
  assert.equal(logged.length, 1);
  assert.equal(logged[0].code, "internal_error");
  assert.match(JSON.stringify(logged[0].error), /SyntaxError/);
  assert.doesNotMatch(JSON.stringify(logged[0]), /Xendit could not be reached/);
});

Deno.test("Xendit answering with an error — a charge, an unlink and a refund each say which was not taken", async () => {
  // A local Xendit that answers every call 503 with an error body.
  const failing = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () => Response.json({ error_code: "SERVER_ERROR", message: "Try again later." }, { status: 503 }),
  );
  const whileXenditFails = async <T>(work: () => Promise<T>): Promise<T> => {
    t.deps.config.xendit.baseUrl = `http://127.0.0.1:${failing.addr.port}`;
    try {
      return await work();
    } finally {
      t.deps.config.xendit.baseUrl = served.url;
    }
  };
  const said = (answer: { res: Response; json: Record<string, unknown> }) => {
    assert.equal(answer.res.status, 502, JSON.stringify(answer.json));
    assert.equal(answer.json.error, "payment_provider_error");
    return answer.json.error_description;
  };
  try {
    assert.equal(
      said(
        await whileXenditFails(() =>
          call("POST", "/api/platform/checkout", { user: shop.userId, plan: "pro", method: "qris" })
        ),
      ),
      "The payment provider did not accept the charge. Try again shortly.",
    );
    const { method } = await linkMethod(t.deps, shop.project.id, shop.userId, {
      channel: "DANA",
      successUrl: `${t.origin}/linked`,
      failureUrl: `${t.origin}/not-linked`,
    });
    const path = `/api/platform/users/${shop.userId}/linked-methods/${method.method_id}`;
    assert.equal(
      said(await whileXenditFails(() => call("DELETE", path))),
      "The payment provider answered the unlink with an error. The payment method is not charged meanwhile; " +
        "try again shortly.",
    );
    const charged = await call("POST", "/api/platform/checkout", {
      user: shop.userId,
      plan: "pro",
      method: "qris",
    });
    const pr = [...served.sim.paymentRequests.values()].find((p) =>
      p.referenceId === charged.json.checkout_id
    )!;
    served.sim.pay(pr.id);
    const receipt = await waitFor(async () => {
      const receipts = await asApp(t.db.sql, shop.project.id, (tx) => listReceipts(tx, shop.project.id));
      return receipts.find((r) => r.checkout_id === charged.json.checkout_id);
    }, "the receipt");
    assert.equal(
      said(
        await whileXenditFails(() =>
          call("POST", "/api/platform/refunds", {
            receipt: receipt.number,
            amount: 10_000,
            plan_effect: "none",
          })
        ),
      ),
      "The payment provider answered the refund with an error. The amount stays reserved, and the refund is " +
        "asked for again in about 15 minutes.",
    );
  } finally {
    await failing.shutdown();
  }
});
