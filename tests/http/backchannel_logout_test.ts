/**
 * Back-Channel Logout 1.0 (docs/tokens.md): whatever ends a hosted-login session — the sign-out page, a sign-out
 * everywhere, a password reset, a claim, a disable, an erasure, the account page, an impersonation's end — the
 * apps that received tokens from it get a logout token POSTed to their backchannel_logout_uri, which the SDK's
 * verifyLogoutToken accepts. The receiver is a real HTTP server standing in for the app; the worker is the real one.
 */
import assert from "node:assert/strict";
import { createLocalJWKSet, decodeProtectedHeader } from "jose";
import { asApp } from "@/db/client.ts";
import { randomSecret, sha256 } from "@/lib/secrets.ts";
import { BackchannelLogoutWorker } from "@/lib/oauth/backchannel_worker.ts";
import { productionTargetCheck } from "@/lib/webhooks/address_guard.ts";
import { verifyLogoutToken } from "@/sdk/logout_tokens.ts";
import { testApp } from "../helpers/app.ts";
import { type SeededProject, seedProject, seedSession, seedUser } from "../helpers/identity.ts";
import { seedPasswordUser } from "../helpers/dynamic_clients.ts";
import { FormBrowser } from "../helpers/form_browser.ts";
import { basic, redeemCode } from "../helpers/oauth.ts";
import { claimsOf, postForm } from "../helpers/token_client.ts";
import { enders } from "../helpers/enders.ts";
import { type Receiver, startReceiver } from "../helpers/webhooks.ts";

const t = await testApp();
const { sql } = t.db;
const worker = new BackchannelLogoutWorker({
  sql,
  keys: t.deps.keys,
  issuer: t.config.baseUrl,
  checkTarget: productionTargetCheck(sql, false),
  backoffSeconds: () => 0, // retries at once: the tests wait for what arrives, never for time
  maxAttempts: 3,
});
await worker.start();
const receivers: Receiver[] = [];
Deno.test.afterAll(async () => {
  await worker.stop();
  await Promise.all(receivers.map((r) => r.close()));
  await t.close();
});
const jwks = createLocalJWKSet(await t.deps.keys.jwks());

