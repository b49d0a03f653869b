/** SQL tests for back-channel logout and sid (db/api/backchannel_logout.sql and the session ends that feed it). */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { randomSecret, sha256 } from "@/lib/secrets.ts";
import {
  appValue,
  rejectsAs,
  type SeededProject,
  seedProject,
  seedSession,
  seedUser,
} from "../helpers/identity.ts";
import { redeemCode } from "../helpers/oauth.ts";
import { testDatabase } from "../helpers/db.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());
const { sql } = db;

const LOGOUT = { backchannel_logout_uri: "https://app.example/logout" };
const a = await seedProject(sql, { name: "A", settings: { logout: LOGOUT } });
const b = await seedProject(sql, { name: "B", settings: { logout: LOGOUT } });
let people = 0;

/** A new user of `project` with a session from which the client got a code and a refresh token of `scope`. */
async function signedIn(project: SeededProject, scope = "openid") {
  const user = await seedUser(sql, project.id, `p${++people}@sql.example`, { verified: true });
  const hash = await seedSession(sql, project.id, user);
  const code = randomSecret();
  const refresh = randomSecret();
  await asApp(
    sql,
    project.id,
    async (tx) =>
      tx`select api.issue_authorization_code(${await sha256(code)}, ${project.clientId}, ${user},
      ${project.redirectUri}, ${scope}, null, null, null, null, now(), 60, '{pwd}', null, ${hash})`,
  );
  const grant = await redeemCode(sql, project, code, refresh);
  return { user, hash, refresh, sid: String(grant.sid) };
}

const endSession = (project: SeededProject, hash: Uint8Array) =>
  asApp(sql, project.id, (tx) => tx`select api.end_login_session(${hash})`);

const claim = (project: SeededProject, max = 20, lease = 60) =>
  appValue<{ id: string; attempt: number; sid: string; sub: string; url: string; client_id: string }[]>(
    sql,
    project.id,
    (tx) => tx`select api.claim_backchannel_logouts(${project.id}, ${max}, ${lease})`,
  );

Deno.test("sid — a session's public id is random, its own, and goes into codes, refresh tokens and the grant", async () => {
  const { sid, refresh, hash } = await signedIn(a);
  assert.match(sid, /^ses_[a-z2-7]{24}$/);
  const [row] = await sql`select session_id from astapa.refresh_tokens where token_hash = ${await sha256(
    refresh,
  )}`;
  assert.equal(row.session_id, sid);
  const [session] = await sql`select public_id from astapa.login_sessions where token_hash = ${hash}`;
  assert.equal(session.public_id, sid, "the grant's sid is the session's own public id");
});

Deno.test("session end — queues one logout per app, revokes non-offline refresh tokens as session_ended", async () => {
  const online = await signedIn(a);
  await endSession(a, online.hash);
  const [token] = await sql`select revoked_reason from astapa.refresh_tokens
    where token_hash = ${await sha256(online.refresh)}`;
  assert.equal(token.revoked_reason, "session_ended");
  const claimed = await claim(a);
  assert.deepEqual(claimed.map((c) => [c.sid, c.sub, c.url, c.client_id]), [
    [online.sid, online.user, LOGOUT.backchannel_logout_uri, a.clientId],
  ]);
  await endSession(a, online.hash);
  assert.deepEqual(await claim(a), [], "ending it again queues nothing");

  const offline = await signedIn(a, "openid offline_access");
  await endSession(a, offline.hash);
  const [kept] = await sql`select revoked_at from astapa.refresh_tokens
    where token_hash = ${await sha256(offline.refresh)}`;
  assert.equal(kept.revoked_at, null);
  assert.equal((await claim(a)).length, 1);
});

Deno.test("session end — the counts of a sign-out everywhere and an impersonation's end are unchanged", async () => {
  const { user, refresh } = await signedIn(a);
  const counts = await appValue<Record<string, number>>(
    sql,
    a.id,
    (tx) => tx`select api.sign_out_everywhere(${a.id}, ${user})`,
  );
  assert.equal(counts.sessions, 1);
  assert.equal(counts.refresh_tokens, 1, "revoked as revoked_by_admin before the session's trigger");
  const [token] =
    await sql`select revoked_reason from astapa.refresh_tokens where token_hash = ${await sha256(
      refresh,
    )}`;
  assert.equal(token.revoked_reason, "revoked_by_admin");
  assert.equal((await claim(a)).length, 1);
});

Deno.test("disable — keeps the sessions, queues their logouts", async () => {
  const { user, sid } = await signedIn(a);
  await asApp(sql, a.id, (tx) => tx`select api.disable_user(${a.id}, ${user}, true)`);
  const [session] = await sql`select ended_at from astapa.login_sessions where public_id = ${sid}`;
  assert.equal(session.ended_at, null);
  assert.deepEqual((await claim(a)).map((c) => c.sid), [sid]);
});

