/**
 * Second factors in a real browser (issue 19, Tests), with otpauth computing the codes as an authenticator app
 * would: a required policy makes a new person set up an app (no JavaScript needed), then sign out, sign in with
 * a code, with a recovery code, and step up with acr_values; the amr claim is verified with jose.
 */
import assert from "node:assert/strict";
import * as OTPAuth from "otpauth";
import { createRemoteJWKSet, jwtVerify } from "jose";
import type { Page } from "playwright-core";
import { testApp } from "../helpers/app.ts";
import { disconnectBrowser, openPage, screenshot } from "../helpers/browser.ts";
import { seedProject } from "../helpers/identity.ts";
import { postForm } from "../helpers/token_client.ts";
import { ACR_MFA } from "@/lib/login/factors/policy.ts";

const t = await testApp({ listen: true });
// The app the person returns to: it shows what arrived.
const app = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
  const url = new URL(req.url);
  return new Response(`<h1 id="arrived">code ${url.searchParams.get("code") ? "received" : "missing"}</h1>`, {
    headers: { "content-type": "text/html" },
  });
});
const redirectUri = `http://127.0.0.1:${app.addr.port}/callback`;
const strict = await seedProject(t.db.sql, {
  name: "Toko Aman",
  redirectUri,
  settings: { mfa: { policy: "required" } },
});
const relaxed = await seedProject(t.db.sql, { name: "Toko Santai", redirectUri });

Deno.test.afterAll(async () => {
  await disconnectBrowser();
  await app.shutdown();
  await t.close();
});

const loginUrl = (project: typeof strict, params: Record<string, string> = {}) =>
  `${t.origin}/auth/login?${new URLSearchParams({
    client_id: project.clientId,
    redirect_uri: project.redirectUri,
    state: "s",
    ...params,
  })}`;

const appCode = (key: string, steps = 0) =>
  new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(key.replace(/\s+/g, "")) })
    .generate({ timestamp: Date.now() + steps * 30_000 });

/** Redeems the code the app received and verifies the access token with jose; returns its amr. */
async function amrAtApp(page: Page, project: typeof strict): Promise<unknown> {
  await page.waitForURL(/\/callback\?/);
  assert.equal(await page.locator("#arrived").innerText(), "code received");
  const code = new URL(page.url()).searchParams.get("code")!;
  const { res, body } = await postForm(t, "/api/platform/token", {
    grant_type: "authorization_code",
    code,
    redirect_uri: project.redirectUri,
    client_id: project.clientId,
    client_secret: project.secret,
  });
  assert.equal(res.status, 200, JSON.stringify(body));
  const jwks = createRemoteJWKSet(new URL(`${t.origin}/.well-known/jwks.json`));
  const { payload } = await jwtVerify(body.access_token, jwks, {
    issuer: t.origin,
    audience: project.clientId,
    algorithms: ["RS256"],
    typ: "at+jwt",
  });
  return payload.amr;
}

async function signInWithPassword(page: Page, project: typeof strict, email: string, params = {}) {
  await page.goto(loginUrl(project, params));
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("kopi tubruk panas");
  await page.getByRole("button", { name: "Sign in" }).click();
}

let key = "";
let recoveryCodes: string[] = [];

Deno.test("mfa e2e — policy required: sign-up sets up an authenticator app without JavaScript", async () => {
  const { page, close } = await openPage({ javaScriptEnabled: false });
  try {
    await page.goto(loginUrl(strict));
    await page.getByRole("link", { name: "Create an account" }).click();
    await page.waitForURL(/\/auth\/signup/); // the sign-up form, not the sign-in one still shown
    await page.getByLabel("Email").fill("ani@example.com");
    await page.getByLabel("Password").fill("kopi tubruk panas");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByRole("heading", { name: "Set up two-step verification" }).waitFor();
    assert.ok(await page.getByRole("img", { name: /QR code/ }).isVisible());
    await screenshot(page, "mfa-enrol-en");
    key = await page.locator(".totp-key").innerText();
    const field = page.getByLabel("Authentication code");
    assert.equal(await field.getAttribute("autocomplete"), "one-time-code");
    assert.equal(await field.getAttribute("inputmode"), "numeric");
    await field.fill(appCode(key));
    await page.getByRole("button", { name: "Turn on" }).click();
    await page.getByRole("heading", { name: "Save your recovery codes" }).waitFor();
    recoveryCodes = await page.locator(".recovery-codes code").allInnerTexts();
    assert.equal(recoveryCodes.length, 10);
    await page.getByRole("link", { name: /I have saved them/ }).click();
    assert.deepEqual(await amrAtApp(page, strict), ["mfa", "otp", "pwd"]);
  } finally {
    await close();
  }
});

Deno.test("mfa e2e — after signing out, sign in with the app's code; then with a recovery code", async () => {
  assert.ok(key, "the enrolment test ran first");
  // A fresh browser is a signed-out one.
  const first = await openPage();
  try {
    await signInWithPassword(first.page, strict, "ani@example.com");
    await first.page.getByRole("heading", { name: "Two-step verification" }).waitFor();
    await first.page.getByLabel("Authentication code").fill(appCode(key, 1));
    await first.page.getByRole("button", { name: "Verify" }).click();
    assert.deepEqual(await amrAtApp(first.page, strict), ["mfa", "otp", "pwd"]);
  } finally {
    await first.close();
  }
  const second = await openPage({ locale: "id-ID" });
  try {
    await second.page.goto(loginUrl(strict, { lang: "en" }));
    await second.page.getByLabel("Email").fill("ani@example.com");
    await second.page.getByLabel("Password").fill("kopi tubruk panas");
    await second.page.getByRole("button", { name: "Sign in" }).click();
    await second.page.getByRole("link", { name: "Use a recovery code instead" }).click();
    await second.page.getByLabel("Recovery code").fill(recoveryCodes[0]);
    await second.page.getByRole("button", { name: "Verify" }).click();
    assert.deepEqual(await amrAtApp(second.page, strict), ["mfa", "otp", "pwd"]);
  } finally {
    await second.close();
  }
});

Deno.test("mfa e2e — step-up: acr_values makes a signed-in person set up and present a factor", async () => {
  const { page, close } = await openPage();
  try {
    await page.goto(loginUrl(relaxed));
    await page.getByRole("link", { name: "Create an account" }).click();
    await page.waitForURL(/\/auth\/signup/); // the sign-up form, not the sign-in one still shown
    await page.getByLabel("Email").fill("budi@example.com");
    await page.getByLabel("Password").fill("kopi tubruk panas");
    await page.getByRole("button", { name: "Create account" }).click();
    assert.deepEqual(await amrAtApp(page, relaxed), ["pwd"], "optional policy, no factor: no question");
    await page.goto(loginUrl(relaxed, { acr_values: ACR_MFA }));
    await page.getByRole("heading", { name: "Set up two-step verification" }).waitFor();
    const relaxedKey = await page.locator(".totp-key").innerText();
    await page.getByLabel("Authentication code").fill(appCode(relaxedKey));
    await page.getByRole("button", { name: "Turn on" }).click();
    await page.getByRole("link", { name: /I have saved them/ }).click();
    assert.deepEqual(await amrAtApp(page, relaxed), ["mfa", "otp", "pwd"]);
  } finally {
    await close();
  }
});