async function patchLogoutSettings(project: SeededProject, body: Record<string, unknown>) {
  const res = await t.app.request("/api/platform/logout-settings", {
    method: "PATCH",
    headers: { authorization: basic(project.clientId, project.secret), "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

/** A project whose client registered a back-channel logout URI at a fresh receiver. */
async function appWithReceiver(name: string) {
  const project = await seedProject(sql, { name, redirectUri: "https://app.example/cb" });
  const receiver = startReceiver();
  receivers.push(receiver);
  const set = await patchLogoutSettings(project, {
    backchannel_logout_uri: receiver.url,
    backchannel_logout_session_required: true,
  });
  assert.equal(set.status, 200, JSON.stringify(set.body));
  assert.equal(set.body.backchannel_logout_uri, receiver.url);
  return { project, receiver };
}

/** A live session of the user (or the one given) from which the app got a code and tokens; its sid. */
async function sessionWithTokens(project: SeededProject, user: string, given?: Uint8Array) {
  const hash = given ?? await seedSession(sql, project.id, user);
  const code = randomSecret();
  await asApp(
    sql,
    project.id,
    async (tx) =>
      tx`select api.issue_authorization_code(${await sha256(code)}, ${project.clientId}, ${user},
      ${project.redirectUri}, 'openid', null, null, null, null, now(), 60, '{pwd}', null, ${hash})`,
  );
  const grant = await redeemCode(sql, project, code, randomSecret());
  assert.match(String(grant.sid), /^ses_/);
  return { hash, sid: String(grant.sid) };
}

/** The logout token the receiver got at `index`, verified as an app verifies it. */
async function verifiedLogout(receiver: Receiver, index: number, clientId: string) {
  await receiver.waitFor(index + 1);
  const arrived = receiver.received[index];
  assert.equal(arrived.headers.get("content-type"), "application/x-www-form-urlencoded");
  const token = new URLSearchParams(arrived.body).get("logout_token");
  assert.ok(token, "a logout_token field");
  assert.equal(decodeProtectedHeader(token).typ, "logout+jwt");
  const claims = await verifyLogoutToken(token, { issuer: "http://astapa.test", clientId, jwks });
  assert.equal(claims.nonce, undefined);
  assert.ok(claims.exp! - claims.iat! <= 300, "short-lived");
  return claims;
}

async function logoutRows(projectId: string) {
  return await sql`select status, attempts, last_status, last_error, session_id from astapa.backchannel_logouts
    where project_id = ${projectId} order by id`;
}

Deno.test("back-channel logout — the sign-out page tells the app, and the session's refresh token ends with it", async () => {
  const { project, receiver } = await appWithReceiver("Sign-out page");
  const sub = await seedPasswordUser(sql, project.id, "page@bcl.example", "long enough");
  const browser = new FormBrowser(t);
  const query = new URLSearchParams({
    client_id: project.clientId,
    redirect_uri: project.redirectUri,
    response_type: "code",
    scope: "openid",
  });
  const signIn = await browser.submit(`/auth/login?${query}`, {
    email: "page@bcl.example",
    password: "long enough",
  });
  const code = new URL(signIn.headers.get("location")!).searchParams.get("code")!;
  const auth = { authorization: basic(project.clientId, project.secret) };
  const { body: tokens } = await postForm(t, "/api/platform/token", {
    grant_type: "authorization_code",
    code,
    redirect_uri: project.redirectUri,
  }, auth);
  const sid = claimsOf(tokens.id_token).sid;

  const asked = await browser.get(`/auth/logout?client_id=${project.clientId}`);
  assert.equal(receiver.received.length, 0, "the GET told nobody");
  const out = await browser.post(await asked.text(), {});
  assert.equal(out.status, 200);
  const claims = await verifiedLogout(receiver, 0, project.clientId);
  assert.equal(claims.sid, sid);
  assert.equal(claims.sub, sub);
  assert.equal(claims.aud, project.clientId);

  const { res } = await postForm(t, "/api/platform/token", {
    grant_type: "refresh_token",
    refresh_token: tokens.refresh_token,
  }, auth);
  assert.equal(res.status, 400, "the session's refresh token was revoked");
  await worker.settle();
  assert.deepEqual((await logoutRows(project.id)).map((r) => r.status), ["delivered"]);
});

Deno.test("back-channel logout — an offline_access refresh token outlives the session; the app is still told", async () => {
  const { project, receiver } = await appWithReceiver("Offline");
  const user = await seedUser(sql, project.id, "offline@bcl.example", { verified: true });
  const hash = await seedSession(sql, project.id, user);
  const code = randomSecret();
  const refresh = randomSecret();
  await asApp(
    sql,
    project.id,
    async (tx) =>
      tx`select api.issue_authorization_code(${await sha256(code)}, ${project.clientId}, ${user},
      ${project.redirectUri}, 'openid offline_access', null, null, null, null, now(), 60, '{pwd}', null, ${hash})`,
  );
  await redeemCode(sql, project, code, refresh);
  await asApp(sql, project.id, (tx) => tx`select api.end_login_session(${hash})`);
  await verifiedLogout(receiver, 0, project.clientId);
  const [row] = await sql`select revoked_at from astapa.refresh_tokens where token_hash = ${await sha256(
    refresh,
  )}`;
  assert.equal(row.revoked_at, null, "offline access survives the sign-out (Back-Channel Logout 1.0 §2.7)");
});

Deno.test("back-channel logout — every path that ends a session tells the app", async () => {
  const paths: Record<
    string,
    { verified: boolean; end: (projectId: string, user: string, hash: Uint8Array) => Promise<unknown> }
  > = {};
  for (const [name, ender] of Object.entries(enders("").all)) {
    paths[name] = {
      verified: ender.verified,
      end: (projectId, user) => asApp(sql, projectId, (tx) => enders(projectId).all[name].end(tx, user)),
    };
  }
  paths["an erasure"] = {
    verified: true,
    end: (projectId, user) => asApp(sql, projectId, (tx) => tx`select astapa.erase_user(${user}, 'admin')`),
  };
  paths["the account page's sign-out of other browsers"] = {
    verified: true,
    end: async (projectId, user) => {
      const here = await seedSession(sql, projectId, user);
      await asApp(sql, projectId, (tx) => tx`select api.account_end_other_sessions(${here})`);
    },
  };
  for (const [name, path] of Object.entries(paths)) {
    const { project, receiver } = await appWithReceiver(name.slice(0, 90));
    const user = await seedUser(sql, project.id, "ended@bcl.example", { verified: path.verified });
    const { sid, hash } = await sessionWithTokens(project, user);
    await path.end(project.id, user, hash);
    const claims = await verifiedLogout(receiver, 0, project.clientId);
    assert.equal(claims.sid, sid, name);
    assert.equal(claims.sub, user, name);
  }
});

Deno.test("back-channel logout — the Platform API ends one session by sid: its app is told, the other session lives", async () => {
  const { project, receiver } = await appWithReceiver("One session");
  const user = await seedUser(sql, project.id, "phone-lost@bcl.example", { verified: true });
  const lost = await sessionWithTokens(project, user);
  const kept = await sessionWithTokens(project, user);
  const auth = { authorization: basic(project.clientId, project.secret) };
  const end = (sub: string, sid: string) =>
    t.app.request(`/api/platform/users/${sub}/sessions/${sid}`, { method: "DELETE", headers: auth });
  const listed = await (await t.app.request(`/api/platform/users/${user}/sessions`, { headers: auth }))
    .json();
  assert.deepEqual(
    new Set(listed.sessions.map((s: { sid: string }) => s.sid)),
    new Set([lost.sid, kept.sid]),
  );

  const res = await end(user, lost.sid);
  assert.equal(res.status, 200);
  const ended = await res.json();
  assert.equal(ended.sid, lost.sid);
  assert.equal(ended.live, false);
  const claims = await verifiedLogout(receiver, 0, project.clientId);
  assert.equal(claims.sid, lost.sid);
  const live = await sql`select l.public_id, l.ended_at is null as live,
      (select count(*)::int from astapa.refresh_tokens r where r.session_id = l.public_id and r.revoked_at is null)
        as refresh_tokens
    from astapa.login_sessions l where l.user_id = ${user} order by l.created_at`;
  assert.deepEqual(live.map((r) => [r.public_id, r.live, r.refresh_tokens]), [
    [lost.sid, false, 0],
    [kept.sid, true, 1],
  ]);
  assert.equal((await end(user, lost.sid)).status, 200, "ending it again answers it as it is");
  assert.equal((await end(user, "ses_" + "b".repeat(24))).status, 404);
  assert.equal((await end(user, "not-a-sid")).status, 404);
  await worker.settle();
  assert.equal(receiver.received.length, 1, "the second call told nobody again");
});

Deno.test("back-channel logout — an impersonation's end tells the app about its session", async () => {
  const { project, receiver } = await appWithReceiver("Impersonation");
  const user = await seedUser(sql, project.id, "acted@bcl.example", { verified: true });
  const link = await sha256(randomSecret());
  const session = await sha256(randomSecret());
  const impersonation = await asApp(sql, project.id, async (tx) => {
    const [made] =
      await tx`select api.create_impersonation(${project.id}, ${user}, 'support:ana', 'ticket 7', 15,
      ${link}) as i`;
    await tx`select api.open_impersonation(${link}, ${session})`;
    return made.i.id as string;
  });
  const { sid } = await sessionWithTokens(project, user, session);
  await asApp(
    sql,
    project.id,
    (tx) => tx`select api.end_impersonation(${project.id}, ${user}, ${impersonation})`,
  );
  const claims = await verifiedLogout(receiver, 0, project.clientId);
  assert.equal(claims.sid, sid);
});

Deno.test("back-channel logout — only apps that got tokens from the session and registered a URI are told", async () => {
  const { project, receiver } = await appWithReceiver("Only some");
  const user = await seedUser(sql, project.id, "some@bcl.example", { verified: true });
  const untouched = await seedSession(sql, project.id, user);
  await asApp(sql, project.id, (tx) => tx`select api.end_login_session(${untouched})`);
  const quiet = await seedProject(sql, { name: "No URI" });
  const quietUser = await seedUser(sql, quiet.id, "quiet@bcl.example", { verified: true });
  const { hash } = await sessionWithTokens(quiet, quietUser);
  await asApp(sql, quiet.id, (tx) => tx`select api.end_login_session(${hash})`);
  assert.equal((await logoutRows(project.id)).length, 0, "a session that issued nothing tells nobody");
  assert.equal((await logoutRows(quiet.id)).length, 0, "an app without a URI is not queued");
  assert.equal(receiver.received.length, 0);
});

Deno.test("back-channel logout — a receiver that fails is retried, and given up after the last attempt", async () => {
  const { project, receiver } = await appWithReceiver("Flaky");
  receiver.respond = (_request, index) => index === 0 ? 503 : 200;
  const user = await seedUser(sql, project.id, "flaky@bcl.example", { verified: true });
  const { hash, sid } = await sessionWithTokens(project, user);
  await asApp(sql, project.id, (tx) => tx`select api.end_login_session(${hash})`);
  const first = await verifiedLogout(receiver, 0, project.clientId);
  const second = await verifiedLogout(receiver, 1, project.clientId);
  assert.equal(second.sid, sid);
  assert.notEqual(first.jti, second.jti, "each attempt is a fresh token");
  await worker.settle();
  const [row] = await logoutRows(project.id);
  assert.equal(row.status, "delivered");
  assert.equal(row.attempts, 2);

  const { project: down, receiver: gone } = await appWithReceiver("Down");
  gone.respond = () => 500;
  const downUser = await seedUser(sql, down.id, "down@bcl.example", { verified: true });
  const downSession = await sessionWithTokens(down, downUser);
  await asApp(sql, down.id, (tx) => tx`select api.end_login_session(${downSession.hash})`);
  await gone.waitFor(3);
  await worker.settle();
  const [failed] = await logoutRows(down.id);
  assert.equal(failed.status, "failed");
  assert.equal(failed.attempts, 3);
  assert.equal(failed.last_status, 500);
  assert.equal(gone.received.length, 3, "no attempt past the bound");
});

Deno.test("back-channel logout — a production project may not point logout tokens at an internal address", async () => {
  const { project, receiver } = await appWithReceiver("Production");
  await sql`update astapa.projects set mode = 'production' where id = ${project.id}`;
  const refused = await patchLogoutSettings(project, { backchannel_logout_uri: "http://127.0.0.1:9/logout" });
  assert.equal(refused.status, 400);
  assert.match(JSON.stringify(refused.body), /internal address/);
  // One saved while the project was in sandbox is still refused at every attempt (the name may move too).
  const user = await seedUser(sql, project.id, "prod@bcl.example", { verified: true });
  const { hash } = await sessionWithTokens(project, user);
  await asApp(sql, project.id, (tx) => tx`select api.end_login_session(${hash})`);
  await worker.settle();
  const [row] = await logoutRows(project.id);
  assert.equal(row.status, "failed");
  assert.match(row.last_error, /Not sent: 127\.0\.0\.1 is an internal address/);
  assert.equal(receiver.received.length, 0, "nothing reached the internal address");
});

Deno.test("back-channel logout — a self-registered client registers its URI and is told too", async () => {
  const receiver = startReceiver();
  receivers.push(receiver);
  const res = await t.app.request("/api/platform/register", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      redirect_uris: ["https://agent.example/cb"],
      token_endpoint_auth_method: "none",
      post_logout_redirect_uris: ["https://agent.example/bye"],
      backchannel_logout_uri: receiver.url,
      backchannel_logout_session_required: true,
    }),
  });
  const registered = await res.json();
  assert.equal(res.status, 201, JSON.stringify(registered));
  assert.equal(registered.backchannel_logout_uri, receiver.url);
  assert.deepEqual(registered.post_logout_redirect_uris, ["https://agent.example/bye"]);
  const bad = await t.app.request("/api/platform/register", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      redirect_uris: ["https://agent.example/cb"],
      backchannel_logout_uri: "http://agent.example/x",
    }),
  });
  assert.equal(bad.status, 400);
  assert.equal((await bad.json()).error, "invalid_client_metadata");

  const project = await seedProject(sql, { name: "Agents welcome" });
  const user = await seedUser(sql, project.id, "agent@bcl.example", { verified: true });
  const hash = await seedSession(sql, project.id, user);
  await asApp(
    sql,
    project.id,
    async (tx) =>
      tx`select api.issue_authorization_code(${await sha256(
        randomSecret(),
      )}, ${registered.client_id}, ${user},
      'https://agent.example/cb', 'openid', null, null, null, null, now(), 60, '{pwd}', null, ${hash})`,
  );
  await asApp(sql, project.id, (tx) => tx`select api.end_login_session(${hash})`);
  const claims = await verifiedLogout(receiver, 0, registered.client_id);
  assert.equal(claims.sub, user);
});