Deno.test("claim_backchannel_logouts — bounds, leases, and one claim per row", async () => {
  await rejectsAs(claim(a, 0), "validation_failed", /Claim 1 to 1000/);
  await rejectsAs(claim(a, 1, 0), "validation_failed");
  const { hash, sid } = await signedIn(a);
  await endSession(a, hash);
  const [first] = await claim(a);
  assert.equal(first.sid, sid);
  assert.equal(first.attempt, 1);
  assert.deepEqual(await claim(a), [], "claimed: not due again while its lease runs");
  assert.deepEqual(await claim(b), [], "another project's claim finds none of it");
});

Deno.test("record_backchannel_logout_attempt — retry, fencing, delivery and giving up", async () => {
  const record = (id: string, attempt: number, status: number | null, retry: number | null) =>
    appValue<string | null>(
      sql,
      a.id,
      (tx) =>
        tx`select api.record_backchannel_logout_attempt(${a.id}, ${id}, ${attempt}, ${status}, 'boom', ${retry})`,
    );
  const { hash } = await signedIn(a);
  await endSession(a, hash);
  const [claimed] = await claim(a);
  assert.equal(await record(claimed.id, 2, 500, 0), null, "another attempt's record is fenced off");
  assert.equal(await record(claimed.id, 1, 500, 0), "pending");
  const [again] = await claim(a);
  assert.equal(again.attempt, 2);
  assert.equal(await record(again.id, 2, 204, null), "delivered");
  const { hash: other } = await signedIn(a);
  await endSession(a, other);
  const [last] = await claim(a);
  assert.equal(await record(last.id, 1, null, null), "failed");
  const listed = await appValue<{ id: string; status: string; last_error: string | null }[]>(
    sql,
    a.id,
    (tx) => tx`select api.list_backchannel_logouts(50)`,
  );
  const byId = new Map(listed.map((l) => [l.id, l]));
  assert.equal(byId.get(again.id)?.status, "delivered");
  assert.equal(byId.get(last.id)?.status, "failed");
  assert.equal(byId.get(last.id)?.last_error, "boom");
});

Deno.test("projects_with_due_backchannel_logouts — across projects only, naming those with work due", async () => {
  await rejectsAs(
    appValue(sql, a.id, (tx) => tx`select api.projects_with_due_backchannel_logouts(10)`),
    "forbidden",
  );
  const { hash } = await signedIn(b);
  await endSession(b, hash);
  const due = await appValue<string[]>(
    sql,
    null,
    (tx) => tx`select api.projects_with_due_backchannel_logouts(10)`,
  );
  assert.ok(due.includes(b.id));
  await claim(b);
});

Deno.test("back-channel logouts — RLS: the owner project reads its own, another project and none read nothing", async () => {
  const { hash } = await signedIn(a);
  await endSession(a, hash);
  const count = (project: string | null) =>
    appValue<number>(sql, project, (tx) => tx`select count(*)::int from astapa.backchannel_logouts`);
  assert.ok(await count(a.id) > 0);
  const before = await count(b.id);
  assert.equal(await count(null), 0);
  await asApp(sql, b.id, (tx) => tx`update astapa.backchannel_logouts set status = 'failed'`);
  assert.ok(await count(a.id) > 0);
  const [still] = await sql`select count(*)::int as n from astapa.backchannel_logouts
    where project_id = ${a.id} and status = 'pending'`;
  assert.ok(still.n > 0, "another project's update touched none of a's rows");
  assert.equal(await count(b.id), before);
  await rejectsAs(
    asApp(
      sql,
      b.id,
      (tx) =>
        tx`insert into astapa.backchannel_logouts (project_id, client_id, url, session_id, user_id)
         values (${a.id}, ${a.clientId}, 'https://x.example', 'ses_x', 1)`,
    ),
    "forbidden",
  );
});

