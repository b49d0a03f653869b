/**
 * A person in Chromium clicks "Continue with Google" (or Microsoft) on the hosted login, the fake provider
 * approves, and they land back at the app signed in: the app's backend redeems the code and reads the email
 * from the token.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { disconnectBrowser, openPage } from "../helpers/browser.ts";
import { seedProject } from "../helpers/identity.ts";
import { claimsOf } from "../helpers/token_client.ts";
import { startFakeGoogle } from "../fakes/google.ts";
import { startFakeGitHub } from "../fakes/github.ts";
import { MSA_TENANT, startFakeMicrosoft } from "../fakes/microsoft.ts";

const google = await startFakeGoogle();
const github = startFakeGitHub();
const microsoft = await startFakeMicrosoft();

// The developer's app: its callback redeems the code at Astapa's token endpoint and greets the person.
const appServer = Deno.serve(
  { hostname: "127.0.0.1", port: 0, onListen: () => {} },
  async (req): Promise<Response> => {
    const url = new URL(req.url);
    const error = url.searchParams.get("error");
    if (error) return new Response(`<h1>App got ${error}</h1>`, { headers: { "content-type": "text/html" } });
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

const t = await testApp({
  listen: true,
  env: {
    GOOGLE_CLIENT_ID: google.clientId,
    GOOGLE_CLIENT_SECRET: google.clientSecret,
    GOOGLE_ISSUER: google.issuer,
    GITHUB_CLIENT_ID: github.clientId,
    GITHUB_CLIENT_SECRET: github.clientSecret,
    GITHUB_BASE_URL: github.origin,
    GITHUB_API_URL: github.origin,
    MICROSOFT_CLIENT_ID: microsoft.clientId,
    MICROSOFT_CLIENT_SECRET: microsoft.clientSecret,
    MICROSOFT_AUTHORITY: microsoft.authority,
  },
});
const project = await seedProject(t.db.sql, { name: "Toko Batik", redirectUri: `${appOrigin}/callback` });
Deno.test.afterAll(async () => {
  await disconnectBrowser();
  await t.close();
  await appServer.shutdown();
  await google.close();
  await github.close();
  await microsoft.close();
});

const authorizeUrl = (lang = "en") =>
  `${t.origin}/auth/login?${new URLSearchParams({
    client_id: project.clientId,
    redirect_uri: `${appOrigin}/callback`,
    state: "xyz",
    lang,
  })}`;

Deno.test("e2e social — Continue with Google lands back at the app signed in", async () => {
  google.approveAs = { sub: "g-e2e", email: "putri@gmail.test", email_verified: true };
  const { page, problems, close } = await openPage();
  try {
    await page.goto(authorizeUrl());
    await page.getByRole("link", { name: "Continue with Google" }).click();
    await page.waitForURL(`${appOrigin}/callback?**`);
    assert.equal(await page.getByRole("heading", { level: 1 }).innerText(), "Signed in as putri@gmail.test");
    assert.equal(new URL(page.url()).searchParams.get("state"), "xyz");
    // The hosted-login session now lets the person straight through next time.
    await page.goto(authorizeUrl());
    await page.waitForURL(`${appOrigin}/callback?**`);
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});

Deno.test("e2e social — Continue with GitHub in Bahasa Indonesia, denied, shows a readable page", async () => {
  github.deny = "access_denied";
  const { page, close } = await openPage();
  try {
    await page.goto(authorizeUrl("id"));
    await page.getByRole("link", { name: "Lanjutkan dengan GitHub" }).click();
    await page.getByRole("heading", { name: "Proses masuk tidak selesai" }).waitFor();
    assert.match(await page.getByRole("alert").innerText(), /Anda membatalkan proses masuk/);
    await page.getByRole("link", { name: "Kembali ke halaman masuk" }).click();
    await page.getByRole("heading", { name: "Masuk" }).waitFor();
  } finally {
    github.deny = undefined;
    await close();
  }
});

Deno.test("e2e social — Continue with Microsoft, its logo beside the words, lands back at the app signed in", async () => {
  microsoft.approveAs = { sub: "AAAAe2e-wulan", tid: MSA_TENANT, email: "wulan@outlook.test" };
  const { page, problems, close } = await openPage();
  try {
    await page.goto(authorizeUrl());
    const button = page.getByRole("link", { name: "Continue with Microsoft" });
    assert.equal(await button.locator("svg rect").count(), 4);
    await button.click();
    await page.waitForURL(`${appOrigin}/callback?**`);
    assert.equal(
      await page.getByRole("heading", { level: 1 }).innerText(),
      "Signed in as wulan@outlook.test",
    );
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});
