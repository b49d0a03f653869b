/**
 * RP-Initiated Logout 1.0 at /auth/logout (docs/hosted-login.md): discovery names it, ID tokens carry the
 * session's sid, id_token_hint (an ID token Astapa signed, expired or not) names the app and whose sign-out it
 * means, post_logout_redirect_uris are matched exactly, and a GET never signs anyone out — a hint for another
 * person asks with a warning, and a forged hint is refused with a page in the person's language.
 */
import assert from "node:assert/strict";
import { generateKeyPair, SignJWT } from "jose";
import { testApp } from "../helpers/app.ts";
import { seedProject } from "../helpers/identity.ts";
import { seedPasswordUser } from "../helpers/dynamic_clients.ts";
import { FormBrowser, postForm as pagePostForm } from "../helpers/form_browser.ts";
import { basic } from "../helpers/oauth.ts";
import { claimsOf, postForm } from "../helpers/token_client.ts";
import { signJwt } from "@/lib/tokens/jws.ts";
import { asApp } from "@/db/client.ts";
import { randomSecret, sha256 } from "@/lib/secrets.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const project = await seedProject(t.db.sql, {
  name: "Warung Logout",
  redirectUri: "https://warung.example/cb",
});
const PASSWORD = "long enough";
let people = 0;

/** A new person signed in to the app in a new browser: the browser, their sub and the token response. */
async function signedIn() {
  const email = `person-${++people}@logout.example`;
  const sub = await seedPasswordUser(t.db.sql, project.id, email, PASSWORD);
  const browser = new FormBrowser(t);
  const query = new URLSearchParams({
    client_id: project.clientId,
    redirect_uri: project.redirectUri,
    response_type: "code",
    scope: "openid",
  });
  const res = await browser.submit(`/auth/login?${query}`, { email, password: PASSWORD });
  assert.equal(res.status, 303);
  const code = new URL(res.headers.get("location")!).searchParams.get("code")!;
  const { res: tokenRes, body } = await postForm(t, "/api/platform/token", {
    grant_type: "authorization_code",
    code,
    redirect_uri: project.redirectUri,
  }, { authorization: basic(project.clientId, project.secret) });
  assert.equal(tokenRes.status, 200, JSON.stringify(body));
  return { browser, sub, tokens: body as { id_token: string; refresh_token: string } };
}

/** Whether the browser's session still signs the person in silently. */
async function stillSignedIn(browser: FormBrowser): Promise<boolean> {
  const query = new URLSearchParams({ client_id: project.clientId, redirect_uri: project.redirectUri });
  const res = await browser.get(`/auth/login?${query}`);
  await res.body?.cancel();
  return res.status === 303;
}

const logout = (params: Record<string, string>) => `/auth/logout?${new URLSearchParams(params)}`;

