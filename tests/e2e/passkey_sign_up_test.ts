/**
 * Passkey sign-ups in Chromium (issue 20), with the virtual authenticator and the mail through the real
 * outbox, sender and a local SMTP server: a passkeys-only project (passwords and email codes off) signs a new
 * person up — email, the mailed code, then the passkey — and the app gets a code only after the passkey is
 * stored; the person then signs in with it. A person who signs up by email code where passkeys are on is
 * offered one right after. The passkey button says so when the address is rate-limited (429), in English and
 * Indonesian. Every context and authenticator is closed in `finally` (shared browser).
 */
import assert from "node:assert/strict";
import { createRemoteJWKSet, jwtVerify } from "jose";
import type { Page } from "playwright-core";
import { MailSender } from "@/lib/mail/sender.ts";
import { testApp } from "../helpers/app.ts";
import { disconnectBrowser, openPage, screenshot } from "../helpers/browser.ts";
import { seedProject } from "../helpers/identity.ts";
import { mailText } from "../helpers/login.ts";
import { startSmtpSink } from "../helpers/smtp_sink.ts";
import { postForm } from "../helpers/token_client.ts";
import { addVirtualAuthenticator } from "../helpers/webauthn.ts";
import { seriousAxeViolations } from "../helpers/axe.ts";

const t = await testApp({ listen: true, localhost: true });
const sink = startSmtpSink();
const sender = new MailSender(t.db.sql, sink.url, "Astapa <no-reply@astapa.test>");
await sender.start();
const app = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
  const url = new URL(req.url);
  return new Response(`<h1 id="arrived">code ${url.searchParams.get("code") ? "received" : "missing"}</h1>`, {
    headers: { "content-type": "text/html" },
  });
});
Deno.test.afterAll(async () => {
  await disconnectBrowser();
  await app.shutdown();
  await sender.stop();
  sink.close();
  await t.close();
});
const redirectUri = `http://127.0.0.1:${app.addr.port}/callback`;
const keysOnly = await seedProject(t.db.sql, {
  name: "Kunci Saja",
  redirectUri,
  settings: { passwords: false, passkeys: true },
});
const codesAndKeys = await seedProject(t.db.sql, {
  name: "Kode Kunci",
  redirectUri,
  settings: { passwords: false, passkeys: true, email_codes: true, email_code_sign_up: true },
});
// Password-free with passkeys, and codes that sign in but do not create accounts: sign-up is by passkey.
const keysAndCodes = await seedProject(t.db.sql, {
  name: "Kunci Kode",
  redirectUri,
  settings: { passwords: false, passkeys: true, email_codes: true },
});
type Seeded = typeof keysOnly;

const pageUrl = (p: Seeded, path: string, lang = "en") =>
  `${t.origin}${path}?${new URLSearchParams({
    client_id: p.clientId,
    redirect_uri: redirectUri,
    state: "s",
    lang,
  })}`;

/** Redeems the code the app received and verifies the access token with jose; returns its amr. */
async function amrAtApp(page: Page, p: Seeded): Promise<unknown> {
  await page.waitForURL(/\/callback\?/);
  assert.equal(await page.locator("#arrived").innerText(), "code received");
  const { res, body } = await postForm(t, "/api/platform/token", {
    grant_type: "authorization_code",
    code: new URL(page.url()).searchParams.get("code")!,
    redirect_uri: redirectUri,
    client_id: p.clientId,
    client_secret: p.secret,
  });
  assert.equal(res.status, 200, JSON.stringify(body));
  const jwks = createRemoteJWKSet(new URL(`${t.origin}/.well-known/jwks.json`));
  const { payload } = await jwtVerify(body.access_token, jwks, {
    issuer: t.origin,
    audience: p.clientId,
    algorithms: ["RS256"],
  });
  return payload.amr;
}

async function mailedCode(to: string, subject: RegExp): Promise<string> {
  return /^\s+(\d{6})$/m.exec(mailText((await sink.waitFor(to, subject)).data))![1];
}

