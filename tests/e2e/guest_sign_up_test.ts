/**
 * A guest in Chromium (docs/anonymous-users.md): a shop's page on another origin makes a guest with its client id
 * alone (CORS), sends the browser to the sign-up with the guest's ID token (prompt=create), the person signs up on
 * the hosted page, and the shop's callback gets a code for the guest's own sub, no longer a guest.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { disconnectBrowser, openPage } from "../helpers/browser.ts";
import { pkcePair, seedProject } from "../helpers/oauth.ts";
import { claimsOf, credentials, postForm } from "../helpers/token_client.ts";

const t = await testApp({ listen: true });
// The shop's own origin: another port, so the guest's sign-in is cross-origin, as from a real front end.
const shop = Deno.serve(
  { hostname: "127.0.0.1", port: 0, onListen: () => {} },
  () =>
    new Response("<!doctype html><title>Toko</title><h1>Toko</h1>", {
      headers: { "content-type": "text/html" },
    }),
);
Deno.test.afterAll(async () => {
  await disconnectBrowser();
  await shop.shutdown();
  await t.close();
});

Deno.test("guest — made by the shop's page, signs up on the hosted page, the shop gets the same sub", async () => {
  const shopOrigin = `http://127.0.0.1:${shop.addr.port}`;
  const project = await seedProject(t.db.sql, {
    name: "Toko",
    redirectUri: `${shopOrigin}/callback`,
    // The shop's page makes the guest from its own origin, which the project lists.
    settings: { anonymous_users: { enabled: true }, allowed_origins: [shopOrigin] },
  });
  const pkce = await pkcePair();
  const { page, close } = await openPage();
  try {
    await page.goto(`${shopOrigin}/`);
    const tokens = await page.evaluate(async ({ astapa, clientId }) => {
      const res = await fetch(`${astapa}/api/platform/anonymous`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ client_id: clientId }),
      });
      return await res.json();
    }, { astapa: t.origin, clientId: project.clientId });
    const guestSub = claimsOf(tokens.access_token).sub;
    assert.equal(claimsOf(tokens.access_token).is_anonymous, true);

    const authorize = new URL("/auth/login", t.origin);
    authorize.search = new URLSearchParams({
      client_id: project.clientId,
      redirect_uri: project.redirectUri,
      response_type: "code",
      state: "toko-state",
      scope: "openid",
      code_challenge: pkce.challenge,
      code_challenge_method: "S256",
      prompt: "create",
      id_token_hint: tokens.id_token,
      lang: "en",
    }).toString();
    await page.goto(authorize.toString());
    await page.waitForURL(/\/auth\/signup/);
    await page.getByLabel("Email").fill("tamu@example.com");
    await page.getByLabel("Password").fill("kopi tubruk panas sekali");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForURL(/\/callback\?/);
    const callback = new URL(page.url());
    assert.equal(callback.searchParams.get("state"), "toko-state");
    const { res, body } = await postForm(t, "/api/platform/token", {
      ...credentials(project),
      grant_type: "authorization_code",
      code: callback.searchParams.get("code")!,
      redirect_uri: project.redirectUri,
      code_verifier: pkce.verifier,
    });
    assert.equal(res.status, 200, JSON.stringify(body));
    const claims = claimsOf(body.access_token);
    assert.equal(claims.sub, guestSub);
    assert.equal(claims.email, "tamu@example.com");
    assert.equal(claims.is_anonymous, undefined);
  } finally {
    await close();
  }
});
