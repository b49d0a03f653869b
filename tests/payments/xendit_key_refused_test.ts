/**
 * Xendit refusing the project's API key (401: a key it does not know, as after a rotation; 403: the publishable
 * key saved where the secret one belongs) is no refusal of the call. The unmodified xendit-node client talks to
 * the simulator, which answers exactly so. A charge, a link and an unlink each answer 502 payment_provider_error
 * saying the project's Xendit credentials were refused — on the API as JSON, on the checkout page in en and id —
 * log it once as an error with the project id (never the key), and lose nothing: the checkout stays open, the
 * link fails as ours (link again), the unlink stays under way and is finished once the keys are fixed; a charge's
 * status question is not counted against it, and opens the pass's breaker (renewal charges held back by it:
 * xendit_breaker_test.ts).
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { setXenditKeys } from "@/db/payments.ts";
import { updateProjectSettings } from "@/db/project_settings.ts";
import { sealXenditKeys } from "@/lib/payments/accounts.ts";
import { BillingScheduler } from "@/lib/payments/billing_scheduler.ts";
import { LINK_KEY_REFUSED_FAILURE } from "@/lib/payments/link_failures.ts";
import { linkMethod } from "@/lib/payments/linked_methods.ts";
import { UNLINK_STALE_SECONDS } from "@/lib/payments/stalled_unlinks.ts";
import { AppError } from "@/lib/http/errors.ts";
import { testApp } from "../helpers/app.ts";
import { rows } from "../helpers/db.ts";
import { checkoutMethodForm, platformCall, seedShop, type Shop } from "../helpers/payments.ts";
import { waitFor } from "../helpers/wait.ts";
import { serveSimulator, TEST_CALLBACK_TOKEN, TEST_PUBLIC_KEY, TEST_SECRET_KEY } from "../helpers/xendit.ts";

const served = serveSimulator();
const t = await testApp({ listen: true, env: { XENDIT_BASE_URL: served.url } });
served.sim.accounts.get(TEST_SECRET_KEY)!.webhookUrl = `${t.origin}/api/webhooks/xendit`;
// Renewal charges stay pending at Xendit: no callback settles them while the test counts calls.
served.sim.linkedChargeOutcome = "hold";
Deno.test.afterAll(async () => {
  await served.close();
  await t.close();
});

/** A key Xendit does not know (rotated away): 401 INVALID_API_KEY. */
const REVOKED = "xnd_development_rotated_away_0123456789";
/** Each way a key is refused: its status, and the key the project's settings hold. */
const REFUSALS = [
  { status: 401, secretKey: REVOKED },
  { status: 403, secretKey: TEST_PUBLIC_KEY },
] as const;

const CHARGE_REFUSED =
  "The payment provider refused this project's Xendit credentials (API key), so no charge was made and " +
  "nothing was paid. The checkout stays open; fix the project's Xendit keys, then try again.";
const LINK_REFUSED =
  "The payment provider refused this project's Xendit credentials (API key), so the payment " +
  "method was not linked. Fix the project's Xendit keys, then try again.";
const UNLINK_REFUSED =
  "The payment provider refused this project's Xendit credentials (API key), so the payment " +
  "method is not unlinked yet. It is not charged meanwhile, and the unlink is finished once the project's " +
  "Xendit keys are fixed.";

const as = <T>(projectId: string, work: Parameters<typeof asApp<T>>[2]) => asApp(t.db.sql, projectId, work);

/** The project's own sandbox keys become `secretKey` (with the test account's callback token). */
async function useKey(projectId: string, secretKey: string) {
  const sealed = await sealXenditKeys(t.deps.masterKeys.payments, projectId, "sandbox", {
    secretKey,
    callbackToken: TEST_CALLBACK_TOKEN,
  });
  await as(projectId, (tx) => setXenditKeys(tx, projectId, "sandbox", sealed));
}

/** A shop on its own keys (`secretKey`) with linking on. */
async function shopWithKey(email: string, secretKey: string): Promise<Shop> {
  const shop = await seedShop(t.db.sql, { email });
  await useKey(shop.project.id, secretKey);
  await as(
    shop.project.id,
    (tx) => updateProjectSettings(tx, shop.project.id, { linked_methods: { enabled: true } }),
  );
  return shop;
}

const api = (shop: Shop, method: string, path: string, body?: unknown) =>
  platformCall(t.origin, shop, method, path, body);

/** The error lines naming this refusal: `xendit_<call>_credentials_refused` of the project. */
const refusedLines = (call: string, projectId: string) =>
  t.logs.filter((line) => line.msg === `xendit_${call}_credentials_refused` && line.project_id === projectId);