async function setLogoutSettings(body: Record<string, unknown>) {
  const res = await t.app.request("/api/platform/logout-settings", {
    method: "PATCH",
    headers: { authorization: basic(project.clientId, project.secret), "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

Deno.test("rp-initiated logout — discovery names the end-session endpoint and back-channel logout", async () => {
  const oidc = await (await t.app.request("/.well-known/openid-configuration")).json();
  assert.equal(oidc.end_session_endpoint, "http://astapa.test/auth/logout");
  assert.equal(oidc.frontchannel_logout_supported, false);
  assert.equal(oidc.backchannel_logout_supported, true);
  assert.equal(oidc.backchannel_logout_session_supported, true);
  assert.ok(oidc.claims_supported.includes("sid"));
});

Deno.test("rp-initiated logout — ID tokens carry the session's sid, the same after a refresh", async () => {
  const { tokens } = await signedIn();
  const sid = claimsOf(tokens.id_token).sid;
  assert.match(String(sid), /^ses_[a-z2-7]{24}$/);
  assert.equal(claimsOf(tokens.id_token).nonce, undefined);
  const [row] = await t.db.sql`select count(*)::int as n from astapa.login_sessions where public_id = ${
    String(sid)
  }`;
  assert.equal(row.n, 1, "the sid names a hosted-login session");
  const { body } = await postForm(t, "/api/platform/token", {
    grant_type: "refresh_token",
    refresh_token: tokens.refresh_token,
    scope: "openid",
  }, { authorization: basic(project.clientId, project.secret) });
  assert.equal(claimsOf(body.id_token).sid, sid);
});

Deno.test("rp-initiated logout — the hint alone names the app; a GET asks, the click signs out and returns", async () => {
  assert.equal(
    (await setLogoutSettings({ post_logout_redirect_uris: ["https://warung.example/bye"] })).status,
    200,
  );
  const { browser, tokens } = await signedIn();
  const asked = await browser.get(logout({
    id_token_hint: tokens.id_token,
    post_logout_redirect_uri: "https://warung.example/bye",
    state: "s1",
  }));
  const html = await asked.text();
  assert.equal(asked.status, 200);
  assert.match(html, /Sign out\?/);
  assert.doesNotMatch(html, /different account/, "the hint names this very session");
  assert.ok(await stillSignedIn(browser), "the GET changed nothing");
  const out = await browser.post(html, {});
  assert.equal(out.status, 303);
  assert.equal(out.headers.get("location"), "https://warung.example/bye?state=s1");
  assert.equal(await stillSignedIn(browser), false);
  await setLogoutSettings({ post_logout_redirect_uris: null });
});

Deno.test("rp-initiated logout — registered post_logout_redirect_uris are matched exactly, replacing redirect URIs", async () => {
  await setLogoutSettings({ post_logout_redirect_uris: ["https://warung.example/bye"] });
  for (const uri of [project.redirectUri, "https://warung.example/bye/", "https://warung.example/BYE"]) {
    const res = await t.app.request(logout({ client_id: project.clientId, post_logout_redirect_uri: uri }));
    assert.equal(res.status, 200, `${uri} is not followed`);
    assert.match(await res.text(), /You are signed out/);
  }
  const back = await t.app.request(
    logout({ client_id: project.clientId, post_logout_redirect_uri: "https://warung.example/bye" }),
  );
  assert.equal(back.status, 303);
  await setLogoutSettings({ post_logout_redirect_uris: null });
  const legacy = await t.app.request(
    logout({ client_id: project.clientId, post_logout_redirect_uri: project.redirectUri }),
  );
  assert.equal(legacy.status, 303, "none registered: the redirect URIs, as before");
});

Deno.test("rp-initiated logout — an expired ID token is still a valid hint", async () => {
  const { browser, sub } = await signedIn();
  const now = Math.floor(Date.now() / 1000);
  const expired = await signJwt(await t.deps.keys.active(), "JWT", {
    iss: "http://astapa.test",
    sub,
    aud: project.clientId,
    iat: now - 7200,
    exp: now - 3600,
  });
  const asked = await browser.get(
    logout({ id_token_hint: expired, post_logout_redirect_uri: project.redirectUri }),
  );
  const html = await asked.text();
  assert.equal(asked.status, 200);
  assert.match(html, /Sign out\?/);
  assert.doesNotMatch(html, /different account/);
  const out = await browser.post(html, {});
  assert.equal(out.status, 303);
  assert.equal(out.headers.get("location"), project.redirectUri);
});

Deno.test("rp-initiated logout — a hint for another person or session never signs this one out silently", async () => {
  const other = await signedIn();
  const { browser } = await signedIn();
  const requests: Record<string, string>[] = [
    { id_token_hint: other.tokens.id_token },
    { client_id: project.clientId, logout_hint: other.sub },
  ];
  for (const params of requests) {
    const asked = await browser.get(logout(params));
    const html = await asked.text();
    assert.equal(asked.status, 200);
    assert.match(html, /asked to sign out a different account or an earlier session/);
    assert.ok(await stillSignedIn(browser), "still signed in after the GET");
    // An app's own POST to the endpoint (no CSRF token of ours) is a request like the GET's: it asks.
    const posted = await t.app.request("/auth/logout", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: browser.header() },
      body: new URLSearchParams(params),
    });
    assert.equal(posted.status, 200);
    assert.match(await posted.text(), /different account/);
    assert.ok(await stillSignedIn(browser), "still signed in after the app's POST");
  }
  assert.ok(await stillSignedIn(other.browser), "the hint's own person is not signed out either");
});

Deno.test("rp-initiated logout — a forged hint or one for another app is refused with a page, en and id", async () => {
  const { browser, sub, tokens } = await signedIn();
  const { privateKey } = await generateKeyPair("RS256");
  const now = Math.floor(Date.now() / 1000);
  const forged = await new SignJWT({ sub, aud: project.clientId, iss: "http://astapa.test" })
    .setProtectedHeader({ alg: "RS256", typ: "JWT", kid: (await t.deps.keys.active()).kid })
    .setIssuedAt(now).setExpirationTime(now + 60).sign(privateKey);
  const accessToken = await signJwt(await t.deps.keys.active(), "at+jwt", {
    iss: "http://astapa.test",
    sub,
    aud: project.clientId,
    iat: now,
    exp: now + 60,
  });
  const cases: [Record<string, string>, RegExp][] = [
    [{ id_token_hint: forged }, /could not be verified/],
    [{ id_token_hint: "not.a.jwt" }, /could not be verified/],
    [{ id_token_hint: accessToken }, /could not be verified/],
    [
      { id_token_hint: tokens.id_token, client_id: "cid_aaaaaaaaaaaaaaaaaaaaaaaa" },
      /names two different apps/,
    ],
  ];
  for (const [params, why] of cases) {
    const res = await browser.get(logout({ ...params, post_logout_redirect_uri: project.redirectUri }));
    const html = await res.text();
    assert.equal(res.status, 400);
    assert.match(html, /This sign-out request is not valid/);
    assert.match(html, why);
    assert.equal(pagePostForm(html), null, "nothing to submit");
  }
  const indonesian = await browser.get(logout({ id_token_hint: forged, ui_locales: "id-ID" }));
  assert.equal(indonesian.status, 400);
  assert.match(await indonesian.text(), /Permintaan keluar ini tidak sah/);
  assert.ok(await stillSignedIn(browser), "nobody was signed out");
});

Deno.test("rp-initiated logout — the Platform API refuses malformed logout settings and changes nothing", async () => {
  for (
    const body of [
      { post_logout_redirect_uris: ["http://evil.example/bye"] },
      { post_logout_redirect_uris: ["https://warung.example/bye#x"] },
      { backchannel_logout_uri: "ftp://warung.example/logout" },
      { backchannel_logout_session_required: "yes" },
      { unknown: true },
      {},
    ]
  ) {
    const res = await setLogoutSettings(body);
    assert.equal(res.status, 400, JSON.stringify(body));
  }
  const res = await t.app.request("/api/platform/logout-settings", {
    headers: { authorization: basic(project.clientId, project.secret) },
  });
  const shown = await res.json();
  assert.equal(res.status, 200);
  assert.equal(shown.post_logout_redirect_uris, undefined);
  assert.equal(shown.backchannel_logout_uri, undefined);
});

Deno.test("rp-initiated logout — a self-registered client's hint finds its project's session by sid; without one, nobody is signed out", async () => {
  const registration = await t.app.request("/api/platform/register", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      redirect_uris: ["https://agent.example/cb"],
      token_endpoint_auth_method: "none",
      post_logout_redirect_uris: ["https://agent.example/bye"],
    }),
  });
  const agent = await registration.json();
  assert.equal(registration.status, 201, JSON.stringify(agent));
  const { browser, sub, tokens } = await signedIn();
  const sid = String(claimsOf(tokens.id_token).sid);
  // The ID token the agent got from a sign-in in this session: its audience is the agent, its sid the session's.
  const now = Math.floor(Date.now() / 1000);
  const hint = await signJwt(await t.deps.keys.active(), "JWT", {
    iss: "http://astapa.test",
    sub,
    aud: agent.client_id,
    sid,
    iat: now,
    exp: now + 3600,
  });

  const unhinted = await browser.get(logout({ client_id: agent.client_id }));
  assert.equal(unhinted.status, 200);
  assert.doesNotMatch(await unhinted.text(), /Sign out\?/, "no hint: no project, nothing to ask");
  assert.ok(await stillSignedIn(browser));

  const asked = await browser.get(logout({
    id_token_hint: hint,
    post_logout_redirect_uri: "https://agent.example/bye",
    state: "a1",
  }));
  const html = await asked.text();
  assert.equal(asked.status, 200);
  assert.match(html, /Sign out\?/);
  assert.match(html, /Warung Logout/, "the project's name: the session is the project's");
  assert.ok(await stillSignedIn(browser), "the GET changed nothing");
  const out = await browser.post(html, {});
  assert.equal(out.status, 303);
  assert.equal(out.headers.get("location"), "https://agent.example/bye?state=a1");
  assert.equal(await stillSignedIn(browser), false);

  // A post-logout URI the agent did not register is not followed; another session's sid finds nothing.
  const again = await signedIn();
  const strangers = await again.browser.get(logout({
    id_token_hint: hint,
    post_logout_redirect_uri: "https://evil.example/",
  }));
  assert.doesNotMatch(await strangers.text(), /Sign out\?/);
  assert.ok(
    await stillSignedIn(again.browser),
    "a hint naming another session signs this browser out of nothing",
  );
});

