/**
 * An endpoint's description and "send a test event" (db/api/webhooks.sql): the description is optional and
 * at most 200 characters; api.send_test_webhook queues one webhook.test delivery to the endpoint asked for —
 * paused or not, whatever it subscribes to — and to no other endpoint, all-events ones included.
 */
import assert from "node:assert/strict";
import { asApp, type Tx } from "@/db/client.ts";
import {
  createWebhookEndpoint,
  readWebhookEndpoint,
  sendTestWebhook,
  updateWebhookEndpoint,
} from "@/db/webhook_endpoints.ts";
import { webhookDeliveryPage } from "@/db/webhooks.ts";
import { deriveMasterKeys } from "@/lib/tokens/master_key.ts";
import { sealWebhookSecret } from "@/lib/webhooks/signature.ts";
import { TEST_MASTER_KEY } from "../helpers/app.ts";
import { testDatabase } from "../helpers/db.ts";
import { rejectsAs, seedProject } from "../helpers/identity.ts";
import { addEndpoint } from "../helpers/webhooks.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());
const { sealing } = await deriveMasterKeys(TEST_MASTER_KEY);

const as = <T>(projectId: string, work: (tx: Tx) => Promise<T>) => asApp(db.sql, projectId, work);
const page = (projectId: string, endpointId?: string) =>
  as(projectId, (tx) => webhookDeliveryPage(tx, projectId, { endpointId }));

Deno.test("webhook endpoints — a description is set on create, changed, removed, and kept when left out", async () => {
  const project = await seedProject(db.sql);
  const secretSealed = await sealWebhookSecret(sealing, project.id, "whsec_x");
  const created = await as(project.id, (tx) =>
    createWebhookEndpoint(tx, project.id, {
      url: "https://a.example/hooks",
      secretSealed,
      description: "  Billing service  ",
      internalReason: null,
    }));
  assert.equal(created.description, "Billing service", "trimmed");
  const update = (changes: { description?: string | null; enabled?: boolean }) =>
    as(
      project.id,
      (tx) => updateWebhookEndpoint(tx, project.id, created.id, { ...changes, internalReason: null }),
    );
  assert.equal((await update({ enabled: false })).description, "Billing service", "left out: kept");
  assert.equal((await update({ description: "CRM sync" })).description, "CRM sync");
  assert.equal((await update({ description: null })).description, null, "null: removed");
  assert.equal((await update({ description: "x".repeat(200) })).description, "x".repeat(200));
  await rejectsAs(update({ description: "x".repeat(201) }), "validation_failed", /200 characters/);
  const read = await as(project.id, (tx) => readWebhookEndpoint(tx, project.id, created.id));
  assert.equal(read.description, "x".repeat(200), "the refused change wrote nothing");
});

Deno.test("webhook endpoints — the table refuses a description over 200 characters or empty", async () => {
  const project = await seedProject(db.sql);
  const endpoint = await addEndpoint(db.sql, sealing, project.id, "https://a.example/hooks");
  for (const description of ["x".repeat(201), ""]) {
    await assert.rejects(
      as(project.id, (tx) =>
        tx`update astapa.webhook_endpoints set description = ${description}
           where public_id = ${endpoint.id}`),
      /webhook_endpoints_description_check/,
    );
  }
});

Deno.test("api.send_test_webhook — one webhook.test delivery to that endpoint only, paused or not", async () => {
  const project = await seedProject(db.sql);
  const target = await addEndpoint(db.sql, sealing, project.id, "https://a.example/hooks", ["user.created"]);
  const everything = await addEndpoint(db.sql, sealing, project.id, "https://b.example/hooks");
  const listing = await addEndpoint(db.sql, sealing, project.id, "https://c.example/hooks", [
    "payment.failed",
  ]);
  await as(
    project.id,
    (tx) => updateWebhookEndpoint(tx, project.id, target.id, { enabled: false, internalReason: null }),
  );

  const delivery = await as(project.id, (tx) => sendTestWebhook(tx, project.id, target.id));
  assert.equal(delivery.event_type, "webhook.test");
  assert.equal(delivery.endpoint_id, target.id);
  assert.equal(delivery.status, "pending", "queued although the endpoint is paused");

  const { deliveries } = await page(project.id);
  assert.deepEqual(deliveries.map((d) => [d.id, d.endpoint_id]), [[delivery.id, target.id]]);
  assert.deepEqual((await page(project.id, everything.id)).deliveries, [], "not to an all-events endpoint");
  assert.deepEqual((await page(project.id, listing.id)).deliveries, []);

  const [event] = await db.sql`select type, data from astapa.events where public_id = ${delivery.event_id}`;
  assert.equal(event.type, "webhook.test");
  assert.deepEqual(
    { ...event.data, sent_at: typeof event.data.sent_at },
    { test: true, endpoint_id: target.id, project_id: project.id, sent_at: "string" },
  );
});

Deno.test("api.send_test_webhook — webhook.test is no type an endpoint may subscribe to", async () => {
  const project = await seedProject(db.sql);
  const [{ types }] = await db.sql`select astapa.webhook_event_types() as types`;
  assert.equal(types.includes("webhook.test"), false);
  await rejectsAs(
    addEndpoint(db.sql, sealing, project.id, "https://a.example/hooks", ["webhook.test"] as never),
    "validation_failed",
  );
});

Deno.test("api.send_test_webhook — another project's endpoint and an unknown id are not_found, nothing queued", async () => {
  const project = await seedProject(db.sql);
  const other = await seedProject(db.sql);
  const theirs = await addEndpoint(db.sql, sealing, other.id, "https://a.example/hooks");
  await rejectsAs(as(project.id, (tx) => sendTestWebhook(tx, project.id, theirs.id)), "not_found");
  await rejectsAs(
    as(project.id, (tx) => sendTestWebhook(tx, project.id, `wep_${"a".repeat(24)}`)),
    "not_found",
  );
  // Acting for the project but naming the other: RLS hides the endpoint.
  await rejectsAs(as(project.id, (tx) => sendTestWebhook(tx, other.id, theirs.id)), "not_found");
  assert.deepEqual((await page(other.id)).deliveries, []);
});

Deno.test("api.send_test_webhook — five a minute per endpoint; the sixth is rate_limited with a wait", async () => {
  const project = await seedProject(db.sql);
  const limited = await addEndpoint(db.sql, sealing, project.id, "https://a.example/hooks");
  const fresh = await addEndpoint(db.sql, sealing, project.id, "https://b.example/hooks");
  for (let sent = 0; sent < 5; sent++) {
    await as(project.id, (tx) => sendTestWebhook(tx, project.id, limited.id));
  }
  const refused = await as(project.id, (tx) => sendTestWebhook(tx, project.id, limited.id)).catch((e) => e);
  assert.equal(refused.code, "AS429");
  assert.match(refused.hint, /^[1-9]\d*$/, "the seconds to wait");
  assert.equal((await page(project.id, limited.id)).deliveries.length, 5, "the sixth queued nothing");
  await as(project.id, (tx) => sendTestWebhook(tx, project.id, fresh.id));
  assert.equal((await page(project.id, fresh.id)).deliveries.length, 1, "another endpoint has its own limit");
});
