/**
 * OpenID Connect SSO sign-out in Chromium (docs/enterprise-sso.md "Sign-out at the IdP"): a person signs in through
 * the organization's OpenID Connect IdP (the fake on 127.0.0.1, another site than Astapa on localhost), then signs
 * out at Astapa; the browser goes to the IdP's end_session_endpoint with the ID token and comes back — a top-level
 * cross-site GET, which carries the SameSite=Lax logout cookie — to the connection's post_logout_redirect_uri, and
 * on to the app's own post_logout_redirect_uri with its state. The check a cookie test outside a browser could
 * only imitate.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { disconnectBrowser, openPage } from "../helpers/browser.ts";
import { seedProject } from "../helpers/identity.ts";
import { platformApi } from "../helpers/platform_api.ts";
import { startFakeGoogle } from "../fakes/google.ts";
import { connectOidc } from "../helpers/oidc_sso.ts";

const idp = await startFakeGoogle({
  clientId: "astapa-at-acme",
  clientSecret: "acme-idp-secret-0123456789",
  endSession: true,
});

// The developer's app: a page for the sign-in's code and one for the way back from a sign-out (with its state).
const appServer = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
  const url = new URL(req.url);
  const heading = url.searchParams.has("code")
    ? "Signed in"
    : `Signed out (${url.searchParams.get("state")})`;
  return new Response(`<!doctype html><h1>${heading}</h1>`, { headers: { "content-type": "text/html" } });
});
const appOrigin = `http://127.0.0.1:${appServer.addr.port}`;

const t = await testApp({ listen: true, localhost: true });
t.deps.clientMetadataFetch = { allowHttp: true, allowPrivate: true, timeoutMs: 2000 };
const project = await seedProject(t.db.sql, { name: "Toko Batik", redirectUri: `${appOrigin}/callback` });
Deno.test.afterAll(async () => {
  await disconnectBrowser();
  await t.close();
  await appServer.shutdown();
  await idp.close();
});
const api = platformApi(t, project);
const acme = await connectOidc(api, "acme", "acme.test", idp);
idp.postLogoutRedirectUris.push(acme.post_logout_redirect_uri);

async function liveSessions() {
  const [row] = await t.db.sql`select count(*)::int as n from astapa.sso_oidc_sign_ins x
    join astapa.login_sessions s on s.project_id = x.project_id and s.token_hash = x.session_hash
    where x.project_id = ${project.id} and s.ended_at is null`;
  return row.n as number;
}

Deno.test("e2e OIDC SSO — signing out at Astapa goes by the IdP's end_session_endpoint and back to the app", async () => {
  idp.approveAs = { sub: "acme-dewi", email: "dewi@acme.test", email_verified: true };
  const { page, problems, close } = await openPage();
  try {
    await page.goto(`${t.origin}/auth/login?${new URLSearchParams({
      client_id: project.clientId,
      redirect_uri: `${appOrigin}/callback`,
      state: "xyz",
    })}`);
    await page.getByRole("link", { name: "Sign in with single sign-on (SSO)" }).click();
    await page.waitForURL(/\/auth\/sso\?/); // the sign-in page has an Email field too
    await page.getByLabel("Email").fill("dewi@acme.test");
    await page.getByRole("button", { name: "Continue" }).click();
    await page.waitForURL(`${appOrigin}/callback?**`);
    assert.equal(await page.getByRole("heading", { level: 1 }).innerText(), "Signed in");
    assert.equal(await liveSessions(), 1);

    await page.goto(`${t.origin}/auth/logout?${new URLSearchParams({
      client_id: project.clientId,
      post_logout_redirect_uri: `${appOrigin}/callback`,
      state: "bye",
    })}`);
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(`${appOrigin}/callback?**`);
    assert.equal(await page.getByRole("heading", { level: 1 }).innerText(), "Signed out (bye)");
    assert.equal(await liveSessions(), 0);
    const [asked] = idp.endSessionRequests;
    assert.equal(
      asked?.get("id_token_hint"),
      idp.idTokens.at(-1),
      "the IdP was asked with the sign-in's ID token",
    );
    assert.equal(asked?.get("post_logout_redirect_uri"), acme.post_logout_redirect_uri);
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});
