/** The webhook SQL API: the endpoint, the cross-project finder's guard, claims, fencing and the delivery log. */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import {
  claimWebhookDeliveries,
  getWebhookEndpoint,
  listWebhookDeliveries,
  projectsWithDueWebhooks,
  removeWebhookEndpoint,
  rotateWebhookSecret,
  setWebhookEndpoint,
} from "@/db/webhooks.ts";
import { toAppError } from "@/lib/http/errors.ts";
import { deriveMasterKeys } from "@/lib/tokens/master_key.ts";
import { openWebhookSecret } from "@/lib/webhooks/signature.ts";
import { TEST_MASTER_KEY } from "../helpers/app.ts";
import { testDatabase } from "../helpers/db.ts";
import { rejectsAs, seedProject, seedUser } from "../helpers/identity.ts";
import { setEndpoint } from "../helpers/webhooks.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());
const { sealing } = await deriveMasterKeys(TEST_MASTER_KEY);
const URL_A = "https://app.example/hooks";

Deno.test("api.set_webhook_endpoint — sets, changes the url keeping the secret, rotates, removes", async () => {
  const project = await seedProject(db.sql);
  const secret = await setEndpoint(db.sql, sealing, project.id, URL_A);
  assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
  const sealedNow = async () => {
    const [row] = await db
      .sql`select secret_sealed from astapa.webhook_endpoints where project_id = ${project.id}`;
    return new Uint8Array(row.secret_sealed);
  };
  assert.equal(await openWebhookSecret(sealing, project.id, await sealedNow()), secret);
  await assert.rejects(openWebhookSecret(sealing, "proj_other", await sealedNow()), "bound to its project");

  const moved = await asApp(
    db.sql,
    project.id,
    (tx) => setWebhookEndpoint(tx, project.id, { url: "https://app.example/v2", secretSealed: null }),
  );
  assert.equal(moved.url, "https://app.example/v2");
  assert.deepEqual(moved.events, [
    "user.created",
    "subscription.updated",
    "payment.succeeded",
    "payment.failed",
    "user.mfa_enrolled",
    "user.mfa_removed",
    "payment.refunded",
    "user.deleted",
    "organization.created",
    "organization.updated",
    "organization.deleted",
    "membership.created",
    "membership.updated",
    "membership.deleted",
    "user.passkey_added",
    "user.passkey_removed",
    "phone.budget_reached",
    "organization.renewal_due",
    "organization.plan_ended",
    "organization.plan_change",
    "subscription.renewal_due",
    "subscription.trial_will_end",
    "subscription.plan_change",
    "payment.refund_failed",
  ]);
  assert.equal(await openWebhookSecret(sealing, project.id, await sealedNow()), secret, "the secret stays");

  const before = await sealedNow();
  await asApp(db.sql, project.id, (tx) => rotateWebhookSecret(tx, project.id, new Uint8Array(40)));
  assert.notDeepEqual(await sealedNow(), before);
  await asApp(db.sql, project.id, (tx) => removeWebhookEndpoint(tx, project.id));
  assert.equal(await asApp(db.sql, project.id, (tx) => getWebhookEndpoint(tx, project.id)), null);
  await rejectsAs(asApp(db.sql, project.id, (tx) => removeWebhookEndpoint(tx, project.id)), "not_found");
  await rejectsAs(
    asApp(db.sql, project.id, (tx) => rotateWebhookSecret(tx, project.id, new Uint8Array(40))),
    "not_found",
  );
});

Deno.test("api.set_webhook_endpoint — bad url, events and a missing secret are named", async () => {
  const project = await seedProject(db.sql);
  const error = toAppError(
    await asApp(db.sql, project.id, (tx) =>
      setWebhookEndpoint(tx, project.id, {
        url: "http://internal.example/hooks",
        secretSealed: null,
        events: ["user.invented" as "user.created"],
      })).then(() => assert.fail("expected a failure"), (e) => e),
  );
  assert.equal(error.code, "validation_failed");
  assert.deepEqual(Object.keys(error.fields!).sort(), ["events", "secret", "url"]);
  const other = await seedProject(db.sql);
  await rejectsAs(
    asApp(
      db.sql,
      other.id,
      (tx) => setWebhookEndpoint(tx, project.id, { url: URL_A, secretSealed: new Uint8Array(40) }),
    ),
    "not_found",
  );
});

