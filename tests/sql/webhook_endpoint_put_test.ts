/**
 * The webhook endpoint's one-call setters behind the Platform API and the dashboard: api.put_webhook_endpoint
 * (create with a secret, or replace url and events keeping it), api.change_webhook_endpoint (any of url,
 * events, enabled) and the SSRF verdict they share (astapa.refuse_internal_webhook_target).
 */
import assert from "node:assert/strict";
import { asApp, type Sql } from "@/db/client.ts";
import {
  changeWebhookEndpoint,
  getWebhookEndpoint,
  putWebhookEndpoint,
  setWebhookEndpoint,
} from "@/db/webhooks.ts";
import { toAppError } from "@/lib/http/errors.ts";
import { deriveMasterKeys } from "@/lib/tokens/master_key.ts";
import { openWebhookSecret, sealWebhookSecret } from "@/lib/webhooks/signature.ts";
import { TEST_MASTER_KEY } from "../helpers/app.ts";
import { testDatabase } from "../helpers/db.ts";
import { rejectsAs, seedProject, seedUser } from "../helpers/identity.ts";
import { takeLive } from "../helpers/live_keys.ts";
import { lockRace } from "../helpers/lock_race.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());
const { sealing } = await deriveMasterKeys(TEST_MASTER_KEY);
const INTERNAL = "10.0.0.7 is an internal address.";

const sealed = (projectId: string, secret: string) => sealWebhookSecret(sealing, projectId, secret);
const put = async (
  sql: Sql,
  projectId: string,
  input: { url: string; secret?: string; events?: "*" | string[]; internalReason?: string | null },
) =>
  await asApp(sql, projectId, async (tx) =>
    putWebhookEndpoint(tx, projectId, {
      url: input.url,
      newSecretSealed: await sealed(projectId, input.secret ?? "whsec_unused"),
      events: input.events,
      internalReason: input.internalReason ?? null,
    }));
const change = (projectId: string, changes: Parameters<typeof changeWebhookEndpoint>[2]) =>
  asApp(db.sql, projectId, (tx) => changeWebhookEndpoint(tx, projectId, changes));
const endpointRow = async (projectId: string) =>
  (await db.sql`select url, all_events, events, enabled, secret_sealed from astapa.webhook_endpoints
                where project_id = ${projectId}`)[0];

Deno.test("api.put_webhook_endpoint — creates with the secret, then replaces url and events keeping it", async () => {
  const project = await seedProject(db.sql);
  const first = await put(db.sql, project.id, { url: "https://app.example/a", secret: "whsec_first" });
  assert.equal(first.created, true);
  assert.deepEqual({ url: first.endpoint.url, events: first.endpoint.events }, {
    url: "https://app.example/a",
    events: "*",
  });
  const again = await put(db.sql, project.id, {
    url: "https://app.example/b",
    secret: "whsec_second",
    events: ["user.created"],
  });
  assert.equal(again.created, false);
  assert.deepEqual(again.endpoint.events, ["user.created"]);
  const row = await endpointRow(project.id);
  assert.equal(
    await openWebhookSecret(sealing, project.id, new Uint8Array(row.secret_sealed)),
    "whsec_first",
  );
  const kept = await put(db.sql, project.id, { url: "https://app.example/c" });
  assert.deepEqual(
    kept.endpoint.events,
    ["user.created"],
    "events left out: an existing endpoint keeps them",
  );
});

Deno.test("api.put_webhook_endpoint — set_webhook_endpoint's refusals, and nothing is written", async () => {
  const project = await seedProject(db.sql);
  const cases: [Parameters<typeof put>[2], string, RegExp][] = [
    [{ url: "http://app.example/hooks" }, "url", /absolute https URL/],
    [{ url: "https://app.example/h", events: ["user.created", "*"] }, "events", /send it alone/],
    [{ url: "https://app.example/h", events: [] }, "events", /one or more of/],
    [{ url: "https://app.example/h", events: ["user.exploded"] }, "events", /one or more of/],
  ];
  for (const [input, field, message] of cases) {
    const error = toAppError(await put(db.sql, project.id, input).then(() => null, (e) => e));
    assert.equal(error.code, "validation_failed", JSON.stringify(input));
    assert.match(error.fields?.[field]?.[0] ?? "", message, JSON.stringify(input));
  }
  assert.equal(await endpointRow(project.id), undefined);
});

Deno.test("refuse_internal_webhook_target — an internal URL is refused for production projects only", async () => {
  const sandbox = await seedProject(db.sql);
  const live = await seedProject(db.sql);
  await takeLive(db.sql, live.id);
  const local = { url: "https://10.0.0.7/hooks", internalReason: INTERNAL };
  assert.equal((await put(db.sql, sandbox.id, local)).created, true, "sandbox: local receivers are fine");
  const error = toAppError(await put(db.sql, live.id, local).then(() => null, (e) => e));
  assert.equal(error.code, "validation_failed");
  assert.deepEqual(error.fields, { url: [`A production webhook must reach a public address: ${INTERNAL}`] });
  assert.equal(await endpointRow(live.id), undefined);

  await put(db.sql, live.id, { url: "https://93.184.215.14/hooks" });
  await rejectsAs(change(live.id, local), "validation_failed", /public address/);
  assert.equal((await endpointRow(live.id)).url, "https://93.184.215.14/hooks");
  // A change that names no url does not check one (the handler passes no verdict).
  assert.deepEqual((await change(live.id, { events: ["user.deleted"], internalReason: null })).events, [
    "user.deleted",
  ]);
});

