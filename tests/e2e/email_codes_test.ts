/**
 * Sign-in by emailed code in Chromium (issue 20 #5), the mail through the real outbox, sender and a local SMTP
 * server: "Email me a code" from the sign-in page, the code typed in, and the app receives a code; then the
 * magic link from a second mail opened in a fresh browser, its button pressed, and the app receives a code.
 * A password-free project that lets codes create accounts signs a new person up the same way.
 */
import assert from "node:assert/strict";
import { MailSender } from "@/lib/mail/sender.ts";
import { testApp } from "../helpers/app.ts";
import { disconnectBrowser, openPage, screenshot } from "../helpers/browser.ts";
import { seedProject, seedUser } from "../helpers/identity.ts";
import { mailText } from "../helpers/login.ts";
import { startSmtpSink } from "../helpers/smtp_sink.ts";
import { seriousAxeViolations } from "../helpers/axe.ts";

const t = await testApp({ listen: true });
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
const project = await seedProject(t.db.sql, {
  name: "Kedai Kode",
  redirectUri,
  settings: { email_codes: true },
});
const passwordFree = await seedProject(t.db.sql, {
  name: "Kedai Bebas",
  redirectUri,
  settings: { email_codes: true, email_code_sign_up: true, passwords: false },
});
const loginUrl = (p = project, path = "/auth/login") =>
  `${t.origin}${path}?${new URLSearchParams({
    client_id: p.clientId,
    redirect_uri: redirectUri,
    state: "s",
  })}`;

/** The code and the magic link of the mail to `to` for the project named `name`. */
async function mailed(to: string, name: string) {
  const text = mailText((await sink.waitFor(to, new RegExp(`Subject: Your sign-in code for ${name}`))).data);
  return {
    code: /^\s+(\d{6})$/m.exec(text)![1],
    link: /https?:\/\/\S+\/auth\/email-code\/link\?p=proj_[a-z2-7]{16}&t=[\w-]{43}/.exec(text)![0],
  };
}

Deno.test("email codes in Chromium — the code typed in, then the magic link, each reaches the app", async () => {
  await seedUser(t.db.sql, project.id, "sari@example.com");
  const first = await openPage();
  try {
    const { page } = first;
    await page.goto(loginUrl());
    await page.getByRole("link", { name: "Email me a code" }).click();
    // The sign-in page has an Email field too: filling it before the link's page arrives would type into the
    // page being left (and a lost navigation shows here, with the URLs the page went through).
    await page.waitForURL(/\/auth\/email-code\?/);
    await page.getByLabel("Email", { exact: true }).fill("sari@example.com");
    await page.getByRole("button", { name: "Email me a code" }).click();
    await page.getByRole("status").filter({ hasText: "a code is on its way" }).waitFor();
    assert.deepEqual(await seriousAxeViolations(page), []);
    const { code } = await mailed("sari@example.com", "Kedai Kode");
    await page.getByLabel("Code from the email").fill(code);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/\/callback\?/);
    assert.equal(await page.locator("#arrived").innerText(), "code received");
    assert.deepEqual(first.problems, []);
  } finally {
    await first.close();
  }

  // The link of a new mail, opened in another browser (as from a phone's mail app). The first mail is
  // forgotten so that waiting finds the new one.
  sink.messages.splice(0);
  const second = await openPage();
  try {
    const { page } = second;
    await page.goto(`${t.origin}/auth/email-code?${new URL(loginUrl()).searchParams}`);
    await page.getByLabel("Email", { exact: true }).fill("sari@example.com");
    await page.getByRole("button", { name: "Email me a code" }).click();
    await page.getByRole("status").filter({ hasText: "a code is on its way" }).waitFor();
    const { link } = await mailed("sari@example.com", "Kedai Kode");
    const third = await openPage();
    try {
      await third.page.goto(link);
      await third.page.getByText("Continue with the sign-in link from your email.").waitFor();
      await screenshot(third.page, "email-code-link-en");
      await third.page.getByRole("button", { name: "Sign in" }).click();
      await third.page.waitForURL(/\/callback\?/);
      assert.equal(await third.page.locator("#arrived").innerText(), "code received");
      assert.deepEqual(third.problems, []);
    } finally {
      await third.close();
    }
  } finally {
    await second.close();
  }
});

Deno.test("email codes in Chromium — a password-free project signs a new person up with a code", async () => {
  const { page, problems, close } = await openPage();
  try {
    await page.goto(loginUrl(passwordFree, "/auth/signup"));
    assert.equal(await page.locator('input[type="password"]').count(), 0);
    await page.getByLabel("Email", { exact: true }).fill("wulan@example.com");
    await page.getByRole("button", { name: "Email me a code" }).click();
    await page.getByRole("status").filter({ hasText: "a code is on its way" }).waitFor();
    const { code } = await mailed("wulan@example.com", "Kedai Bebas");
    await page.getByLabel("Code from the email").fill(code);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/\/callback\?/);
    assert.equal(await page.locator("#arrived").innerText(), "code received");
    const [user] = await t.db.sql`select email_verified from astapa.users
      where project_id = ${passwordFree.id} and email = 'wulan@example.com'`;
    assert.equal(user.email_verified, true);
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});
