/**
 * SQL tests for Sign in with Apple's lifecycle (db/api/apple_lifecycle.sql): the kept refresh token, the
 * revocation queued whenever an Apple identity with one goes (erasure, unlink, claim), the outbox's claim and
 * record, and api.receive_apple_notification's audience, replay and project checks.
 */
import assert from "node:assert/strict";
import { asApp, type Sql } from "@/db/client.ts";
import { appValue, rejectsAs, type SeededProject, seedProject } from "../helpers/identity.ts";
import { testDatabase } from "../helpers/db.ts";
import { listenTo } from "../helpers/notify.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());
const { sql } = db;

const a = await seedProject(sql, { name: "A" });
const b = await seedProject(sql, { name: "B" });
const SEALED = "c2VhbGVkLXRva2Vu";
let people = 0;

/** A new user of `p` signed in with Apple, keeping `sealed` (null: Apple gave no refresh token). */
async function appleUser(p: SeededProject, sealed: string | null = SEALED, subject = `001.sql.${++people}`) {
  const outcome = await appValue<{ user_id: string }>(
    sql,
    p.id,
    (tx) =>
      tx`select api.sign_in_with_apple(${subject}, ${`${subject}@icloud.test`}, true, 'com.example.app', ${sealed})`,
  );
  return { user: outcome.user_id, subject };
}

const queued = (s: Sql, projectId: string) =>
  asApp(s, projectId, (tx) => tx`select client_id, token_sealed, status from astapa.apple_token_revocations`);

Deno.test("api.sign_in_with_apple — keeps the sealed token and its Services ID; a later sign-in replaces it, revoking nothing", async () => {
  const { subject } = await appleUser(a);
  const stored = () =>
    asApp(
      sql,
      a.id,
      (tx) =>
        tx`select refresh_token_sealed, token_client_id from astapa.identities where subject = ${subject}`,
    );
  assert.deepEqual([...await stored()].map((r) => ({ ...r })), [
    { refresh_token_sealed: SEALED, token_client_id: "com.example.app" },
  ]);
  // What the account page, its data download, the dashboard and the Platform API list never carries the token.
  const { user } = await appleUser(a, SEALED, subject);
  const listed = await appValue(
    sql,
    a.id,
    (tx) => tx`select api.user_sign_in_methods(${a.id}, ${user})::text`,
  );
  assert.ok(String(listed).includes(subject) && !String(listed).includes(SEALED), String(listed));
  const before = (await queued(sql, a.id)).length;
  await appleUser(a, "bmV3ZXI", subject);
  assert.equal((await stored())[0].refresh_token_sealed, "bmV3ZXI");
  assert.equal((await queued(sql, a.id)).length, before);
  await rejectsAs(
    asApp(sql, a.id, (tx) => tx`select api.sign_in_with_apple(${subject}, null, true, null, ${SEALED})`),
    "validation_failed",
    /client_id/,
  );
  await rejectsAs(
    asApp(sql, a.id, (tx) => tx`select api.sign_in_with_apple(${subject}, null, true, 'c', 'not sealed!')`),
    "validation_failed",
  );
});

Deno.test("astapa.erase_user — queues the Apple token's revocation (only the sealed token and client), once", async () => {
  const { user } = await appleUser(b);
  const before = (await queued(sql, b.id)).length;
  await asApp(sql, b.id, (tx) => tx`select astapa.erase_user(${user}, 'user')`);
  await asApp(sql, b.id, (tx) => tx`select astapa.erase_user(${user}, 'user')`);
  const rows = await queued(sql, b.id);
  assert.equal(rows.length, before + 1);
  assert.deepEqual({ ...rows.at(-1) }, {
    client_id: "com.example.app",
    token_sealed: SEALED,
    status: "pending",
  });
  const columns = await sql`select column_name from information_schema.columns
                            where table_schema = 'astapa' and table_name = 'apple_token_revocations'`;
  for (const personal of ["user_id", "subject", "email"]) {
    assert.equal(columns.some((c) => c.column_name === personal), false, personal);
  }
});

Deno.test("astapa.erase_user — nothing is queued for a user without a stored Apple token", async () => {
  const p = await seedProject(sql);
  const { user } = await appleUser(p, null);
  await asApp(
    sql,
    p.id,
    (tx) => tx`select api.sign_in_with_identity('google', 'g-none', 'none@example.com', true)`,
  );
  await asApp(sql, p.id, (tx) => tx`select astapa.erase_user(${user}, 'admin')`);
  assert.equal((await queued(sql, p.id)).length, 0);
});

