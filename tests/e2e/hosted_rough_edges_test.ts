/**
 * Issue 29, items 3-6, in Chromium in both languages: the signed-out and confirmed pages (app name, sign in
 * again, language switch), "send the link again" (says so, and when the next may go), the sign-up notice
 * standing alone, a used reset link saying so at once, focus after a failed submit, the show-password toggle
 * (and the plain field without JavaScript), and the lockout saying how long to wait.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { disconnectBrowser, openPage, screenshot } from "../helpers/browser.ts";
import { seedProject } from "../helpers/identity.ts";

const t = await testApp({ listen: true });
const project = await seedProject(t.db.sql, {
  name: "Toko Batik",
  redirectUri: "https://batik.example/callback",
  settings: { require_verified_email: true },
});
const query = (params: Record<string, string> = {}) =>
  new URLSearchParams({
    client_id: project.clientId,
    redirect_uri: project.redirectUri,
    state: "s",
    ...params,
  });

Deno.test.afterAll(async () => {
  await disconnectBrowser();
  await t.close();
});

const TEXT = {
  en: {
    signUp: "Create account",
    password: "Password",
    show: "Show password",
    hide: "Hide password",
    resend: "Send the link again",
    resent: /We sent a new link\. .* ask for another in 60 seconds\./,
    signIn: "Sign in",
    signedOut: "You are signed out.",
    signInAgain: "Sign in again",
    other: "Bahasa Indonesia",
    otherSignedOut: "Anda sudah keluar.",
    expired: /This link is unknown, already used or expired/,
    newLink: "Send me a new link",
  },
  id: {
    signUp: "Buat akun",
    password: "Kata sandi",
    show: "Tampilkan kata sandi",
    hide: "Sembunyikan kata sandi",
    resend: "Kirim tautan lagi",
    resent: /Kami sudah mengirim tautan baru\. .* meminta lagi dalam 60 detik\./,
    signIn: "Masuk",
    signedOut: "Anda sudah keluar.",
    signInAgain: "Masuk lagi",
    other: "English",
    otherSignedOut: "You are signed out.",
    expired: /Tautan ini tidak dikenal, sudah dipakai, atau kedaluwarsa/,
    newLink: "Kirim tautan baru",
  },
};

for (const lang of ["en", "id"] as const) {
  const text = TEXT[lang];
  const focused = (page: import("playwright-core").Page) => page.evaluate(() => document.activeElement?.id);

  Deno.test(`hosted pages (${lang}) — sign-up notice alone, resend says when, toggle, focus after failure`, async () => {
    const { page, problems, close } = await openPage({ locale: lang === "id" ? "id-ID" : "en-US" });
    try {
      await page.goto(`${t.origin}/auth/signup?${query()}`);
      await page.locator('[data-island="PasswordToggle"][data-hydrated="true"]').waitFor();
      const password = page.getByLabel(text.password, { exact: true });
      await password.fill("short");
      await page.getByRole("button", { name: text.show }).click();
      assert.equal(await password.getAttribute("type"), "text");
      assert.equal(await page.getByRole("button", { name: text.hide }).getAttribute("aria-pressed"), "true");
      await screenshot(page, `signup-password-shown-${lang}`);
      await page.getByRole("button", { name: text.hide }).click();
      assert.equal(await password.getAttribute("type"), "password");

      // A failed submit: the focus lands on the field at fault.
      await page.getByLabel("Email").fill(`rina-${lang}@example.com`);
      await page.getByRole("button", { name: text.signUp }).click();
      await page.getByRole("alert").waitFor();
      assert.equal(await focused(page), "password");
      await screenshot(page, `signup-weak-password-${lang}`);

      await page.getByLabel(text.password, { exact: true }).fill("a long enough passphrase");
      await page.getByRole("button", { name: text.signUp }).click();
      await page.locator("p.notice").waitFor();
      assert.equal(
        await page.getByLabel(text.password, { exact: true }).count(),
        0,
        "the form is not shown again",
      );
      await page.getByRole("button", { name: text.resend }).click();
      assert.match(await page.locator("p.notice").innerText(), text.resent);
      await screenshot(page, `signup-link-resent-${lang}`);

      // A wrong password: the focus goes to the first invalid field.
      await page.goto(`${t.origin}/auth/login?${query()}`);
      await page.getByLabel("Email").fill(`rina-${lang}@example.com`);
      await page.getByLabel(text.password, { exact: true }).fill("not the password");
      await page.getByRole("button", { name: text.signIn, exact: true }).click();
      await page.getByRole("alert").waitFor();
      assert.equal(await focused(page), "email");
      // The failed submits answer 422 on purpose; anything else in the console is a problem.
      assert.deepEqual(
        problems.filter((p) => !/status of 422/.test(p)),
        [],
        "no console errors or CSP violations",
      );
    } finally {
      await close();
    }
  });

  Deno.test(`hosted pages (${lang}) — signed out, used reset link, and the alert taking the focus`, async () => {
    const { page, problems, close } = await openPage({ locale: lang === "id" ? "id-ID" : "en-US" });
    try {
      await page.goto(`${t.origin}/auth/logout?client_id=${project.clientId}`);
      assert.equal(await page.getByRole("heading", { level: 1 }).innerText(), text.signedOut);
      assert.equal(await page.locator(".eyebrow").textContent(), "Toko Batik");
      assert.equal(
        await page.getByRole("link", { name: text.signInAgain }).getAttribute("href"),
        "https://batik.example/",
      );
      await screenshot(page, `signed-out-${lang}`);
      await page.getByRole("link", { name: text.other }).click();
      assert.equal(await page.getByRole("heading", { level: 1 }).innerText(), text.otherSignedOut);

      await page.goto(`${t.origin}/auth/reset?${query({ token: "used-or-never-issued" })}`);
      assert.match(await page.getByRole("alert").innerText(), text.expired);
      assert.equal(await focused(page), "form-error");
      assert.equal(await page.locator('input[name="password"]').count(), 0);
      await screenshot(page, `reset-link-expired-${lang}`);
      await page.getByRole("link", { name: text.newLink }).click();
      await page.waitForURL(/\/auth\/forgot\?/);
      assert.deepEqual(
        problems.filter((p) => !/status of 400/.test(p)),
        [],
        "no console errors or CSP violations",
      );
    } finally {
      await close();
    }
  });
}

Deno.test("hosted pages — without JavaScript the password is a plain field and no toggle shows", async () => {
  const { page, close } = await openPage({ javaScriptEnabled: false });
  try {
    await page.goto(`${t.origin}/auth/login?${query()}`);
    assert.equal(await page.getByLabel("Password", { exact: true }).getAttribute("type"), "password");
    assert.equal(await page.getByRole("button", { name: "Show password" }).count(), 0);
    assert.equal(await page.locator(".password-toggle").isVisible(), false);
    await screenshot(page, "login-password-nojs");
  } finally {
    await close();
  }
});

Deno.test("hosted pages — the password toggle and the passkey button appearing move nothing below them (no click lands on what moved)", async () => {
  const withPasskeys = await seedProject(t.db.sql, {
    name: "Toko Kunci",
    redirectUri: "https://kunci.example/callback",
    settings: { passkeys: true },
  });
  const linkTop = async (p: typeof project, islands: boolean) => {
    const { page, close } = await openPage();
    try {
      if (!islands) await page.route("**/islands/**", (route) => route.abort());
      await page.goto(`${t.origin}/auth/login?${new URLSearchParams({
        client_id: p.clientId,
        redirect_uri: p.redirectUri,
        state: "s",
      })}`);
      if (islands) await page.getByRole("button", { name: "Show password" }).waitFor();
      if (islands && p === withPasskeys) {
        await page.getByRole("button", { name: "Sign in with a passkey" }).waitFor();
      }
      return (await page.getByRole("link", { name: "Create an account" }).boundingBox())!.y;
    } finally {
      await close();
    }
  };
  for (const p of [project, withPasskeys]) {
    assert.equal(await linkTop(p, true), await linkTop(p, false), p.clientId);
  }
});