Deno.test("api.change_webhook_endpoint — url, events and enabled, all or nothing; not_found without one", async () => {
  const project = await seedProject(db.sql);
  await rejectsAs(
    change(project.id, { enabled: false, internalReason: null }),
    "not_found",
    /no webhook endpoint/,
  );
  await put(db.sql, project.id, { url: "https://app.example/a", events: ["user.created"] });

  const moved = await change(project.id, { url: "https://app.example/b", internalReason: null });
  assert.deepEqual([moved.url, moved.events, moved.enabled], [
    "https://app.example/b",
    ["user.created"],
    true,
  ]);
  assert.equal((await change(project.id, { events: "*", internalReason: null })).events, "*");

  await rejectsAs(
    change(project.id, {
      url: "https://app.example/c",
      events: ["nope"],
      enabled: false,
      internalReason: null,
    }),
    "validation_failed",
  );
  const row = await endpointRow(project.id);
  assert.deepEqual(
    [row.url, row.all_events, row.enabled],
    ["https://app.example/b", true, true],
    "unchanged",
  );

  // Pausing marks waiting deliveries failed, as the dashboard's switch does.
  await seedUser(db.sql, project.id, "waiting@example.com");
  const paused = await change(project.id, { enabled: false, internalReason: null });
  assert.equal(paused.enabled, false);
  const statuses = await db
    .sql`select status from astapa.webhook_deliveries where project_id = ${project.id}`;
  assert.deepEqual(statuses.map((r) => r.status), ["failed"]);
  assert.equal((await change(project.id, { enabled: true, internalReason: null })).enabled, true);
});

Deno.test("webhook endpoint setters — a machine client's transaction may not write the endpoint", async () => {
  const project = await seedProject(db.sql);
  await put(db.sql, project.id, { url: "https://app.example/a" });
  await rejectsAs(
    asApp(
      db.sql,
      project.id,
      (tx) => changeWebhookEndpoint(tx, project.id, { enabled: false, internalReason: null }),
      {
        actor: "api",
        clientKind: "machine",
      },
    ),
    "unauthorized_client",
  );
  assert.equal((await asApp(db.sql, project.id, (tx) => getWebhookEndpoint(tx, project.id)))?.enabled, true);
});

Deno.test("api.put_webhook_endpoint — two first PUTs at once: one creates, the other replaces (no conflict)", async () => {
  const project = await seedProject(db.sql);
  const [first, second] = await lockRace(
    db.sql,
    project.id,
    async (tx) =>
      putWebhookEndpoint(tx, project.id, {
        url: "https://app.example/first",
        newSecretSealed: await sealed(project.id, "whsec_first"),
        internalReason: null,
      }),
    () => put(db.sql, project.id, { url: "https://app.example/second", secret: "whsec_second" }),
  );
  assert.equal(first.status, "fulfilled");
  assert.equal(second.status, "fulfilled", second.status === "rejected" ? String(second.reason) : "");
  const [a, b] = [first, second].map((r) =>
    (r as PromiseFulfilledResult<{ created: boolean }>).value.created
  );
  assert.deepEqual([a, b], [true, false]);
  const row = await endpointRow(project.id);
  assert.equal(row.url, "https://app.example/second");
  assert.equal(
    await openWebhookSecret(sealing, project.id, new Uint8Array(row.secret_sealed)),
    "whsec_first",
  );
});

Deno.test("astapa.lock_webhook_endpoint — two first saves through api.set_webhook_endpoint (the dashboard's) at once: one creates, the other changes it", async () => {
  const project = await seedProject(db.sql);
  const save = (tx: Parameters<typeof setWebhookEndpoint>[0], url: string, secret: string) =>
    sealed(project.id, secret).then((secretSealed) =>
      setWebhookEndpoint(tx, project.id, { url, secretSealed })
    );
  const [first, second] = await lockRace(
    db.sql,
    project.id,
    (tx) => save(tx, "https://app.example/dash-first", "whsec_dash_first"),
    () => asApp(db.sql, project.id, (tx) => save(tx, "https://app.example/dash-second", "whsec_dash_second")),
  );
  assert.equal(first.status, "fulfilled");
  assert.equal(second.status, "fulfilled", second.status === "rejected" ? String(second.reason) : "");
  const row = await endpointRow(project.id);
  assert.equal(row.url, "https://app.example/dash-second");
  assert.equal(
    await openWebhookSecret(sealing, project.id, new Uint8Array(row.secret_sealed)),
    "whsec_dash_second",
  );
});