Deno.test("rp-initiated logout — without a hint, a self-registered client finds the session that gave it tokens, the latest of several", async () => {
  const registration = await t.app.request("/api/platform/register", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      redirect_uris: ["https://helper.example/cb"],
      token_endpoint_auth_method: "none",
      post_logout_redirect_uris: ["https://helper.example/bye"],
    }),
  });
  const agent = await registration.json();
  assert.equal(registration.status, 201, JSON.stringify(agent));
  const other = await seedProject(t.db.sql, { name: "Toko Lain", redirectUri: "https://lain.example/cb" });
  const { browser, sub } = await signedIn();
  // The same browser signed in to a second project too, an hour later.
  await t.db.sql`update astapa.login_sessions set created_at = created_at - interval '1 hour'
                 where project_id = ${project.id} and user_id = ${sub}::bigint`;
  const otherSub = await seedPasswordUser(t.db.sql, other.id, `again-${people}@logout.example`, PASSWORD);
  const query = new URLSearchParams({ client_id: other.clientId, redirect_uri: other.redirectUri });
  const second = await browser.submit(`/auth/login?${query}`, {
    email: `again-${people}@logout.example`,
    password: PASSWORD,
  });
  assert.equal(second.status, 303);
  /** The agent gets a code from the browser's session in `projectId`, as its sign-in there would issue. */
  const codeFrom = async (projectId: string, user: string) => {
    const cookie = [...browser.cookies].find(([name]) => name.endsWith(`astapa_session_${projectId}`))!;
    await asApp(
      t.db.sql,
      projectId,
      async (tx) =>
        tx`select api.issue_authorization_code(${await sha256(randomSecret())}, ${agent.client_id}, ${user},
        'https://helper.example/cb', 'openid', null, null, null, null, now(), 60, '{pwd}', null,
        ${await sha256(cookie[1])})`,
    );
  };

  // No session of this browser gave the agent anything: nothing to ask, nobody signed out.
  const none = await browser.get(logout({ client_id: agent.client_id }));
  assert.doesNotMatch(await none.text(), /Sign out\?/);

  await codeFrom(project.id, sub);
  const asked = await browser.get(logout({
    client_id: agent.client_id,
    post_logout_redirect_uri: "https://helper.example/bye",
    state: "s1",
  }));
  const html = await asked.text();
  assert.equal(asked.status, 200);
  assert.match(html, /Sign out\?/);
  assert.match(html, /Warung Logout/, "the session that gave the agent tokens, though another is newer");
  assert.doesNotMatch(html, /name="id_token_hint"/);
  assert.ok(await stillSignedIn(browser), "the GET changed nothing");

  // Once the newer session gave it tokens too, that is the one meant; the click signs out of it alone.
  await codeFrom(other.id, otherSub);
  const latest = await browser.get(logout({
    client_id: agent.client_id,
    post_logout_redirect_uri: "https://helper.example/bye",
    state: "s2",
  }));
  const latestHtml = await latest.text();
  assert.match(latestHtml, /Toko Lain/);
  const out = await browser.post(latestHtml, {});
  assert.equal(out.status, 303);
  assert.equal(out.headers.get("location"), "https://helper.example/bye?state=s2");
  const otherQuery = new URLSearchParams({ client_id: other.clientId, redirect_uri: other.redirectUri });
  const otherLogin = await browser.get(`/auth/login?${otherQuery}`);
  await otherLogin.body?.cancel();
  assert.equal(otherLogin.status, 200, "signed out of the newer project's session");
  assert.ok(await stillSignedIn(browser), "the first project's session is left");
});
