/**
 * Issue 29 item 9 in Chromium: with no SMTP_URL the Mail page says why mail stays queued and points a sandbox
 * project to its sandbox inbox; a person signs up on the hosted login (in English and in Indonesian), the
 * developer opens the mail's short link from the inbox and the address is confirmed. A production project's
 * inbox shows no links.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { disconnectBrowser, openPage, screenshot } from "../helpers/browser.ts";
import { addDeveloperTo, inviteDeveloper, signInDeveloper, signInPage } from "../helpers/dashboard.ts";
import { seedProject } from "../helpers/identity.ts";
import { submitForm } from "../helpers/login.ts";

const t = await testApp({ listen: true });
Deno.test.afterAll(async () => {
  await disconnectBrowser();
  await t.close();
});
assert.equal(t.deps.config.smtpUrl, undefined, "the test deployment has no SMTP_URL");

await inviteDeveloper(t, "inbox@dev.example");
const developer = await signInDeveloper(t, "inbox@dev.example");
const project = await seedProject(t.db.sql, { name: "Toko Inbox", redirectUri: "https://inbox.example/cb" });
await addDeveloperTo(t, project.id, developer.accountId, "viewer");

async function signedInPage() {
  const opened = await openPage();
  await signInPage(opened.page, t, developer);
  return opened;
}

const PASSWORD = { en: "Password", id: "Kata sandi" };
const CONFIRM = { en: "Confirm my address", id: "Konfirmasi alamat saya" };

for (const lang of ["en", "id"] as const) {
  Deno.test(`sandbox inbox (${lang}) — queued without SMTP_URL, read in the inbox, its link confirms`, async () => {
    const email = `inbox-${lang}@example.com`;
    const signedUp = await submitForm(
      t,
      project,
      "/auth/signup",
      { email, password: "teh tarik manis" },
      {},
      `&lang=${lang}`,
    );
    assert.equal(signedUp.status, 303);
    const { page, close } = await signedInPage();
    try {
      const base = `${t.origin}/dashboard/projects/${project.id}`;
      await page.goto(`${base}/mail`);
      assert.match(
        await page.getByRole("note").innerText(),
        /Mail stays queued: this deployment has no SMTP_URL/,
      );
      await page.getByRole("link", { name: "sandbox inbox" }).click();
      await page.waitForURL(`${base}/sandbox-inbox`);
      const mail = page.locator("article", { hasText: email });
      await mail.getByRole("heading").waitFor();
      await screenshot(page, `dashboard-sandbox-inbox-${lang}`);
      const link = mail.getByRole("link", { name: /\/auth\/link\?p=/ });
      assert.match(await link.innerText(), /^http:\/\/[^/]+\/auth\/link\?p=proj_[a-z2-7]{16}&t=[\w-]{43}$/);
      await link.click();
      // The link opens a question, not a confirmation: the password of the sign-up confirms, and the person
      // goes on into the app they signed up for (played here by a page the browser is handed).
      await page.route("https://inbox.example/**", (route) => route.fulfill({ body: "the app" }));
      await page.getByLabel(PASSWORD[lang], { exact: true }).fill("teh tarik manis");
      await page.getByRole("button", { name: CONFIRM[lang] }).click();
      await page.waitForURL(/^https:\/\/inbox\.example\/cb\?code=/);
      const [user] = await t.db.sql`select email_verified from astapa.users where email = ${email}`;
      assert.equal(user.email_verified, true);
    } finally {
      await close();
    }
  });
}

Deno.test("sandbox inbox (dashboard in Bahasa Indonesia) — the language switch, then the Mail page, the inbox and phone messages in Indonesian", async () => {
  const email = "inbox-dasbor@example.com";
  const signedUp = await submitForm(t, project, "/auth/signup", { email, password: "teh tarik manis" });
  assert.equal(signedUp.status, 303);
  const { page, close } = await signedInPage();
  try {
    const base = `${t.origin}/dashboard/projects/${project.id}`;
    await page.goto(`${base}/mail`);
    await page.getByRole("form", { name: "Language" }).getByRole("button", { name: "Bahasa Indonesia" })
      .click();
    await page.getByRole("heading", { level: 1, name: "Email" }).waitFor();
    assert.match(
      await page.getByRole("note").innerText(),
      /Email tetap mengantre: deployment ini tidak punya SMTP_URL/,
    );
    await page.getByRole("link", { name: "kotak masuk sandbox" }).click();
    await page.waitForURL(`${base}/sandbox-inbox`);
    await page.getByRole("heading", { level: 1, name: "Kotak masuk sandbox" }).waitFor();
    const mail = page.locator("article", { hasText: email });
    assert.match(
      await mail.locator("p.muted").innerText(),
      /^Kepada inbox-dasbor@example\.com · \w+ · \d{1,2} \w{3} \d{4}, \d\d\.\d\d UTC · belum terkirim$/,
    );
    await screenshot(page, "dashboard-sandbox-inbox-dashboard-id");
    await page.getByRole("link", { name: "Email", exact: true }).first().click();
    await page.getByRole("link", { name: "pesan telepon" }).click();
    await page.getByRole("heading", { level: 1, name: "Pesan telepon" }).waitFor();
    assert.match(await page.locator("main").innerText(), /Belum ada pesan\./);
  } finally {
    await close();
  }
});

Deno.test("sandbox inbox — a production project's inbox shows no mail and points to the Mail page", async () => {
  const live = await seedProject(t.db.sql, { name: "Toko Live" });
  await addDeveloperTo(t, live.id, developer.accountId, "owner");
  // Straight in the table (the owner role): going live through the API needs live Xendit keys.
  await t.db.sql`update astapa.projects set mode = 'production' where id = ${live.id}`;
  await t.db.sql`insert into astapa.mail_outbox (project_id, to_address, subject, body_text, kind)
    values (${live.id}, 'buyer@example.com', 'Secret link', 'http://x/auth/link?p=secret', 'reset_password')`;
  const { page, close } = await signedInPage();
  try {
    await page.goto(`${t.origin}/dashboard/projects/${live.id}/sandbox-inbox`);
    assert.match(await page.locator("main").innerText(), /This project is in production/);
    assert.equal(await page.getByText("Secret link").count(), 0);
  } finally {
    await close();
  }
});