Deno.test("api.discard_apple_token — a token that made no account is queued once per call; a known subject's is not", async () => {
  const p = await seedProject(sql);
  const discard = (
    subject: string,
    client: string | null = "com.example.app",
    sealed: string | null = SEALED,
  ) =>
    appValue<boolean>(
      sql,
      p.id,
      (tx) => tx`select api.discard_apple_token(${subject}, ${client}, ${sealed})`,
    );
  assert.equal(await discard("001.sql.refused"), true);
  assert.deepEqual([...await queued(sql, p.id)].map((r) => ({ ...r })), [
    { client_id: "com.example.app", token_sealed: SEALED, status: "pending" },
  ]);
  // A person the project knows: their identity keeps its token; revoking this one would end it at Apple too.
  const { subject } = await appleUser(p);
  assert.equal(await discard(subject), false);
  // Another project's person is not this project's: queued in this project.
  const other = await appleUser(b);
  assert.equal(await discard(other.subject), true);
  assert.equal((await queued(sql, p.id)).length, 2);
  await rejectsAs(
    asApp(sql, p.id, (tx) => tx`select api.discard_apple_token('001.x', null, ${SEALED})`),
    "validation_failed",
  );
  await rejectsAs(
    asApp(sql, p.id, (tx) => tx`select api.discard_apple_token('001.x', 'c', null)`),
    "validation_failed",
  );
  await rejectsAs(
    asApp(sql, p.id, (tx) => tx`select api.discard_apple_token('001.x', 'c', 'not sealed!')`),
    "validation_failed",
  );
  assert.equal((await queued(sql, p.id)).length, 2, "nothing queued for a refused call");
});

Deno.test("api.unlink_sign_in_method — unlinking an Apple identity with a token queues its revocation in the same transaction", async () => {
  // Both providers offered through the project's own apps, so either identity is a way in.
  const p = await seedProject(sql, {
    settings: {
      social_login: {
        google: { client_id: "g", client_secret_sealed: "c2VhbGVk" },
        apple: {
          client_id: "com.example.app",
          team_id: "TEAM000001",
          key_id: "KEY0000001",
          private_key_sealed: "c2VhbGVk",
        },
      },
    },
  });
  const { user, subject } = await appleUser(p);
  await asApp(
    sql,
    p.id,
    (tx) => tx`select api.sign_in_with_identity('google', 'g-second', ${`${subject}@icloud.test`}, true)`,
  );
  const rolledBack = new Error("rolled back");
  await assert.rejects(
    asApp(sql, p.id, async (tx) => {
      await tx`select api.unlink_sign_in_method(${p.id}, ${user}, 'apple', ${subject})`;
      throw rolledBack;
    }),
    rolledBack,
  );
  assert.equal((await queued(sql, p.id)).length, 0, "a rolled-back unlink queues nothing");
  await asApp(sql, p.id, (tx) => tx`select api.unlink_sign_in_method(${p.id}, ${user}, 'apple', ${subject})`);
  assert.equal((await queued(sql, p.id)).length, 1);
});

Deno.test("apple revocations — claimed once under a lease, fenced, deleted when revoked, redacted when given up", async () => {
  const p = await seedProject(sql);
  for (let i = 0; i < 2; i++) {
    const { user } = await appleUser(p);
    await asApp(sql, p.id, (tx) => tx`select astapa.erase_user(${user}, 'user')`);
  }
  const due = await appValue<string[]>(
    sql,
    null,
    (tx) => tx`select api.projects_with_due_apple_revocations(1000)`,
  );
  assert.ok(due.includes(p.id));
  await rejectsAs(
    asApp(sql, p.id, (tx) => tx`select api.projects_with_due_apple_revocations(10)`),
    "forbidden",
  );
  const claim = () =>
    appValue<{ id: string; attempt: number }[]>(
      sql,
      p.id,
      (tx) => tx`select api.claim_apple_revocations(${p.id}, 10, 60)`,
    );
  const [first, second] = await claim();
  assert.deepEqual(await claim(), [], "claimed rows are not claimed again while leased");
  assert.equal(
    await appValue(
      sql,
      b.id,
      (tx) => tx`select jsonb_array_length(api.claim_apple_revocations(${p.id}, 10, 60))`,
    ),
    0,
    "another project sees none",
  );
  const record = (id: string, attempt: number, status: number | null, retryIn: number | null) =>
    appValue<string | null>(
      sql,
      p.id,
      (tx) =>
        tx`select api.record_apple_revocation_attempt(${p.id}, ${id}, ${attempt}, ${status}, 'x', ${retryIn})`,
    );
  assert.equal(await record(first.id, first.attempt + 1, 200, null), null, "a stale attempt records nothing");
  assert.equal(await record(first.id, first.attempt, 200, null), "revoked");
  assert.equal(await record(second.id, second.attempt, 500, null), "failed");
  const rows = await asApp(
    sql,
    p.id,
    (tx) => tx`select id::text, token_sealed, status from astapa.apple_token_revocations`,
  );
  assert.deepEqual(rows.map((r) => ({ ...r })), [{ id: second.id, token_sealed: null, status: "failed" }]);
  const listed = await appValue<Record<string, unknown>[]>(
    sql,
    p.id,
    (tx) => tx`select api.list_apple_revocations(10)`,
  );
  assert.deepEqual(listed.map((r) => [r.id, r.status, "token_sealed" in r]), [[second.id, "failed", false]]);
});

