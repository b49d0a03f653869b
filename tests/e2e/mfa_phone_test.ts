/**
 * A phone as the second factor in a real browser against the local WhatsApp Cloud API (issue 27, Tests: "add a
 * phone as second factor"): a person adds and confirms a number on /account, turns on two-step verification by
 * phone, and the next sign-in asks for the code WhatsApp brought before the app gets its code; the ID token's
 * amr says otp and mfa. Tokens are verified with jose.
 */
import assert from "node:assert/strict";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { testApp } from "../helpers/app.ts";
import { disconnectBrowser, openPage, screenshot } from "../helpers/browser.ts";
import { seedProject } from "../helpers/identity.ts";
import { seedPasswordUser } from "../helpers/dynamic_clients.ts";
import { postForm } from "../helpers/token_client.ts";
import { startFakeWhatsApp } from "../fakes/whatsapp.ts";

const whatsapp = startFakeWhatsApp();
const t = await testApp({
  listen: true,
  env: {
    WHATSAPP_ACCESS_TOKEN: whatsapp.accessToken,
    WHATSAPP_PHONE_NUMBER_ID: whatsapp.phoneNumberId,
    WHATSAPP_API_URL: whatsapp.apiUrl,
  },
});
const app = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
  const url = new URL(req.url);
  return new Response(`<h1 id="arrived">code ${url.searchParams.get("code") ? "received" : "missing"}</h1>`, {
    headers: { "content-type": "text/html" },
  });
});
const redirectUri = `http://127.0.0.1:${app.addr.port}/callback`;
const project = await seedProject(t.db.sql, {
  name: "Warung Dua Langkah",
  redirectUri,
  settings: { phone: { enabled: true }, mfa: { policy: "optional", phone: true } },
});
await t.db.sql`update astapa.projects set mode = 'production' where id = ${project.id}`;

Deno.test.afterAll(async () => {
  await disconnectBrowser();
  await app.shutdown();
  await t.close();
  await whatsapp.close();
});

// A project that requires a second step: people without one set it up at their next sign-in.
const strict = await seedProject(t.db.sql, {
  name: "Warung Wajib",
  redirectUri,
  settings: { mfa: { policy: "required", phone: true } },
});
await t.db.sql`update astapa.projects set mode = 'production' where id = ${strict.id}`;

const loginUrl = `${t.origin}/auth/login?${new URLSearchParams({
  client_id: project.clientId,
  redirect_uri: redirectUri,
  state: "s",
  scope: "openid",
  lang: "en",
})}`;

Deno.test("mfa phone e2e — add a number on /account, turn on two-step verification by phone, sign in with its code", async () => {
  await seedPasswordUser(t.db.sql, project.id, "sari@example.com", "kopi susu gula aren");
  const { page, close } = await openPage();
  try {
    await page.goto(`${t.origin}/account?client_id=${project.clientId}&lang=en`);
    await page.getByLabel("Email").fill("sari@example.com");
    await page.getByLabel("Password", { exact: true }).fill("kopi susu gula aren");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Your account", exact: true }).waitFor();
    await page.getByLabel("New phone number").fill("0812 4444 5555");
    await page.getByRole("button", { name: "Add number — WhatsApp" }).click();
    await page.getByRole("heading", { name: "Confirm your phone number" }).waitFor();
    await page.getByLabel("6-digit code").fill(whatsapp.inbox.at(-1)!.code);
    await page.getByRole("button", { name: "Continue", exact: true }).click();
    await page.getByRole("status").filter({ hasText: "Your phone number is saved" }).waitFor();
    await page.getByRole("button", { name: "Use this number for two-step verification" }).click();
    await page.getByRole("status").filter({ hasText: "This number is now a second step" }).waitFor();
    await screenshot(page, "account-phone-factor-en");
  } finally {
    await close();
  }

  const { page: next, close: closeNext } = await openPage();
  try {
    await next.goto(loginUrl);
    await next.getByLabel("Email").fill("sari@example.com");
    await next.getByLabel("Password", { exact: true }).fill("kopi susu gula aren");
    await next.getByRole("button", { name: "Sign in" }).click();
    await next.getByRole("heading", { name: "Two-step verification" }).waitFor();
    assert.match(await next.locator("main").innerText(), /\+62 •••• 5555/);
    await next.getByRole("button", { name: "Send code by WhatsApp" }).click();
    await next.getByRole("status").filter({ hasText: "We sent a code by WhatsApp" }).waitFor();
    const field = next.getByLabel("Authentication code");
    assert.equal(await field.getAttribute("autocomplete"), "one-time-code");
    await field.fill(whatsapp.inbox.at(-1)!.code);
    await screenshot(next, "mfa-phone-code-en");
    await next.getByRole("button", { name: "Verify" }).click();
    await next.waitForURL(/\/callback\?/);
    assert.equal(await next.locator("#arrived").innerText(), "code received");
    const { res, body } = await postForm(t, "/api/platform/token", {
      grant_type: "authorization_code",
      code: new URL(next.url()).searchParams.get("code")!,
      redirect_uri: redirectUri,
      client_id: project.clientId,
      client_secret: project.secret,
    });
    assert.equal(res.status, 200, JSON.stringify(body));
    const { payload } = await jwtVerify(
      body.id_token,
      createRemoteJWKSet(new URL(`${t.origin}/.well-known/jwks.json`)),
      {
        issuer: t.origin,
        audience: project.clientId,
        algorithms: ["RS256"],
      },
    );
    assert.deepEqual(payload.amr, ["mfa", "otp", "pwd"]);
    assert.equal(payload.phone_number, "+6281244445555");
  } finally {
    await closeNext();
  }
});

