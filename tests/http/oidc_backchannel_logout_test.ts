/**
 * OpenID Connect Back-Channel Logout received from an organization's IdP (docs/enterprise-sso.md "Back-channel
 * logout from the IdP"), against the fake OpenID Provider: sign-ins through the connection keep the ID token's sub
 * and sid with their sessions (through a second factor too), and a logout token the IdP signs, POSTed to
 * /auth/sso/oidc/:connection/backchannel-logout, ends exactly the sessions it names as a sign-out does (refresh
 * tokens revoked, the app's back-channel logout queued), answering 200 — also when nothing is left to end. Every
 * token §2.6 refuses ends nothing and is a 400 invalid_request: unsigned (alg none), signed by another IdP or
 * another key, wrong iss or aud, a replayed jti, a nonce, no or a malformed event, an ID token, old, neither sub nor
 * sid, another connection's sid, a huge body, a disabled or deleted connection.
 */
import assert from "node:assert/strict";
import { generateKeyPair, SignJWT } from "jose";
import * as OTPAuth from "otpauth";
import { testApp } from "../helpers/app.ts";
import { seedProject } from "../helpers/identity.ts";
import { credentials, postForm } from "../helpers/token_client.ts";
import { platformApi } from "../helpers/platform_api.ts";
import { sessionCookie } from "../helpers/login.ts";
import { FormBrowser } from "../helpers/form_browser.ts";
import { basic } from "../helpers/oauth.ts";
import { startReceiver } from "../helpers/webhooks.ts";
import { type FakeGoogle, LOGOUT_EVENT, startFakeGoogle } from "../fakes/google.ts";
import { connectOidc, signInThroughIdp } from "../helpers/oidc_sso.ts";
import { openIdToken } from "@/lib/login/sso/oidc_id_token.ts";

const idp = await startFakeGoogle({ clientId: "astapa-at-acme", clientSecret: "acme-idp-secret-0123456789" });
const beta = await startFakeGoogle({
  clientId: "astapa-at-beta",
  clientSecret: "beta-idp-secret-0123456789",
});
const t = await testApp();
t.deps.clientMetadataFetch = { allowHttp: true, allowPrivate: true, timeoutMs: 2000 };
const receiver = startReceiver();
Deno.test.afterAll(async () => {
  await t.close();
  await idp.close();
  await beta.close();
  await receiver.close();
});
const { sql } = t.db;
const project = await seedProject(sql, { name: "Kantor" });
const api = platformApi(t, project);

const acme = await connectOidc(api, "acme", "acme.test", idp);
const betaConnection = await connectOidc(api, "beta", "beta.test", beta);
const logoutPath = new URL(acme.backchannel_logout_url).pathname;
const settings = await t.app.request("/api/platform/logout-settings", {
  method: "PATCH",
  headers: { authorization: basic(project.clientId, project.secret), "content-type": "application/json" },
  body: JSON.stringify({ backchannel_logout_uri: receiver.url, backchannel_logout_session_required: true }),
});
assert.equal(settings.status, 200, await settings.text());

/** The browser's way to the IdP and back: the login form hands over, the IdP approves as `who`. */
const signInAt = (fake: FakeGoogle, who: { sub: string; email: string; sid?: string }) =>
  signInThroughIdp(t, project, fake, who);

/** A sign-in whose code the app redeems: the session's public id and the refresh token. */
async function signedIn(fake: FakeGoogle, who: { sub: string; email: string; sid?: string }) {
  const res = await signInAt(fake, who);
  assert.equal(res.status, 303, await res.clone().text());
  assert.ok(sessionCookie(res, project.id), "a session starts");
  const code = new URL(res.headers.get("location")!).searchParams.get("code")!;
  const tokens = await postForm(t, "/api/platform/token", {
    grant_type: "authorization_code",
    code,
    redirect_uri: project.redirectUri,
    ...credentials(project),
  });
  assert.equal(tokens.res.status, 200, JSON.stringify(tokens.body));
  const [row] = await sql`select s.public_id from astapa.login_sessions s
    join astapa.sso_oidc_sign_ins x on x.project_id = s.project_id and x.session_hash = s.token_hash
    where s.project_id = ${project.id} order by s.created_at desc limit 1`;
  return { session: row.public_id as string, refresh: tokens.body.refresh_token as string | undefined };
}

