/**
 * A project's several webhook endpoints (db/api/webhooks.sql): the fan-out queues one delivery per enabled
 * endpoint whose filter matches, the limit of 16 holds under concurrent creates, removing an endpoint keeps
 * its delivery log, and the deprecated singular functions manage the oldest endpoint.
 */
import assert from "node:assert/strict";
import { asApp, type Tx } from "@/db/client.ts";
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  listWebhookEndpoints,
  readWebhookEndpoint,
  rotateWebhookEndpointSecret,
  updateWebhookEndpoint,
} from "@/db/webhook_endpoints.ts";
import {
  getWebhookEndpoint,
  removeWebhookEndpoint,
  resendWebhookDelivery,
  setWebhookEndpoint,
  webhookDeliveryPage,
} from "@/db/webhooks.ts";
import { deleteProject } from "@/db/project_settings.ts";
import { deriveMasterKeys } from "@/lib/tokens/master_key.ts";
import { openWebhookSecret, sealWebhookSecret } from "@/lib/webhooks/signature.ts";
import { TEST_MASTER_KEY } from "../helpers/app.ts";
import { testDatabase } from "../helpers/db.ts";
import { rejectsAs, seedProject, seedUser } from "../helpers/identity.ts";
import { lockRace } from "../helpers/lock_race.ts";
import { addEndpoint } from "../helpers/webhooks.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());
const { sealing } = await deriveMasterKeys(TEST_MASTER_KEY);

const as = <T>(projectId: string, work: (tx: Tx) => Promise<T>) => asApp(db.sql, projectId, work);
const createIn = async (tx: Tx, projectId: string, url: string) =>
  createWebhookEndpoint(tx, projectId, {
    url,
    secretSealed: await sealWebhookSecret(sealing, projectId, "whsec_x"),
    internalReason: null,
  });
const create = (projectId: string, url: string) => as(projectId, (tx) => createIn(tx, projectId, url));
const page = (projectId: string, endpointId?: string) =>
  as(projectId, (tx) => webhookDeliveryPage(tx, projectId, { endpointId }));
const endpointCount = async (projectId: string) =>
  (await db.sql`select count(*)::int as n from astapa.webhook_endpoints where project_id = ${projectId}`)[0]
    .n;

Deno.test("webhook fan-out — one delivery per enabled endpoint whose filter matches the event", async () => {
  const project = await seedProject(db.sql);
  const all = await addEndpoint(db.sql, sealing, project.id, "https://a.example/hooks");
  const users = await addEndpoint(db.sql, sealing, project.id, "https://b.example/hooks", ["user.created"]);
  const payments = await addEndpoint(db.sql, sealing, project.id, "https://c.example/hooks", [
    "payment.failed",
  ]);
  const paused = await addEndpoint(db.sql, sealing, project.id, "https://d.example/hooks");
  await as(
    project.id,
    (tx) => updateWebhookEndpoint(tx, project.id, paused.id, { enabled: false, internalReason: null }),
  );

  await seedUser(db.sql, project.id, "fan@example.com");
  const { deliveries } = await page(project.id);
  assert.deepEqual(
    deliveries.map((d) => [d.event_type, d.endpoint_id, d.endpoint_url]).sort(),
    [
      ["user.created", all.id, "https://a.example/hooks"],
      ["user.created", users.id, "https://b.example/hooks"],
    ].sort(),
    "not to the endpoint listing other types, nor to the paused one",
  );
  assert.equal(deliveries[0].event_id, deliveries[1].event_id, "the same event");
  assert.deepEqual((await page(project.id, payments.id)).deliveries, []);
  assert.deepEqual((await page(project.id, paused.id)).deliveries, []);
  assert.deepEqual((await page(project.id, users.id)).deliveries.map((d) => d.endpoint_id), [users.id]);
});

