/**
 * App webhooks end to end: events leave through the outbox, the worker signs and posts them to a real local
 * receiver, retries with backoff, gives up after the limit, and never sends twice across a restart.
 */
import assert from "node:assert/strict";
import { Webhook } from "standardwebhooks";
import { asApp } from "@/db/client.ts";
import { assignPlan, createPlan } from "@/db/plans.ts";
import { claimWebhookDeliveries, listWebhookDeliveries, recordWebhookAttempt } from "@/db/webhooks.ts";
import { updateWebhookEndpoint } from "@/db/webhook_endpoints.ts";
import { configureLog } from "@/lib/http/log.ts";
import { deriveMasterKeys } from "@/lib/tokens/master_key.ts";
import { WebhookWorker, type WebhookWorkerOptions } from "@/lib/webhooks/worker.ts";
import { TEST_MASTER_KEY } from "../helpers/app.ts";
import { testDatabase } from "../helpers/db.ts";
import { seedProject, seedUser } from "../helpers/identity.ts";
import { addEndpoint, type Received, setEndpoint, startReceiver } from "../helpers/webhooks.ts";

const logs: Record<string, unknown>[] = [];
configureLog("debug", (line) => logs.push(JSON.parse(line)));
const db = await testDatabase();
const { sealing } = await deriveMasterKeys(TEST_MASTER_KEY);
const receivers: { close(): Promise<void> }[] = [];
Deno.test.afterAll(async () => {
  for (const receiver of receivers) await receiver.close();
  await db.close();
});

function receiver() {
  const r = startReceiver();
  receivers.push(r);
  return r;
}

const worker = (options: Partial<WebhookWorkerOptions> = {}) =>
  new WebhookWorker({ sql: db.sql, sealing, backoffSeconds: () => 0, maxAttempts: 3, ...options });

const deliveries = (projectId: string) =>
  asApp(db.sql, projectId, (tx) => listWebhookDeliveries(tx, projectId));

/** The Standard Webhooks check done by hand, as an app without a library would. */
async function verifyByHand(secret: string, request: Received): Promise<boolean> {
  const key = await crypto.subtle.importKey(
    "raw",
    Uint8Array.from(atob(secret.slice("whsec_".length)), (c) => c.charCodeAt(0)),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["verify"],
  );
  const [version, signature] = request.headers.get("webhook-signature")!.split(",");
  const signed = `${request.headers.get("webhook-id")}.${
    request.headers.get("webhook-timestamp")
  }.${request.body}`;
  return version === "v1" && await crypto.subtle.verify(
    "HMAC",
    key,
    Uint8Array.from(atob(signature), (c) => c.charCodeAt(0)),
    new TextEncoder().encode(signed),
  );
}

Deno.test("webhooks — each event's notification names its project: two projects' events both go out, no sweep", async () => {
  const [a, b] = [await seedProject(db.sql), await seedProject(db.sql)];
  const [appA, appB] = [receiver(), receiver()];
  await setEndpoint(db.sql, sealing, a.id, appA.url);
  await setEndpoint(db.sql, sealing, b.id, appB.url);
  const w = worker({ sweepSeconds: 3600 });
  await w.start();
  try {
    await seedUser(db.sql, a.id, "named-a@example.com");
    await seedUser(db.sql, b.id, "named-b@example.com");
    await appA.waitFor(1);
    await appB.waitFor(1);
    assert.equal(appA.received[0].json.project_id, a.id);
    assert.equal(appB.received[0].json.project_id, b.id);
  } finally {
    await w.stop();
  }
});

Deno.test("webhooks — a new user reaches the app signed (Standard Webhooks), woken by NOTIFY alone", async () => {
  const project = await seedProject(db.sql);
  const app = receiver();
  const secret = await setEndpoint(db.sql, sealing, project.id, app.url);
  const w = worker();
  await w.start();
  try {
    const sub = await seedUser(db.sql, project.id, "hello@example.com");
    await app.waitFor(1);
    const [request] = app.received;
    const verified = new Webhook(secret).verify(request.body, Object.fromEntries(request.headers)) as Record<
      string,
      unknown
    >;
    assert.equal(verified.type, "user.created");
    assert.ok(await verifyByHand(secret, request));
    assert.ok(!(await verifyByHand(secret, { ...request, body: request.body.replace("hello", "hallo") })));
    assert.match(request.headers.get("webhook-id")!, /^evt_[a-z2-7]{24}$/);
    assert.equal(request.json.id, request.headers.get("webhook-id"));
    assert.equal(request.json.project_id, project.id);
    assert.equal((request.json.data as { user: { id: string; email: string } }).user.id, sub);
    assert.equal(request.headers.get("content-type"), "application/json");
    await w.settle();
    const [delivery] = await deliveries(project.id);
    assert.equal(delivery.status, "delivered");
    assert.equal(delivery.attempts, 1);
    assert.equal(delivery.last_status, 200);
  } finally {
    await w.stop();
  }
});