/** Whether the session (public id) is live. */
async function live(session: string) {
  const [row] = await sql`select ended_at is null as live from astapa.login_sessions
    where project_id = ${project.id} and public_id = ${session}`;
  return row.live as boolean;
}

function postLogout(token: string, path = logoutPath, extra: Record<string, string> = {}) {
  return t.app.request(path, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ logout_token: token, ...extra }),
  });
}

/** A refused token: 400 invalid_request, JSON, never cached. */
async function refused(res: Response, says?: RegExp) {
  const text = await res.text();
  assert.equal(res.status, 400, text);
  assert.match(res.headers.get("content-type") ?? "", /application\/json/);
  assert.equal(res.headers.get("cache-control"), "no-store");
  const body = JSON.parse(text);
  assert.equal(body.error, "invalid_request");
  if (says) assert.match(body.error_description, says);
}

Deno.test("OIDC back-channel logout — the Platform API answers the URL to register at the IdP", async () => {
  assert.equal(
    acme.backchannel_logout_url,
    `${t.config.baseUrl}/auth/sso/oidc/${acme.id}/backchannel-logout`,
  );
  const read = await api("GET", "/organizations/acme/sso-connection");
  assert.equal(read.body.backchannel_logout_url, acme.backchannel_logout_url);
});

Deno.test("OIDC back-channel logout — a sid ends that IdP session's sessions only: refresh tokens revoked, the app told", async () => {
  const one = await signedIn(idp, { sub: "idp-dewi", email: "dewi@acme.test", sid: "okta-sid-1" });
  const two = await signedIn(idp, { sub: "idp-dewi", email: "dewi@acme.test", sid: "okta-sid-2" });
  const budi = await signedIn(idp, { sub: "idp-budi", email: "budi@acme.test", sid: "okta-sid-3" });
  const res = await postLogout(await idp.signLogoutToken({ sid: "okta-sid-1" }));
  assert.equal(res.status, 200, await res.text());
  assert.equal(res.headers.get("cache-control"), "no-store");
  assert.deepEqual([await live(one.session), await live(two.session), await live(budi.session)], [
    false,
    true,
    true,
  ]);
  const [revoked] =
    await sql`select count(*)::int as n, count(*) filter (where revoked_at is null)::int as open
    from astapa.refresh_tokens where project_id = ${project.id} and session_id = ${one.session}`;
  assert.ok(revoked.n > 0, "the sign-in gave the app a refresh token");
  assert.equal(revoked.open, 0, "its refresh tokens are revoked");
  const again = await postForm(t, "/api/platform/token", {
    grant_type: "refresh_token",
    refresh_token: one.refresh!,
    ...credentials(project),
  });
  assert.equal(again.res.status, 400);
  assert.equal(again.body.error, "invalid_grant");
  const [queued] = await sql`select count(*)::int as n from astapa.backchannel_logouts
    where project_id = ${project.id} and session_id = ${one.session} and client_id = ${project.clientId}`;
  assert.equal(queued.n, 1, "the app's back-channel logout is queued");
  const [audit] = await sql`select details from astapa.audit_log
    where project_id = ${project.id} and action = 'user.idp_backchannel_logout' order by id desc limit 1`;
  assert.deepEqual(audit.details, { connection: acme.id, sessions: 1 });
  // sid and sub together must both match; sub alone ends every session of that subject on the connection.
  const mismatched = await postLogout(await idp.signLogoutToken({ sid: "okta-sid-2", sub: "idp-budi" }));
  assert.equal(mismatched.status, 200);
  assert.equal(await live(two.session), true);
  const bySubject = await postLogout(await idp.signLogoutToken({ sub: "idp-dewi" }));
  assert.equal(bySubject.status, 200);
  assert.deepEqual([await live(two.session), await live(budi.session)], [false, true]);
});

Deno.test("OIDC back-channel logout — nothing to end still answers 200; no typ is taken, as the spec asks", async () => {
  const res = await postLogout(await idp.signLogoutToken({ sub: "nobody-here" }, { typ: undefined }));
  assert.equal(res.status, 200, await res.text());
});

