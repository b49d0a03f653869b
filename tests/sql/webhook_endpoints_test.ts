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

/** One api.* call as the app role for `projectId`, its single value returned. */
const call = <T = Record<string, unknown>>(
  projectId: string,
  query: (tx: Tx) => Promise<readonly { result: unknown }[]>,
) => as(projectId, async (tx) => (await query(tx))[0]?.result as T);
const endpointRow = async (publicId: string) =>
  (await db
    .sql`select url, enabled, secret_sealed from astapa.webhook_endpoints where public_id = ${publicId}`)[0];

Deno.test("api.list_webhook_endpoints, api.read_webhook_endpoint, api.get_webhook_endpoint — the project's own, never a secret; AS404", async () => {
  const project = await seedProject(db.sql);
  const other = await seedProject(db.sql);
  const empty = await seedProject(db.sql);
  const first = await addEndpoint(db.sql, sealing, project.id, "https://a.example/hooks");
  const second = await addEndpoint(db.sql, sealing, project.id, "https://b.example/hooks", ["user.deleted"]);
  const foreign = await addEndpoint(db.sql, sealing, other.id, "https://other.example/hooks");

  const listed = await call<Record<string, unknown>[]>(
    project.id,
    (tx) => tx`select api.list_webhook_endpoints(${project.id}) as result`,
  );
  assert.deepEqual(
    listed.map((e) => Object.keys(e).sort()),
    Array(2).fill([
      "created_at",
      "description",
      "enabled",
      "events",
      "id",
      "updated_at",
      "url",
    ]),
  );
  assert.deepEqual(listed.map((e) => [e.id, e.url, e.events, e.enabled]), [
    [first.id, "https://a.example/hooks", "*", true],
    [second.id, "https://b.example/hooks", ["user.deleted"], true],
  ], "oldest first, the other project's not among them");
  assert.deepEqual(
    await call(empty.id, (tx) => tx`select api.list_webhook_endpoints(${empty.id}) as result`),
    [],
  );
  await rejectsAs(
    call(project.id, (tx) => tx`select api.list_webhook_endpoints(${other.id}) as result`),
    "not_found",
  );

  assert.deepEqual(
    await call(
      project.id,
      (tx) => tx`select api.read_webhook_endpoint(${project.id}, ${second.id}) as result`,
    ),
    listed[1],
  );
  await rejectsAs(
    call(project.id, (tx) => tx`select api.read_webhook_endpoint(${project.id}, ${foreign.id}) as result`),
    "not_found",
    /no webhook endpoint with this id/,
  );
  await rejectsAs(
    call(project.id, (tx) => tx`select api.read_webhook_endpoint(${other.id}, ${foreign.id}) as result`),
    "not_found",
    /no webhook endpoint with this id/,
  );

  assert.deepEqual(
    await call(project.id, (tx) => tx`select api.get_webhook_endpoint(${project.id}) as result`),
    listed[0],
    "the singular form shows the oldest",
  );
  assert.equal(
    await call(empty.id, (tx) => tx`select api.get_webhook_endpoint(${empty.id}) as result`),
    null,
  );
  assert.equal(
    await call(project.id, (tx) => tx`select api.get_webhook_endpoint(${other.id}) as result`),
    null,
    "another project's is not visible",
  );
});

