/**
 * The user page's profile form in Chromium: open it, fill the names and pick a zone from the list, save; a
 * future birthdate comes back beside its field (the form open, what was typed kept), then a good one saves.
 * A screenshot goes to tests/artifacts/.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { disconnectBrowser, openPage, screenshot } from "../helpers/browser.ts";
import { signInDeveloper, signInPage } from "../helpers/dashboard.ts";
import { seedProject, seedUser } from "../helpers/identity.ts";
import { asApp } from "@/db/client.ts";
import { addMember } from "@/db/accounts.ts";

const t = await testApp({ listen: true });
Deno.test.afterAll(async () => {
  await disconnectBrowser();
  await t.close();
});

Deno.test("dashboard e2e — edit a user's profile; a refused birthdate is shown beside its field", async () => {
  const developer = await signInDeveloper(t, "dev@dev.example");
  const project = await seedProject(t.db.sql, { name: "Kopi Shop" });
  await asApp(t.db.sql, project.id, (tx) => addMember(tx, project.id, developer.accountId, "owner"));
  const ayu = await seedUser(t.db.sql, project.id, "ayu@example.com");
  const { page, problems, close } = await openPage();
  try {
    await signInPage(page, t, developer);
    await page.goto(`${t.origin}/dashboard/projects/${project.id}/users/${ayu}`);
    await page.getByText("Edit the profile").click();
    await page.getByLabel("Name", { exact: true }).fill("Ayu Lestari");
    await page.getByLabel("Given name").fill("Ayu");
    await page.getByLabel("Family name").fill("Lestari");
    await page.getByLabel("Time zone").fill("Asia/Makassar");
    await page.getByLabel("Birthdate").fill("2999-01-01");
    await page.getByRole("button", { name: "Save the profile" }).click();
    await page.locator("#profile-birthdate-error").filter({ hasText: "birthdate is a date in the past" })
      .waitFor();
    assert.equal(await page.getByLabel("Birthdate").getAttribute("aria-invalid"), "true");
    assert.equal(await page.getByLabel("Given name").inputValue(), "Ayu", "what was typed is kept");
    await screenshot(page, "dashboard-user-profile-refused");

    await page.getByLabel("Birthdate").fill("1995-08-17");
    await page.getByRole("button", { name: "Save the profile" }).click();
    await page.getByText("Profile saved").waitFor();
    const [row] = await t.db.sql`select name, given_name, family_name, zoneinfo, birthdate
                                 from astapa.users where id = ${ayu}`;
    assert.deepEqual({ ...row }, {
      name: "Ayu Lestari",
      given_name: "Ayu",
      family_name: "Lestari",
      zoneinfo: "Asia/Makassar",
      birthdate: "1995-08-17",
    });
    assert.match(await page.locator("dl.facts").innerText(), /Asia\/Makassar/);
    // The one 422 is the refused birthdate above, on purpose.
    assert.equal(problems.filter((p) => p.includes("status of 422")).length, 1);
    assert.deepEqual(
      problems.filter((p) => !p.includes("status of 422")),
      [],
      "no console errors or CSP violations",
    );
  } finally {
    await close();
  }
});
