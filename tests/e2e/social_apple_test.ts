/**
 * Sign in with Apple in Chromium: the person clicks "Continue with Apple" on the hosted login (Astapa on
 * localhost), the local Apple (on 127.0.0.1: another site) answers with its auto-submitting form_post page, and
 * the browser's cross-site POST carries the SameSite=None flow cookie back, so they land at the app signed in.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { disconnectBrowser, openPage } from "../helpers/browser.ts";
import { seedProject } from "../helpers/identity.ts";
import { claimsOf } from "../helpers/token_client.ts";
import { appleEnv } from "../helpers/apple.ts";
import { startFakeApple } from "../fakes/apple.ts";

const apple = await startFakeApple();

// The developer's app: its callback redeems the code at Astapa's token endpoint and greets the person.
const appServer = Deno.serve(
  { hostname: "127.0.0.1", port: 0, onListen: () => {} },
  async (req): Promise<Response> => {
    const url = new URL(req.url);
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
    const greeting: string = res.ok
      ? `Signed in as ${claimsOf(body.access_token).email}`
      : `Token error ${body.error}`;
    return new Response(`<!doctype html><h1>${greeting}</h1>`, { headers: { "content-type": "text/html" } });
  },
);
const appOrigin: string = `http://127.0.0.1:${appServer.addr.port}`;

const t = await testApp({ listen: true, localhost: true, env: appleEnv(apple) });
const project = await seedProject(t.db.sql, { name: "Toko Batik", redirectUri: `${appOrigin}/callback` });
Deno.test.afterAll(async () => {
  await disconnectBrowser();
  await t.close();
  await appServer.shutdown();
  await apple.close();
});

Deno.test("e2e apple — Continue with Apple: the cross-site form_post carries the flow cookie back, signed in", async () => {
  apple.approveAs = {
    sub: "001.apple.e2e",
    email: "q8x2@privaterelay.appleid.com",
    email_verified: "true",
    is_private_email: "true",
    name: { firstName: "Putri", lastName: "Ayu" },
  };
  assert.notEqual(new URL(t.origin).hostname, new URL(apple.issuer).hostname, "Apple is another site");
  const { page, close } = await openPage();
  try {
    const query = new URLSearchParams({
      client_id: project.clientId,
      redirect_uri: `${appOrigin}/callback`,
      state: "xyz",
    });
    await page.goto(`${t.origin}/auth/login?${query}`);
    await page.getByRole("link", { name: "Continue with Apple" }).click();
    await page.waitForURL(`${appOrigin}/callback?**`);
    assert.equal(
      await page.getByRole("heading", { level: 1 }).innerText(),
      "Signed in as q8x2@privaterelay.appleid.com",
    );
    assert.equal(new URL(page.url()).searchParams.get("state"), "xyz");
    const left = (await page.context().cookies(t.origin)).map((c) => c.name);
    assert.ok(left.some((name) => name.startsWith("astapa_session_")), left.join());
    assert.equal(left.includes("astapa_social"), false, "the flow cookie is used once and cleared");
  } finally {
    await close();
  }
});
