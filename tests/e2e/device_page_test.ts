/**
 * /device in a real browser with JavaScript off (plain forms): a person types the code from their device, in
 * Indonesian, signs in, sees who asks for what, and allows it; the agent's next poll gets tokens.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { disconnectBrowser, openPage, screenshot } from "../helpers/browser.ts";
import { seedPasswordUser } from "../helpers/dynamic_clients.ts";
import { seedRegistry } from "../helpers/machine_clients.ts";
import { seedProject } from "../helpers/oauth.ts";
import { postForm } from "../helpers/token_client.ts";

const t = await testApp({ listen: true });
Deno.test.afterAll(async () => {
  await disconnectBrowser();
  await t.close();
});
const NOTES = "https://notes.example/mcp";
const project = await seedProject(t.db.sql, { name: "Catatan", settings: { dynamic_clients: true } });
await seedRegistry(t.db.sql, project.id, { resources: [NOTES], scopes: ["notes:read"] });
await seedPasswordUser(t.db.sql, project.id, "sari@example.com", "kopi tubruk panas sekali");

Deno.test("device page — without JavaScript, in Indonesian: code, sign-in, consent naming client and resource", async () => {
  const reg = await t.app.request("/api/platform/register", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      client_name: "Agen Terminal",
      redirect_uris: ["http://127.0.0.1:8976/callback"],
      token_endpoint_auth_method: "none",
      grant_types: ["authorization_code", "urn:ietf:params:oauth:grant-type:device_code"],
    }),
  });
  const clientId = (await reg.json()).client_id as string;
  const started = await postForm(t, "/api/platform/device_authorization", {
    client_id: clientId,
    resource: NOTES,
    scope: "notes:read",
  });
  assert.equal(started.res.status, 200, JSON.stringify(started.body));

  const { page, close } = await openPage({ javaScriptEnabled: false, locale: "id-ID" });
  try {
    await page.goto(`${t.origin}/device`);
    await page.getByRole("textbox", { name: "Kode" }).fill(started.body.user_code.toLowerCase());
    await screenshot(page, "device-code-id");
    await page.getByRole("button", { name: "Lanjutkan" }).click();
    await page.getByLabel("Email", { exact: true }).fill("sari@example.com");
    await page.getByLabel("Kata sandi", { exact: true }).fill("kopi tubruk panas sekali");
    await page.getByRole("button", { name: "Masuk" }).click();
    // Signed in on the hosted login, back on /device with the code filled in: the person confirms it.
    await page.waitForURL(/\/device\?user_code=/);
    assert.equal(await page.getByRole("textbox", { name: "Kode" }).inputValue(), started.body.user_code);
    await page.getByRole("button", { name: "Lanjutkan" }).click();
    const note = await page.getByRole("note").innerText();
    assert.match(note, /“Agen Terminal” ingin mengakses/);
    assert.match(note, /notes\.example/);
    assert.match(note, /notes:read/);
    await screenshot(page, "device-consent-id");
    await page.getByRole("button", { name: "Izinkan" }).click();
    await page.getByRole("heading", { name: "Perangkat terhubung" }).waitFor();
  } finally {
    await close();
  }
  const tokens = await postForm(t, "/api/platform/token", {
    grant_type: "urn:ietf:params:oauth:grant-type:device_code",
    device_code: started.body.device_code,
    client_id: clientId,
    resource: NOTES,
  });
  assert.equal(tokens.res.status, 200, JSON.stringify(tokens.body));
});
