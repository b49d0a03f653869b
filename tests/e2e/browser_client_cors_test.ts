/** A web page on another origin registers itself and calls the token endpoint, as a browser MCP client does. */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { disconnectBrowser, openPage } from "../helpers/browser.ts";

const t = await testApp({ listen: true });
// The client's own origin: another port, so every call to Astapa is cross-origin.
const clientSite = Deno.serve(
  { hostname: "127.0.0.1", port: 0, onListen: () => {} },
  () =>
    new Response("<!doctype html><title>Browser agent</title>", { headers: { "content-type": "text/html" } }),
);
Deno.test.afterAll(async () => {
  await disconnectBrowser();
  await clientSite.shutdown();
  await t.close();
});

Deno.test("browser client — cross-origin registration, then the token endpoint's error is readable to the page", async () => {
  const { page, close } = await openPage();
  try {
    await page.goto(`http://127.0.0.1:${clientSite.addr.port}/`);
    const outcome = await page.evaluate(async (astapa) => {
      const registered = await fetch(`${astapa}/api/platform/register`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          client_name: "Browser agent",
          redirect_uris: [`${location.origin}/callback`],
          token_endpoint_auth_method: "none",
        }),
      });
      const client = await registered.json();
      const token = await fetch(`${astapa}/api/platform/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          grant_type: "authorization_code",
          client_id: client.client_id,
          code: "x",
        }),
      });
      return {
        registered: registered.status,
        clientId: client.client_id,
        token: token.status,
        error: await token.json(),
      };
    }, t.origin);
    assert.equal(outcome.registered, 201);
    assert.match(outcome.clientId, /^dcl_/);
    assert.equal(outcome.token, 400, "the page reads the answer: CORS let it through");
    assert.equal(typeof outcome.error.error, "string");
  } finally {
    await close();
  }
});
