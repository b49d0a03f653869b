/**
 * SAML SSO in Chromium: a person types their work email on the hosted login, goes to the organization's SAML IdP
 * (a fake on 127.0.0.1, another site than Astapa on localhost), and the IdP's page posts the signed Response back
 * cross-site to the ACS. Only a flow cookie a browser sends on a cross-site POST (SameSite=None; Secure) gets them
 * to the app signed in — the check a cookie test outside a browser could only imitate.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { disconnectBrowser, openPage } from "../helpers/browser.ts";
import { seedProject } from "../helpers/identity.ts";
import { organizationWithDomain, platformApi } from "../helpers/platform_api.ts";
import { claimsOf } from "../helpers/token_client.ts";
import { startFakeSamlIdp } from "../fakes/saml_idp.ts";

const idp = await startFakeSamlIdp();

// The developer's app: its callback redeems the code and greets the person with their email and organization.
const appServer = Deno.serve(
  { hostname: "127.0.0.1", port: 0, onListen: () => {} },
  async (req): Promise<Response> => {
    const url = new URL(req.url);
    // Back from a sign-out (post_logout_redirect_uri, with its state): no code to redeem.
    if (!url.searchParams.has("code")) {
      return new Response(`<!doctype html><h1>Signed out (${url.searchParams.get("state")})</h1>`, {
        headers: { "content-type": "text/html" },
      });
    }
    const res: Response = await fetch(`${t.origin}/api/platform/token`, {
      method: "POST",
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code: url.searchParams.get("code") ?? "",
        redirect_uri: `${appOrigin}/callback`,
        client_id: project.clientId,
        client_secret: project.secret,
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
// The fake's sign-in page is plain http on loopback.
t.deps.clientMetadataFetch = { allowHttp: true, allowPrivate: true, timeoutMs: 2000 };
const project = await seedProject(t.db.sql, { name: "Toko Batik", redirectUri: `${appOrigin}/callback` });
Deno.test.afterAll(async () => {
  await disconnectBrowser();
  await t.close();
  await appServer.shutdown();
  await idp.close();
});

const api = platformApi(t, project);

/** From the app's sign-in request through "Sign in with single sign-on" and the IdP, back at the app's callback. */
async function signInThroughSso(page: Awaited<ReturnType<typeof openPage>>["page"]) {
  await page.goto(`${t.origin}/auth/login?${new URLSearchParams({
    client_id: project.clientId,
    redirect_uri: `${appOrigin}/callback`,
    state: "xyz",
  })}`);
  await page.getByRole("link", { name: "Sign in with single sign-on (SSO)" }).click();
  await page.waitForURL(/\/auth\/sso\?/); // the sign-in page has an Email field too
  await page.getByLabel("Email").fill("dewi@acme.test");
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByRole("button", { name: "Continue as dewi@acme.test" }).click();
  await page.waitForURL(`${appOrigin}/callback?**`);
}

Deno.test("e2e SAML SSO — the IdP's cross-site POST reaches the ACS with the flow cookie; the app gets the person", async () => {
  const org = await organizationWithDomain(api, "acme", "acme.test");
  const put = await api("PUT", "/organizations/acme/sso-connection", {
    protocol: "saml",
    idp_metadata_xml: idp.metadata(idp.key, idp.browserSsoUrl),
  });
  assert.equal(put.status, 200, JSON.stringify(put.body));
  const { page, problems, close } = await openPage();
  try {
    await signInThroughSso(page);
    assert.equal(
      await page.getByRole("heading", { level: 1 }).innerText(),
      `Signed in as dewi@acme.test in ${org}`,
    );
    assert.equal(new URL(page.url()).searchParams.get("state"), "xyz");
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});

Deno.test("e2e SAML SSO — single logout: signing out at Astapa goes by the IdP and back to the app; the IdP's own sign-out ends the session", async () => {
  const put = await api("PUT", "/organizations/acme/sso-connection", {
    protocol: "saml",
    idp_metadata_xml: idp.metadata(idp.key, idp.browserSsoUrl, idp.browserSloUrl),
  });
  assert.equal(put.status, 200, JSON.stringify(put.body));
  assert.equal(put.body.idp_slo_url, idp.browserSloUrl);
  const liveSessions = async () => {
    const [row] = await t.db.sql`select count(*)::int as n from astapa.sso_saml_sign_ins x
      join astapa.login_sessions s on s.project_id = x.project_id and s.token_hash = x.session_hash
      where x.project_id = ${project.id} and s.ended_at is null`;
    return row.n as number;
  };
  const { page, problems, close } = await openPage();
  try {
    // SP-initiated: the IdP's redirect back (another site, a top-level GET) carries the Lax cookie that says where.
    const before = await liveSessions(); // the first test's browser still holds one
    await signInThroughSso(page);
    assert.equal(await liveSessions(), before + 1);
    await page.goto(`${t.origin}/auth/logout?${new URLSearchParams({
      client_id: project.clientId,
      post_logout_redirect_uri: `${appOrigin}/callback`,
      state: "bye",
    })}`);
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(`${appOrigin}/callback?**`);
    assert.equal(await page.getByRole("heading", { level: 1 }).innerText(), "Signed out (bye)");
    assert.equal(await liveSessions(), before);
    // IdP-initiated: the person signs out at the IdP, which tells Astapa and gets its answer; with no SessionIndex
    // named, every session of theirs through this connection ends (the first test's too).
    await signInThroughSso(page);
    assert.equal(await liveSessions(), before + 1);
    await page.goto(
      `${idp.browserSloStartUrl}?${new URLSearchParams({ sp: `${put.body.sp_entity_id}/slo` })}`,
    );
    await page.waitForURL(`${idp.browserSloUrl}?**`);
    assert.equal(await page.getByRole("heading", { level: 1 }).innerText(), "Signed out at the IdP: Success");
    assert.equal(await liveSessions(), 0);
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});
