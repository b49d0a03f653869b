/**
 * Issue 29 item 10 in Chromium: the dashboard uses a wide screen (1280 px) with the project tabs on one line;
 * on a 390 px phone the users and mail pages do not scroll sideways (their tables stack as label: value).
 * Screenshots go to tests/artifacts/.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { disconnectBrowser, openPage, screenshot } from "../helpers/browser.ts";
import { addDeveloperTo, inviteDeveloper, signInDeveloper, signInPage } from "../helpers/dashboard.ts";
import { seedProject, seedUser } from "../helpers/identity.ts";

const t = await testApp({ listen: true });
Deno.test.afterAll(async () => {
  await disconnectBrowser();
  await t.close();
});
await inviteDeveloper(t, "layout@dev.example");
const developer = await signInDeveloper(t, "layout@dev.example");
const project = await seedProject(t.db.sql, { name: "Toko Tata Letak" });
await addDeveloperTo(t, project.id, developer.accountId, "owner");
await seedUser(t.db.sql, project.id, "a-rather-long-address.for-a-phone@subdomain.example.co.id");
await t.db.sql`insert into astapa.mail_outbox (project_id, to_address, subject, body_text, kind)
  values (${project.id}, 'a-rather-long-address.for-a-phone@subdomain.example.co.id', 'S', 'B', 'verify_email')`;
const base = `${t.origin}/dashboard/projects/${project.id}`;

async function at(width: number) {
  const opened = await openPage({ viewport: { width, height: 900 } });
  await signInPage(opened.page, t, developer);
  return opened;
}

Deno.test("dashboard layout — 1280 px: a wide main column, the project tabs on one line", async () => {
  const { page, close } = await at(1280);
  try {
    await page.goto(`${base}/audit`);
    const main = await page.locator("main").boundingBox();
    assert.ok(main && main.width >= 1200, `main is ${main?.width} px wide`);
    const tabs = await page.getByRole("navigation", { name: "Project" }).evaluate((nav) => {
      const tops = new Set(
        [...nav.querySelectorAll("a")].map((a) => Math.round(a.getBoundingClientRect().top)),
      );
      return { rows: tops.size, overflows: nav.scrollWidth > nav.clientWidth };
    });
    assert.deepEqual(tabs, { rows: 1, overflows: false });
    await screenshot(page, "dashboard-layout-1280");
  } finally {
    await close();
  }
});

Deno.test("dashboard layout — 390 px: users and mail pages do not scroll sideways", async () => {
  const { page, close } = await at(390);
  try {
    for (const path of ["users", "mail"]) {
      await page.goto(`${base}/${path}`);
      await page.getByText("a-rather-long-address.for-a-phone", { exact: false }).first().waitFor();
      const width = await page.evaluate(() => ({
        scroll: document.documentElement.scrollWidth,
        client: document.documentElement.clientWidth,
      }));
      assert.ok(width.scroll <= width.client, `${path} scrolls sideways: ${width.scroll} > ${width.client}`);
      await screenshot(page, `dashboard-layout-390-${path}`);
    }
  } finally {
    await close();
  }
});
