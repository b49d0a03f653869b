/** SQL tests for impersonation (db/api/impersonations.sql and what tokens.sql carries of it). */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { appValue, rejectsAs, seedProject, seedUser } from "../helpers/identity.ts";
import { testDatabase } from "../helpers/db.ts";
import { seedRegistry } from "../helpers/machine_clients.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());
const { sql } = db;

const a = await seedProject(sql, { name: "A" });
const b = await seedProject(sql, { name: "B" });
await seedRegistry(sql, a.id, { resources: ["https://mcp.a.example"], scopes: ["notes:read"] });
let fills = 0;
const fresh = () => new Uint8Array(32).fill(++fills);

type Imp = { id: string; user_id: string; actor: string; ends_at: string; opened_at: string | null };
const create = (project: string, user: string, tokenHash: Uint8Array, minutes = 15, actor = "support:ana") =>
  appValue<Imp>(
    sql,
    project,
    (tx) =>
      tx`select api.create_impersonation(${project}, ${user}::bigint, ${actor}, 'why', ${minutes}, ${tokenHash})`,
  );
const open = (
  project: string,
  tokenHash: Uint8Array,
  sessionHash: Uint8Array,
  replaces: Uint8Array | null = null,
) =>
  appValue<Imp & { ended_session: unknown }>(
    sql,
    project,
    (tx) => tx`select api.open_impersonation(${tokenHash}, ${sessionHash}, ${replaces}, 'test agent')`,
  );

/** A new user of project a, impersonated (for `minutes`), the link opened: the session's hash. */
async function opened(email: string, minutes = 15) {
  const user = await seedUser(sql, a.id, email);
  const token = fresh();
  const made = await create(a.id, user, token, minutes);
  const session = fresh();
  await open(a.id, token, session);
  return { user, made, session };
}

Deno.test("api.create_impersonation — stores the hash, audits; 404 other project or deleted, 409 disabled, 400 input", async () => {
  const user = await seedUser(sql, a.id, "create@a.example");
  const made = await create(a.id, user, fresh(), 30);
  assert.match(made.id, /^imp_[a-z2-7]{24}$/);
  assert.equal(made.actor, "support:ana");
  const [audit] = await sql`select details from astapa.audit_log where project_id = ${a.id}
    and action = 'user.impersonation_created' and details ->> 'impersonation_id' = ${made.id}`;
  assert.equal(audit.details.reason, "why");

  await rejectsAs(create(b.id, user, fresh()), "not_found");
  await rejectsAs(create(a.id, user, fresh(), 61), "validation_failed");
  await rejectsAs(create(a.id, user, fresh(), 0), "validation_failed");
  await rejectsAs(create(a.id, user, fresh(), 15, " "), "validation_failed");
  await rejectsAs(create(a.id, user, fresh(), 15, "ana\u0007"), "validation_failed");
  const disabled = await seedUser(sql, a.id, "disabled@a.example");
  await sql`update astapa.users set disabled = true where id = ${disabled}`;
  await rejectsAs(create(a.id, disabled, fresh()), "conflict");
  const deleted = await seedUser(sql, a.id, "deleted@a.example");
  await sql`update astapa.users set deleted_at = now() where id = ${deleted}`;
  await rejectsAs(create(a.id, deleted, fresh()), "not_found");
});

