/**
 * The Members page's owner controls in Chromium (issue 29, item 7's rest): change a member's role, remove a
 * member, and a readable refusal when the last owner would be demoted. Plain forms: they work without
 * JavaScript too (the second context has it off).
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { disconnectBrowser, openPage, screenshot } from "../helpers/browser.ts";
import { addDeveloperTo, inviteDeveloper, signInDeveloper, signInPage } from "../helpers/dashboard.ts";
import { seedProject } from "../helpers/identity.ts";

const t = await testApp({ listen: true });
Deno.test.afterAll(async () => {
  await disconnectBrowser();
  await t.close();
});

for (const javaScriptEnabled of [true, false]) {
  Deno.test(`members e2e (JavaScript ${javaScriptEnabled ? "on" : "off"}) — role, removal, last owner kept`, async () => {
    const suffix = javaScriptEnabled ? "js" : "nojs";
    await inviteDeveloper(t, `owner-${suffix}@dev.example`);
    await inviteDeveloper(t, `helper-${suffix}@dev.example`);
    const owner = await signInDeveloper(t, `owner-${suffix}@dev.example`);
    const helper = await signInDeveloper(t, `helper-${suffix}@dev.example`);
    const project = await seedProject(t.db.sql, { name: `Toko Anggota ${suffix}` });
    await addDeveloperTo(t, project.id, owner.accountId, "owner");
    await addDeveloperTo(t, project.id, helper.accountId, "viewer");
    const { page, close } = await openPage({ javaScriptEnabled });
    try {
      await signInPage(page, t, owner);
      await page.goto(`${t.origin}/dashboard/projects/${project.id}/members`);
      const helperRow = page.getByRole("row", { name: new RegExp(`helper-${suffix}@dev\\.example`) });
      await helperRow.getByLabel(`Role of helper-${suffix}@dev.example`).selectOption("admin");
      await helperRow.getByRole("button", { name: "Change role" }).click();
      await page.getByText("Role changed.").waitFor();
      assert.match(await helperRow.innerText(), /admin/);

      const ownerRow = page.getByRole("row", { name: new RegExp(`owner-${suffix}@dev\\.example`) });
      await ownerRow.getByLabel(`Role of owner-${suffix}@dev.example`).selectOption("viewer");
      await ownerRow.getByRole("button", { name: "Change role" }).click();
      assert.match(await page.getByRole("alert").innerText(), /owner/i);
      await screenshot(page, `dashboard-members-last-owner-${suffix}`);

      await helperRow.getByRole("button", { name: `Remove helper-${suffix}@dev.example` }).click();
      await page.getByText("Member removed.").waitFor();
      assert.equal(await page.getByRole("row", { name: new RegExp(`helper-${suffix}`) }).count(), 0);
      const roles = await t.db.sql`select a.email, m.role from astapa.memberships m
        join astapa.accounts a on a.id = m.account_id where m.project_id = ${project.id}`;
      assert.deepEqual(roles.map((r) => [r.email, r.role]), [[`owner-${suffix}@dev.example`, "owner"]]);
    } finally {
      await close();
    }
  });
}
