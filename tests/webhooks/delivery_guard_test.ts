/** The SSRF guard at delivery time: a production project's endpoint on an internal address is not called. */
import assert from "node:assert/strict";
import { takeLive } from "../helpers/live_keys.ts";
import { asApp } from "@/db/client.ts";
import { listWebhookDeliveries } from "@/db/webhooks.ts";
import { configureLog } from "@/lib/http/log.ts";
import { deriveMasterKeys } from "@/lib/tokens/master_key.ts";
import { productionTargetCheck, type Resolver } from "@/lib/webhooks/address_guard.ts";
import { WebhookWorker } from "@/lib/webhooks/worker.ts";
import { TEST_MASTER_KEY } from "../helpers/app.ts";
import { testDatabase } from "../helpers/db.ts";
import { seedProject, seedUser } from "../helpers/identity.ts";
import { setEndpoint, startReceiver } from "../helpers/webhooks.ts";

configureLog("error", () => {}); // attempts log at info/warn; this file asserts on the outbox instead
const db = await testDatabase();
const { sealing } = await deriveMasterKeys(TEST_MASTER_KEY);
const receiver = startReceiver();
Deno.test.afterAll(async () => {
  await receiver.close();
  await db.close();
});

/** A project whose endpoint is the loopback receiver (set through SQL, as the CLI may) with one event waiting. */
async function projectWithEvent(mode: "sandbox" | "production", url = receiver.url) {
  const project = await seedProject(db.sql);
  await setEndpoint(db.sql, sealing, project.id, url);
  if (mode === "production") await takeLive(db.sql, project.id);
  await seedUser(db.sql, project.id, `${mode}@example.com`);
  return project.id;
}

const worker = (allowPrivate: boolean) =>
  new WebhookWorker({
    sql: db.sql,
    sealing,
    maxAttempts: 1,
    checkTarget: productionTargetCheck(db.sql, allowPrivate),
  });

const lastDelivery = async (projectId: string) =>
  (await asApp(db.sql, projectId, (tx) => listWebhookDeliveries(tx, projectId)))[0];

Deno.test("delivery guard — production: not sent to loopback, recorded why; sandbox: sent", async () => {
  const live = await projectWithEvent("production");
  const local = await projectWithEvent("sandbox");
  const before = receiver.received.length;
  await worker(false).settle();
  const refused = await lastDelivery(live);
  assert.equal(refused.status, "failed");
  assert.equal(refused.last_status, null);
  assert.equal(refused.last_error, "Not sent: 127.0.0.1 is an internal address.");
  assert.equal((await lastDelivery(local)).status, "delivered");
  assert.equal(receiver.received.length, before + 1, "only the sandbox project's event arrived");
  assert.equal(receiver.received.at(-1)!.json.project_id, local);
});

Deno.test("delivery guard — ASTAPA_WEBHOOK_ALLOW_PRIVATE lets production deliver to internal addresses", async () => {
  const live = await projectWithEvent("production");
  await worker(true).settle();
  assert.equal((await lastDelivery(live)).status, "delivered");
  assert.equal(receiver.received.at(-1)!.json.project_id, live);
});

Deno.test("delivery guard — a name rebound to loopback after the check is not reached (one lookup, pinned)", async () => {
  // First answer: a public documentation address (nothing listens there); every later answer: loopback, where
  // the receiver listens. The worker must connect where the check looked, never where a second lookup points.
  const asked: string[] = [];
  const resolve: Resolver = (host, type) => {
    asked.push(`${host} ${type}`);
    if (type === "AAAA") return Promise.resolve([]);
    return Promise.resolve([asked.length === 1 ? "203.0.113.10" : "127.0.0.1"]);
  };
  const port = new URL(receiver.url).port;
  const live = await projectWithEvent("production", `https://rebind.example.test:${port}/hooks`);
  const before = receiver.received.length;
  await new WebhookWorker({
    sql: db.sql,
    sealing,
    maxAttempts: 1,
    timeoutMs: 2000,
    checkTarget: productionTargetCheck(db.sql, false, resolve),
  }).settle();
  const attempt = await lastDelivery(live);
  assert.equal(attempt.status, "failed");
  assert.doesNotMatch(attempt.last_error ?? "", /^Not sent/, "the check passed: the attempt was made");
  assert.deepEqual(asked, ["rebind.example.test A", "rebind.example.test AAAA"]);
  assert.equal(receiver.received.length, before, "nothing reached the loopback receiver");
});