Deno.test("api.open_impersonation — once; a session until ends_at with amr {imp}; the browser's other session ends", async () => {
  const user = await seedUser(sql, a.id, "open@a.example");
  const other = await seedUser(sql, a.id, "other@a.example");
  const held = fresh();
  await asApp(sql, a.id, (tx) => tx`select api.start_login_session(${other}, ${held})`);
  const token = fresh();
  const made = await create(a.id, user, token);
  const link = await appValue<{ email: string }>(
    sql,
    a.id,
    (tx) => tx`select api.impersonation_link(${token})`,
  );
  assert.equal(link.email, "open@a.example");
  assert.equal(await appValue(sql, b.id, (tx) => tx`select api.impersonation_link(${token})`), null);
  await rejectsAs(open(b.id, token, fresh()), "invalid_grant");

  const session = fresh();
  const opened = await open(a.id, token, session, held);
  assert.deepEqual(opened.ended_session, { email: "other@a.example", same_user: false });
  assert.ok(opened.opened_at, "answered as opened");
  const [row] = await sql`select amr, expires_at, impersonation_id from astapa.login_sessions
    where token_hash = ${session}`;
  assert.deepEqual(row.amr, ["imp"]);
  assert.equal(row.impersonation_id, made.id);
  assert.equal(row.expires_at.getTime(), new Date(made.ends_at).getTime());
  const [previous] = await sql`select ended_at from astapa.login_sessions where token_hash = ${held}`;
  assert.ok(previous.ended_at);
  const live = await appValue<{ actor: string }>(
    sql,
    a.id,
    (tx) => tx`select api.impersonated_session(${session})`,
  );
  assert.equal(live.actor, "support:ana");
  assert.equal(await appValue(sql, a.id, (tx) => tx`select api.impersonated_session(${held})`), null);

  await rejectsAs(open(a.id, token, fresh()), "invalid_grant");
  assert.equal(await appValue(sql, a.id, (tx) => tx`select api.impersonation_link(${token})`), null);
});

Deno.test("codes and refresh tokens — carry the impersonation: act, cut lifetimes, refused once it ended", async () => {
  const { user, made, session } = await opened("tokens@a.example", 1);
  const code = fresh();
  await asApp(
    sql,
    a.id,
    (tx) =>
      tx`select api.issue_authorization_code(${code}, ${a.clientId}, ${user}::bigint, ${a.redirectUri}, 'openid',
      null, null, null, null, null, 60, '{imp}', null, ${session})`,
  );
  const refresh = fresh();
  const grant = await appValue<
    { act: unknown; access_ttl: number; refresh_expires_in: number; refresh_token_id: string }
  >(
    sql,
    a.id,
    (tx) =>
      tx`select api.redeem_authorization_code(${code}, ${a.clientId}, ${a.redirectUri}, null, ${refresh})`,
  );
  assert.deepEqual(grant.act, { sub: "support:ana", impersonation_id: made.id });
  assert.ok(grant.access_ttl <= 60, `access_ttl ${grant.access_ttl} cut to the minute left`);
  assert.ok(grant.refresh_expires_in <= 60);
  const successor = fresh();
  const rotated = await appValue<{ act: unknown; refresh_token_id: string }>(
    sql,
    a.id,
    (tx) =>
      tx`select api.rotate_refresh_token(${refresh}, ${a.clientId}, ${successor}, null, null,
        ${grant.refresh_token_id}::uuid)`,
  );
  assert.deepEqual(rotated.act, { sub: "support:ana", impersonation_id: made.id });

  await sql`update astapa.impersonations set ends_at = now() - interval '1 second',
    created_at = now() - interval '2 minutes', link_expires_at = now() - interval '1 minute' where id = ${made.id}`;
  await rejectsAs(
    appValue(
      sql,
      a.id,
      (tx) =>
        tx`select api.rotate_refresh_token(${successor}, ${a.clientId}, ${fresh()}, null, null,
        ${rotated.refresh_token_id}::uuid)`,
    ),
    "invalid_grant",
  );
});

Deno.test("api.end_impersonation — ends the session, revokes tokens, voids codes, audits; 404 elsewhere", async () => {
  const { user, made, session } = await opened("end@a.example");
  const code = fresh();
  await asApp(
    sql,
    a.id,
    (tx) =>
      tx`select api.issue_authorization_code(${code}, ${a.clientId}, ${user}::bigint, ${a.redirectUri}, '',
      null, null, null, null, null, 60, '{imp}', null, ${session})`,
  );
  const end = (project: string, person = user) =>
    appValue<{ ended_at: string }>(
      sql,
      project,
      (tx) => tx`select api.end_impersonation(${project}, ${person}::bigint, ${made.id})`,
    );
  await rejectsAs(end(b.id), "not_found");
  const other = await seedUser(sql, a.id, "not-the-one@a.example");
  await rejectsAs(end(a.id, other), "not_found");
  const ended = await end(a.id);
  assert.ok(ended.ended_at);
  const [s] = await sql`select ended_at from astapa.login_sessions where token_hash = ${session}`;
  assert.ok(s.ended_at);
  const [c] = await sql`select redeemed_at from astapa.authorization_codes where code_hash = ${code}`;
  assert.ok(c.redeemed_at, "the unredeemed code is void");
  const [audit] = await sql`select details from astapa.audit_log where action = 'user.impersonation_ended'
    and details ->> 'impersonation_id' = ${made.id}`;
  assert.equal(audit.details.sessions, 1);
  assert.equal(audit.details.authorization_codes, 1);
  const listed = await appValue<unknown[]>(
    sql,
    a.id,
    (tx) => tx`select api.list_impersonations(${a.id}, ${user}::bigint)`,
  );
  assert.deepEqual(listed, []);
  await rejectsAs(
    appValue(sql, b.id, (tx) => tx`select api.list_impersonations(${b.id}, ${user}::bigint)`),
    "not_found",
  );
});