Deno.test("webhook endpoints — list, read, update, rotate: each endpoint its own; unknown ids are not_found", async () => {
  const project = await seedProject(db.sql);
  const other = await seedProject(db.sql);
  const first = await addEndpoint(db.sql, sealing, project.id, "https://a.example/hooks");
  const second = await addEndpoint(db.sql, sealing, project.id, "https://b.example/hooks", ["user.deleted"]);
  const foreign = await addEndpoint(db.sql, sealing, other.id, "https://other.example/hooks");
  assert.match(first.id, /^wep_[a-z2-7]{24}$/);

  const listed = await as(project.id, (tx) => listWebhookEndpoints(tx, project.id));
  assert.deepEqual(listed.map((e) => [e.id, e.url, e.events]), [
    [first.id, "https://a.example/hooks", "*"],
    [second.id, "https://b.example/hooks", ["user.deleted"]],
  ]);
  assert.equal(
    (await as(project.id, (tx) => readWebhookEndpoint(tx, project.id, second.id))).url,
    "https://b.example/hooks",
  );

  const changed = await as(
    project.id,
    (tx) =>
      updateWebhookEndpoint(tx, project.id, second.id, {
        url: "https://b.example/v2",
        events: "*",
        internalReason: null,
      }),
  );
  assert.deepEqual([changed.id, changed.url, changed.events], [second.id, "https://b.example/v2", "*"]);
  assert.equal(
    (await as(project.id, (tx) => readWebhookEndpoint(tx, project.id, first.id))).url,
    "https://a.example/hooks",
    "the other is untouched",
  );

  await as(project.id, (tx) => rotateWebhookEndpointSecret(tx, project.id, second.id, new Uint8Array(40)));
  const [firstRow] = await db
    .sql`select secret_sealed from astapa.webhook_endpoints where public_id = ${first.id}`;
  assert.equal(
    await openWebhookSecret(sealing, project.id, new Uint8Array(firstRow.secret_sealed)),
    first.secret,
    "rotating one keeps the other's secret",
  );

  for (const id of [foreign.id, "wep_aaaaaaaaaaaaaaaaaaaaaaaa"]) {
    await rejectsAs(
      as(project.id, (tx) => readWebhookEndpoint(tx, project.id, id)),
      "not_found",
      /no webhook endpoint with this id/,
    );
    await rejectsAs(
      as(
        project.id,
        (tx) => updateWebhookEndpoint(tx, project.id, id, { enabled: false, internalReason: null }),
      ),
      "not_found",
    );
    await rejectsAs(
      as(project.id, (tx) => rotateWebhookEndpointSecret(tx, project.id, id, new Uint8Array(40))),
      "not_found",
    );
    await rejectsAs(as(project.id, (tx) => deleteWebhookEndpoint(tx, project.id, id)), "not_found");
    await rejectsAs(page(project.id, id), "not_found");
  }
  assert.equal(
    (await as(other.id, (tx) => readWebhookEndpoint(tx, other.id, foreign.id))).enabled,
    true,
    "the other project's is unchanged",
  );
  await rejectsAs(
    as(
      project.id,
      (tx) =>
        updateWebhookEndpoint(tx, project.id, first.id, { events: ["user.exploded"], internalReason: null }),
    ),
    "validation_failed",
    /one or more of/,
  );
});

Deno.test("webhook endpoints — a project has at most 16; the 17th is webhook_endpoint_limit and nothing is written", async () => {
  const project = await seedProject(db.sql);
  for (let i = 0; i < 16; i++) await create(project.id, `https://app.example/hooks/${i}`);
  await rejectsAs(
    create(project.id, "https://app.example/hooks/16"),
    "webhook_endpoint_limit",
    /16 webhook endpoints/,
  );
  assert.equal(await endpointCount(project.id), 16);
  // The singular form changes the oldest rather than adding one, so it still works at the limit.
  await as(
    project.id,
    (tx) => setWebhookEndpoint(tx, project.id, { url: "https://app.example/oldest", secretSealed: null }),
  );
  assert.equal(await endpointCount(project.id), 16);
  // Removing one makes room again.
  const [oldest] = await as(project.id, (tx) => listWebhookEndpoints(tx, project.id));
  await as(project.id, (tx) => deleteWebhookEndpoint(tx, project.id, oldest.id));
  await create(project.id, "https://app.example/hooks/16");
  assert.equal(await endpointCount(project.id), 16);
});

Deno.test("astapa.lock_webhook_endpoint — two creates at once for the 16th place: one is added, the other refused", async () => {
  const project = await seedProject(db.sql);
  for (let i = 0; i < 15; i++) await create(project.id, `https://app.example/hooks/${i}`);
  const [first, second] = await lockRace(
    db.sql,
    project.id,
    (tx) => createIn(tx, project.id, "https://app.example/first"),
    () => create(project.id, "https://app.example/second"),
  );
  assert.equal(first.status, "fulfilled");
  assert.equal(second.status, "rejected", "the second counted the first's endpoint");
  await rejectsAs(Promise.reject((second as PromiseRejectedResult).reason), "webhook_endpoint_limit");
  assert.equal(await endpointCount(project.id), 16);
});