Deno.test("update_logout_settings — merged key by key, null removes, bad values and internal targets refused", async () => {
  const update = (changes: unknown, reason: string | null = null) =>
    appValue<{ settings: { logout?: Record<string, unknown> } }>(
      sql,
      b.id,
      (tx) =>
        tx`select api.update_logout_settings(${b.id}, ${JSON.stringify(changes)}::text::jsonb, ${reason})`,
    );
  let project = await update({ post_logout_redirect_uris: ["https://b.example/bye"] });
  assert.deepEqual(project.settings.logout, {
    ...LOGOUT,
    post_logout_redirect_uris: ["https://b.example/bye"],
  });
  project = await update({ backchannel_logout_uri: null, post_logout_redirect_uris: null });
  assert.equal(project.settings.logout, undefined, "all removed: no logout settings left");
  await rejectsAs(
    update({ backchannel_logout_uri: "http://b.example/x" }),
    "validation_failed",
    /backchannel_logout_uri/,
  );
  await rejectsAs(update({ post_logout_redirect_uris: "https://b.example" }), "validation_failed");
  await rejectsAs(update({ backchannel_logout_session_required: 1 }), "validation_failed");
  await rejectsAs(update({ other: true }), "validation_failed");
  await rejectsAs(update(null), "validation_failed");
  // A sandbox project may point at a local receiver; a production one may not.
  await update({ backchannel_logout_uri: "http://127.0.0.1:9/x" }, "127.0.0.1 is an internal address.");
  await sql`update astapa.projects set mode = 'production' where id = ${b.id}`;
  await rejectsAs(
    update({ backchannel_logout_uri: "http://127.0.0.1:9/x" }, "127.0.0.1 is an internal address."),
    "validation_failed",
  );
  await sql`update astapa.projects set mode = 'sandbox' where id = ${b.id}`;
  await update({ backchannel_logout_uri: LOGOUT.backchannel_logout_uri });
});

Deno.test("sweep_backchannel_logouts — outside any project; finished rows a month old go, the rest stay", async () => {
  await rejectsAs(appValue(sql, a.id, (tx) => tx`select api.sweep_backchannel_logouts()`), "forbidden");
  await rejectsAs(
    asApp(sql, a.id, (tx) => tx`delete from astapa.backchannel_logouts`),
    "forbidden",
    undefined,
  );
  const { hash } = await signedIn(a);
  await endSession(a, hash);
  await sql`update astapa.backchannel_logouts set status = 'delivered', created_at = now() - interval '31 days'
    where project_id = ${a.id}`;
  const { hash: recent } = await signedIn(a);
  await endSession(a, recent);
  const swept = await appValue<number>(sql, null, (tx) => tx`select api.sweep_backchannel_logouts()`);
  assert.ok(swept >= 1);
  const left = await sql`select status from astapa.backchannel_logouts where project_id = ${a.id}`;
  assert.deepEqual(left.map((r) => r.status), ["pending"], "the recent one stays");
});

Deno.test("backchannel_logout_uri — a URL client's metadata document names it, in a valid form only", async () => {
  const uri = (client: string) =>
    appValue<string | null>(sql, a.id, (tx) => tx`select astapa.backchannel_logout_uri(${client})`);
  for (
    const [client, logout] of [["https://good.example/c.json", "https://good.example/logout"], [
      "https://bad.example/c.json",
      "javascript:alert(1)",
    ]]
  ) {
    await sql`insert into astapa.client_metadata_documents (client_id, document, redirect_uris, expires_at)
      values (${client}, ${sql.json({ backchannel_logout_uri: logout })}, ${["https://x.example/cb"]},
              now() + interval '1 hour')`;
  }
  assert.equal(await uri("https://good.example/c.json"), "https://good.example/logout");
  assert.equal(await uri("https://bad.example/c.json"), null);
  assert.equal(await uri(a.clientId), LOGOUT.backchannel_logout_uri);
  assert.equal(await uri(b.clientId), null, "another project's client is not this project's");
});

Deno.test("session_clients and client_login_session — the clients a session gave tokens, in its project only", async () => {
  const { user, hash, sid } = await signedIn(a);
  const clients = (project: SeededProject, session: string) =>
    appValue<string[]>(
      sql,
      project.id,
      (tx) => tx`select coalesce(array_agg(c order by c), '{}') from astapa.session_clients(${session}) as c`,
    );
  assert.deepEqual(await clients(a, sid), [a.clientId], "the code's and the refresh token's client, once");
  assert.deepEqual(await clients(b, sid), [], "another project sees none of them");
  const asked = (project: SeededProject, session: Uint8Array, client: string) =>
    appValue<{ user_id: string; sid: string } | null>(
      sql,
      project.id,
      (tx) => tx`select api.client_login_session(${session}, ${client})`,
    );
  const live = await asked(a, hash, a.clientId);
  assert.equal(live?.sid, sid);
  assert.equal(live?.user_id, user);
  assert.equal(await asked(a, hash, "dcl_nothingfromthis"), null, "a client it gave nothing finds nothing");
  assert.equal(await asked(b, hash, a.clientId), null, "nor from another project");
  await endSession(a, hash);
  assert.equal(await asked(a, hash, a.clientId), null, "an ended session is no one's");
});
