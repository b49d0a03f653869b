/** The webhook SQL the dashboard adds: the paged delivery log, pausing an endpoint, resending a delivery. */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import {
  claimWebhookDeliveries,
  getWebhookEndpoint,
  recordWebhookAttempt,
  removeWebhookEndpoint,
  resendWebhookDelivery,
  setWebhookEndpointEnabled,
  webhookDeliveryPage,
} from "@/db/webhooks.ts";
import { deriveMasterKeys } from "@/lib/tokens/master_key.ts";
import { TEST_MASTER_KEY } from "../helpers/app.ts";
import { testDatabase } from "../helpers/db.ts";
import { rejectsAs, seedProject, seedUser } from "../helpers/identity.ts";
import { setEndpoint } from "../helpers/webhooks.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());
const { sealing } = await deriveMasterKeys(TEST_MASTER_KEY);
const URL_A = "https://app.example/hooks";

const page = (projectId: string, before?: string | null, max?: number) =>
  asApp(db.sql, projectId, (tx) => webhookDeliveryPage(tx, projectId, { before, max }));

/** Claims every due delivery of the project and records each attempt as given up (HTTP 500, no retry). */
async function failAll(projectId: string): Promise<void> {
  for (const claimed of await claimWebhookDeliveries(db.sql, projectId, 100, 60)) {
    await recordWebhookAttempt(db.sql, projectId, {
      deliveryId: claimed.delivery_id,
      attempt: claimed.attempt,
      httpStatus: 500,
      error: "The endpoint answered 500.",
      retryIn: null,
    });
  }
}

Deno.test("api.webhook_delivery_page — newest first, a page at a time, with the cursor of the next page", async () => {
  const project = await seedProject(db.sql);
  await setEndpoint(db.sql, sealing, project.id, URL_A);
  for (const n of [1, 2, 3, 4, 5]) await seedUser(db.sql, project.id, `page${n}@example.com`);
  const first = await page(project.id, null, 2);
  assert.equal(first.deliveries.length, 2);
  assert.ok(Number(first.deliveries[0].id) > Number(first.deliveries[1].id));
  assert.equal(first.older, first.deliveries[1].id);
  const second = await page(project.id, first.older, 2);
  assert.equal(second.deliveries.length, 2);
  assert.ok(Number(second.deliveries[0].id) < Number(first.deliveries[1].id));
  const last = await page(project.id, second.older, 2);
  assert.equal(last.deliveries.length, 1);
  assert.equal(last.older, null, "no page after the last");
  assert.equal(last.deliveries[0].event_type, "user.created");
  assert.equal(last.deliveries[0].status, "pending");
  assert.ok(last.deliveries[0].next_attempt_at, "a pending delivery says when it is due");

  const empty = await seedProject(db.sql);
  assert.deepEqual(await page(empty.id), { deliveries: [], older: null });
  await rejectsAs(page(project.id, null, 0), "validation_failed");
  await rejectsAs(page(project.id, null, 201), "validation_failed", /1 to 200/);
  const other = await seedProject(db.sql);
  await rejectsAs(
    asApp(db.sql, other.id, (tx) => webhookDeliveryPage(tx, project.id)),
    "not_found",
    /was not found/,
  );
});