/** No log line carries the key, as itself or as the Basic credentials the SDK sends. */
function assertKeyNotLogged(secretKey: string) {
  const logged = JSON.stringify(t.logs);
  assert.ok(!logged.includes(secretKey), "the key is not logged");
  assert.ok(!logged.includes(btoa(`${secretKey}:`)), "nor its Basic credentials");
}

/** A DANA of the shop's user, linked and approved with the good key: active here and at Xendit. */
async function activeDana(shop: Shop, userId = shop.userId): Promise<string> {
  const { method, authUrl } = await linkMethod(t.deps, shop.project.id, userId, {
    channel: "DANA",
    successUrl: `${t.origin}/linked`,
    failureUrl: `${t.origin}/not-linked`,
  });
  const approved = await fetch(`${authUrl}/approve`, { method: "POST", redirect: "manual" });
  await approved.body?.cancel();
  await waitFor(async () => (await methodRow(shop, method.method_id)).status === "active", "the activation");
  return method.method_id;
}

const methodRow = async (shop: Shop, methodId: string) =>
  (await as(shop.project.id, async (tx) =>
    rows(
      await tx`select status, failure_code, provider_id, unlink_requested_at is not null as marked
               from astapa.linked_methods where public_id = ${methodId}`,
    )))[0];

for (const { status, secretKey } of REFUSALS) {
  Deno.test(`key refused (${status}) — a charge over the Platform API: 502 naming the credentials, the checkout open, logged once`, async () => {
    const shop = await shopWithKey(`charge-key-${status}@example.com`, secretKey);
    const p = shop.project.id;
    const answer = await api(shop, "POST", "/api/platform/checkout", {
      user: shop.userId,
      plan: "pro",
      method: "qris",
    });
    assert.equal(answer.res.status, 502, JSON.stringify(answer.json));
    assert.match(answer.res.headers.get("content-type") ?? "", /^application\/json/);
    assert.deepEqual(answer.json, { error: "payment_provider_error", error_description: CHARGE_REFUSED });
    const checkouts = await as(p, async (tx) =>
      rows(
        await tx`select c.public_id, c.status, (select count(*)::int from astapa.payments as y
                                                where y.project_id = c.project_id and y.checkout_id = c.id) as charges
                 from astapa.checkouts as c`,
      ));
    assert.deepEqual(checkouts.map((c) => [c.status, c.charges]), [["open", 0]], "open, nothing recorded");
    const logged = refusedLines("charge", p);
    assert.deepEqual(logged.map((line) => [line.level, line.status, line.checkout_id]), [
      ["error", status, checkouts[0].public_id],
    ]);
    assertKeyNotLogged(secretKey);

    // The keys fixed, the same checkout is charged.
    await useKey(p, TEST_SECRET_KEY);
    const url = `/billing/checkout/${checkouts[0].public_id}/method`;
    const charged = await t.app.request(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ method: "qris" }),
    });
    const body = await charged.json();
    assert.equal(charged.status, 200, JSON.stringify(body));
    assert.equal(body.payment.method, "qris");
  });

  Deno.test(`key refused (${status}) — the checkout page's method form says so, in English and Indonesian`, async () => {
    const shop = await shopWithKey(`charge-page-key-${status}@example.com`, TEST_SECRET_KEY);
    const opened = await api(shop, "POST", "/api/platform/checkout", { user: shop.userId, plan: "pro" });
    await useKey(shop.project.id, secretKey);
    const chooseQris = await checkoutMethodForm(t.app, opened.json.checkout_id);
    for (
      const [lang, message] of [
        ["en", CHARGE_REFUSED],
        [
          "id",
          "Penyedia pembayaran menolak kredensial Xendit (kunci API) proyek ini, jadi tidak ada tagihan yang " +
          "dibuat dan tidak ada yang dibayar. Checkout tetap terbuka; perbaiki kunci Xendit proyek ini, lalu " +
          "coba lagi.",
        ],
      ]
    ) {
      const res = await chooseQris(lang);
      assert.equal(res.status, 502);
      const page = await res.text();
      assert.ok(page.includes(`<p>${message}</p>`), page);
      assert.doesNotMatch(page, /did not accept|tidak menerima/, "no refusal of the charge");
    }
    assert.equal(refusedLines("charge", shop.project.id).length, 2, "once per call");
  });

  Deno.test(`key refused (${status}) — a link: 502 naming the credentials, failed as ours (not declined), linkable again`, async () => {
    const shop = await shopWithKey(`link-key-${status}@example.com`, secretKey);
    const p = shop.project.id;
    const failure = await linkMethod(t.deps, p, shop.userId, {
      channel: "DANA",
      successUrl: `${t.origin}/linked`,
      failureUrl: `${t.origin}/not-linked`,
    }).then(() => null, (error) => error);
    assert.ok(failure instanceof AppError, String(failure));
    assert.deepEqual([failure.code, failure.status, failure.description], [
      "payment_provider_error",
      502,
      LINK_REFUSED,
    ]);
    const [link] = await as(p, async (tx) => rows(await tx`select public_id from astapa.linked_methods`));
    assert.deepEqual(await methodRow(shop, link.public_id), {
      status: "failed",
      failure_code: LINK_KEY_REFUSED_FAILURE,
      provider_id: null,
      marked: false,
    });
    assert.deepEqual(refusedLines("link", p).map((line) => [line.level, line.status, line.method_id]), [
      ["error", status, link.public_id],
    ]);
    assertKeyNotLogged(secretKey);

    await useKey(p, TEST_SECRET_KEY);
    const again = await activeDana(shop);
    assert.notEqual(again, link.public_id);
  });

  Deno.test(`key refused (${status}) — an unlink: 502 naming the credentials, still marked (never charged), finished once the keys are fixed`, async () => {
    const shop = await shopWithKey(`unlink-key-${status}@example.com`, TEST_SECRET_KEY);
    const p = shop.project.id;
    const methodId = await activeDana(shop);
    const providerId = (await methodRow(shop, methodId)).provider_id;
    await useKey(p, secretKey);
    const since = Date.now();
    const answer = await api(shop, "DELETE", `/api/platform/users/${shop.userId}/linked-methods/${methodId}`);
    assert.equal(answer.res.status, 502, JSON.stringify(answer.json));
    assert.deepEqual(answer.json, { error: "payment_provider_error", error_description: UNLINK_REFUSED });
    assert.deepEqual(
      [(await methodRow(shop, methodId)).status, (await methodRow(shop, methodId)).marked],
      ["active", true],
      "under way: not kept linked, not charged",
    );
    assert.equal(served.sim.paymentMethods.get(providerId)?.status, "ACTIVE");
    assert.deepEqual(refusedLines("unlink", p).map((line) => [line.level, line.status, line.method_id]), [
      ["error", status, methodId],
    ]);

    // The billing pass past the window: still refused, so still marked (tried a window later).
    const passAt = async (seconds: number) =>
      ((await new BillingScheduler(t.deps).pass(new Date(since + seconds * 1000))).unlinks ?? [])
        .filter((u) => u.methodId === methodId).map((u) => u.outcome);
    assert.deepEqual(await passAt(UNLINK_STALE_SECONDS + 1), ["retry"]);
    assert.equal((await methodRow(shop, methodId)).marked, true);
    assert.equal(refusedLines("unlink", p).length, 2);
    assertKeyNotLogged(secretKey);

    // The keys fixed: the next window's pass expires it at Xendit and ends it here.
    await useKey(p, TEST_SECRET_KEY);
    assert.deepEqual(await passAt(2 * UNLINK_STALE_SECONDS + 2), ["unlinked"]);
    assert.equal(served.sim.paymentMethods.get(providerId)?.status, "EXPIRED");
  });
}