Deno.test("api.update_webhook_endpoint — url, events, description, enabled; null the oldest; AS404; another project's untouched", async () => {
  const project = await seedProject(db.sql);
  const other = await seedProject(db.sql);
  const first = await addEndpoint(db.sql, sealing, project.id, "https://a.example/hooks");
  const second = await addEndpoint(db.sql, sealing, project.id, "https://b.example/hooks");
  const foreign = await addEndpoint(db.sql, sealing, other.id, "https://other.example/hooks");

  const changed = await call<Record<string, unknown>>(
    project.id,
    (tx) =>
      tx`select api.update_webhook_endpoint(${project.id}, ${second.id}, url => 'https://b.example/v2',
           events => array['user.deleted'], enabled => false, description => ' Billing ') as result`,
  );
  assert.deepEqual([changed.id, changed.url, changed.events, changed.enabled, changed.description], [
    second.id,
    "https://b.example/v2",
    ["user.deleted"],
    false,
    "Billing",
  ]);
  const cleared = await call<Record<string, unknown>>(
    project.id,
    (tx) => tx`select api.update_webhook_endpoint(${project.id}, ${second.id}, description => '') as result`,
  );
  assert.deepEqual([cleared.url, cleared.enabled, cleared.description], [
    "https://b.example/v2",
    false,
    null,
  ]);

  const oldest = await call<Record<string, unknown>>(
    project.id,
    (tx) =>
      tx`select api.update_webhook_endpoint(${project.id}, null, url => 'https://a.example/v2') as result`,
  );
  assert.deepEqual([oldest.id, oldest.url], [first.id, "https://a.example/v2"]);

  await rejectsAs(
    call(
      project.id,
      (tx) =>
        tx`select api.update_webhook_endpoint(${project.id}, ${foreign.id}, enabled => false) as result`,
    ),
    "not_found",
  );
  await rejectsAs(
    call(
      project.id,
      (tx) => tx`select api.update_webhook_endpoint(${other.id}, ${foreign.id}, enabled => false) as result`,
    ),
    "not_found",
  );
  const empty = await seedProject(db.sql);
  await rejectsAs(
    call(
      empty.id,
      (tx) => tx`select api.update_webhook_endpoint(${empty.id}, null, enabled => false) as result`,
    ),
    "not_found",
    /no webhook endpoint/,
  );
  await rejectsAs(
    call(
      project.id,
      (tx) =>
        tx`select api.update_webhook_endpoint(${project.id}, ${first.id}, url => 'https://a.example/v3',
           events => array['user.exploded']) as result`,
    ),
    "validation_failed",
  );
  assert.equal((await endpointRow(first.id)).url, "https://a.example/v2", "all or nothing: the url stayed");
  assert.deepEqual(
    { ...(await endpointRow(foreign.id)), secret_sealed: undefined },
    { url: "https://other.example/hooks", enabled: true, secret_sealed: undefined },
  );
});

Deno.test("api.rotate_webhook_endpoint_secret, api.rotate_webhook_secret — replace one endpoint's secret; AS404", async () => {
  const project = await seedProject(db.sql);
  const other = await seedProject(db.sql);
  const first = await addEndpoint(db.sql, sealing, project.id, "https://a.example/hooks");
  const second = await addEndpoint(db.sql, sealing, project.id, "https://b.example/hooks");
  const foreign = await addEndpoint(db.sql, sealing, other.id, "https://other.example/hooks");
  const secretOf = async (id: string) =>
    await openWebhookSecret(
      sealing,
      id === foreign.id ? other.id : project.id,
      new Uint8Array((await endpointRow(id)).secret_sealed),
    );

  const newSecond = await sealWebhookSecret(sealing, project.id, "whsec_second");
  const rotated = await call<Record<string, unknown>>(
    project.id,
    (tx) =>
      tx`select api.rotate_webhook_endpoint_secret(${project.id}, ${second.id}, ${newSecond}) as result`,
  );
  assert.equal(rotated.id, second.id);
  assert.equal("secret_sealed" in rotated || "secret" in rotated, false, "never the secret");
  assert.equal(await secretOf(second.id), "whsec_second");
  assert.equal(await secretOf(first.id), first.secret, "the other keeps its secret");

  const newFirst = await sealWebhookSecret(sealing, project.id, "whsec_first");
  const oldest = await call<Record<string, unknown>>(
    project.id,
    (tx) => tx`select api.rotate_webhook_secret(${project.id}, ${newFirst}) as result`,
  );
  assert.equal(oldest.id, first.id, "the singular form rotates the oldest's");
  assert.equal(await secretOf(first.id), "whsec_first");

  await rejectsAs(
    call(
      project.id,
      (tx) =>
        tx`select api.rotate_webhook_endpoint_secret(${project.id}, ${foreign.id}, ${newFirst}) as result`,
    ),
    "not_found",
  );
  await rejectsAs(
    call(
      project.id,
      (tx) =>
        tx`select api.rotate_webhook_endpoint_secret(${other.id}, ${foreign.id}, ${newFirst}) as result`,
    ),
    "not_found",
  );
  await rejectsAs(
    call(project.id, (tx) => tx`select api.rotate_webhook_secret(${other.id}, ${newFirst}) as result`),
    "not_found",
  );
  const empty = await seedProject(db.sql);
  await rejectsAs(
    call(empty.id, (tx) => tx`select api.rotate_webhook_secret(${empty.id}, ${newFirst}) as result`),
    "not_found",
  );
  assert.equal(await secretOf(foreign.id), foreign.secret, "another project's secret is unchanged");
});

