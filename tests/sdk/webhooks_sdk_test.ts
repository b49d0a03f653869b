/** The SDK's webhook helpers against a served Astapa: the endpoint's whole life, typed refusals, the log. */
import assert from "node:assert/strict";
import { Webhook } from "standardwebhooks";
import { EVENT_TYPES } from "@/db/webhooks.ts";
import { WebhookWorker } from "@/lib/webhooks/worker.ts";
import { AstapaError, createAstapa, WEBHOOK_EVENT_TYPES, type WebhookEvents } from "@/sdk/mod.ts";
import { testApp } from "../helpers/app.ts";
import { seedProject, seedUser } from "../helpers/oauth.ts";
import { startReceiver } from "../helpers/webhooks.ts";

const t = await testApp({ listen: true });
Deno.test.afterAll(() => t.close());

const sdkFor = (project: { clientId: string; secret: string }) =>
  createAstapa({ baseUrl: t.origin, clientId: project.clientId, clientSecret: project.secret });

const refusal = (promise: Promise<unknown>) =>
  promise.then(() => assert.fail("expected a refusal"), (error: AstapaError) => error);

Deno.test("sdk — webhooks: the event types are the server's", () => {
  assert.deepEqual([...WEBHOOK_EVENT_TYPES], [...EVENT_TYPES]);
});

Deno.test("sdk — webhooks: set (secret once), get, update, rotateSecret, remove; get is null without one", async () => {
  const astapa = sdkFor(await seedProject(t.db.sql));
  assert.equal(await astapa.webhooks.get(), null);
  const created = await astapa.webhooks.set({ url: "https://app.example/hooks", events: ["user.created"] });
  assert.match(created.secret ?? "", /^whsec_/);
  assert.deepEqual(created.events, ["user.created"]);
  const read = await astapa.webhooks.get();
  assert.deepEqual(read && [read.url, read.events, "secret" in read], [
    "https://app.example/hooks",
    ["user.created"],
    false,
  ]);
  const replaced = await astapa.webhooks.set({ url: "https://app.example/v2", events: "*" });
  assert.deepEqual([replaced.events, replaced.secret], ["*", undefined], "replacing shows no secret");
  const paused = await astapa.webhooks.update({ enabled: false });
  assert.equal(paused.enabled, false);
  const rotated = await astapa.webhooks.rotateSecret();
  assert.match(rotated.secret, /^whsec_/);
  assert.notEqual(rotated.secret, created.secret);
  await astapa.webhooks.remove();
  assert.equal(await astapa.webhooks.get(), null);
  const gone = await refusal(astapa.webhooks.remove());
  assert.deepEqual([gone.status, gone.code], [404, "not_found"]);
});

Deno.test("sdk — webhooks.endpoints: create two (each secret once), list, get, update, rotateSecret, delete; the log by endpoint", async () => {
  const project = await seedProject(t.db.sql);
  const astapa = sdkFor(project);
  const { endpoints } = astapa.webhooks;
  assert.deepEqual(await endpoints.list(), []);
  const a = await endpoints.create({ url: "https://a.example/hooks" });
  const b = await endpoints.create({ url: "https://b.example/hooks", events: ["user.created"] });
  assert.match(a.id, /^wep_/);
  assert.match(b.secret, /^whsec_/);
  assert.notEqual(a.secret, b.secret);
  assert.deepEqual((await endpoints.list()).map((e) => [e.id, "secret" in e]), [[a.id, false], [
    b.id,
    false,
  ]]);
  assert.deepEqual((await endpoints.get(b.id)).events, ["user.created"]);
  assert.equal((await endpoints.update(b.id, { enabled: false })).enabled, false);
  assert.equal((await endpoints.get(a.id)).enabled, true);
  const rotated = await endpoints.rotateSecret(a.id);
  assert.notEqual(rotated.secret, a.secret);
  assert.equal((await astapa.webhooks.get())?.id, a.id, "the singular methods are the oldest endpoint");

  await seedUser(t.db.sql, project.id, "sdk-two@example.com");
  const page = await astapa.webhooks.deliveries({ endpointId: a.id });
  assert.deepEqual(page.deliveries.map((d) => d.endpoint_id), [a.id], "the paused endpoint queued none");

  await endpoints.delete(a.id);
  assert.deepEqual((await endpoints.list()).map((e) => e.id), [b.id]);
  const gone = await refusal(endpoints.get(a.id));
  assert.deepEqual([gone.status, gone.code], [404, "not_found"]);
  const full = await refusal(
    (async () => {
      for (let i = 0; i < 16; i++) await endpoints.create({ url: `https://app.example/${i}` });
    })(),
  );
  assert.deepEqual([full.status, full.code], [409, "webhook_endpoint_limit"]);
});