Deno.test("OIDC back-channel logout — a sign-in through a second factor keeps its sid (and sealed ID token) with the session it starts", async () => {
  await sql`update astapa.projects set settings = settings || '{"mfa": {"policy": "required"}}' where id = ${project.id}`;
  try {
    const res = await signInAt(idp, { sub: "idp-indah", email: "indah@acme.test", sid: "okta-sid-mfa" });
    assert.equal(res.status, 303, await res.clone().text());
    const mfa = res.headers.get("location")!;
    assert.match(mfa, /^\/auth\/mfa\?/);
    const browser = new FormBrowser(t);
    browser.keep(res);
    const html = await (await browser.get(mfa)).text();
    const key = /<code class="totp-key">([A-Z2-7 ]+)<\/code>/.exec(html)![1].replace(/\s+/g, "");
    const code = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(key) }).generate();
    const done = await browser.post(html, { code });
    assert.equal(done.status, 200, await done.clone().text());
    const [row] =
      await sql`select s.public_id, x.connection_id, x.id_token_sealed from astapa.sso_oidc_sign_ins x
      join astapa.login_sessions s on s.project_id = x.project_id and s.token_hash = x.session_hash
      where x.project_id = ${project.id} and x.idp_sid = 'okta-sid-mfa' and s.ended_at is null`;
    assert.ok(row, "the met challenge's session is the OIDC sign-in's");
    assert.equal(
      await openIdToken(t.deps.masterKeys.social, project.id, row.connection_id, row.id_token_sealed),
      idp.idTokens.at(-1),
      "the ID token waited with the challenge (RP-initiated logout's id_token_hint)",
    );
    assert.equal((await postLogout(await idp.signLogoutToken({ sid: "okta-sid-mfa" }))).status, 200);
    assert.equal(await live(row.public_id), false);
  } finally {
    await sql`update astapa.projects set settings = settings - 'mfa' where id = ${project.id}`;
  }
});

