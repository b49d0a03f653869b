/**
 * The one-statement path of the token endpoint (db/client.ts asAppStatement, db/machine_clients.ts
 * authenticateClientAnd): the same role, RLS and brute-force counting as a transaction made by asApp, with
 * nothing left on the pooled connection afterwards.
 */
import assert from "node:assert/strict";
import { asApp, asAppStatement } from "@/db/client.ts";
import { authenticateClientAnd, type FailureBucket } from "@/db/client_authentication.ts";
import { sha256 } from "@/lib/secrets.ts";
import { testDatabase } from "../helpers/db.ts";
import { seedProject, seedUser } from "../helpers/identity.ts";
import { seedMachineClient } from "../helpers/machine_clients.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const a = await seedProject(db.sql, { name: "A" });
const b = await seedProject(db.sql, { name: "B" });
await seedUser(db.sql, a.id, "a@example.com");
await seedUser(db.sql, b.id, "b@example.com");
const machine = await seedMachineClient(db.sql, a.id, {});

const buckets = (tag: string): FailureBucket[] => [
  { name: `t:${tag}:client`, max: 5, window_seconds: 60 },
  { name: `t:${tag}:address`, max: 5, window_seconds: 60 },
];
const hits = async (bucket: string) =>
  (await db.sql`select hits from astapa.rate_limits where bucket = ${bucket}`)[0]?.hits ?? 0;

/** Fails with division by zero when run (not when planned: nothing here is constant). */
const failing = (sql: typeof db.sql) =>
  sql`(select pg_catalog.to_jsonb(1 / count(*)::integer) from astapa.rate_limits where false)`;

const [userA] = await db.sql`select id from astapa.users where project_id = ${a.id}`;
const [userB] = await db.sql`select id from astapa.users where project_id = ${b.id}`;

/** Who the grant slot runs as, and which of the two users api.user_info (RLS inside) can see from there. */
const probe = (sql: typeof db.sql) =>
  sql`pg_catalog.jsonb_build_object('role', current_user,
        'a', api.user_info(${userA.id}, 'cid_a', 'openid') is not null, 'b', api.user_info(${userB.id}, 'cid_b', 'openid') is not null)`;

Deno.test("asAppStatement — one statement as astapa_app for the project; the connection keeps nothing", async () => {
  const [row] = await asAppStatement(
    db.sql,
    a.id,
    (app) =>
      db.sql`with ${app} select current_user as role, current_setting('astapa.project_id') as project,
                                api.user_info(${userA.id}, 'cid_a', 'openid') is not null as own,
                                api.user_info(${userB.id}, 'cid_b', 'openid') is not null as other from app`,
  );
  assert.deepEqual({ ...row }, { role: "astapa_app", project: a.id, own: true, other: false });
  // Every pooled connection is back to the login role with no project once its statement ended.
  const after = await Promise.all(
    Array.from(
      { length: 8 },
      () => db.sql`select current_user as role, current_setting('astapa.project_id', true) as project`,
    ),
  );
  for (const [state] of after) {
    assert.notEqual(state.role, "astapa_app");
    assert.ok(!state.project, `project setting left behind: ${state.project}`);
  }
});

Deno.test("asAppStatement — without a project, api functions see no tenant rows", async () => {
  const [row] = await asAppStatement(
    db.sql,
    null,
    (app) => db.sql`with ${app} select api.user_info(${userA.id}, 'cid_a', 'openid') as info from app`,
  );
  assert.equal(row.info, null);
});

// Why asAppStatement may call api.* functions only: RLS is applied when a statement is planned, before its
// first step sets the role, so a table named in the statement itself is read as the login role. Functions
// with `set search_path` (every api.* function) are never inlined: their queries are planned as they run.
Deno.test("asAppStatement — a table named in the statement itself is planned before the role is set", async () => {
  const [row] = await asAppStatement(
    db.sql,
    null,
    (app) => db.sql`with ${app} select (select count(*)::int from astapa.users) as users from app`,
  );
  assert.equal(row.users, 2, "this is why the statement must only call api.* functions");
});

Deno.test("authenticateClientAnd — the right secret runs the call for the client's kind as astapa_app, RLS on its project", async () => {
  const calls = (sql: typeof db.sql) => ({ project: probe(sql), machine: sql`'"machine"'::jsonb` });
  const own = await authenticateClientAnd(db.sql, a.clientId, await sha256(a.secret), buckets("ok"), calls);
  assert.deepEqual(own, {
    outcome: { client: { project_id: a.id, kind: "project", enabled: true, dpop_required: false } },
    grant: { role: "astapa_app", a: true, b: false },
  });
  const other = await authenticateClientAnd(db.sql, b.clientId, await sha256(b.secret), buckets("ok"), calls);
  assert.deepEqual(other.grant, { role: "astapa_app", a: false, b: true });
  const mcl = await authenticateClientAnd(
    db.sql,
    machine.clientId,
    await sha256(machine.secret),
    buckets("ok"),
    calls,
  );
  assert.equal(mcl.grant, "machine");
  assert.equal(await hits("t:ok:client"), 0);
});

Deno.test("authenticateClientAnd — a wrong secret skips the call and counts the failure; a locked bucket waits", async () => {
  let called = 0;
  const calls = (sql: typeof db.sql) => {
    called++;
    return { project: failing(sql), machine: null };
  };
  for (let i = 0; i < 5; i++) {
    const wrong = await authenticateClientAnd(
      db.sql,
      a.clientId,
      await sha256("wrong"),
      buckets("bad"),
      calls,
    );
    assert.deepEqual(wrong, { outcome: {}, grant: null });
  }
  assert.equal(called, 5, "the call is built, never run");
  assert.equal(await hits("t:bad:client"), 5, "failures are committed by the statement");
  const locked = await authenticateClientAnd(
    db.sql,
    a.clientId,
    await sha256(a.secret),
    buckets("bad"),
    calls,
  );
  assert.ok("wait" in locked.outcome && locked.outcome.wait > 0);
  assert.equal(locked.grant, null);
});

Deno.test("authenticateClientAnd — a disabled client is told apart but gets no call; a failing call rolls back", async () => {
  await asApp(db.sql, a.id, (tx) =>
    tx`update astapa.machine_clients set enabled = false
                                         where client_id = ${machine.clientId}`);
  const disabled = await authenticateClientAnd(
    db.sql,
    machine.clientId,
    await sha256(machine.secret),
    buckets("off"),
    (sql) => ({ project: null, machine: sql`'"ran"'::jsonb` }),
  );
  assert.deepEqual(disabled, {
    outcome: { client: { project_id: a.id, kind: "machine", enabled: false, dpop_required: false } },
    grant: null,
  });
  await assert.rejects(
    authenticateClientAnd(db.sql, a.clientId, await sha256(a.secret), buckets("err"), (sql) => ({
      project: failing(sql),
      machine: null,
    })),
    /division by zero/,
  );
});
