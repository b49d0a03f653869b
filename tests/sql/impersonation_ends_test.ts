/**
 * How an impersonation ends besides its own DELETE (docs/impersonation.md): a sign-out everywhere, a password reset
 * and a disable void a link not yet opened (astapa.void_ways_back); the end of the session it opened, whoever ends
 * it, ends the impersonation (astapa.end_session_grants), so an offline_access refresh token no longer rotates;
 * introspection calls an access token of an ended one inactive (api.access_token_active); and the grant sweeper
 * removes impersonations a month after they ended, with what names them, keeping the audit entries.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { appValue, rejectsAs, seedProject, seedUser } from "../helpers/identity.ts";
import { testDatabase } from "../helpers/db.ts";
import { enders } from "../helpers/enders.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());
const { sql } = db;

const a = await seedProject(sql, { name: "A" });
const b = await seedProject(sql, { name: "B" });
let fills = 0;
const fresh = () => new Uint8Array(32).fill(++fills);

type Imp = { id: string; ended_at: string | null };
const create = (user: string, tokenHash: Uint8Array, project = a.id) =>
  appValue<Imp>(
    sql,
    project,
    (tx) =>
      tx`select api.create_impersonation(${project}, ${user}::bigint, 'support:ana', 'why', 15, ${tokenHash})`,
  );
const open = (tokenHash: Uint8Array, sessionHash: Uint8Array, project = a.id) =>
  appValue<Imp>(sql, project, (tx) => tx`select api.open_impersonation(${tokenHash}, ${sessionHash})`);
const link = (tokenHash: Uint8Array) =>
  appValue(sql, a.id, (tx) => tx`select api.impersonation_link(${tokenHash})`);
const endedAt = async (id: string) =>
  (await sql`select ended_at from astapa.impersonations where id = ${id}`)[0]?.ended_at ?? null;
const active = (user: string, impersonation: string | null, project = a.id) =>
  appValue<boolean>(
    sql,
    project,
    (tx) => tx`select api.access_token_active(${user}::bigint, ${a.clientId}, ${impersonation})`,
  );

/** A user of project a with an impersonation opened: its id and the session's hash. */
async function opened(email: string) {
  const user = await seedUser(sql, a.id, email, { verified: true });
  const token = fresh();
  const made = await create(user, token);
  const session = fresh();
  await open(token, session);
  return { user, made, session };
}

Deno.test("astapa.void_ways_back — a sign-out everywhere, a reset and a disable void a link not yet opened, counted", async () => {
  const { signOutEverywhere, reset, disable } = enders(a.id);
  const audits = {
    "a sign-out everywhere": [signOutEverywhere, "user.sign_out_everywhere"],
    "a password reset": [reset, "user.password_reset"],
    "a disable": [disable, "user.disable"],
  } as const;
  for (const [name, [end, action]] of Object.entries(audits)) {
    const user = await seedUser(sql, a.id, `link-${fills}@a.example`, { verified: true });
    const neighbour = await seedUser(sql, a.id, `neighbour-${fills}@a.example`, { verified: true });
    const token = fresh();
    const made = await create(user, token);
    const theirs = fresh();
    await create(neighbour, theirs);
    await asApp(sql, a.id, (tx) => end(tx, user));
    assert.equal(await link(token), null, `${name}: the page says the link no longer works`);
    await rejectsAs(open(token, fresh()), "invalid_grant");
    assert.ok(await endedAt(made.id), `${name}: ended_at set`);
    const [audit] = await sql`select details from astapa.audit_log where project_id = ${a.id}
      and action = ${action} and target = ${`user:${user}`} order by id desc limit 1`;
    assert.equal(audit.details.impersonation_links, 1, name);
    assert.ok(await link(theirs), `${name}: another user's link still opens`);
    if (end === disable) {
      await asApp(sql, a.id, (tx) => tx`select api.disable_user(${a.id}, ${user}::bigint, false)`);
      assert.equal(await link(token), null, "a re-enable does not revive the link");
    }
  }
});

Deno.test("astapa.void_ways_back — a sign-out everywhere and a reset end an opened impersonation with its session", async () => {
  const { signOutEverywhere, reset } = enders(a.id);
  for (const end of [signOutEverywhere, reset]) {
    const { user, made, session } = await opened(`opened-${fills}@a.example`);
    assert.equal(await active(user, made.id), true);
    await asApp(sql, a.id, (tx) => end(tx, user));
    const [s] = await sql`select ended_at from astapa.login_sessions where token_hash = ${session}`;
    assert.ok(s.ended_at, "the session ended as every other");
    assert.ok(await endedAt(made.id), "and the impersonation with it");
    assert.equal(await active(user, made.id), false, "introspection: its access tokens are inactive");
    const listed = await appValue<unknown[]>(
      sql,
      a.id,
      (tx) => tx`select api.list_impersonations(${a.id}, ${user}::bigint)`,
    );
    assert.deepEqual(listed, [], "no longer listed as live");
  }
});

Deno.test("api.disable_user — keeps an opened impersonation with its session, refused while disabled", async () => {
  const { user, made } = await opened("disable-opened@a.example");
  await asApp(sql, a.id, (tx) => enders(a.id).disable(tx, user));
  assert.equal(await endedAt(made.id), null);
  assert.equal(await active(user, made.id), false, "a disabled person's token is inactive");
  await asApp(sql, a.id, (tx) => tx`select api.disable_user(${a.id}, ${user}::bigint, false)`);
  assert.equal(await active(user, made.id), true, "back after the re-enable, as the session is");
});