Deno.test("api.decide_device_authorization — an impersonation's session may not connect a device", async () => {
  const { session } = await opened("device@a.example");
  await appValue(
    sql,
    a.id,
    (tx) =>
      tx`select api.start_device_authorization(${fresh()}, 'BCDFGHJK', ${a.clientId}, 'notes:read',
        'https://mcp.a.example', 600, 30)`,
  );
  await rejectsAs(
    appValue(sql, a.id, (tx) => tx`select api.decide_device_authorization('BCDFGHJK', ${session}, true)`),
    "forbidden",
  );
  assert.equal(
    await appValue(
      sql,
      a.id,
      (tx) => tx`select api.decide_device_authorization('BCDFGHJK', ${session}, false)`,
    ),
    true,
    "denying is allowed",
  );
});

Deno.test("impersonations policies — a project reads and writes its own; another project and none see nothing", async () => {
  const user = await seedUser(sql, a.id, "policy@a.example");
  const made = await create(a.id, user, fresh());
  const count = (project: string | null) =>
    appValue<number>(
      sql,
      project,
      (tx) => tx`select count(*)::int from astapa.impersonations where id = ${made.id}`,
    );
  assert.equal(await count(a.id), 1);
  assert.equal(await count(b.id), 0);
  assert.equal(await count(null), 0);
  const ends = (project: string | null) =>
    appValue<number>(
      sql,
      project,
      (tx) =>
        tx`with e as (update astapa.impersonations set ended_at = now() where id = ${made.id} returning 1)
           select count(*)::int from e`,
    );
  assert.equal(await ends(b.id), 0);
  assert.equal(await ends(null), 0);
  assert.equal(await ends(a.id), 1);
  await rejectsAs(
    asApp(
      sql,
      b.id,
      (tx) =>
        tx`insert into astapa.impersonations (project_id, user_id, actor, token_hash, link_expires_at, ends_at)
         values (${a.id}, ${user}::bigint, 'x', ${fresh()}, now(), now() + interval '1 minute')`,
    ),
    "forbidden",
  );
});

Deno.test("api.issue_authorization_code — a third-party client allowed from an impersonation's session is not remembered", async () => {
  const { user, session } = await opened("consent@a.example");
  const agent = "dcl_" + "i".repeat(24);
  await sql`insert into astapa.dynamic_clients (client_id, client_name, redirect_uris, token_endpoint_auth_method)
    values (${agent}, 'Agent', ${["https://agent.example/cb"]}, 'none')`;
  const issue = (from: Uint8Array) =>
    asApp(
      sql,
      a.id,
      (tx) =>
        tx`select api.issue_authorization_code(${fresh()}, ${agent}, ${user}::bigint, 'https://agent.example/cb',
        'notes:read', 'https://mcp.a.example', ${
          "x".repeat(43)
        }, 'S256', null, null, 60, '{imp}', null, ${from})`,
    );
  const remembered = async () =>
    (await sql`select count(*)::int as n from astapa.consents where user_id = ${user}`)[0].n;
  await issue(session);
  assert.equal(await remembered(), 0, "the actor's allowing is not the person's");
  const own = fresh();
  await asApp(sql, a.id, (tx) => tx`select api.start_login_session(${user}, ${own})`);
  await issue(own);
  assert.equal(await remembered(), 1, "the person's own is remembered");
});
