/**
 * Sign-out at Astapa tells an OpenID Connect SSO IdP (OpenID Connect RP-Initiated Logout 1.0, docs/enterprise-sso.md
 * "Sign-out at the IdP"), against the fake OpenID Provider with an end_session_endpoint: a sign-in through the
 * connection keeps the IdP's ID token with the session, sealed; the hosted sign-out ends the Astapa session, then
 * sends the browser to the end_session_endpoint with id_token_hint, client_id, the connection's
 * post_logout_redirect_uri and a state bound to this browser's sealed cookie; back at
 * /auth/sso/oidc/:connection/signed-out it goes on to the app's post_logout_redirect_uri (or the signed-out page).
 * The way back is safe: the state once, this browser only, this connection only, the destination never from the
 * query; an IdP error gets a page with Continue; an IdP without end_session_endpoint: the sign-out finishes here.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { seedProject } from "../helpers/identity.ts";
import { platformApi } from "../helpers/platform_api.ts";
import { sessionCookie, signOutConfirmed } from "../helpers/login.ts";
import { type FakeGoogle, startFakeGoogle } from "../fakes/google.ts";
import { connectOidc, signInThroughIdp } from "../helpers/oidc_sso.ts";

const idp = await startFakeGoogle({
  clientId: "astapa-at-acme",
  clientSecret: "acme-idp-secret-0123456789",
  endSession: true,
});
// An IdP that advertises no end_session_endpoint (Google's own discovery document has none).
const plain = await startFakeGoogle({
  clientId: "astapa-at-plain",
  clientSecret: "plain-idp-secret-0123456789",
});
const t = await testApp();
t.deps.clientMetadataFetch = { allowHttp: true, allowPrivate: true, timeoutMs: 2000 };
Deno.test.afterAll(async () => {
  await t.close();
  await idp.close();
  await plain.close();
});
const { sql } = t.db;
const project = await seedProject(sql, { name: "Kantor" });
const api = platformApi(t, project);
const html = { accept: "text/html" };
const acme = await connectOidc(api, "acme", "acme.test", idp);
const other = await connectOidc(api, "plain", "plain.test", plain);
idp.postLogoutRedirectUris.push(acme.post_logout_redirect_uri);

/** A browser signed in through `fake`: its session cookie (name=value). */
async function signedIn(fake: FakeGoogle, email: string) {
  const res = await signInThroughIdp(t, project, fake, { sub: `sub-${email}`, email });
  assert.equal(res.status, 303, await res.clone().text());
  const cookie = sessionCookie(res, project.id);
  assert.ok(cookie, "a session starts");
  return cookie;
}

/** The hosted sign-out: asked, then confirmed (with the app's post_logout_redirect_uri and state when `toApp`). */
const signOut = (session: string, toApp = true) => signOutConfirmed(t, project, session, toApp);

/** The logout cookie the sign-out set (name=value), and the cookie line as sent. */
function logoutCookie(res: Response) {
  const line = res.headers.getSetCookie().find((c) => c.startsWith("astapa_oidc_logout="));
  assert.ok(line, "the sign-out sets the logout cookie");
  return { cookie: line.split(";")[0], line };
}

/** The browser at the IdP's end_session_endpoint: where the IdP sends it back. */
async function atIdp(location: string) {
  const res = await fetch(location, { redirect: "manual" });
  await res.body?.cancel();
  assert.equal(res.status, 302, `the IdP sends the browser back (${res.status})`);
  return new URL(res.headers.get("location")!);
}

const back = (url: URL, cookie?: string) =>
  t.app.request(url.pathname + url.search, { headers: { ...html, ...(cookie ? { cookie } : {}) } });

async function liveSessions(email: string) {
  const [row] =
    await sql`select count(*) filter (where s.ended_at is null)::int as n from astapa.login_sessions s
    join astapa.users u on u.project_id = s.project_id and u.id = s.user_id
    where s.project_id = ${project.id} and u.email = ${email}`;
  return row.n as number;
}

Deno.test("OIDC RP-initiated logout — the Platform API answers the post-logout redirect URI to register at the IdP", async () => {
  assert.equal(acme.post_logout_redirect_uri, `${t.config.baseUrl}/auth/sso/oidc/${acme.id}/signed-out`);
  const read = await api("GET", "/organizations/acme/sso-connection");
  assert.equal(read.body.post_logout_redirect_uri, acme.post_logout_redirect_uri);
});

Deno.test("OIDC RP-initiated logout — the sign-out ends the session, goes by the IdP with the ID token, and lands on the app", async () => {
  const session = await signedIn(idp, "dewi@acme.test");
  const idToken = idp.idTokens.at(-1)!;
  const [kept] = await sql`select x.id_token_sealed from astapa.sso_oidc_sign_ins x
    where x.project_id = ${project.id} and x.connection_id = ${acme.id} order by x.created_at desc limit 1`;
  assert.ok(kept.id_token_sealed, "the ID token is kept with the session");
  assert.ok(!kept.id_token_sealed.includes(idToken.split(".")[1]), "sealed, not in clear");

  const res = await signOut(session);
  assert.equal(res.status, 303, await res.text());
  assert.equal(await liveSessions("dewi@acme.test"), 0, "the Astapa session ended first");
  const to = new URL(res.headers.get("location")!);
  assert.equal(`${to.origin}${to.pathname}`, `${idp.issuer}/logout`);
  assert.equal(to.searchParams.get("tenant"), "fake", "the endpoint's own query stays");
  assert.equal(to.searchParams.get("id_token_hint"), idToken);
  assert.equal(to.searchParams.get("client_id"), idp.clientId);
  assert.equal(to.searchParams.get("post_logout_redirect_uri"), acme.post_logout_redirect_uri);
  const state = to.searchParams.get("state")!;
  assert.ok(state.length >= 32, "a random state");
  const { cookie, line } = logoutCookie(res);
  assert.match(line, /Path=\/auth\/sso\/oidc/);
  assert.match(line, /HttpOnly/i);
  assert.match(line, /SameSite=Lax/i);
  assert.ok(!line.includes(project.redirectUri) && !line.includes(encodeURIComponent(project.redirectUri)));

  const returned = await atIdp(to.toString());
  assert.equal(returned.searchParams.get("state"), state);
  // Parameters an attacker might add to the way back are not read: the destination is the cookie's.
  returned.searchParams.set("post_logout_redirect_uri", "https://evil.example/");
  const done = await back(returned, cookie);
  assert.equal(done.status, 303, await done.text());
  const app = new URL(done.headers.get("location")!);
  assert.equal(`${app.origin}${app.pathname}`, project.redirectUri);
  assert.equal(app.searchParams.get("state"), "bye-state");
  assert.match(done.headers.getSetCookie().join("\n"), /astapa_oidc_logout=;/, "the cookie is spent");
});

