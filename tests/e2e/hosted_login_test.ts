/** The hosted login in a real browser: with JavaScript (the strength hint) and without it (plain forms). */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { disconnectBrowser, openPage, screenshot } from "../helpers/browser.ts";
import { seedProject } from "../helpers/identity.ts";

const t = await testApp({ listen: true });
// The app the person returns to: it just shows what arrived.
const app = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
  const url = new URL(req.url);
  return new Response(`<h1 id="arrived">code ${url.searchParams.get("code") ? "received" : "missing"}</h1>`, {
    headers: { "content-type": "text/html" },
  });
});
const project = await seedProject(t.db.sql, {
  name: "Toko Kopi",
  redirectUri: `http://127.0.0.1:${app.addr.port}/callback`,
});
const loginUrl = (params: Record<string, string> = {}) =>
  `${t.origin}/auth/login?${new URLSearchParams({
    client_id: project.clientId,
    redirect_uri: project.redirectUri,
    state: "s",
    ...params,
  })}`;

Deno.test.afterAll(async () => {
  await disconnectBrowser();
  await app.shutdown();
  await t.close();
});

Deno.test("hosted login — with JavaScript: the strength hint follows typing; sign-up lands at the app", async () => {
  const { page, problems, close } = await openPage();
  try {
    await page.goto(loginUrl({ lang: "id" }));
    await screenshot(page, "login-id");
    await page.getByRole("link", { name: "Buat akun" }).click();
    await page.locator('[data-island="PasswordStrength"][data-hydrated="true"]').waitFor();
    await page.getByLabel("Kata sandi").fill("pendek");
    await page.getByText("Terlalu pendek").waitFor();
    await page.getByLabel("Kata sandi").fill("kopi tubruk panas sekali");
    await page.getByText("Kuat").waitFor();
    await page.getByLabel("Email").fill("js@example.com");
    await screenshot(page, "signup-id");
    await page.getByRole("button", { name: "Buat akun" }).click();
    await page.waitForURL(/\/callback\?/);
    assert.equal(await page.locator("#arrived").innerText(), "code received");
    assert.deepEqual(problems.filter((p) => !/status of 404/.test(p)), []);
  } finally {
    await close();
  }
});

Deno.test("hosted login — with JavaScript off, sign-up and sign-in still work (plain forms, 303)", async () => {
  const { page, close } = await openPage({ javaScriptEnabled: false });
  try {
    await page.goto(loginUrl());
    await screenshot(page, "login-en-nojs");
    await page.getByRole("link", { name: "Create an account" }).click();
    await page.waitForURL(/\/auth\/signup/); // the sign-up form, not the sign-in one still shown
    await page.getByLabel("Email").fill("nojs@example.com");
    await page.getByLabel("Password").fill("no scripts needed here");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForURL(/\/callback\?/);

    await page.goto(loginUrl({ prompt: "login" }));
    await page.getByLabel("Email").fill("nojs@example.com");
    await page.getByLabel("Password").fill("wrong password");
    await page.getByRole("button", { name: "Sign in" }).click();
    assert.match(await page.getByRole("alert").innerText(), /do not match/);
    await screenshot(page, "login-en-error");
    await page.getByLabel("Password").fill("no scripts needed here");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/\/callback\?/);
    assert.equal(await page.locator("#arrived").innerText(), "code received");
  } finally {
    await close();
  }
});

Deno.test("hosted login — the sign-up page loads at most 15 KB of JavaScript, gzipped", async () => {
  const { page, close } = await openPage();
  const scripts: Promise<Uint8Array>[] = [];
  page.on("response", (response) => {
    if (response.request().resourceType() === "script") scripts.push(response.body());
  });
  try {
    await page.goto(loginUrl().replace("/auth/login", "/auth/signup"));
    await page.locator('[data-island="PasswordStrength"][data-hydrated="true"]').waitFor();
    const gzipped = await Promise.all(scripts.map(async (pending) => {
      const body = new Uint8Array(await pending);
      const stream = new Blob([body]).stream().pipeThrough(
        new CompressionStream("gzip"),
      );
      return (await new Response(stream).arrayBuffer()).byteLength;
    }));
    const total = gzipped.reduce((sum, n) => sum + n, 0);
    assert.ok(scripts.length >= 2, "the loader and the island were fetched");
    assert.ok(total <= 15 * 1024, `${total} bytes of gzipped JavaScript`);
  } finally {
    await close();
  }
});