Deno.test("passkey sign-up e2e — email, mailed code, passkey; only then the app; then a sign-in with it", async () => {
  const { page, problems, close } = await openPage();
  await page.addInitScript(() => {
    PublicKeyCredential.isConditionalMediationAvailable = () => Promise.resolve(false);
  });
  const authenticator = await addVirtualAuthenticator(page);
  try {
    await page.goto(pageUrl(keysOnly, "/auth/signup"));
    assert.equal(await page.locator('input[type="password"]').count(), 0);
    await page.getByLabel("Email", { exact: true }).fill("tari@example.com");
    await page.getByRole("button", { name: "Email me a code" }).click();
    await page.getByRole("status").filter({ hasText: "a code is on its way" }).waitFor();
    const code = await mailedCode(
      "tari@example.com",
      /Subject: Your code to create an account on Kunci Saja/,
    );
    await page.getByLabel("Code from the email").fill(code);
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByText("Your email is confirmed. Now add the passkey").waitFor();
    await screenshot(page, "passkey-sign-up-en");
    assert.deepEqual(await seriousAxeViolations(page), []);
    // The account exists, verified, with no way in yet: the app has heard nothing.
    const [user] = await t.db.sql`select id::text, email_verified from astapa.users
      where project_id = ${keysOnly.id} and email = 'tari@example.com'`;
    assert.equal(user.email_verified, true);
    assert.equal(
      (await t.db.sql`select 1 from astapa.login_sessions where project_id = ${keysOnly.id}`).length,
      0,
    );
    await page.getByLabel("Name for the new passkey").fill("Ponsel Tari");
    await page.getByRole("button", { name: "Add a passkey" }).click();
    // The mailbox proved who she is (otp) and the new passkey, made with user verification, is her second
    // step (hwk + mfa: no /auth/mfa right after); the passkey is stored, and now the app gets its code.
    assert.deepEqual(await amrAtApp(page, keysOnly), ["otp", "hwk", "mfa"]);
    const [stored] = await authenticator.credentials();
    assert.equal(stored.isResidentCredential, true);
    assert.equal(
      new TextDecoder().decode(Uint8Array.from(atob(stored.userHandle!), (c) => c.charCodeAt(0))),
      user.id,
    );
    const [key] = await t.db.sql`select name from astapa.passkeys where project_id = ${keysOnly.id}
      and user_id = ${user.id}`;
    assert.equal(key.name, "Ponsel Tari");

    await page.goto(`${t.origin}/auth/logout?client_id=${keysOnly.clientId}`);
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByText("You are signed out.").waitFor();
    await page.goto(pageUrl(keysOnly, "/auth/login"));
    await page.getByRole("button", { name: "Sign in with a passkey" }).click();
    assert.deepEqual(await amrAtApp(page, keysOnly), ["hwk", "mfa"]);
    assert.deepEqual(problems, []);
  } finally {
    await authenticator.remove();
    await close();
  }
});

Deno.test("passkey sign-up e2e — a browser without WebAuthn is told at the passkey step, and nothing signs in", async () => {
  const { page, close } = await openPage();
  await page.addInitScript(() => {
    Object.defineProperty(globalThis, "PublicKeyCredential", { value: undefined, configurable: true });
  });
  try {
    await page.goto(pageUrl(keysOnly, "/auth/signup", "id"));
    await page.getByLabel("Email", { exact: true }).fill("wati@example.com");
    await page.getByRole("button", { name: "Kirimi saya kode" }).click();
    const code = await mailedCode("wati@example.com", /Subject: Kode Anda untuk membuat akun di Kunci Saja/);
    await page.getByLabel("Kode dari email").fill(code);
    await page.getByRole("button", { name: "Lanjutkan" }).click();
    await page.getByRole("alert").filter({ hasText: "Browser ini tidak bisa membuat passkey" }).waitFor();
    assert.equal(await page.getByRole("button", { name: "Tambah passkey" }).count(), 0);
    assert.equal(
      (await t.db.sql`select 1 from astapa.login_sessions where project_id = ${keysOnly.id}
        and user_id = (select id from astapa.users where email = 'wati@example.com')`).length,
      0,
    );
  } finally {
    await close();
  }
});

