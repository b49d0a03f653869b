/** The webhook SQL API: the endpoint, the cross-project finder's guard, claims, fencing and the delivery log. */
import assert from "node:assert/strict";
import type postgres from "postgres";
import { asApp, type Sql } from "@/db/client.ts";
import {
  claimWebhookDeliveries,
  type EndpointEvents,
  getWebhookEndpoint,
  listWebhookDeliveries,
  projectsWithDueWebhooks,
  recordWebhookAttempt,
  removeWebhookEndpoint,
  rotateWebhookSecret,
  setWebhookEndpoint,
  setWebhookEndpointEnabled,
} from "@/db/webhooks.ts";
import { sendTestWebhook } from "@/db/webhook_endpoints.ts";
import { toAppError } from "@/lib/http/errors.ts";
import { deriveMasterKeys } from "@/lib/tokens/master_key.ts";
import { openWebhookSecret } from "@/lib/webhooks/signature.ts";
import { TEST_MASTER_KEY } from "../helpers/app.ts";
import { rolledBack, testDatabase } from "../helpers/db.ts";
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
  assert.equal(moved.events, "*", "set without a list: every event, including future ones");
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

Deno.test("api.claim_webhook_deliveries — a paused endpoint is sent only its test events; what was in flight fails", async () => {
  const project = await seedProject(db.sql);
  await setEndpoint(db.sql, sealing, project.id, URL_A);
  await seedUser(db.sql, project.id, "flight@example.com");
  await seedUser(db.sql, project.id, "lease@example.com");
  const [retried, leased] = await claimWebhookDeliveries(db.sql, project.id, 10, 60);
  const pause = (enabled: boolean) =>
    asApp(db.sql, project.id, (tx) => setWebhookEndpointEnabled(tx, project.id, enabled));
  await pause(false);
  // The in-flight attempt answers 503 after the pause and is recorded for a retry due now; the other's lease
  // runs out (its worker stopped).
  assert.equal(
    await recordWebhookAttempt(db.sql, project.id, {
      deliveryId: retried.delivery_id,
      attempt: retried.attempt,
      httpStatus: 503,
      error: "HTTP 503",
      retryIn: 0,
    }),
    "pending",
  );
  await db.sql`update astapa.webhook_deliveries set lease_until = now() - interval '1 second'
    where project_id = ${project.id} and id = ${leased.delivery_id}`;
  const endpoint = await asApp(db.sql, project.id, (tx) => getWebhookEndpoint(tx, project.id));
  const test = await asApp(db.sql, project.id, (tx) => sendTestWebhook(tx, project.id, endpoint!.id));

  const claimed = await claimWebhookDeliveries(db.sql, project.id, 10, 60);
  assert.deepEqual(claimed.map((d) => [d.delivery_id, d.event.type]), [[test.id, "webhook.test"]]);
  const rows = await db.sql`select id::text, status, attempts, last_error, lease_until
    from astapa.webhook_deliveries where project_id = ${project.id} and id in (${retried.delivery_id}, ${leased.delivery_id})
    order by id`;
  assert.deepEqual(
    rows.map((r) => [r.id, r.status, r.attempts, r.last_error, r.lease_until]),
    [
      [retried.delivery_id, "failed", 1, "The webhook endpoint was disabled.", null],
      [leased.delivery_id, "failed", 1, "The webhook endpoint was disabled.", null],
    ],
    "not sent again, not counted as an attempt; resendable once enabled",
  );
  assert.deepEqual(await claimWebhookDeliveries(db.sql, project.id, 10, 60), []);
  await pause(true);
  await seedUser(db.sql, project.id, "after@example.com");
  const resumed = await claimWebhookDeliveries(db.sql, project.id, 10, 60);
  assert.deepEqual(resumed.map((d) => d.event.type), ["user.created"], "enabled again, new events go");
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

/** The endpoint as stored: the flag and the list a DBA reads. */
async function stored(projectId: string) {
  const [row] = await db
    .sql`select all_events, events from astapa.webhook_endpoints where project_id = ${projectId}`;
  return { all_events: row.all_events, events: row.events };
}

Deno.test("api.set_webhook_endpoint — a list is kept; {*} switches to all events and a list back; null keeps either", async () => {
  const project = await seedProject(db.sql);
  const set = (events?: EndpointEvents) =>
    asApp(
      db.sql,
      project.id,
      (tx) => setWebhookEndpoint(tx, project.id, { url: URL_A, secretSealed: null, events }),
    );
  await setEndpoint(db.sql, sealing, project.id, URL_A, ["user.created", "payment.succeeded"]);
  assert.deepEqual(await stored(project.id), {
    all_events: false,
    events: ["user.created", "payment.succeeded"],
  });
  assert.deepEqual((await set()).events, ["user.created", "payment.succeeded"], "null keeps the list");

  assert.equal((await set("*")).events, "*");
  assert.deepEqual(await stored(project.id), { all_events: true, events: null });
  assert.equal((await set()).events, "*", "null keeps all events");
  assert.equal((await asApp(db.sql, project.id, (tx) => getWebhookEndpoint(tx, project.id)))!.events, "*");

  assert.deepEqual((await set(["payment.refund_failed"])).events, ["payment.refund_failed"]);
  assert.deepEqual(await stored(project.id), { all_events: false, events: ["payment.refund_failed"] });
  const audited = await db.sql`select details -> 'events' as events from astapa.audit_log
                               where project_id = ${project.id} and action = 'webhook.set' order by id`;
  assert.deepEqual(audited.map((row) => row.events), [
    ["user.created", "payment.succeeded"],
    ["user.created", "payment.succeeded"],
    "*",
    "*",
    ["payment.refund_failed"],
  ]);
});

Deno.test('api.set_webhook_endpoint — "*" with event names, an empty list and null names are refused (events)', async () => {
  const project = await seedProject(db.sql);
  await setEndpoint(db.sql, sealing, project.id, URL_A, ["user.created"]);
  const refused = async (events: (string | null)[], message: RegExp) => {
    const error = toAppError(
      await asApp(
        db.sql,
        project.id,
        (tx) => tx`select api.set_webhook_endpoint(${project.id}, ${URL_A}, null, ${events}::text[])`,
      ).then(
        () => assert.fail("expected a failure"),
        (e) => e,
      ),
    );
    assert.equal(error.code, "validation_failed");
    assert.deepEqual(Object.keys(error.fields!), ["events"]);
    assert.match(error.fields!.events[0], message);
  };
  await refused(["*", "user.created"], /^"\*" means every event type, including future ones: send it alone/);
  await refused(["user.created", "*"], /send it alone/);
  await refused(["*", "*"], /send it alone/);
  await refused(
    [],
    /^events must be "\*" \(every type, including future ones\) or name one or more of user\.created/,
  );
  await refused([null], /events must be "\*"/);
  await refused(["all"], /events must be "\*"/);
  assert.deepEqual(
    await stored(project.id),
    { all_events: false, events: ["user.created"] },
    "nothing changed",
  );
});

Deno.test("astapa.webhook_endpoints — the check keeps all_events and events from disagreeing", async () => {
  const project = await seedProject(db.sql);
  await setEndpoint(db.sql, sealing, project.id, URL_A);
  for (
    const change of [
      db.sql`update astapa.webhook_endpoints set events = '{user.created}' where project_id = ${project.id}`,
      db.sql`update astapa.webhook_endpoints set all_events = false where project_id = ${project.id}`,
      db.sql`update astapa.webhook_endpoints set all_events = false, events = '{}' where project_id = ${project.id}`,
    ]
  ) {
    await assert.rejects(change, /webhook_endpoints_events_check/);
  }
});

/** Emits one event of each type as the app path does (astapa.emit_event) and returns the types queued. */
async function queuedTypes(
  tx: Sql | postgres.TransactionSql,
  projectId: string,
  types: string[],
): Promise<string[]> {
  // Two statements: one statement does not see the rows its own triggers inserted.
  const [{ ids }] = await tx`
    select array_agg(astapa.emit_event(${projectId}, t, '{}'::jsonb)) as ids from unnest(${types}::text[]) t`;
  const [row] = await tx`
    select coalesce(array_agg(e.type order by e.type), '{}') as types
    from astapa.webhook_deliveries as d join astapa.events as e on e.project_id = d.project_id and e.id = d.event_id
    where d.project_id = ${projectId} and d.event_id = any (${ids}::bigint[])`;
  return row.types;
}

Deno.test("all events — every type astapa.webhook_event_types() names reaches an all-events endpoint", async () => {
  const project = await seedProject(db.sql);
  await setEndpoint(db.sql, sealing, project.id, URL_A);
  const [{ types }] = await db.sql`select astapa.webhook_event_types() as types`;
  assert.ok(types.includes("payment.refund_failed"), "the newest type is among them");
  assert.deepEqual(await queuedTypes(db.sql, project.id, types), [...types].sort());
});

Deno.test("all events — a type added later reaches an all-events endpoint, not one listing today's types", async () => {
  const everything = await seedProject(db.sql);
  const listing = await seedProject(db.sql);
  await setEndpoint(db.sql, sealing, everything.id, URL_A);
  const [{ types }] = await db.sql`select astapa.webhook_event_types() as types`;
  await setEndpoint(db.sql, sealing, listing.id, URL_A, types);
  // What a release adding a type does (a migration's insert, the function in db/api), rolled back afterwards.
  const queued = await rolledBack(db.sql, async (tx) => {
    await tx`insert into astapa.event_types (type) values ('test.added_later')`;
    await tx.unsafe(`create or replace function astapa.webhook_event_types() returns text[]
      language sql immutable parallel safe set search_path = ''
      as $$ select array['${types.join("', '")}', 'test.added_later'] $$`);
    return {
      everything: await queuedTypes(tx, everything.id, ["test.added_later"]),
      listing: await queuedTypes(tx, listing.id, ["test.added_later"]),
    };
  });
  assert.deepEqual(queued, { everything: ["test.added_later"], listing: [] });
  const [after] = await db.sql`select 'test.added_later' = any (astapa.webhook_event_types()) as still`;
  assert.equal(after.still, false, "rolled back");
});

Deno.test("all events — a type apps may not subscribe to is not delivered to an all-events endpoint", async () => {
  const project = await seedProject(db.sql);
  await setEndpoint(db.sql, sealing, project.id, URL_A);
  const queued = await rolledBack(db.sql, async (tx) => {
    await tx`insert into astapa.event_types (type) values ('test.internal_only')`;
    return await queuedTypes(tx, project.id, ["test.internal_only", "user.created"]);
  });
  assert.deepEqual(queued, ["user.created"]);
});

Deno.test("astapa.emit_user_updated — a change of address, phone, their verification or disabled is user.updated with previous; an erasure or a sign-in is not", async () => {
  const project = await seedProject(db.sql);
  const sub = await seedUser(db.sql, project.id, "before@example.com");
  const updates = async () =>
    (await db.sql`select data from astapa.events where project_id = ${project.id} and type = 'user.updated'
                  order by id`).map((r) => r.data);
  await asApp(db.sql, project.id, async (tx) => {
    await tx`update astapa.users set email = 'after@example.com', email_verified = true where id = ${sub}`;
    await tx`update astapa.users set last_sign_in_at = now() where id = ${sub}`;
    await tx`update astapa.users set email = email where id = ${sub}`;
    await tx`select api.disable_user(${project.id}, ${sub}::bigint, true)`;
  });
  const [changed, disabled, ...rest] = await updates();
  assert.deepEqual(rest, [], "a sign-in and a write of the same values are no change");
  assert.deepEqual(changed.previous, { email: "before@example.com", email_verified: false });
  assert.deepEqual(
    [changed.user.id, changed.user.email, changed.user.email_verified, changed.user.mfa_enrolled],
    [sub, "after@example.com", true, false],
  );
  assert.deepEqual(disabled.previous, { disabled: false });
  assert.equal(disabled.user.disabled, true);
  await asApp(db.sql, project.id, (tx) => tx`select api.delete_user(${project.id}, ${sub}::bigint)`);
  assert.equal((await updates()).length, 2, "the erasure is user.deleted, not user.updated");
  const [deleted] = await db.sql`select count(*)::int as n from astapa.events
                                 where project_id = ${project.id} and type = 'user.deleted'`;
  assert.equal(deleted.n, 1);
});