Deno.test("sdk — webhooks: refusals are typed AstapaErrors with fields; the types refuse them first", async () => {
  const astapa = sdkFor(await seedProject(t.db.sql));
  // @ts-expect-error "*" stands alone: it is not one of a list's types
  const mixed: WebhookEvents = ["*", "user.created"];
  // @ts-expect-error an event type Astapa does not send
  const unknown: WebhookEvents = ["user.exploded"];
  const cases: [{ url: string; events?: WebhookEvents }, string, RegExp][] = [
    [{ url: "https://app.example/h", events: mixed }, "events", /send it alone/],
    [{ url: "https://app.example/h", events: unknown }, "events", /one or more of/],
    [{ url: "https://app.example/h", events: [] }, "events", /one or more of/],
    [{ url: "http://app.example/h" }, "url", /absolute https URL/],
  ];
  for (const [input, field, message] of cases) {
    const error = await refusal(astapa.webhooks.set(input));
    assert.ok(error instanceof AstapaError);
    assert.deepEqual([error.status, error.code], [400, "validation_failed"], JSON.stringify(input));
    assert.match(error.fields?.[field]?.[0] ?? "", message);
  }
  assert.equal(await astapa.webhooks.get(), null, "nothing was created");
  const missing = await refusal(astapa.webhooks.update({ enabled: true }));
  assert.equal(missing.code, "not_found");
});

Deno.test("sdk — webhooks: a delivery signed with the secret set() returned; deliveries and resend", async () => {
  const project = await seedProject(t.db.sql);
  const astapa = sdkFor(project);
  const receiver = startReceiver();
  const worker = new WebhookWorker({ sql: t.db.sql, sealing: t.deps.masterKeys.sealing, maxAttempts: 1 });
  await worker.start();
  try {
    const { secret } = await astapa.webhooks.set({ url: receiver.url });
    receiver.respond = () => 503;
    await seedUser(t.db.sql, project.id, "sdk-hooked@example.com");
    await receiver.waitFor(1);
    const [request] = receiver.received;
    const event = new Webhook(secret!).verify(request.body, Object.fromEntries(request.headers)) as {
      type: string;
    };
    assert.equal(event.type, "user.created");
    await worker.settle();
    const page = await astapa.webhooks.deliveries({ limit: 10 });
    assert.deepEqual(page.deliveries.map((d) => [d.event_type, d.status, d.last_status]), [
      ["user.created", "failed", 503],
    ]);
    assert.equal(page.older, null);
    receiver.respond = () => 200;
    assert.equal((await astapa.webhooks.resend(page.deliveries[0].id)).status, "pending");
    await receiver.waitFor(2);
    const conflict = await refusal(astapa.webhooks.resend(page.deliveries[0].id));
    assert.equal(conflict.status, 409);
  } finally {
    await worker.stop();
    await receiver.close();
  }
});

Deno.test("sdk — webhooks.endpoints: a description; sendTest queues webhook.test to that endpoint, 429 past five", async () => {
  const astapa = sdkFor(await seedProject(t.db.sql));
  const endpoint = await astapa.webhooks.endpoints.create({
    url: "https://app.example/h",
    description: "Billing",
  });
  assert.equal(endpoint.description, "Billing");
  const cleared = await astapa.webhooks.endpoints.update(endpoint.id, { description: null });
  assert.equal(cleared.description, null);
  const other = await astapa.webhooks.endpoints.create({ url: "https://other.example/h" });
  const sent = await astapa.webhooks.endpoints.sendTest(endpoint.id);
  assert.deepEqual([sent.event_type, sent.endpoint_id, sent.status], [
    "webhook.test",
    endpoint.id,
    "pending",
  ]);
  const { deliveries } = await astapa.webhooks.deliveries({ endpointId: other.id });
  assert.deepEqual(deliveries, [], "not to the other endpoint");
  for (let more = 0; more < 4; more++) await astapa.webhooks.endpoints.sendTest(endpoint.id);
  const limited = await refusal(astapa.webhooks.endpoints.sendTest(endpoint.id));
  assert.deepEqual([limited.status, limited.code], [429, "rate_limited"]);
  assert.equal((await refusal(astapa.webhooks.endpoints.sendTest(other.id + "x"))).code, "not_found");
});
