/**
 * Issue 21 in Chromium: a person opens the app's account page, signs in through the hosted login, changes
 * their email (the link arrives through a real SMTP server), changes their password, unlinks GitHub, signs out
 * another browser, downloads their data, deletes the account — and the Platform API no longer knows them.
 * Screenshots go to tests/artifacts/.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { MailSender } from "@/lib/mail/sender.ts";
import { testApp } from "../helpers/app.ts";
import { disconnectBrowser, openPage, screenshot } from "../helpers/browser.ts";
import { seedPasswordUser } from "../helpers/dynamic_clients.ts";
import { basic, seedProject } from "../helpers/oauth.ts";
import { mailText } from "../helpers/login.ts";
import { startSmtpSink } from "../helpers/smtp_sink.ts";
import { seriousAxeViolations } from "../helpers/axe.ts";

const t = await testApp({ listen: true });
const sink = startSmtpSink();
const sender = new MailSender(t.db.sql, sink.url, "Astapa <no-reply@astapa.test>");
await sender.start();
Deno.test.afterAll(async () => {
  await disconnectBrowser();
  await sender.stop();
  sink.close();
  await t.close();
});
const project = await seedProject(t.db.sql, { name: "Kedai", redirectUri: "https://kedai.example/cb" });

Deno.test("account page — email, password, unlink, other sessions, data, deletion in Chromium", async () => {
  const user = await seedPasswordUser(t.db.sql, project.id, "rina@example.com", "kopi susu gula aren");
  await t.db.sql`insert into astapa.identities (project_id, provider, subject, user_id, email)
                 values (${project.id}, 'github', 'gh-rina', ${user}, 'rina@example.com')`;
  // Another browser of hers, signed in earlier.
  await asApp(
    t.db.sql,
    project.id,
    (tx) => tx`select api.start_login_session(${user}, ${new Uint8Array(32).fill(4)})`,
  );
  const { page, problems, close } = await openPage();
  try {
    await page.goto(
      `${t.origin}/account?client_id=${project.clientId}&return_to=${
        encodeURIComponent(project.redirectUri)
      }`,
    );
    await page.getByLabel("Email").fill("rina@example.com");
    await page.getByLabel("Password", { exact: true }).fill("kopi susu gula aren");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Your account", exact: true }).waitFor();
    assert.deepEqual(await seriousAxeViolations(page), []);
    await screenshot(page, "account-page-en");

    // Email: the link goes to the new address; the change waits for it.
    await page.getByLabel("New email address").fill("rina.baru@example.com");
    await page.getByRole("button", { name: "Send a confirmation link" }).click();
    await page.getByRole("status").filter({ hasText: "confirmation link is on its way" }).waitFor();
    const mail = await sink.waitFor("rina.baru@example.com", /Subject: Confirm your new email for Kedai/);
    const link = /https?:\/\/\S+\/account\/email\?\S+/.exec(mailText(mail.data))![0];
    await page.goto(link);
    await page.getByText("Use rina.baru@example.com as the email address of your account?").waitFor();
    await page.getByRole("button", { name: "Confirm" }).click();
    await page.getByRole("status").filter({ hasText: "Your email address was changed" }).waitFor();
    await sink.waitFor("rina@example.com", /Subject: The email of your Kedai account was changed/);

    // Password, then GitHub, then the other browser.
    await page.getByRole("link", { name: "Your account", exact: true }).click();
    await page.getByLabel("New password").fill("teh tarik manis sekali");
    await page.getByRole("button", { name: "Change password" }).click();
    await page.getByRole("status").filter({ hasText: "Your password was saved" }).waitFor();
    await page.getByRole("listitem").filter({ hasText: "GitHub" }).getByRole("button", { name: "Remove" })
      .click();
    await page.getByRole("status").filter({ hasText: "That sign-in method was removed" }).waitFor();
    // The password change signed the other browser out already; start another to sign out here.
    await asApp(
      t.db.sql,
      project.id,
      (tx) => tx`select api.start_login_session(${user}, ${new Uint8Array(32).fill(5)})`,
    );
    await page.reload();
    await page.getByRole("button", { name: "Sign out of all other browsers" }).click();
    await page.getByRole("status").filter({ hasText: "Your other browsers were signed out (1)" }).waitFor();

    // Download my data.
    const download = page.waitForEvent("download");
    await page.getByRole("button", { name: "Download my data" }).click();
    const file = await Deno.makeTempFile({ suffix: ".json" });
    await (await download).saveAs(file); // the browser runs remotely: its own path is not ours
    const data = JSON.parse(await Deno.readTextFile(file));
    assert.equal(data.profile.email, "rina.baru@example.com");
    assert.deepEqual(data.identities.map((m: { provider: string }) => m.provider), ["password"]);

    // Delete the account.
    await page.getByLabel(/To confirm, type your email address/).fill("rina.baru@example.com");
    await page.getByRole("button", { name: "Delete my account" }).click();
    await page.getByRole("heading", { name: "Your account was deleted" }).waitFor();
    await screenshot(page, "account-deleted-en");
    // A download ends its navigation as "aborted" in Chromium: that one is expected, nothing else is.
    assert.deepEqual(problems.filter((p) => !/\/account\/export\?lang=en: net::ERR_ABORTED$/.test(p)), []);
  } finally {
    await close();
  }
  const claims = await fetch(`${t.origin}/api/platform/users/${user}/claims`, {
    headers: { authorization: basic(project.clientId, project.secret) },
  });
  assert.equal(claims.status, 404);
  await claims.body?.cancel();
  const found = await fetch(`${t.origin}/api/platform/users?email=rina.baru@example.com`, {
    headers: { authorization: basic(project.clientId, project.secret) },
  });
  assert.equal(found.status, 404);
  await found.body?.cancel();
});

Deno.test("account page — in Indonesian, without JavaScript", async () => {
  await seedPasswordUser(t.db.sql, project.id, "budi@example.com", "nasi goreng pedas");
  const { page, close } = await openPage({ javaScriptEnabled: false, locale: "id-ID" });
  try {
    await page.goto(`${t.origin}/account?client_id=${project.clientId}&lang=id`);
    await page.getByLabel("Email").fill("budi@example.com");
    await page.getByLabel("Kata sandi", { exact: true }).fill("nasi goreng pedas");
    await page.getByRole("button", { name: "Masuk" }).click();
    await page.getByRole("heading", { name: "Akun Anda", exact: true }).waitFor();
    await page.getByLabel("Nama", { exact: true }).fill("Budi Santoso");
    await page.getByLabel("Nama depan", { exact: true }).fill("Budi");
    await page.getByLabel("Bahasa dan wilayah", { exact: true }).fill("id-ID");
    await page.getByRole("button", { name: "Simpan profil" }).click();
    await page.getByRole("status").filter({ hasText: "Profil Anda disimpan" }).waitFor();
    assert.equal(await page.getByLabel("Nama", { exact: true }).inputValue(), "Budi Santoso");
    assert.equal(await page.getByLabel("Nama depan", { exact: true }).inputValue(), "Budi");
    await screenshot(page, "account-page-id");
  } finally {
    await close();
  }
});
