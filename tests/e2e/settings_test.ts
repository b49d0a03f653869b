/**
 * The Settings page in Chromium: change a token lifetime, see a refusal for an origin with a path, then delete
 * the project by typing its name. Screenshots of each step go to tests/artifacts/.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { disconnectBrowser, openPage, screenshot } from "../helpers/browser.ts";
import { addDeveloperTo, inviteDeveloper, signInDeveloper, signInPage } from "../helpers/dashboard.ts";
import { seedProject } from "../helpers/identity.ts";
import { asApp } from "@/db/client.ts";
import { getProject } from "@/db/projects.ts";

const t = await testApp({ listen: true });
Deno.test.afterAll(async () => {
  await disconnectBrowser();
  await t.close();
});

Deno.test("settings e2e — change a lifetime, get a readable refusal, delete with the typed name", async () => {
  const developer = await signInDeveloper(t, "owner@dev.example");
  const project = await seedProject(t.db.sql, { name: "Kopi Settings" });
  await addDeveloperTo(t, project.id, developer.accountId, "owner");
  const { page, problems, close } = await openPage();
  try {
    await signInPage(page, t, developer);
    const settingsUrl = `${t.origin}/dashboard/projects/${project.id}/settings`;
    await page.goto(settingsUrl);
    assert.match(await page.getByRole("heading", { level: 1 }).innerText(), /^Settings/);
    await screenshot(page, "dashboard-settings");

    await page.getByLabel("Access token lifetime").fill("900");
    await page.getByRole("button", { name: "Save lifetimes" }).click();
    await page.getByText("Lifetimes saved").waitFor();
    assert.equal(await page.getByLabel("Access token lifetime").inputValue(), "900");
    const saved = await asApp(t.db.sql, project.id, (tx) => getProject(tx, project.id));
    assert.equal(saved.settings.access_token_ttl, 900);
    await screenshot(page, "dashboard-settings-lifetime-saved");

    await page.getByLabel("One origin per line").fill("https://kopi.example/app");
    await page.getByRole("button", { name: "Save origins" }).click();
    assert.match(await page.getByRole("alert").innerText(), /is not an origin/);
    await screenshot(page, "dashboard-settings-refused");

    await page.goto(settingsUrl);
    await page.getByLabel(/Type the project name/).fill("Kopi Settings");
    await screenshot(page, "dashboard-settings-delete-confirm");
    await page.getByRole("button", { name: "Delete this project" }).click();
    await page.waitForURL(`${t.origin}/dashboard?done=project_deleted`);
    await page.getByText("Project deleted").waitFor();
    assert.ok(!(await page.content()).includes("Kopi Settings"), "the project left the list");
    await screenshot(page, "dashboard-settings-deleted");
    // The refused form answers 422 on purpose; Chromium reports that status as a console error.
    assert.deepEqual(problems.filter((problem) => !/status of 422/.test(problem)), []);
  } finally {
    await close();
  }
});

Deno.test("settings e2e — mail: sender name and an Indonesian subject saved; a bad name refused readably", async () => {
  // The deployment's first developer may be another test's (parallel order): this one is invited.
  await inviteDeveloper(t, "mail-admin@dev.example");
  const developer = await signInDeveloper(t, "mail-admin@dev.example");
  const project = await seedProject(t.db.sql, { name: "Kopi Mail" });
  await addDeveloperTo(t, project.id, developer.accountId, "admin");
  const { page, close } = await openPage();
  try {
    await signInPage(page, t, developer);
    await page.goto(`${t.origin}/dashboard/projects/${project.id}/settings`);
    await page.getByLabel("Sender name").fill("Warung <Kopi>");
    await page.getByRole("button", { name: "Save mail" }).click();
    assert.match(await page.getByRole("alert").innerText(), /mail_sender_name must be 1 to 80 characters/);

    await page.getByLabel("Sender name").fill("Warung Kopi");
    await page.getByRole("group", { name: "Email confirmation" }).getByLabel("Subject (Bahasa Indonesia)")
      .fill("Selamat datang di Kopi");
    await page.getByRole("button", { name: "Save mail" }).click();
    await page.getByText("Mail settings saved").waitFor();
    await screenshot(page, "dashboard-settings-mail-saved");
    const saved = await asApp(t.db.sql, project.id, (tx) => getProject(tx, project.id));
    assert.equal(saved.settings.mail_sender_name, "Warung Kopi");
    assert.deepEqual(saved.settings.mail_texts, {
      verify_email: { id: { subject: "Selamat datang di Kopi" } },
    });
    assert.equal(
      await page.getByRole("group", { name: "Email confirmation" }).getByLabel("Subject (Bahasa Indonesia)")
        .inputValue(),
      "Selamat datang di Kopi",
    );

    // The preview: the subject as saved, and the HTML part rendered in its sandboxed frame, brand included.
    await page.goto(
      `${t.origin}/dashboard/projects/${project.id}/settings/mail-preview?kind=verify_email&lang=id`,
    );
    await page.getByRole("heading", { name: "Selamat datang di Kopi" }).waitFor();
    const frame = page.frameLocator('iframe[title="The HTML part of the mail"]');
    await frame.getByText("Konfirmasi alamat email Anda untuk Kopi Mail").waitFor();
    await frame.getByRole("link", { name: "Konfirmasi email" }).waitFor();
    await screenshot(page, "dashboard-settings-mail-preview");
  } finally {
    await close();
  }
});