Deno.test("OIDC back-channel logout — every token §2.6 refuses ends nothing (400 invalid_request)", async () => {
  const target = await signedIn(idp, { sub: "idp-sari", email: "sari@acme.test", sid: "okta-sid-sari" });
  const betaSession = await signedIn(beta, {
    sub: "idp-sari",
    email: "sari@beta.test",
    sid: "beta-sid-sari",
  });
  const b64 = (value: unknown) =>
    btoa(JSON.stringify(value)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  const now = Math.floor(Date.now() / 1000);
  const claims = { iss: idp.issuer, aud: idp.clientId, iat: now, jti: "unsigned-1", events: LOGOUT_EVENT };
  const stranger = await generateKeyPair("RS256");
  const byStranger = await new SignJWT({ ...claims, sid: "okta-sid-sari", jti: "stranger-1" })
    .setProtectedHeader({ alg: "RS256", kid: "fake-google-1", typ: "logout+jwt" })
    .sign(stranger.privateKey);
  const cases: [string, string, RegExp?][] = [
    ["alg none", `${b64({ alg: "none", typ: "logout+jwt" })}.${b64({ ...claims, sid: "okta-sid-sari" })}.`],
    // HS256 keyed with the IdP's public key (the classic confusion): symmetric algorithms are never accepted.
    [
      "HS256",
      `${b64({ alg: "HS256", typ: "logout+jwt" })}.${b64({ ...claims, sid: "okta-sid-sari" })}.${b64("mac")}`,
      /algorithm/,
    ],
    // A header's typ that is no string (it was read as one: a 500).
    [
      "a typ that is no string",
      `${b64({ alg: "RS256", typ: 1 })}.${b64({ ...claims, sid: "okta-sid-sari" })}.x`,
    ],
    ["another key under the IdP's kid", byStranger, /not signed by the identity provider/],
    [
      "another connection's IdP",
      await beta.signLogoutToken({ iss: idp.issuer, aud: idp.clientId, sid: "okta-sid-sari" }),
    ],
    ["a wrong issuer", await idp.signLogoutToken({ iss: beta.issuer, sid: "okta-sid-sari" }), /iss/],
    ["a wrong audience", await idp.signLogoutToken({ aud: "someone-else", sid: "okta-sid-sari" }), /aud/],
    ["a nonce", await idp.signLogoutToken({ nonce: "n-1", sid: "okta-sid-sari" }), /nonce/],
    ["no events", await idp.signLogoutToken({ events: undefined, sid: "okta-sid-sari" }), /events/],
    [
      "the event not an object",
      await idp.signLogoutToken({ events: { [Object.keys(LOGOUT_EVENT)[0]]: "yes" }, sid: "okta-sid-sari" }),
      /events/,
    ],
    [
      "an array of events",
      await idp.signLogoutToken({ events: [LOGOUT_EVENT], sid: "okta-sid-sari" }),
      /events/,
    ],
    ["neither sub nor sid", await idp.signLogoutToken({}), /sub, a sid/],
    ["a sid that is no string", await idp.signLogoutToken({ sid: 7 }), /sub, a sid/],
    ["no jti", await idp.signLogoutToken({ jti: undefined, sid: "okta-sid-sari" })],
    ["no iat", await idp.signLogoutToken({ iat: undefined, sid: "okta-sid-sari" })],
    [
      "issued an hour ago",
      await idp.signLogoutToken({ iat: now - 3600, sid: "okta-sid-sari" }),
      /ten minutes/,
    ],
    [
      "issued an hour ahead",
      await idp.signLogoutToken({ iat: now + 3600, sid: "okta-sid-sari" }),
      /ten minutes/,
    ],
    ["expired", await idp.signLogoutToken({ exp: now - 600, sid: "okta-sid-sari" }), /expired/],
    ["another token type", await idp.signLogoutToken({ sid: "okta-sid-sari" }, { typ: "at+jwt" })],
    ["not a JWT", "not-a-jwt"],
    ["too long", "x".repeat(9000)],
  ];
  for (const [why, token, says] of cases) {
    const res = await postLogout(token);
    await refused(res, says);
    assert.equal(await live(target.session), true, `${why}: nothing ended`);
  }
  // An ID token the IdP issued (signed, right iss and aud, a sub) is no logout token: no events, a nonce.
  await refused(await postLogout(idp.idTokens.at(-1)!));
  // Another connection's IdP session, named at this connection's URL, ends nothing of either.
  assert.equal((await postLogout(await idp.signLogoutToken({ sid: "beta-sid-sari" }))).status, 200);
  assert.equal(await live(betaSession.session), true);
  // Beta's own token at acme's URL is refused (acme's keys, issuer and client id).
  await refused(await postLogout(await beta.signLogoutToken({ sid: "beta-sid-sari" })));
  assert.equal(await live(betaSession.session), true);
  // A replayed jti ends nothing the second time, even for a session started since.
  const token = await idp.signLogoutToken({ sub: "idp-sari" });
  assert.equal((await postLogout(token)).status, 200);
  assert.equal(await live(target.session), false);
  const later = await signedIn(idp, { sub: "idp-sari", email: "sari@acme.test", sid: "okta-sid-sari-2" });
  await refused(await postLogout(token), /used before/);
  assert.equal(await live(later.session), true);
});

Deno.test("OIDC back-channel logout — malformed or huge bodies, a disabled or deleted connection: 400, nothing ends", async () => {
  const target = await signedIn(beta, { sub: "idp-wati", email: "wati@beta.test", sid: "beta-sid-wati" });
  const betaPath = new URL(betaConnection.backchannel_logout_url).pathname;
  const post = (body: string, type = "application/x-www-form-urlencoded") =>
    t.app.request(betaPath, { method: "POST", headers: { "content-type": type }, body });
  await refused(await post(`logout_token=${"a".repeat(20_000)}`));
  await refused(await post("logout_token=a&logout_token=b"));
  await refused(await post(""));
  await refused(await post(JSON.stringify({ logout_token: "x" }), "application/json"));
  // A path that names no OIDC connection (a malformed id, or none).
  await refused(
    await postLogout(
      await beta.signLogoutToken({ sid: "beta-sid-wati" }),
      "/auth/sso/oidc/nope/backchannel-logout",
    ),
  );
  const disabled = await api("PUT", "/organizations/beta/sso-connection", {
    issuer: beta.issuer,
    idp_client_id: beta.clientId,
    enabled: false,
  });
  assert.equal(disabled.status, 200, disabled.text);
  await refused(
    await postLogout(await beta.signLogoutToken({ sid: "beta-sid-wati" }), betaPath),
    /No enabled/,
  );
  assert.equal(await live(target.session), true);
  assert.equal((await api("DELETE", "/organizations/beta/sso-connection")).status, 204);
  await refused(
    await postLogout(await beta.signLogoutToken({ sid: "beta-sid-wati" }), betaPath),
    /No enabled/,
  );
  assert.equal(await live(target.session), true);
});