Deno.test("passkey sign-up e2e — after an email-code sign-up, where passkeys are on, a passkey is offered", async () => {
  const { page, close } = await openPage();
  const authenticator = await addVirtualAuthenticator(page);
  try {
    await page.goto(pageUrl(codesAndKeys, "/auth/signup"));
    await page.getByLabel("Email", { exact: true }).fill("umi@example.com");
    await page.getByRole("button", { name: "Email me a code" }).click();
    const code = await mailedCode("umi@example.com", /Subject: Your sign-in code for Kode Kunci/);
    await page.getByLabel("Code from the email").fill(code);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Passkeys" }).waitFor();
    await page.getByText("Sign in faster next time").waitFor();
    await page.getByRole("button", { name: "Add a passkey" }).click();
    await page.getByText("Your passkey was added.").waitFor();
    await page.getByRole("link", { name: "Back to the app" }).click();
    assert.deepEqual(await amrAtApp(page, codesAndKeys), ["otp"]);
  } finally {
    await authenticator.remove();
    await close();
  }
});

Deno.test("passkey sign-up e2e — a rate-limited options request (429) shows the wait message, en and id", async () => {
  // The earlier tests' option requests made this address's bucket; it is now full for the minute.
  const full = await t.db.sql`update astapa.rate_limits set hits = 1000, window_start = now()
    where bucket like 'passkey_options:address:%' returning bucket`;
  assert.ok(full.length > 0, "the earlier ceremonies counted in the bucket");
  const { page, close } = await openPage();
  await page.addInitScript(() => {
    PublicKeyCredential.isConditionalMediationAvailable = () => Promise.resolve(false);
  });
  const authenticator = await addVirtualAuthenticator(page);
  try {
    await page.goto(pageUrl(keysOnly, "/auth/login"));
    const limited = page.waitForResponse((r) => r.url().endsWith("/auth/passkey/options"));
    await page.getByRole("button", { name: "Sign in with a passkey" }).click();
    assert.equal((await limited).status(), 429);
    await page.getByRole("alert").filter({ hasText: "Too many passkey attempts from this network" })
      .waitFor();
    assert.equal(await page.getByText("The passkey prompt closed").count(), 0);
    await page.goto(pageUrl(keysOnly, "/auth/login", "id"));
    await page.getByRole("button", { name: "Masuk dengan passkey" }).click();
    await page.getByRole("alert").filter({ hasText: "Terlalu banyak percobaan passkey dari jaringan ini" })
      .waitFor();
  } finally {
    await t.db.sql`delete from astapa.rate_limits where bucket like 'passkey_options:address:%'`;
    await authenticator.remove();
    await close();
  }
});

Deno.test("passkey sign-up e2e — in Indonesian: email, mailed code, passkey, then the app", async () => {
  const { page, problems, close } = await openPage({ locale: "id-ID" });
  await page.addInitScript(() => {
    PublicKeyCredential.isConditionalMediationAvailable = () => Promise.resolve(false);
  });
  const authenticator = await addVirtualAuthenticator(page);
  try {
    await page.goto(pageUrl(keysOnly, "/auth/signup", "id"));
    await page.getByLabel("Email", { exact: true }).fill("sekar@example.com");
    await page.getByRole("button", { name: "Kirimi saya kode" }).click();
    await page.getByRole("status").filter({ hasText: "kode sedang dikirim" }).waitFor();
    const code = await mailedCode("sekar@example.com", /Subject: Kode Anda untuk membuat akun di Kunci Saja/);
    await page.getByLabel("Kode dari email").fill(code);
    await page.getByRole("button", { name: "Lanjutkan" }).click();
    await page.getByText("Email Anda sudah dikonfirmasi").waitFor();
    await screenshot(page, "passkey-sign-up-id");
    assert.deepEqual(await seriousAxeViolations(page), []);
    await page.getByRole("button", { name: "Tambah passkey" }).click();
    assert.deepEqual(await amrAtApp(page, keysOnly), ["otp", "hwk", "mfa"]);
    assert.equal((await authenticator.credentials()).length, 1);
    assert.deepEqual(problems, []);
  } finally {
    await authenticator.remove();
    await close();
  }
});

