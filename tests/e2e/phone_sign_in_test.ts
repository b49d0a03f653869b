/**
 * Phone sign-in in a real browser against the local WhatsApp Cloud API and Twilio Verify (issue 27, Tests):
 * sign up by phone with the code read from the fake's inbox, sign in again, fall back to SMS when WhatsApp
 * fails, ask for SMS instead, and the Indonesian pages without JavaScript. Tokens are verified with jose.
 */
import assert from "node:assert/strict";
import { createRemoteJWKSet, jwtVerify } from "jose";
import type { Page } from "playwright-core";
import { testApp } from "../helpers/app.ts";
import { disconnectBrowser, openPage, screenshot } from "../helpers/browser.ts";
import { seedProject } from "../helpers/identity.ts";
import { postForm } from "../helpers/token_client.ts";
import { startFakeWhatsApp } from "../fakes/whatsapp.ts";
import { startFakeTwilio } from "../fakes/twilio.ts";

const whatsapp = startFakeWhatsApp();
const twilio = startFakeTwilio();
const t = await testApp({
  listen: true,
  env: {
    WHATSAPP_ACCESS_TOKEN: whatsapp.accessToken,
    WHATSAPP_PHONE_NUMBER_ID: whatsapp.phoneNumberId,
    WHATSAPP_API_URL: whatsapp.apiUrl,
    TWILIO_ACCOUNT_SID: twilio.accountSid,
    TWILIO_AUTH_TOKEN: twilio.authToken,
    TWILIO_VERIFY_SERVICE_SID: twilio.serviceSid,
    TWILIO_VERIFY_URL: twilio.origin,
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
  name: "Warung Kopi",
  redirectUri,
  settings: { phone: { enabled: true } },
});
// A live project really sends (a sandbox one would put the code in the dashboard's message log).
await t.db.sql`update astapa.projects set mode = 'production' where id = ${project.id}`;

Deno.test.afterAll(async () => {
  await disconnectBrowser();
  await app.shutdown();
  await t.close();
  await whatsapp.close();
  await twilio.close();
});

const loginUrl = (lang = "en") =>
  `${t.origin}/auth/login?${new URLSearchParams({
    client_id: project.clientId,
    redirect_uri: redirectUri,
    state: "s",
    scope: "openid",
    lang,
  })}`;

/** Redeems the app's code; the verified ID token's claims. */
async function idTokenAtApp(page: Page): Promise<Record<string, unknown>> {
  await page.waitForURL(/\/callback\?/);
  assert.equal(await page.locator("#arrived").innerText(), "code received");
  const { res, body } = await postForm(t, "/api/platform/token", {
    grant_type: "authorization_code",
    code: new URL(page.url()).searchParams.get("code")!,
    redirect_uri: redirectUri,
    client_id: project.clientId,
    client_secret: project.secret,
  });
  assert.equal(res.status, 200, JSON.stringify(body));
  const jwks = createRemoteJWKSet(new URL(`${t.origin}/.well-known/jwks.json`));
  const { payload } = await jwtVerify(body.id_token, jwks, {
    issuer: t.origin,
    audience: project.clientId,
    algorithms: ["RS256"],
  });
  // The access token and userinfo carry the same phone claims as the ID token (OIDC Core §5.1).
  const access =
    (await jwtVerify(body.access_token, jwks, { issuer: t.origin, algorithms: ["RS256"] })).payload;
  const info = await (await fetch(`${t.origin}/api/platform/userinfo`, {
    headers: { authorization: `Bearer ${body.access_token}` },
  })).json();
  for (const claims of [access, info]) {
    assert.equal(claims.phone_number, payload.phone_number);
    assert.equal(claims.phone_number_verified, payload.phone_number_verified);
  }
  return payload;
}

async function enterNumber(page: Page, typed: string, button = "Send code by WhatsApp") {
  await page.goto(loginUrl());
  await page.getByRole("link", { name: "Continue with phone" }).click();
  const field = page.getByLabel("Phone number");
  assert.equal(await field.getAttribute("autocomplete"), "tel");
  await field.fill(typed);
  await page.getByRole("button", { name: button }).click();
  await page.getByRole("heading", { name: "Enter the code" }).waitFor();
}

async function enterCode(page: Page, code: string) {
  const field = page.getByLabel("6-digit code");
  assert.equal(await field.getAttribute("autocomplete"), "one-time-code");
  await field.fill(code);
  await page.getByRole("button", { name: "Continue", exact: true }).click();
}

Deno.test("phone e2e — sign up by WhatsApp code, then sign in again with the same number", async () => {
  const { page, close } = await openPage();
  try {
    await enterNumber(page, "0812 3456 7890");
    assert.match(await page.getByRole("status").innerText(), /WhatsApp to \+62 •••• 7890/);
    await screenshot(page, "phone-code-en");
    const delivered = whatsapp.inbox.at(-1)!;
    assert.equal(delivered.to, "+6281234567890");
    assert.equal(delivered.language, "en_US");
    await enterCode(page, "000000" === delivered.code ? "111111" : "000000");
    assert.match(await page.getByRole("alert").innerText(), /did not work\. 4 tries left/);
    await enterCode(page, delivered.code);
    const claims = await idTokenAtApp(page);
    assert.equal(claims.phone_number, "+6281234567890");
    assert.equal(claims.phone_number_verified, true);
    assert.equal(claims.email, undefined);
    assert.deepEqual(claims.amr, ["otp"]);
    const sub = claims.sub;

    const again = await openPage();
    try {
      await enterNumber(again.page, "+62 812-3456-7890");
      await enterCode(again.page, whatsapp.inbox.at(-1)!.code);
      assert.equal((await idTokenAtApp(again.page)).sub, sub);
    } finally {
      await again.close();
    }
  } finally {
    await close();
  }
});

Deno.test("phone e2e — WhatsApp fails: the code comes by SMS instead, and the page says so", async () => {
  whatsapp.failWith = { code: 131026, message: "Message undeliverable" };
  const { page, close } = await openPage();
  try {
    await enterNumber(page, "6281311112222");
    assert.match(await page.getByRole("status").innerText(), /WhatsApp could not deliver it.*SMS/);
    const sms = twilio.inbox.at(-1)!;
    assert.deepEqual({ to: sms.to, channel: sms.channel }, { to: "+6281311112222", channel: "sms" });
    await enterCode(page, sms.code);
    const claims = await idTokenAtApp(page);
    assert.equal(claims.phone_number, "+6281311112222");
    assert.deepEqual(claims.amr, ["sms"]);
  } finally {
    whatsapp.failWith = undefined;
    await close();
  }
});

Deno.test("phone e2e — Indonesian, no JavaScript: ask for SMS on the code page; the WhatsApp code stops working", async () => {
  const { page, close } = await openPage({ javaScriptEnabled: false });
  try {
    await page.goto(loginUrl("id"));
    await page.getByRole("link", { name: "Lanjutkan dengan nomor HP" }).click();
    await page.getByRole("textbox", { name: "Nomor HP" }).fill("0813 2222 3333");
    await page.getByRole("button", { name: "Kirim kode lewat WhatsApp" }).click();
    await page.getByRole("heading", { name: "Masukkan kode" }).waitFor();
    const first = whatsapp.inbox.at(-1)!;
    assert.equal(first.language, "id");
    await page.getByRole("button", { name: "Kirim kode lewat SMS saja" }).click();
    assert.match(await page.getByRole("status").innerText(), /lewat SMS ke \+62 •••• 3333/);
    await screenshot(page, "phone-code-id");
    const sms = twilio.inbox.at(-1)!;
    assert.equal(sms.locale, "id");
    await page.getByLabel("Kode 6 angka").fill(first.code === sms.code ? "999999" : first.code);
    await page.getByRole("button", { name: "Lanjutkan", exact: true }).click();
    assert.match(await page.getByRole("alert").innerText(), /Kode itu salah/);
    await page.getByLabel("Kode 6 angka").fill(sms.code);
    await page.getByRole("button", { name: "Lanjutkan", exact: true }).click();
    await page.waitForURL(/\/callback\?/);
  } finally {
    await close();
  }
});

Deno.test("phone e2e — a premium-rate number and a foreign one get a readable message, nothing is sent", async () => {
  const sent = whatsapp.inbox.length + twilio.inbox.length;
  const { page, close } = await openPage();
  try {
    await page.goto(loginUrl());
    await page.getByRole("link", { name: "Continue with phone" }).click();
    await page.getByLabel("Phone number").fill("0809 1234567");
    await page.getByRole("button", { name: "Send code by WhatsApp" }).click();
    assert.match(await page.getByRole("alert").innerText(), /cannot receive codes/);
    await page.getByLabel("Phone number").fill("+65 8123 4567");
    await page.getByRole("button", { name: "Send code by WhatsApp" }).click();
    assert.match(await page.getByRole("alert").innerText(), /this country cannot be used/);
    assert.equal(whatsapp.inbox.length + twilio.inbox.length, sent);
  } finally {
    await close();
  }
});