Deno.test("OIDC RP-initiated logout — the way back is this browser's once, for this connection, with this state", async () => {
  const session = await signedIn(idp, "budi@acme.test");
  const res = await signOut(session);
  const { cookie } = logoutCookie(res);
  const returned = await atIdp(res.headers.get("location")!);
  const stale = async (answer: Response) => {
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get("location"), null);
    assert.equal(answer.headers.get("cache-control"), "no-store");
    assert.match(await answer.text(), /not waiting for a sign-out/);
  };
  // Another browser (no cookie): a page, never the app.
  await stale(await back(returned));
  // Another connection's URL with this browser's cookie: refused, and the cookie is spent.
  const elsewhere = new URL(returned);
  elsewhere.pathname = new URL(other.post_logout_redirect_uri).pathname;
  await stale(await back(elsewhere, cookie));
  // A forged state: refused, and the cookie is spent on it, so the right state after it finds none.
  const again = await signOut(await signedIn(idp, "budi@acme.test"));
  const second = logoutCookie(again).cookie;
  const forged = new URL(await atIdp(again.headers.get("location")!));
  const rightState = forged.searchParams.get("state")!;
  forged.searchParams.set("state", "guessed");
  const refused = await back(forged, second);
  assert.match(refused.headers.getSetCookie().join("\n"), /astapa_oidc_logout=;/);
  await stale(refused);
  forged.searchParams.set("state", rightState);
  await stale(await back(forged));
  // A cookie that is not ours.
  await stale(await back(forged, "astapa_oidc_logout=bm90LWEtc2VhbGVkLWNvb2tpZQ"));
});

Deno.test("OIDC RP-initiated logout — an error from the IdP: signed out here, a page says so with Continue", async () => {
  const session = await signedIn(idp, "sari@acme.test");
  idp.endSessionError = "access_denied";
  try {
    const res = await signOut(session, false);
    const { cookie } = logoutCookie(res);
    const returned = await atIdp(res.headers.get("location")!);
    assert.equal(returned.searchParams.get("error"), "access_denied");
    const page = await back(returned, cookie);
    assert.equal(page.status, 200);
    const text = await page.text();
    assert.match(text, /did not confirm/);
    const here = `/auth/logout?${new URLSearchParams({ client_id: project.clientId, lang: "en" })}`;
    assert.ok(text.includes(here.replaceAll("&", "&amp;")), "Continue leads to the signed-out page");
    assert.equal(await liveSessions("sari@acme.test"), 0);
  } finally {
    idp.endSessionError = undefined;
  }
});

Deno.test("OIDC RP-initiated logout — an IdP with no end_session_endpoint: the sign-out finishes here", async () => {
  const session = await signedIn(plain, "wulan@plain.test");
  const res = await signOut(session);
  assert.equal(res.status, 303);
  const app = new URL(res.headers.get("location")!);
  assert.equal(`${app.origin}${app.pathname}`, project.redirectUri);
  assert.equal(app.searchParams.get("state"), "bye-state");
  assert.equal(res.headers.getSetCookie().some((c) => c.startsWith("astapa_oidc_logout=")), false);
  assert.equal(await liveSessions("wulan@plain.test"), 0);
});

Deno.test("OIDC RP-initiated logout — a disabled connection, or an ID token that no longer opens: the sign-out finishes here", async () => {
  const session = await signedIn(idp, "indah@acme.test");
  await sql`update astapa.sso_oidc_sign_ins set id_token_sealed = 'bm90LWEtc2VhbGVkLXRva2Vu'
    where project_id = ${project.id} and connection_id = ${acme.id}
      and session_hash in (select s.token_hash from astapa.login_sessions s
        join astapa.users u on u.project_id = s.project_id and u.id = s.user_id
        where s.project_id = ${project.id} and u.email = 'indah@acme.test')`;
  const unopened = await signOut(session);
  assert.equal(unopened.status, 303);
  assert.equal(new URL(unopened.headers.get("location")!).origin, new URL(project.redirectUri).origin);
  assert.equal(await liveSessions("indah@acme.test"), 0);

  const another = await signedIn(idp, "indah@acme.test");
  await sql`update astapa.sso_connections set enabled = false where project_id = ${project.id} and id = ${acme.id}`;
  try {
    const disabled = await signOut(another);
    assert.equal(disabled.status, 303);
    assert.equal(new URL(disabled.headers.get("location")!).origin, new URL(project.redirectUri).origin);
    assert.equal(await liveSessions("indah@acme.test"), 0);
  } finally {
    await sql`update astapa.sso_connections set enabled = true where project_id = ${project.id} and id = ${acme.id}`;
  }
});