Deno.test("astapa.end_session_grants — the session's end, by the actor's sign-out, ends the impersonation and revokes its offline_access refresh token", async () => {
  const { user, made, session } = await opened("sign-out@a.example");
  const code = fresh();
  await asApp(
    sql,
    a.id,
    (tx) =>
      tx`select api.issue_authorization_code(${code}, ${a.clientId}, ${user}::bigint, ${a.redirectUri},
      'openid offline_access', null, null, null, null, null, 60, '{imp}', null, ${session})`,
  );
  const refresh = fresh();
  const grant = await appValue<{ refresh_token_id: string }>(
    sql,
    a.id,
    (tx) =>
      tx`select api.redeem_authorization_code(${code}, ${a.clientId}, ${a.redirectUri}, null, ${refresh})`,
  );
  await asApp(sql, a.id, (tx) => tx`select api.end_login_session(${session})`);
  assert.ok(await endedAt(made.id));
  const [token] = await sql`select revoked_reason from astapa.refresh_tokens where token_hash = ${refresh}`;
  assert.equal(
    token.revoked_reason,
    "impersonation_ended",
    "offline_access, which a person's session end keeps",
  );
  const introspected = await appValue(
    sql,
    a.id,
    (tx) => tx`select api.introspect_refresh_token(${refresh}, ${grant.refresh_token_id}::uuid)`,
  );
  assert.equal(introspected, null, "introspection: not active");
  await rejectsAs(
    appValue(
      sql,
      a.id,
      (tx) =>
        tx`select api.rotate_refresh_token(${refresh}, ${a.clientId}, ${fresh()}, null, null,
        ${grant.refresh_token_id}::uuid)`,
    ),
    "invalid_grant",
  );
});

Deno.test("api.open_impersonation — a second link opened in the browser holding the first's session ends the first", async () => {
  const { user, made, session } = await opened("second-link@a.example");
  const token = fresh();
  const second = await create(user, token);
  await appValue(sql, a.id, (tx) => tx`select api.open_impersonation(${token}, ${fresh()}, ${session})`);
  assert.ok(await endedAt(made.id), "the first ended with the session it opened");
  assert.equal(await endedAt(second.id), null);
});

Deno.test("api.access_token_active and api.user_info — an impersonation's token: active while it lasts; not after its end, for another user or project", async () => {
  const { user, made } = await opened("introspect@a.example");
  const other = await seedUser(sql, a.id, "introspect-other@a.example", { verified: true });
  assert.equal(await active(user, null), true, "a person's own token is unaffected");
  assert.equal(await active(user, made.id), true);
  assert.equal(await active(other, made.id), false, "the id names another user's impersonation");
  assert.equal(await active(user, "imp_" + "a".repeat(24)), false, "unknown");
  assert.equal(await active(user, made.id, b.id), false, "another project");
  const info = (impersonation: string | null) =>
    appValue(
      sql,
      a.id,
      (tx) => tx`select api.user_info(${user}::bigint, ${a.clientId}, 'openid', ${impersonation})`,
    );
  assert.ok(await info(made.id), "userinfo answers while it lasts");
  await asApp(sql, a.id, (tx) => tx`select api.end_impersonation(${a.id}, ${user}::bigint, ${made.id})`);
  assert.equal(await active(user, made.id), false, "ended by its DELETE");
  assert.equal(await info(made.id), null, "userinfo gives nothing after");
  assert.equal(await active(user, null), true, "the person's own tokens go on");
  assert.ok(await info(null));
});

Deno.test("api.sweep_grants — removes impersonations 30 days after they ended, with their session and grants; keeps the audit", async () => {
  const old = await opened("old@a.example");
  const recent = await opened("recent@a.example");
  const bUser = await seedUser(sql, b.id, "old@b.example", { verified: true });
  const bToken = fresh();
  const bMade = await create(bUser, bToken, b.id);
  await sql`insert into astapa.refresh_tokens (project_id, token_hash, family_id, user_id, client_id, expires_at,
      impersonation_id, revoked_at)
    values (${a.id}, ${fresh()}, gen_random_uuid(), ${old.user}, ${a.clientId}, now(), ${old.made.id}, now())`;
  // Aged as the owner: created 31 days and 1 hour ago, ran out an hour later (or ended then).
  const age = (id: string, days: number) =>
    sql`update astapa.impersonations set created_at = now() - ${days} * interval '1 day' - interval '1 hour',
      link_expires_at = now() - ${days} * interval '1 day' - interval '1 hour',
      ends_at = now() - ${days} * interval '1 day', ended_at = now() - ${days} * interval '1 day' where id = ${id}`;
  await age(old.made.id, 31);
  await age(bMade.id, 31);
  await age(recent.made.id, 29);
  const swept = await asApp(sql, null, async (tx) => (await tx`select api.sweep_grants() as s`)[0].s);
  assert.equal(swept.impersonations, 2, "across projects");
  const left = await sql`select id from astapa.impersonations where id in (${old.made.id}, ${bMade.id},
    ${recent.made.id})`;
  assert.deepEqual(left.map((r) => r.id), [recent.made.id]);
  const [named] = await sql`select
    (select count(*)::int from astapa.login_sessions where impersonation_id = ${old.made.id}) as sessions,
    (select count(*)::int from astapa.refresh_tokens where impersonation_id = ${old.made.id}) as refresh_tokens`;
  assert.deepEqual(named, { sessions: 0, refresh_tokens: 0 });
  const audits =
    await sql`select action from astapa.audit_log where details ->> 'impersonation_id' = ${old.made.id}
    order by id`;
  assert.deepEqual(audits.map((r) => r.action), ["user.impersonation_created", "user.impersonated"]);
  await rejectsAs(
    asApp(sql, a.id, (tx) => tx`delete from astapa.impersonations where id = ${recent.made.id}`),
    "forbidden",
  );
});
