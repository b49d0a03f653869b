/**
 * Issue 17 #12, Xendit callbacks tried as an attacker would: another currency is never applied as paid, and a
 * SUCCEEDED event with a bad amount does not shadow the correct one that follows (dedup keys on content too).
 * Also: no checkout for a sandbox user once the project is live.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { currentSubscription } from "@/db/plans.ts";
import { setXenditKeys } from "@/db/payments.ts";
import { sealXenditKeys } from "@/lib/payments/accounts.ts";
import { chargeCheckout, openCheckout } from "@/lib/payments/checkout.ts";
import { PaymentEventWorker } from "@/lib/payments/worker.ts";
import { testApp } from "../helpers/app.ts";
import { seedShop, type Shop } from "../helpers/payments.ts";
import { serveSimulator, TEST_CALLBACK_TOKEN, TEST_SECRET_KEY } from "../helpers/xendit.ts";
import { takeLive } from "../helpers/live_keys.ts";
import { rejectsAs } from "../helpers/identity.ts";
import { basic } from "../helpers/oauth.ts";

const served = serveSimulator();
const t = await testApp({ listen: true, env: { XENDIT_BASE_URL: served.url } });
served.sim.accounts.get(TEST_SECRET_KEY)!.webhookUrl = `${t.origin}/api/webhooks/xendit`;
Deno.test.afterAll(async () => {
  await served.close();
  await t.close();
});

async function shopWithKeys(email: string): Promise<Shop> {
  const shop = await seedShop(t.db.sql, { email });
  const sealed = await sealXenditKeys(t.deps.masterKeys.payments, shop.project.id, "sandbox", {
    secretKey: TEST_SECRET_KEY,
    callbackToken: TEST_CALLBACK_TOKEN,
  });
  await asApp(t.db.sql, shop.project.id, (tx) => setXenditKeys(tx, shop.project.id, "sandbox", sealed));
  return shop;
}

async function qrisCharge(shop: Shop): Promise<string> {
  const opened = await openCheckout(t.deps, shop.project.id, { sub: shop.userId, plan: "pro" });
  const charged = await chargeCheckout(t.deps, shop.project.id, opened.checkout_id, { method: "qris" });
  return charged.payment!.provider_id;
}

/** A SUCCEEDED callback for the charge with some of its data changed, sent with the right token. */
async function succeededWith(prId: string, data: Record<string, unknown>) {
  const body = served.sim.callbackBody(prId, "SUCCEEDED") as { data: Record<string, unknown> };
  const res = await fetch(`${t.origin}/api/webhooks/xendit`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-callback-token": TEST_CALLBACK_TOKEN },
    body: JSON.stringify({ ...body, data: { ...body.data, ...data } }),
  });
  assert.equal(res.status, 200);
  return await res.json();
}

const outcomes = async (projectId: string) =>
  (await t.db.sql`select outcome from astapa.payment_events where project_id = ${projectId} order by id`)
    .map((row) => row.outcome);
const plan = async (shop: Shop) =>
  (await asApp(t.db.sql, shop.project.id, (tx) => currentSubscription(tx, shop.project.id, shop.userId)))
    .plan;

Deno.test("callback — 99,000 in another currency is not paid; the genuine IDR callback afterwards is", async () => {
  const shop = await shopWithKeys("currency@example.com");
  const worker = new PaymentEventWorker(t.db.sql);
  await worker.start();
  try {
    const prId = await qrisCharge(shop);
    assert.equal((await succeededWith(prId, { currency: "USD" })).duplicate, false);
    await worker.drain();
    assert.deepEqual(await outcomes(shop.project.id), ["currency_mismatch"]);
    assert.equal(await plan(shop), "free");
    served.sim.pay(prId);
    await served.sim.webhooks.idle();
    await worker.drain();
    assert.deepEqual(await outcomes(shop.project.id), ["currency_mismatch", "paid"]);
    assert.equal(await plan(shop), "pro");
  } finally {
    await worker.stop();
  }
});

Deno.test("callback — a bad-amount event does not make the correct one a duplicate; true redeliveries still are", async () => {
  const shop = await shopWithKeys("amount@example.com");
  const worker = new PaymentEventWorker(t.db.sql);
  await worker.start();
  try {
    const prId = await qrisCharge(shop);
    await succeededWith(prId, { amount: 1 });
    await worker.drain();
    assert.deepEqual(await outcomes(shop.project.id), ["amount_mismatch"]);
    served.sim.pay(prId, { times: 3 });
    await served.sim.webhooks.idle();
    await worker.drain();
    assert.deepEqual(await outcomes(shop.project.id), ["amount_mismatch", "paid"], "stored once, applied");
    assert.equal(await plan(shop), "pro");
  } finally {
    await worker.stop();
  }
});

Deno.test("checkout — a sandbox user cannot be put through checkout once the project is live", async () => {
  const shop = await seedShop(t.db.sql, { email: "sandbox-buyer@example.com" });
  await takeLive(t.db.sql, shop.project.id);
  await rejectsAs(
    openCheckout(t.deps, shop.project.id, { sub: shop.userId, plan: "pro" }),
    "not_found",
    /other environment/,
  );
  const viaApi = await t.app.request("/api/platform/checkout", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: basic(shop.project.clientId, shop.project.secret),
    },
    body: JSON.stringify({ user: shop.userId, plan: "pro" }),
  });
  assert.equal(viaApi.status, 404);
  const [row] = await t.db
    .sql`select count(*)::int as n from astapa.checkouts where project_id = ${shop.project.id}`;
  assert.equal(row.n, 0);
});