Deno.test("api.delete_webhook_endpoint, api.remove_webhook_endpoint — remove one (null or singular: the oldest), fail what waits; AS404", async () => {
  const project = await seedProject(db.sql);
  const other = await seedProject(db.sql);
  const first = await addEndpoint(db.sql, sealing, project.id, "https://a.example/hooks");
  const second = await addEndpoint(db.sql, sealing, project.id, "https://b.example/hooks");
  await addEndpoint(db.sql, sealing, project.id, "https://c.example/hooks");
  const foreign = await addEndpoint(db.sql, sealing, other.id, "https://other.example/hooks");
  await seedUser(db.sql, project.id, "waits@example.com");
  await seedUser(db.sql, other.id, "waits@example.com");

  await call(
    project.id,
    (tx) => tx`select api.delete_webhook_endpoint(${project.id}, ${second.id}) as result`,
  );
  const deliveries = await db.sql`
    select d.endpoint_id is null as orphaned, d.endpoint_url, d.status, d.last_error
    from astapa.webhook_deliveries d where d.project_id = ${project.id} order by d.endpoint_url`;
  assert.deepEqual(deliveries.map((d) => ({ ...d })), [
    { orphaned: false, endpoint_url: "https://a.example/hooks", status: "pending", last_error: null },
    {
      orphaned: true,
      endpoint_url: "https://b.example/hooks",
      status: "failed",
      last_error: "The webhook endpoint was removed.",
    },
    { orphaned: false, endpoint_url: "https://c.example/hooks", status: "pending", last_error: null },
  ]);
  const [audit] = await db.sql`
    select target, details from astapa.audit_log where project_id = ${project.id} and action = 'webhook.remove'`;
  assert.deepEqual({ ...audit }, { target: second.id, details: { url: "https://b.example/hooks" } });

  await call(project.id, (tx) => tx`select api.delete_webhook_endpoint(${project.id}, null) as result`);
  await call(project.id, (tx) => tx`select api.remove_webhook_endpoint(${project.id}) as result`);
  assert.equal(await endpointCount(project.id), 0, "null, then the singular form, removed the oldest each");

  await rejectsAs(
    call(project.id, (tx) => tx`select api.delete_webhook_endpoint(${project.id}, ${first.id}) as result`),
    "not_found",
  );
  await rejectsAs(
    call(project.id, (tx) => tx`select api.remove_webhook_endpoint(${project.id}) as result`),
    "not_found",
  );
  await rejectsAs(
    call(project.id, (tx) => tx`select api.delete_webhook_endpoint(${other.id}, ${foreign.id}) as result`),
    "not_found",
  );
  await rejectsAs(
    call(project.id, (tx) => tx`select api.remove_webhook_endpoint(${other.id}) as result`),
    "not_found",
  );
  assert.equal(await endpointCount(other.id), 1, "another project's endpoint stays");
  const [foreignDelivery] = await db.sql`
    select status from astapa.webhook_deliveries where project_id = ${other.id}`;
  assert.equal(foreignDelivery.status, "pending", "and its deliveries still wait");
});