Deno.test("key refused — reconciling charges: one question, logged as an error, not counted against the charge; the others wait", async () => {
  const shop = await shopWithKey("reconcile-key@example.com", TEST_SECRET_KEY);
  const p = shop.project.id;
  for (let i = 0; i < 2; i++) {
    const made = await api(shop, "POST", "/api/platform/checkout", {
      user: shop.userId,
      plan: "pro",
      method: "qris",
    });
    assert.equal(made.res.status, 201, JSON.stringify(made.json));
  }
  await useKey(p, TEST_PUBLIC_KEY);
  const from = served.requests.length;
  const { reconcileProject } = await import("@/lib/payments/reconcile.ts");
  const result = await reconcileProject(t.deps, p, new Date(Date.now() + 3_600_000), 900);
  assert.equal(result.checked, 2);
  assert.deepEqual(served.requests.slice(from).map((r) => r.method), ["GET"], "one question");
  const payments = await as(p, async (tx) =>
    rows(
      await tx`select status, reconcile_errors, reconcile_stopped_at from astapa.payments order by id`,
    ));
  assert.deepEqual(payments.map((y) => [y.status, y.reconcile_errors, y.reconcile_stopped_at]), [
    ["pending", 0, null],
    ["pending", 0, null],
  ]);
  assert.deepEqual(refusedLines("charge", p).map((line) => [line.level, line.status]), [["error", 403]]);
  assert.deepEqual(
    t.logs.filter((line) => line.msg === "xendit_breaker_open" && line.project_id === p).map((line) => [
      line.call,
      line.reason,
    ]),
    [["reconcile charge", "credentials_refused"]],
  );
});