Deno.test("webhooks — two endpoints receive the same event, each signed with its own secret; a paused one none", async () => {
  const project = await seedProject(db.sql);
  const [appA, appB, appOff] = [receiver(), receiver(), receiver()];
  const a = await addEndpoint(db.sql, sealing, project.id, appA.url);
  const b = await addEndpoint(db.sql, sealing, project.id, appB.url, ["user.created"]);
  const off = await addEndpoint(db.sql, sealing, project.id, appOff.url);
  await asApp(
    db.sql,
    project.id,
    (tx) => updateWebhookEndpoint(tx, project.id, off.id, { enabled: false, internalReason: null }),
  );
  const w = worker();
  await w.start();
  try {
    await seedUser(db.sql, project.id, "both@example.com");
    await appA.waitFor(1);
    await appB.waitFor(1);
    await w.settle();
    const [toA, toB] = [appA.received[0], appB.received[0]];
    assert.equal(toA.headers.get("webhook-id"), toB.headers.get("webhook-id"), "the same event");
    assert.equal(toA.body, toB.body);
    assert.ok(await verifyByHand(a.secret, toA), "A's copy is signed with A's secret");
    assert.ok(await verifyByHand(b.secret, toB), "B's copy is signed with B's secret");
    assert.ok(!(await verifyByHand(b.secret, toA)), "and not with the other's");
    assert.ok(!(await verifyByHand(a.secret, toB)));
    assert.equal(appOff.received.length, 0, "a paused endpoint gets nothing");
    const log = await deliveries(project.id);
    assert.deepEqual(
      log.map((d) => [d.endpoint_id, d.endpoint_url, d.status]).sort(),
      [[a.id, appA.url, "delivered"], [b.id, appB.url, "delivered"]].sort(),
    );
  } finally {
    await w.stop();
  }
});

Deno.test("webhooks — a 500 is retried with the same id until it succeeds", async () => {
  const project = await seedProject(db.sql);
  const user = await seedUser(db.sql, project.id, "retry@example.com");
  await asApp(db.sql, project.id, (tx) => createPlan(tx, project.id, { key: "pro", name: "Pro" }));
  const app = receiver();
  app.respond = (_, index) => index === 0 ? 500 : 200;
  const secret = await setEndpoint(db.sql, sealing, project.id, app.url);
  await asApp(db.sql, project.id, (tx) => assignPlan(tx, project.id, user, "pro", "payment"));
  const w = worker();
  await w.start();
  await w.stop();
  assert.equal(app.received.length, 2);
  const [first, second] = app.received;
  assert.equal(first.headers.get("webhook-id"), second.headers.get("webhook-id"));
  for (const request of app.received) assert.ok(await verifyByHand(secret, request));
  assert.equal(second.json.type, "subscription.updated");
  const data = second.json.data as { subscription: { plan: string; sub: string }; previous_plan: string };
  assert.deepEqual([data.subscription.plan, data.subscription.sub, data.previous_plan], [
    "pro",
    user,
    "free",
  ]);
  const [delivery] = await deliveries(project.id);
  assert.deepEqual([delivery.status, delivery.attempts, delivery.last_status], ["delivered", 2, 200]);
  assert.ok(
    logs.some((line) => line.msg === "webhook attempt" && line.http_status === 500),
    "retries are logged",
  );
});

Deno.test("webhooks — the worker gives up after the attempt limit and says why", async () => {
  const project = await seedProject(db.sql);
  const app = receiver();
  app.respond = () => 500;
  await setEndpoint(db.sql, sealing, project.id, app.url);
  await seedUser(db.sql, project.id, "doomed@example.com");
  const w = worker({ maxAttempts: 3 });
  await w.start();
  await w.stop();
  assert.equal(app.received.length, 3);
  const [delivery] = await deliveries(project.id);
  assert.deepEqual(
    [delivery.status, delivery.attempts, delivery.last_status, delivery.last_error],
    ["failed", 3, 500, "The endpoint answered 500."],
  );
  // A later worker leaves it alone.
  const again = worker();
  await again.start();
  await again.stop();
  assert.equal(app.received.length, 3);
});