Deno.test("api.projects_with_due_webhooks — finds due projects across the deployment; refused for one project", async () => {
  const project = await seedProject(db.sql);
  await setEndpoint(db.sql, sealing, project.id, URL_A);
  await seedUser(db.sql, project.id, "due@example.com");
  assert.ok((await projectsWithDueWebhooks(db.sql)).includes(project.id));
  await rejectsAs(
    asApp(db.sql, project.id, (tx) => tx`select api.projects_with_due_webhooks(10)`),
    "forbidden",
  );
  const visible = await asApp(db.sql, null, async (tx) => {
    await tx`select set_config('astapa.find_due_webhooks', 'on', true)`;
    return (await tx`select count(*)::int as n from astapa.webhook_deliveries`)[0].n;
  });
  assert.equal(visible, 0, "the app role setting the switch itself sees nothing");
});

Deno.test("api.claim_webhook_deliveries — claims once per lease, only the project's own rows", async () => {
  const project = await seedProject(db.sql);
  const other = await seedProject(db.sql);
  await setEndpoint(db.sql, sealing, project.id, URL_A);
  await seedUser(db.sql, project.id, "claim@example.com");
  const stolen = await asApp(
    db.sql,
    other.id,
    (tx) => tx`select api.claim_webhook_deliveries(${project.id}, 10, 60) as result`,
  );
  assert.deepEqual(stolen[0].result, []);
  const [claimed] = await claimWebhookDeliveries(db.sql, project.id, 10, 60);
  assert.equal(claimed.event.type, "user.created");
  assert.equal(claimed.url, URL_A);
  assert.deepEqual(await claimWebhookDeliveries(db.sql, project.id, 10, 60), [], "the lease holds");
  await rejectsAs(claimWebhookDeliveries(db.sql, project.id, 0, 60), "validation_failed");
});

Deno.test("a person's renewal, trial and plan-change events reach an endpoint that subscribes to them", async () => {
  const project = await seedProject(db.sql);
  const types = [
    "subscription.renewal_due",
    "subscription.trial_will_end",
    "subscription.plan_change",
  ] as const;
  await setEndpoint(db.sql, sealing, project.id, URL_A, [...types]);
  await db.sql`select astapa.emit_event(${project.id}, t, '{}'::jsonb) from unnest(${[
    ...types,
    "user.created",
  ]}::text[]) t`;
  const claimed = await claimWebhookDeliveries(db.sql, project.id, 10, 60);
  assert.deepEqual(claimed.map((d) => d.event.type).sort(), [...types].sort(), "only the subscribed ones");
});

Deno.test("api.list_webhook_deliveries — newest first, by status; removing the endpoint fails what waits", async () => {
  const project = await seedProject(db.sql);
  await setEndpoint(db.sql, sealing, project.id, URL_A);
  await seedUser(db.sql, project.id, "one@example.com");
  await seedUser(db.sql, project.id, "two@example.com");
  const list = (status?: "pending" | "failed") =>
    asApp(db.sql, project.id, (tx) => listWebhookDeliveries(tx, project.id, { status }));
  assert.equal((await list("pending")).length, 2);
  assert.ok(Number((await list())[0].id) > Number((await list())[1].id));
  await asApp(db.sql, project.id, (tx) => removeWebhookEndpoint(tx, project.id));
  const failed = await list("failed");
  assert.equal(failed.length, 2);
  assert.equal(failed[0].last_error, "The webhook endpoint was removed.");
  await rejectsAs(
    asApp(db.sql, project.id, (tx) => tx`select api.list_webhook_deliveries(${project.id}, 'lost')`),
    "validation_failed",
  );
  const other = await seedProject(db.sql);
  await rejectsAs(asApp(db.sql, other.id, (tx) => listWebhookDeliveries(tx, project.id)), "not_found");
});