Deno.test("mfa phone e2e — required policy, no number yet, no JavaScript: type a number at the second step, its WhatsApp code signs in and makes it the second factor", async () => {
  await seedPasswordUser(t.db.sql, strict.id, "joko@example.com", "teh manis hangat");
  const { page, close } = await openPage({ javaScriptEnabled: false });
  try {
    await page.goto(`${t.origin}/auth/login?${new URLSearchParams({
      client_id: strict.clientId,
      redirect_uri: redirectUri,
      state: "s",
      // OIDC Core §5.4: the standard scope an app asks for the phone_number claims with.
      scope: "openid phone",
      lang: "en",
    })}`);
    await page.getByLabel("Email").fill("joko@example.com");
    await page.getByLabel("Password", { exact: true }).fill("teh manis hangat");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("link", { name: "Or get codes on your phone by WhatsApp or SMS." }).click();
    const number = page.getByLabel("Phone number");
    assert.equal(await number.getAttribute("autocomplete"), "tel");
    await number.fill("0812 6666 7777");
    await screenshot(page, "mfa-phone-add-en");
    await page.getByRole("button", { name: "Send code by WhatsApp" }).click();
    await page.getByRole("status").filter({ hasText: "We sent a code by WhatsApp to +62 •••• 7777" })
      .waitFor();
    const field = page.getByLabel("Authentication code");
    assert.equal(await field.getAttribute("autocomplete"), "one-time-code");
    const delivery = whatsapp.inbox.findLast((d) => d.to === "+6281266667777");
    assert.ok(delivery, "the fake WhatsApp received the code");
    await field.fill(delivery.code);
    await page.getByRole("button", { name: "Verify" }).click();
    await page.waitForURL(/\/callback\?/);
    const { res, body } = await postForm(t, "/api/platform/token", {
      grant_type: "authorization_code",
      code: new URL(page.url()).searchParams.get("code")!,
      redirect_uri: redirectUri,
      client_id: strict.clientId,
      client_secret: strict.secret,
    });
    assert.equal(res.status, 200, JSON.stringify(body));
    const { payload } = await jwtVerify(
      body.id_token,
      createRemoteJWKSet(new URL(`${t.origin}/.well-known/jwks.json`)),
      { issuer: t.origin, audience: strict.clientId, algorithms: ["RS256"] },
    );
    assert.deepEqual(payload.amr, ["mfa", "otp", "pwd"]);
    assert.equal(payload.phone_number, "+6281266667777");
    assert.equal(payload.phone_number_verified, true);
    const [factor] = await t.db.sql`select f.kind from astapa.user_factors f join astapa.users u
      on u.project_id = f.project_id and u.id = f.user_id where u.email = 'joko@example.com'
      and f.project_id = ${strict.id}`;
    assert.equal(factor.kind, "phone");
  } finally {
    await close();
  }
});
