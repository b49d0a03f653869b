/**
 * "Send a test event" through the real worker: the webhook.test delivery reaches only the endpoint asked for
 * (even paused), signed with that endpoint's secret, is logged like any delivery, and the SSRF guard applies.
 */
import assert from "node:assert/strict";
import { Webhook } from "standardwebhooks";
import { asApp } from "@/db/client.ts";
import { sendTestWebhook, updateWebhookEndpoint } from "@/db/webhook_endpoints.ts";
import { webhookDeliveryPage } from "@/db/webhooks.ts";
import { configureLog } from "@/lib/http/log.ts";
import { deriveMasterKeys } from "@/lib/tokens/master_key.ts";
import { productionTargetCheck } from "@/lib/webhooks/address_guard.ts";
import { WebhookWorker } from "@/lib/webhooks/worker.ts";
import { TEST_MASTER_KEY } from "../helpers/app.ts";
import { testDatabase } from "../helpers/db.ts";
import { seedProject } from "../helpers/identity.ts";
import { takeLive } from "../helpers/live_keys.ts";
import { addEndpoint, startReceiver } from "../helpers/webhooks.ts";

configureLog("error", () => {}); // attempts log at info/warn; this file asserts on the receivers and the log
const db = await testDatabase();
const { sealing } = await deriveMasterKeys(TEST_MASTER_KEY);
const [asked, other] = [startReceiver(), startReceiver()];
Deno.test.afterAll(async () => {
  await asked.close();
  await other.close();
  await db.close();
});

const worker = () =>
  new WebhookWorker({
    sql: db.sql,
    sealing,
    maxAttempts: 1,
    checkTarget: productionTargetCheck(db.sql, false),
  });
const sendTest = (projectId: string, endpointId: string) =>
  asApp(db.sql, projectId, (tx) => sendTestWebhook(tx, projectId, endpointId));
const log = async (projectId: string, endpointId: string) =>
  (await asApp(db.sql, projectId, (tx) => webhookDeliveryPage(tx, projectId, { endpointId }))).deliveries;

Deno.test("webhook test event — a paused endpoint receives it signed with its own secret; an all-events one nothing", async () => {
  const project = await seedProject(db.sql);
  const target = await addEndpoint(db.sql, sealing, project.id, asked.url, ["payment.failed"]);
  const everything = await addEndpoint(db.sql, sealing, project.id, other.url);
  await asApp(
    db.sql,
    project.id,
    (tx) => updateWebhookEndpoint(tx, project.id, target.id, { enabled: false, internalReason: null }),
  );
  const [before, otherBefore] = [asked.received.length, other.received.length];

  const queued = await sendTest(project.id, target.id);
  await worker().settle();
  await asked.waitFor(before + 1);

  const request = asked.received[before];
  const verified = new Webhook(target.secret).verify(request.body, Object.fromEntries(request.headers)) as {
    type: string;
    data: Record<string, unknown>;
  };
  assert.equal(verified.type, "webhook.test");
  assert.deepEqual(
    { ...verified.data, sent_at: typeof verified.data.sent_at },
    { test: true, endpoint_id: target.id, project_id: project.id, sent_at: "string" },
  );
  assert.throws(() =>
    new Webhook(everything.secret).verify(request.body, Object.fromEntries(request.headers))
  );
  assert.equal(other.received.length, otherBefore, "the all-events endpoint got nothing");
  const [logged] = await log(project.id, target.id);
  assert.deepEqual([logged.id, logged.status, logged.event_type], [queued.id, "delivered", "webhook.test"]);
  assert.deepEqual(await log(project.id, everything.id), []);
});

Deno.test("webhook test event — the SSRF guard applies: a production project's loopback endpoint is not called", async () => {
  const project = await seedProject(db.sql);
  const target = await addEndpoint(db.sql, sealing, project.id, asked.url);
  await takeLive(db.sql, project.id);
  const before = asked.received.length;
  const queued = await sendTest(project.id, target.id);
  await worker().settle();
  const [logged] = await log(project.id, target.id);
  assert.deepEqual([logged.id, logged.status], [queued.id, "failed"]);
  assert.equal(logged.last_error, "Not sent: 127.0.0.1 is an internal address.");
  assert.equal(asked.received.length, before, "nothing reached the receiver");
});