Deno.test("api.record_webhook_attempt — 2xx delivered, else pending again or failed; only the claim's own attempt; null otherwise", async () => {
  const project = await seedProject(db.sql);
  const other = await seedProject(db.sql);
  await addEndpoint(db.sql, sealing, project.id, "https://a.example/hooks");
  await addEndpoint(db.sql, sealing, other.id, "https://other.example/hooks");
  await seedUser(db.sql, project.id, "attempts@example.com");
  await seedUser(db.sql, other.id, "attempts@example.com");
  const claim = async (projectId: string) =>
    (await call<{ delivery_id: string; attempt: number }[]>(
      projectId,
      (tx) => tx`select api.claim_webhook_deliveries(${projectId}, 10, 60) as result`,
    ))[0];
  const record = (
    projectId: string,
    id: string,
    attempt: number,
    status: number | null,
    retryIn: number | null,
  ) =>
    call(
      projectId,
      (tx) =>
        tx`select api.record_webhook_attempt(${projectId}, ${id}::bigint, ${attempt}, ${status}::integer,
           ${status === null ? "connection refused" : null}::text, ${retryIn}::integer) as result`,
    );
  const row = async (id: string) => ({
    ...(await db.sql`
      select status, lease_until, last_status, last_error, delivered_at is not null as delivered,
             next_attempt_at > now() + interval '25 seconds' and next_attempt_at < now() + interval '35 seconds' as due_in_30s
      from astapa.webhook_deliveries where id = ${id}::bigint`)[0],
  });
  const due = (id: string) =>
    db.sql`update astapa.webhook_deliveries set next_attempt_at = now() where id = ${id}::bigint`;

  const first = await claim(project.id);
  assert.equal(first.attempt, 1);
  assert.equal(await record(project.id, first.delivery_id, 1, 503, 30), "pending");
  assert.deepEqual(await row(first.delivery_id), {
    status: "pending",
    lease_until: null,
    last_status: 503,
    last_error: null,
    delivered: false,
    due_in_30s: true,
  });
  assert.equal(await record(project.id, first.delivery_id, 1, 200, null), null, "no longer claimed: null");

  await due(first.delivery_id);
  const second = await claim(project.id);
  assert.deepEqual([second.delivery_id, second.attempt], [first.delivery_id, 2]);
  assert.equal(
    await record(project.id, first.delivery_id, 1, 200, null),
    null,
    "an older attempt is fenced off",
  );
  assert.equal((await row(first.delivery_id)).status, "sending");
  assert.equal(await record(project.id, first.delivery_id, 2, 204, 30), "delivered");
  assert.deepEqual(
    [(await row(first.delivery_id)).status, (await row(first.delivery_id)).delivered],
    ["delivered", true],
  );

  const foreign = await claim(other.id);
  assert.equal(await record(project.id, foreign.delivery_id, 1, 200, null), null, "another project's: null");
  assert.equal((await row(foreign.delivery_id)).status, "sending", "and unchanged");
  assert.equal(await record(other.id, foreign.delivery_id, 1, null, null), "failed", "no retry: failed");
  assert.deepEqual(
    [(await row(foreign.delivery_id)).last_status, (await row(foreign.delivery_id)).last_error],
    [null, "connection refused"],
  );
});

Deno.test("astapa.queue_webhook_deliveries — an event inserted anyhow is queued once to each enabled endpoint of its project that subscribes", async () => {
  const project = await seedProject(db.sql);
  const other = await seedProject(db.sql);
  await addEndpoint(db.sql, sealing, project.id, "https://all.example/hooks");
  await addEndpoint(db.sql, sealing, project.id, "https://list.example/hooks", [
    "user.deleted",
  ]);
  await addEndpoint(db.sql, sealing, project.id, "https://else.example/hooks", ["payment.failed"]);
  const paused = await addEndpoint(db.sql, sealing, project.id, "https://paused.example/hooks");
  await call(
    project.id,
    (tx) => tx`select api.update_webhook_endpoint(${project.id}, ${paused.id}, enabled => false) as result`,
  );
  await addEndpoint(db.sql, sealing, other.id, "https://other.example/hooks");

  const [event] = await db
    .sql`select astapa.emit_event(${project.id}, 'user.deleted', '{"user": {"id": "1"}}') as id`;
  const queued = await db.sql`
    select d.project_id, d.endpoint_url, d.status from astapa.webhook_deliveries d
    join astapa.events e on e.project_id = d.project_id and e.id = d.event_id
    where e.type = 'user.deleted' and d.project_id in (${project.id}, ${other.id}) order by d.endpoint_url`;
  assert.deepEqual(queued.map((d) => ({ ...d })), [
    { project_id: project.id, endpoint_url: "https://all.example/hooks", status: "pending" },
    { project_id: project.id, endpoint_url: "https://list.example/hooks", status: "pending" },
  ], `event ${event.id}: not the endpoint listing other types, the paused one, or another project's`);
});