Deno.test("astapa.lock_webhook_endpoint — two creates at once below the limit: both are added, each its own id", async () => {
  const project = await seedProject(db.sql);
  const [first, second] = await lockRace(
    db.sql,
    project.id,
    (tx) => createIn(tx, project.id, "https://app.example/first"),
    () => create(project.id, "https://app.example/second"),
  );
  assert.deepEqual([first.status, second.status], ["fulfilled", "fulfilled"]);
  const listed = await as(project.id, (tx) => listWebhookEndpoints(tx, project.id));
  assert.deepEqual(listed.map((e) => e.url), ["https://app.example/first", "https://app.example/second"]);
  assert.notEqual(listed[0].id, listed[1].id);
});

Deno.test("webhook endpoints — removing one keeps its delivery log (endpoint_id null, url kept); the other's deliveries go on", async () => {
  const project = await seedProject(db.sql);
  const gone = await addEndpoint(db.sql, sealing, project.id, "https://gone.example/hooks");
  const kept = await addEndpoint(db.sql, sealing, project.id, "https://kept.example/hooks");
  await seedUser(db.sql, project.id, "log@example.com");
  assert.equal((await page(project.id)).deliveries.length, 2);

  await as(project.id, (tx) => deleteWebhookEndpoint(tx, project.id, gone.id));
  const { deliveries } = await page(project.id);
  const byUrl = Object.fromEntries(deliveries.map((d) => [d.endpoint_url, d]));
  assert.deepEqual(
    [byUrl["https://gone.example/hooks"].endpoint_id, byUrl["https://gone.example/hooks"].status],
    [null, "failed"],
    "the removed endpoint's delivery stays in the log, failed",
  );
  assert.equal(byUrl["https://gone.example/hooks"].last_error, "The webhook endpoint was removed.");
  assert.deepEqual([
    byUrl["https://kept.example/hooks"].endpoint_id,
    byUrl["https://kept.example/hooks"].status,
  ], [
    kept.id,
    "pending",
  ]);
  await rejectsAs(
    as(project.id, (tx) => resendWebhookDelivery(tx, project.id, byUrl["https://gone.example/hooks"].id)),
    "conflict",
    /endpoint was removed: there is no webhook endpoint to resend to/,
  );
  await seedUser(db.sql, project.id, "after@example.com");
  assert.deepEqual(
    (await page(project.id)).deliveries.map((d) => d.endpoint_id).filter((id) => id !== null),
    [kept.id, kept.id],
    "new events go to the remaining endpoint only",
  );
});

Deno.test("webhook endpoints — the singular functions manage the oldest endpoint", async () => {
  const project = await seedProject(db.sql);
  const oldest = await addEndpoint(db.sql, sealing, project.id, "https://one.example/hooks");
  const newer = await addEndpoint(db.sql, sealing, project.id, "https://two.example/hooks");
  const singular = () => as(project.id, (tx) => getWebhookEndpoint(tx, project.id));
  assert.equal((await singular())?.id, oldest.id);
  await as(
    project.id,
    (tx) => setWebhookEndpoint(tx, project.id, { url: "https://one.example/v2", secretSealed: null }),
  );
  assert.equal(
    (await as(project.id, (tx) => readWebhookEndpoint(tx, project.id, newer.id))).url,
    "https://two.example/hooks",
  );
  assert.equal((await singular())?.url, "https://one.example/v2");
  await as(project.id, (tx) => removeWebhookEndpoint(tx, project.id));
  assert.equal((await singular())?.id, newer.id, "the next oldest takes its place");
  await as(project.id, (tx) => removeWebhookEndpoint(tx, project.id));
  assert.equal(await singular(), null);
});

Deno.test("api.delete_project — removes every webhook endpoint of the project and keeps their logs", async () => {
  const project = await seedProject(db.sql);
  await addEndpoint(db.sql, sealing, project.id, "https://one.example/hooks");
  await addEndpoint(db.sql, sealing, project.id, "https://two.example/hooks");
  await seedUser(db.sql, project.id, "closing@example.com");
  await as(project.id, (tx) => deleteProject(tx, project.id, "Test project"));
  assert.equal(await endpointCount(project.id), 0);
  const statuses = await db.sql`select status, endpoint_id, endpoint_url from astapa.webhook_deliveries
                                where project_id = ${project.id} order by endpoint_url`;
  assert.deepEqual(statuses.map((r) => ({ ...r })), [
    { status: "failed", endpoint_id: null, endpoint_url: "https://one.example/hooks" },
    { status: "failed", endpoint_id: null, endpoint_url: "https://two.example/hooks" },
  ]);
});