Deno.test("webhooks — the default backoff waits before a retry instead of sending at once", async () => {
  const project = await seedProject(db.sql);
  const app = receiver();
  app.respond = () => 503;
  await setEndpoint(db.sql, sealing, project.id, app.url);
  await seedUser(db.sql, project.id, "later@example.com");
  const w = new WebhookWorker({ sql: db.sql, sealing });
  await w.start();
  await w.stop();
  assert.equal(app.received.length, 1);
  const [delivery] = await deliveries(project.id);
  assert.equal(delivery.status, "pending");
  const wait = (Date.parse(delivery.next_attempt_at!) - Date.parse(delivery.last_attempt_at!)) / 1000;
  // 10 s ± 10 % jitter, counted from when the attempt ended; last_attempt_at marks when it began, so the
  // attempt's own duration (milliseconds, more under load) sits on top.
  assert.ok(wait >= 9 && wait <= 12, `first retry after about 10 s, not ${wait}`);
});

Deno.test("webhooks — stopping mid-delivery finishes and records it: a restart sends nothing twice", async () => {
  const project = await seedProject(db.sql);
  const app = receiver();
  let release = (_status: number) => {};
  app.respond = () => new Promise<number>((resolve) => release = resolve);
  await setEndpoint(db.sql, sealing, project.id, app.url);
  const first = worker();
  await first.start();
  await seedUser(db.sql, project.id, "restart@example.com");
  await app.waitFor(1);
  const stopping = first.stop();
  release(200);
  await stopping;
  assert.equal((await deliveries(project.id))[0].status, "delivered");

  app.respond = () => 200;
  const second = worker();
  await second.start();
  await second.stop();
  assert.equal(app.received.length, 1, "the restarted worker did not send it again");
});

Deno.test("webhooks — a worker that died holding a claim: nobody sends until its lease ends, then once", async () => {
  const project = await seedProject(db.sql);
  const app = receiver();
  await setEndpoint(db.sql, sealing, project.id, app.url);
  await seedUser(db.sql, project.id, "crash@example.com");
  const [dead] = await claimWebhookDeliveries(db.sql, project.id, 10, 60);
  assert.equal(dead.attempt, 1);

  const w = worker();
  await w.start();
  assert.equal(app.received.length, 0, "the live lease is respected");
  await db.sql`update astapa.webhook_deliveries set lease_until = now() - interval '1 second'
               where project_id = ${project.id}`;
  await w.settle();
  await w.stop();
  assert.equal(app.received.length, 1);
  const late = await recordWebhookAttempt(db.sql, project.id, {
    deliveryId: dead.delivery_id,
    attempt: dead.attempt,
    httpStatus: 500,
    error: "late",
    retryIn: 0,
  });
  assert.equal(late, null, "the dead worker's late result is fenced off");
  const [delivery] = await deliveries(project.id);
  assert.deepEqual([delivery.status, delivery.attempts], ["delivered", 2]);
});

Deno.test("webhooks — two workers on one outbox deliver every event exactly once", async () => {
  const project = await seedProject(db.sql);
  const app = receiver();
  await setEndpoint(db.sql, sealing, project.id, app.url);
  for (let i = 0; i < 12; i++) await seedUser(db.sql, project.id, `crowd${i}@example.com`);
  const a = worker({ batchSize: 2 });
  const b = worker({ batchSize: 2 });
  await Promise.all([a.start(), b.start()]);
  await Promise.all([a.stop(), b.stop()]);
  const ids = app.received.map((r) => r.headers.get("webhook-id"));
  assert.equal(ids.length, 12);
  assert.equal(new Set(ids).size, 12);
});

Deno.test("webhooks — only subscribed event types are queued; payment events go out too", async () => {
  const project = await seedProject(db.sql);
  const app = receiver();
  await setEndpoint(db.sql, sealing, project.id, app.url, ["payment.succeeded", "payment.failed"]);
  await seedUser(db.sql, project.id, "quiet@example.com");
  await asApp(
    db.sql,
    project.id,
    (tx) => tx`select astapa.emit_event(${project.id}, 'payment.succeeded', '{"amount_idr": 99000}')`,
  );
  const w = worker();
  await w.start();
  await w.stop();
  assert.deepEqual(app.received.map((r) => r.json.type), ["payment.succeeded"]);
  assert.deepEqual(app.received[0].json.data, { amount_idr: 99000 });
});