for (const lang of ["en", "id"] as const) {
  const words = {
    en: {
      send: "Email me a code",
      subject: /Subject: Your code to create an account on Kunci Saja/,
      codeLabel: "Code from the email",
      next: "Continue",
      needsScript: "Adding a passkey needs JavaScript",
      signInNeedsScript: "Signing in with a passkey needs JavaScript",
    },
    id: {
      send: "Kirimi saya kode",
      subject: /Subject: Kode Anda untuk membuat akun di Kunci Saja/,
      codeLabel: "Kode dari email",
      next: "Lanjutkan",
      needsScript: "Menambahkan passkey memerlukan JavaScript",
      signInNeedsScript: "Masuk dengan passkey memerlukan JavaScript",
    },
  }[lang];
  Deno.test(`passkey sign-up e2e — without JavaScript (${lang}): the code step works, the passkey step says it needs JavaScript`, async () => {
    const { page, close } = await openPage({ javaScriptEnabled: false });
    try {
      await page.goto(pageUrl(keysOnly, "/auth/login", lang));
      await page.getByRole("alert").filter({ hasText: words.signInNeedsScript }).waitFor();
      await page.goto(pageUrl(keysOnly, "/auth/signup", lang));
      const email = `tanpa-skrip-${lang}@example.com`;
      await page.getByLabel("Email", { exact: true }).fill(email);
      await page.getByRole("button", { name: words.send }).click();
      await page.getByLabel(words.codeLabel).fill(await mailedCode(email, words.subject));
      await page.getByRole("button", { name: words.next }).click();
      await page.getByRole("alert").filter({ hasText: words.needsScript }).waitFor();
      await screenshot(page, `passkey-sign-up-no-javascript-${lang}`);
      assert.equal(await page.locator("form.passkey-form:visible").count(), 0, "no dead passkey form");
      assert.equal(
        (await t.db.sql`select 1 from astapa.login_sessions where project_id = ${keysOnly.id}
          and user_id = (select id from astapa.users where project_id = ${keysOnly.id} and email = ${email})`)
          .length,
        0,
        "nobody is signed in without a passkey",
      );
    } finally {
      await close();
    }
  });
}

Deno.test("passkey sign-up e2e — without JavaScript, where codes sign in, the passkey step links to a sign-in by code", async () => {
  const { page, close } = await openPage({ javaScriptEnabled: false });
  try {
    await page.goto(pageUrl(keysAndCodes, "/auth/login"));
    assert.equal(await page.getByText("Signing in with a passkey needs JavaScript").count(), 0, "codes work");
    await page.goto(pageUrl(keysAndCodes, "/auth/signup"));
    await page.getByLabel("Email", { exact: true }).fill("wulan@example.com");
    await page.getByRole("button", { name: "Email me a code" }).click();
    const made = await mailedCode(
      "wulan@example.com",
      /Subject: Your code to create an account on Kunci Kode/,
    );
    await page.getByLabel("Code from the email").fill(made);
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByRole("alert").filter({ hasText: "Adding a passkey needs JavaScript" }).waitFor();
    await page.getByRole("link", { name: "Or sign in with a code by email instead" }).click();
    await page.getByLabel("Email", { exact: true }).fill("wulan@example.com");
    await page.getByRole("button", { name: "Email me a code" }).click();
    const code = await mailedCode("wulan@example.com", /Subject: Your sign-in code for Kunci Kode/);
    await page.getByLabel("Code from the email").fill(code);
    await page.getByRole("button", { name: "Sign in" }).click();
    assert.deepEqual(await amrAtApp(page, keysAndCodes), ["otp"]);
  } finally {
    await close();
  }
});

Deno.test('passkey e2e — options that fail otherwise (500, network) say so readably, en and id, not "prompt closed"', async () => {
  const { page, close } = await openPage();
  await page.addInitScript(() => {
    PublicKeyCredential.isConditionalMediationAvailable = () => Promise.resolve(false);
  });
  const authenticator = await addVirtualAuthenticator(page);
  try {
    await page.route("**/auth/passkey/options", (route) => route.fulfill({ status: 500, body: "{}" }));
    await page.goto(pageUrl(keysOnly, "/auth/login"));
    await page.getByRole("button", { name: "Sign in with a passkey" }).click();
    await page.getByRole("alert").filter({ hasText: "Passkeys could not be started just now" }).waitFor();
    assert.equal(await page.getByText("The passkey prompt closed").count(), 0);
    await page.unroute("**/auth/passkey/options");
    await page.route("**/auth/passkey/options", (route) => route.abort("connectionrefused"));
    await page.goto(pageUrl(keysOnly, "/auth/login", "id"));
    await page.getByRole("button", { name: "Masuk dengan passkey" }).click();
    await page.getByRole("alert").filter({ hasText: "Passkey tidak bisa dimulai saat ini" }).waitFor();
  } finally {
    await authenticator.remove();
    await close();
  }
});