Deno.test("api.set_webhook_endpoint_enabled — pausing queues nothing and fails what waits; enabling resumes", async () => {
  const project = await seedProject(db.sql);
  await setEndpoint(db.sql, sealing, project.id, URL_A);
  await seedUser(db.sql, project.id, "waiting@example.com");
  const paused = await asApp(
    db.sql,
    project.id,
    (tx) => setWebhookEndpointEnabled(tx, project.id, false),
    { actor: "account:7" },
  );
  assert.equal(paused.enabled, false);
  const [waited] = (await page(project.id)).deliveries;
  assert.equal(waited.status, "failed");
  assert.equal(waited.last_error, "The webhook endpoint was disabled.");
  await seedUser(db.sql, project.id, "while-paused@example.com");
  assert.equal((await page(project.id)).deliveries.length, 1, "no delivery queued while paused");

  const resumed = await asApp(db.sql, project.id, (tx) => setWebhookEndpointEnabled(tx, project.id, true));
  assert.equal(resumed.enabled, true);
  await seedUser(db.sql, project.id, "after@example.com");
  assert.equal((await page(project.id)).deliveries[0].status, "pending");
  const audit = await asApp(
    db.sql,
    project.id,
    (tx) => tx`select actor, action from astapa.audit_log where action like 'webhook.%able' order by id`,
  );
  assert.deepEqual(audit.map((row) => [row.actor, row.action]), [
    ["account:7", "webhook.disable"],
    ["app", "webhook.enable"],
  ]);

  await rejectsAs(
    asApp(db.sql, project.id, (tx) => tx`select api.set_webhook_endpoint_enabled(${project.id}, null)`),
    "validation_failed",
  );
  const bare = await seedProject(db.sql);
  await rejectsAs(asApp(db.sql, bare.id, (tx) => setWebhookEndpointEnabled(tx, bare.id, false)), "not_found");
  await rejectsAs(
    asApp(db.sql, bare.id, (tx) => setWebhookEndpointEnabled(tx, project.id, false)),
    "not_found",
    /no webhook endpoint/,
  );
  assert.equal((await asApp(db.sql, project.id, (tx) => getWebhookEndpoint(tx, project.id)))?.enabled, true);
});

Deno.test("api.resend_webhook_delivery — a failed delivery is pending again, due now; others are refused", async () => {
  const project = await seedProject(db.sql);
  await setEndpoint(db.sql, sealing, project.id, URL_A);
  await seedUser(db.sql, project.id, "resend@example.com");
  const [pending] = (await page(project.id)).deliveries;
  await rejectsAs(
    asApp(db.sql, project.id, (tx) => resendWebhookDelivery(tx, project.id, pending.id)),
    "conflict",
    /Only a failed delivery can be resent; this one is pending/,
  );
  await failAll(project.id);
  const [failed] = (await page(project.id)).deliveries;
  assert.equal(failed.status, "failed");
  assert.equal(failed.attempts, 1);

  const resent = await asApp(
    db.sql,
    project.id,
    (tx) => resendWebhookDelivery(tx, project.id, failed.id),
    { actor: "account:9" },
  );
  assert.deepEqual(resent, { id: failed.id, status: "pending", attempts: 1 });
  const [claimed] = await claimWebhookDeliveries(db.sql, project.id, 10, 60);
  assert.equal(claimed.delivery_id, failed.id, "due at once");
  assert.equal(claimed.attempt, 2, "the attempt count carries on");
  const [audit] = await asApp(
    db.sql,
    project.id,
    (tx) => tx`select actor, target from astapa.audit_log where action = 'webhook.resend'`,
  );
  assert.deepEqual({ ...audit }, { actor: "account:9", target: failed.id });

  await rejectsAs(
    asApp(db.sql, project.id, (tx) => resendWebhookDelivery(tx, project.id, "999999")),
    "not_found",
  );
  const other = await seedProject(db.sql);
  await rejectsAs(
    asApp(db.sql, other.id, (tx) => resendWebhookDelivery(tx, project.id, failed.id)),
    "not_found",
    /was not found/,
  );
});

Deno.test("api.resend_webhook_delivery — refused while the endpoint is paused or after it is removed", async () => {
  const project = await seedProject(db.sql);
  await setEndpoint(db.sql, sealing, project.id, URL_A);
  await seedUser(db.sql, project.id, "gone@example.com");
  await asApp(db.sql, project.id, (tx) => setWebhookEndpointEnabled(tx, project.id, false));
  const [failed] = (await page(project.id)).deliveries;
  await rejectsAs(
    asApp(db.sql, project.id, (tx) => resendWebhookDelivery(tx, project.id, failed.id)),
    "conflict",
    /disabled: enable it to resend/,
  );
  await asApp(db.sql, project.id, (tx) => removeWebhookEndpoint(tx, project.id));
  await rejectsAs(
    asApp(db.sql, project.id, (tx) => resendWebhookDelivery(tx, project.id, failed.id)),
    "conflict",
    /no webhook endpoint to resend to/,
  );
});
