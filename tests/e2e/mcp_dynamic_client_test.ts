/**
 * A self-registered (RFC 7591) client in a real browser: the sign-in page says who asks and for what, marked
 * unverified; signing in allows it those scopes (remembered, not asked again); a scope not yet allowed brings the
 * allow-or-deny page, and either answer reaches the client.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { disconnectBrowser, openPage, screenshot } from "../helpers/browser.ts";
import { seedProject } from "../helpers/identity.ts";
import { seedRegistry } from "../helpers/machine_clients.ts";
import { seedPasswordUser } from "../helpers/dynamic_clients.ts";
import { pkcePair } from "../helpers/oauth.ts";

const t = await testApp({ listen: true });
// The agent's loopback callback: it shows what arrived.
const agent = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
  const url = new URL(req.url);
  const arrived = url.searchParams.get("code") ? "code received" : `error ${url.searchParams.get("error")}`;
  return new Response(`<h1 id="arrived">${arrived}</h1>`, { headers: { "content-type": "text/html" } });
});
const REDIRECT = `http://127.0.0.1:${agent.addr.port}/callback`;
const RESOURCE = "https://notes.example/mcp";
Deno.test.afterAll(async () => {
  await disconnectBrowser();
  await agent.shutdown();
  await t.close();
});

const project = await seedProject(t.db.sql, { name: "Catatan", settings: { dynamic_clients: true } });
await seedRegistry(t.db.sql, project.id, {
  resources: [RESOURCE],
  scopes: ["notes:read", "notes:write", "notes:delete"],
});
await seedPasswordUser(t.db.sql, project.id, "ayu@example.com", "correct horse battery");

const registered = await (await fetch(`${t.origin}/api/platform/register`, {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({
    client_name: "Notes Agent",
    redirect_uris: [REDIRECT],
    token_endpoint_auth_method: "none",
  }),
})).json();

async function authorizeUrl(scope = "notes:read"): Promise<string> {
  const { challenge } = await pkcePair();
  return `${t.origin}/auth/login?${new URLSearchParams({
    response_type: "code",
    client_id: registered.client_id,
    redirect_uri: REDIRECT,
    state: "s",
    scope,
    resource: RESOURCE,
    code_challenge: challenge,
    code_challenge_method: "S256",
  })}`;
}

Deno.test("MCP dynamic client — sign-in names the unverified client; a new scope asks the signed-in person to allow or deny", async () => {
  const { page, problems, close } = await openPage();
  try {
    await page.goto(await authorizeUrl());
    const notice = page.getByRole("note");
    assert.match(await notice.innerText(), /“Notes Agent” wants to access https:\/\/notes\.example\/mcp/);
    assert.match(await notice.innerText(), /not checked by the project/);
    await screenshot(page, "mcp-dynamic-client-sign-in");
    await page.getByLabel("Email").fill("ayu@example.com");
    await page.getByLabel("Password").fill("correct horse battery");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/\/callback\?/);
    assert.equal(await page.locator("#arrived").innerText(), "code received");

    // Allowed by signing in: the same request goes straight back with a code.
    await page.goto(await authorizeUrl());
    await page.waitForURL(/\/callback\?/);
    assert.equal(await page.locator("#arrived").innerText(), "code received");

    await page.goto(await authorizeUrl("notes:read notes:write"));
    await page.getByRole("heading", { name: "Allow access" }).waitFor();
    assert.match(await page.getByRole("note").innerText(), /Notes Agent/);
    await screenshot(page, "mcp-dynamic-client-consent");
    await page.getByRole("button", { name: "Allow" }).click();
    await page.waitForURL(/\/callback\?/);
    assert.equal(await page.locator("#arrived").innerText(), "code received");

    await page.goto(await authorizeUrl("notes:read notes:delete"));
    await page.getByRole("button", { name: "Deny" }).click();
    await page.waitForURL(/\/callback\?/);
    assert.equal(await page.locator("#arrived").innerText(), "error access_denied");
    assert.deepEqual(problems.filter((p) => !/status of 404/.test(p)), []);
  } finally {
    await close();
  }
});
