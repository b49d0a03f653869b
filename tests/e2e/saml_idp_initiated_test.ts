/**
 * IdP-initiated SAML sign-in in Chromium (docs/enterprise-sso.md "Sign-in from the IdP's portal"): the person opens
 * the app's tile in the IdP's portal (a fake on 127.0.0.1, another site than Astapa on localhost), whose page posts
 * a signed Response nobody asked for cross-site to the ACS. The pending-login cookie set on that cross-site POST
 * must survive the trip through the app's initiate-login route and back, which only a browser can show: the app
 * starts its own request (state, PKCE), the person confirms the account, and the app redeems the code with its
 * verifier.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { disconnectBrowser, openPage } from "../helpers/browser.ts";
import { seedProject } from "../helpers/identity.ts";
import { organizationWithDomain, platformApi } from "../helpers/platform_api.ts";
import { pkcePair } from "../helpers/oauth.ts";
import { claimsOf } from "../helpers/token_client.ts";
import { startFakeSamlIdp } from "../fakes/saml_idp.ts";

const idp = await startFakeSamlIdp();
const verifiers = new Map<string, string>();

// The developer's app: its initiate-login route starts an authorization request of its own; its callback redeems
// the code with that request's verifier and greets the person.
const appServer = Deno.serve(
  { hostname: "127.0.0.1", port: 0, onListen: () => {} },
  async (req): Promise<Response> => {
    const url = new URL(req.url);
    if (url.pathname === "/login/start") {
      if (url.searchParams.get("iss") !== t.origin) return new Response("not our issuer", { status: 400 });
      const { verifier, challenge } = await pkcePair();
      const state = crypto.randomUUID();
      verifiers.set(state, verifier);
      const query = new URLSearchParams({
        response_type: "code",
        client_id: project.clientId,
        redirect_uri: `${appOrigin}/callback`,
        state,
        code_challenge: challenge,
        code_challenge_method: "S256",
        login_hint: url.searchParams.get("login_hint") ?? "",
      });
      return Response.redirect(`${t.origin}/auth/login?${query}`, 303);
    }
    const res: Response = await fetch(`${t.origin}/api/platform/token`, {
      method: "POST",
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code: url.searchParams.get("code") ?? "",
        redirect_uri: `${appOrigin}/callback`,
        client_id: project.clientId,
        client_secret: project.secret,
        code_verifier: verifiers.get(url.searchParams.get("state") ?? "") ?? "",
      }),
    });
    const body = await res.json();
    const claims: Record<string, unknown> = res.ok ? claimsOf(body.access_token) : {};
    const greeting: string = res.ok
      ? `Signed in as ${claims.email} in ${claims.org_id}`
      : `Token error ${body.error}`;
    return new Response(`<!doctype html><h1>${greeting}</h1>`, { headers: { "content-type": "text/html" } });
  },
);
const appOrigin: string = `http://127.0.0.1:${appServer.addr.port}`;

const t = await testApp({ listen: true, localhost: true });
// The app is plain http on loopback here; the Platform API (and the dashboard) take https initiate_login_uris only.
const project = await seedProject(t.db.sql, {
  name: "Toko Batik",
  redirectUri: `${appOrigin}/callback`,
  settings: { initiate_login_uri: `${appOrigin}/login/start` },
});
Deno.test.afterAll(async () => {
  await disconnectBrowser();
  await t.close();
  await appServer.shutdown();
  await idp.close();
});

const api = platformApi(t, project);

Deno.test("e2e IdP-initiated SAML — the portal's tile → the app's own request → Continue → the app gets the person", async () => {
  const org = await organizationWithDomain(api, "acme", "acme.test");
  const put = await api("PUT", "/organizations/acme/sso-connection", {
    protocol: "saml",
    idp_metadata_xml: idp.metadata(),
    idp_initiated: true,
  });
  assert.equal(put.status, 200, JSON.stringify(put.body));
  const { page, problems, close } = await openPage();
  try {
    await page.goto(`${idp.browserPortalUrl}?${new URLSearchParams({
      acs: put.body.acs_url,
      audience: put.body.sp_entity_id,
    })}`);
    await page.getByRole("button", { name: "Open the app" }).click();
    await page.getByRole("heading", { name: "Continue signing in?" }).waitFor();
    assert.match(await page.locator("main").innerText(), /You are about to sign in as:\s+dewi@acme\.test/);
    await page.getByRole("button", { name: "Continue", exact: true }).click();
    await page.waitForURL(`${appOrigin}/callback?**`);
    assert.equal(
      await page.getByRole("heading", { level: 1 }).innerText(),
      `Signed in as dewi@acme.test in ${org}`,
    );
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});