Deno.test("api.receive_apple_notification — unknown audience null; refused for a project; a replay per project", async () => {
  const p = await seedProject(sql);
  const { subject } = await appleUser(p);
  const receive = (audience: string, eventId: string, type = "email-disabled", eventTime = 1_800_000_000) =>
    appValue<{ outcomes: string[] } | null>(
      sql,
      null,
      (tx) =>
        tx`select api.receive_apple_notification(${audience}, 'com.deployment', ${eventId},
             ${JSON.stringify({ type, sub: subject, event_time: eventTime })}::text::jsonb)`,
    );
  assert.equal(await receive("com.nobody", "e1"), null);
  assert.deepEqual(
    await receive("com.deployment", "e1"),
    { outcomes: ["recorded"] },
    "the project's Apple app",
  );
  assert.deepEqual(await receive("com.deployment", "e1"), { outcomes: ["replayed"] });
  assert.deepEqual(
    await receive("com.deployment", "e2", "email-enabled", 1_700_000_000),
    { outcomes: ["ignored"] },
    "older than the one recorded",
  );
  await rejectsAs(receive("com.deployment", "e3", "nonsense"), "validation_failed");
  await rejectsAs(
    asApp(
      sql,
      p.id,
      (tx) =>
        tx`select api.receive_apple_notification('com.deployment', 'com.deployment', 'e4',
      ${JSON.stringify({ type: "account-delete", sub: subject })}::text::jsonb)`,
    ),
    "forbidden",
  );
  assert.equal(
    await appValue(sql, b.id, (tx) => tx`select count(*)::int from astapa.apple_notifications`),
    0,
    "another project sees none of them",
  );
});

Deno.test("astapa.queue_apple_token_revocation — any delete of an identity holding a token queues its revocation and wakes the workers; none without", async () => {
  const p = await seedProject(sql);
  const { subject } = await appleUser(p);
  const { subject: tokenless } = await appleUser(p, null);
  const elsewhere = (await queued(sql, a.id)).length;
  const revocations = await listenTo(sql, "astapa_apple_revocations");
  try {
    // By hand, as no api.* function does it: the trigger, not its callers, queues the revocation.
    await sql`delete from astapa.identities where project_id = ${p.id} and subject = ${tokenless}`;
    assert.equal((await queued(sql, p.id)).length, 0, "no token, nothing queued");
    const inOneTransaction = await sql.begin(async (tx) => {
      await tx`delete from astapa.identities where project_id = ${p.id} and subject = ${subject}`;
      return (await tx`select count(*)::int as n from astapa.apple_token_revocations where project_id = ${p.id}`)[
        0
      ].n;
    });
    assert.equal(inOneTransaction, 1, "queued in the deleting transaction");
    await revocations.heard(
      "a wake-up naming the project",
      (payload) => JSON.parse(payload).project_id === p.id,
    );
    assert.deepEqual([...await queued(sql, p.id)].map((r) => ({ ...r })), [
      { client_id: "com.example.app", token_sealed: SEALED, status: "pending" },
    ]);
    assert.equal((await queued(sql, a.id)).length, elsewhere, "another project's queue is unchanged");
  } finally {
    await revocations.unlisten();
  }
});
