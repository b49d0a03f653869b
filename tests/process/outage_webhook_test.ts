/**
 * A paid callback that arrives while Postgres is down is answered 503, so Xendit keeps it and retries; once
 * the database is back the retry is stored and the payment worker (re-listening after its reconnect) applies
 * it exactly once. Xendit is the simulator configured as the deployment's account; its sender's retries are
 * held until the database is back, so the test does not depend on how fast Postgres restarts.
 */
import assert from "node:assert/strict";
import { asApp, createPool } from "@/db/client.ts";
import { currentSubscription } from "@/db/plans.ts";
import { freePort, startEmbeddedPostgres } from "@/db/embedded.ts";
import { migrate } from "@/db/migrate.ts";
import { loadConfig } from "@/config.ts";
import { createApp } from "@/lib/app.ts";
import { configureLog } from "@/lib/http/log.ts";
import { deriveMasterKeys } from "@/lib/tokens/master_key.ts";
import { createDeps } from "@/lib/deps.ts";
import { PaymentEventWorker } from "@/lib/payments/worker.ts";
import { TEST_MASTER_KEY } from "../helpers/app.ts";
import { testEnv } from "../helpers/db.ts";
import { basic } from "../helpers/oauth.ts";
import { seedShop } from "../helpers/payments.ts";
import { waitFor } from "../helpers/wait.ts";
import { serveSimulator, TEST_CALLBACK_TOKEN, TEST_SECRET_KEY } from "../helpers/xendit.ts";

Deno.test("outage — a callback answered 503 while Postgres is down is applied once after Xendit retries", async () => {
  configureLog("error", () => {});
  const dir = await Deno.makeTempDir({ prefix: "astapa-outage-webhook-" });
  const port = freePort();
  let cluster = await startEmbeddedPostgres(dir, { durable: false, port });
  const sql = createPool(cluster.url, { max: 4 });
  const xendit = serveSimulator({
    retryDelaysMs: [10, 10, 10],
    webhookUrl: "http://astapa.test/api/webhooks/xendit",
  });
  let deps: Awaited<ReturnType<typeof createDeps>> | undefined;
  let worker: PaymentEventWorker | undefined;
  try {
    await migrate(sql);
    const config = loadConfig({
      ASTAPA_BASE_URL: "http://astapa.test",
      DATABASE_URL: cluster.url,
      XENDIT_SECRET_KEY: TEST_SECRET_KEY,
      XENDIT_CALLBACK_TOKEN: TEST_CALLBACK_TOKEN,
      XENDIT_BASE_URL: xendit.url,
    });
    deps = await createDeps({
      config,
      sql,
      masterKeys: await deriveMasterKeys(TEST_MASTER_KEY),
      assets: { clientScript: testEnv("ASTAPA_TEST_CLIENT_SCRIPT") },
    });
    const app = await createApp(deps);
    let databaseBack: () => void = () => {};
    const back = new Promise<void>((resolve) => databaseBack = resolve);
    let attempts = 0;
    // Callbacks reach the app in-process; every retry waits until the database is back.
    xendit.sim.webhooks.useDeliver(async (request) => {
      if (attempts++ > 0) await back;
      return await app.fetch(request);
    });
    worker = new PaymentEventWorker(sql);
    await worker.start();

    const shop = await seedShop(sql);
    const created = await app.request("/api/platform/checkout", {
      method: "POST",
      headers: {
        authorization: basic(shop.project.clientId, shop.project.secret),
        "content-type": "application/json",
      },
      body: JSON.stringify({ user: shop.userId, plan: "pro", method: "qris" }),
    });
    const checkout = await created.json();
    assert.equal(created.status, 201, JSON.stringify(checkout));
    const pr = [...xendit.sim.paymentRequests.values()].find((p) => p.referenceId === checkout.checkout_id)!;

    await cluster.stop();
    xendit.sim.pay(pr.id);
    const first = await waitFor(
      () => Promise.resolve(xendit.sim.webhooks.log.find((d) => d.status !== null)),
      "the first delivery to be answered",
    );
    assert.equal(first.status, 503, "the callback is refused while the database is down, so Xendit retries");

    cluster = await startEmbeddedPostgres(dir, { durable: false, port });
    await waitFor(async () => (await app.request("/readyz")).status === 200, "readyz to recover");
    databaseBack();
    await xendit.sim.webhooks.idle();
    assert.deepEqual(
      xendit.sim.webhooks.log.map((d) => d.status),
      [503, 200],
      "one refused delivery, one accepted retry",
    );
    const state = await waitFor(async () => {
      const state = await asApp(
        sql,
        shop.project.id,
        (tx) => currentSubscription(tx, shop.project.id, shop.userId),
      );
      return state.subscription?.source === "payment" ? state : undefined;
    }, "the retried payment to be applied");
    assert.equal(state.plan, "pro");
    const events = await sql`select outcome from astapa.payment_events where project_id = ${shop.project.id}`;
    assert.deepEqual(events.map((e) => e.outcome), ["paid"], "stored once, applied once");
    const [payment] = await sql`select status from astapa.payments where project_id = ${shop.project.id}`;
    assert.equal(payment.status, "paid");
    const subscriptions = await sql`select count(*)::int as n from astapa.subscriptions
                                    where project_id = ${shop.project.id} and source = 'payment'`;
    assert.equal(subscriptions[0].n, 1);
  } finally {
    await worker?.stop();
    await xendit.close();
    deps?.close();
    await sql.end({ timeout: 1 });
    await cluster.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
