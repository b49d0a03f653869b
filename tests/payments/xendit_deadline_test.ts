/**
 * A Xendit that accepts each request and never answers (the simulator, hung), with XENDIT_TIMEOUT_MS at 300 ms
 * set the way the server reads it: the unmodified xendit-node client gives up with ChargeError "timeout"; a
 * charge over the Platform API answers payment_provider_error; an unlink — which holds no transaction across the
 * call — answers the same error and leaves the method listed (marked as being unlinked, so never charged), and
 * the same unlink succeeds once Xendit answers again; the hosted checkout page shows the error page, in en and id. The
 * API's error_description and the page both say Xendit did not answer in time, not that it refused.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { updateProjectSettings } from "@/db/project_settings.ts";
import { linkMethod } from "@/lib/payments/linked_methods.ts";
import { ChargeError, chargeLinkedMethod, createCharge, fetchCharge } from "@/lib/payments/xendit.ts";
import { testApp } from "../helpers/app.ts";
import { checkoutMethodForm, platformCall, seedShop } from "../helpers/payments.ts";
import { serveSimulator, TEST_CALLBACK_TOKEN, TEST_SECRET_KEY } from "../helpers/xendit.ts";

const TIMEOUT_MS = "300";
const served = serveSimulator();
const t = await testApp({
  listen: true,
  env: {
    XENDIT_BASE_URL: served.url,
    XENDIT_SECRET_KEY: TEST_SECRET_KEY,
    XENDIT_CALLBACK_TOKEN: TEST_CALLBACK_TOKEN,
    XENDIT_TIMEOUT_MS: TIMEOUT_MS,
  },
});
served.sim.accounts.get(TEST_SECRET_KEY)!.webhookUrl = `${t.origin}/api/webhooks/xendit`;
Deno.test.afterAll(async () => {
  await served.close();
  await t.close();
});

const shop = await seedShop(t.db.sql, { email: "deadline@example.com" });
await asApp(
  t.db.sql,
  shop.project.id,
  (tx) => updateProjectSettings(tx, shop.project.id, { linked_methods: { enabled: true } }),
);

/** Runs `work` while the simulator accepts requests and never answers them. */
async function whileXenditHangs<T>(work: () => T | Promise<T>): Promise<T> {
  served.hang = true;
  try {
    return await work();
  } finally {
    served.hang = false;
  }
}

const call = (method: string, path: string, body?: unknown) =>
  platformCall(t.origin, shop, method, path, body);

/** 502 payment_provider_error, whose description says Xendit did not answer in time (not that it refused). */
function assertProviderError(answer: { res: Response; json: Record<string, unknown> }) {
  assert.equal(answer.res.status, 502, JSON.stringify(answer.json));
  assert.match(answer.res.headers.get("content-type") ?? "", /^application\/json/);
  assert.deepEqual(answer.json, {
    error: "payment_provider_error",
    error_description: "The payment provider did not answer in time. Try again shortly.",
  });
}

Deno.test("Xendit deadline — every client call Xendit never answers is ChargeError 'timeout'", async () => {
  const connection = { secretKey: TEST_SECRET_KEY, baseUrl: served.url, timeoutMs: Number(TIMEOUT_MS) };
  const request = {
    amount: 50_000,
    reference: "chk_deadline",
    idempotencyKey: "chk_deadline:qris:",
    description: "Pro",
    customerName: "Ayu",
    expiresAt: new Date(Date.now() + 3600_000),
    metadata: {},
  };
  const failures = await whileXenditHangs(() =>
    Promise.all([
      createCharge(connection, { ...request, method: "qris" }).catch((e) => e),
      // GoPay goes through the Invoice API (a lookup, then a create).
      createCharge(connection, { ...request, method: "gopay" }).catch((e) => e),
      fetchCharge(connection, "payment_request", "pr-00000000-0000-0000-0000-000000000000").catch((e) => e),
      chargeLinkedMethod(connection, { ...request, paymentMethodId: "pm-deadline" }).catch((e) => e),
    ])
  );
  for (const failure of failures) {
    assert.ok(failure instanceof ChargeError, String(failure));
    assert.deepEqual([failure.code, failure.message, failure.status], [
      "timeout",
      "Xendit did not answer in time.",
      null,
    ]);
  }
});

Deno.test("Xendit deadline — a checkout charge over the Platform API answers payment_provider_error", async () => {
  const hung = await whileXenditHangs(() =>
    call("POST", "/api/platform/checkout", { user: shop.userId, plan: "pro", method: "qris" })
  );
  assertProviderError(hung);
  const logged = t.logs.filter((line) =>
    line.msg === "request failed" && line.code === "payment_provider_error"
  );
  assert.match(JSON.stringify(logged.at(-1)), /Xendit did not answer in time/);

  const answered = await call("POST", "/api/platform/checkout", {
    user: shop.userId,
    plan: "pro",
    method: "qris",
  });
  assert.equal(answered.res.status, 201, JSON.stringify(answered.json));
  assert.ok(answered.json.payment?.qr_string, "once Xendit answers, the charge is made");
});

Deno.test("Xendit deadline — the checkout page's method form shows the error page, in English and Indonesian", async () => {
  const opened = await call("POST", "/api/platform/checkout", { user: shop.userId, plan: "pro" });
  const chooseQris = await checkoutMethodForm(t.app, opened.json.checkout_id);
  for (
    const [lang, message] of [
      ["en", "The payment provider did not answer in time. Try again shortly."],
      ["id", "Penyedia pembayaran tidak menjawab tepat waktu. Coba lagi sebentar lagi."],
    ]
  ) {
    const res = await whileXenditHangs(() => chooseQris(lang));
    assert.equal(res.status, 502);
    const page = await res.text();
    assert.ok(page.includes(`<p>${message}</p>`), page);
    assert.doesNotMatch(page, /did not accept|tidak menerima|<p lang="en">/, "no refusal, no English detail");
  }
});

Deno.test("Xendit deadline — an unlink Xendit never answers fails, stays listed and marked, and can be done again", async () => {
  const { method } = await linkMethod(t.deps, shop.project.id, shop.userId, {
    channel: "OVO",
    mobileNumber: "+6281234567890",
    successUrl: `${t.origin}/linked`,
    failureUrl: `${t.origin}/not-linked`,
  });
  const path = `/api/platform/users/${shop.userId}/linked-methods/${method.method_id}`;

  assertProviderError(await whileXenditHangs(() => call("DELETE", path)));
  const listed = await call("GET", `/api/platform/users/${shop.userId}/linked-methods`);
  const kept = listed.json.linked_methods.find((m: { method_id: string }) =>
    m.method_id === method.method_id
  );
  assert.equal(kept?.status, "requires_action", "Xendit did not say it expired it, so it is not ended here");
  assert.equal(served.sim.paymentMethods.get(method.provider_id!)?.status, "REQUIRES_ACTION");
  const [marked] = await asApp(
    t.db.sql,
    shop.project.id,
    (tx) => tx`select unlink_actor from astapa.linked_methods where public_id = ${method.method_id}`,
  );
  assert.equal(marked.unlink_actor, "api", "no answer is not a no: still marked, so never charged");

  // Unlinking again, once Xendit answers, finishes it.
  const unlinked = await call("DELETE", path);
  assert.equal(unlinked.res.status, 200, JSON.stringify(unlinked.json));
  assert.equal(unlinked.json.status, "expired");
  assert.equal(served.sim.paymentMethods.get(method.provider_id!)?.status, "EXPIRED");
});
