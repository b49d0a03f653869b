/**
 * The dashboard in Chromium with a developer's session: create a project, copy its credentials (the copy
 * island hydrates), add a redirect URI, look at users. Screenshots of each page go to .tmp/screenshots/.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { disconnectBrowser, openPage } from "../helpers/browser.ts";
import { signInDeveloper, signInPage } from "../helpers/dashboard.ts";
import { seedUser } from "../helpers/identity.ts";

const t = await testApp({ listen: true });
Deno.test.afterAll(async () => {
  await disconnectBrowser();
  await t.close();
});

const SHOTS = new URL("../../.tmp/screenshots/", import.meta.url).pathname;
await Deno.mkdir(SHOTS, { recursive: true });

Deno.test("dashboard e2e — create a project, copy credentials, add a redirect URI, browse users", async () => {
  const developer = await signInDeveloper(t, "first@dev.example");
  const { page, problems, close } = await openPage();
  try {
    await signInPage(page, t, developer);
    await page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: t.origin });
    await page.goto(`${t.origin}/dashboard`);
    assert.equal(await page.getByRole("heading", { level: 1 }).innerText(), "Projects");
    await page.screenshot({ path: `${SHOTS}dashboard-projects-empty.png`, fullPage: true });

    await page.getByRole("link", { name: "New project" }).click();
    await page.screenshot({ path: `${SHOTS}dashboard-new-project.png`, fullPage: true });
    await page.getByLabel("Name").fill("Kopi Shop");
    await page.getByRole("button", { name: "Create project" }).click();
    await page.getByRole("heading", { name: "Kopi Shop is ready" }).waitFor();
    const secret = await page.locator('[data-credential="client_secret"]').innerText();
    assert.match(secret, /^acs_[A-Za-z0-9_-]{43}$/);
    await page.locator('[data-island="CopyButton"][data-hydrated="true"]').first().waitFor();
    await page.locator(".secret dd").nth(1).getByRole("button", { name: "Copy" }).click();
    await page.getByRole("button", { name: "Copied" }).waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);
    await page.screenshot({ path: `${SHOTS}dashboard-credentials.png`, fullPage: true });

    await page.getByRole("link", { name: "Continue to the project" }).click();
    await page.getByLabel("Add a redirect URI").fill("http://localhost:3000/callback");
    await page.getByRole("button", { name: "Add", exact: true }).click();
    await page.getByText("Redirect URI added.").waitFor();
    assert.equal(await page.locator(".uri-list code").innerText(), "http://localhost:3000/callback");
    await page.screenshot({ path: `${SHOTS}dashboard-project.png`, fullPage: true });

    const projectId = /\/dashboard\/projects\/(proj_[a-z2-7]+)/.exec(page.url())![1];
    await seedUser(t.db.sql, projectId, "ayu@example.com", { verified: true });
    await page.getByRole("link", { name: "Users" }).click();
    await page.getByRole("link", { name: "ayu@example.com" }).click();
    assert.equal(await page.getByRole("heading", { level: 1 }).innerText(), "ayu@example.com");
    await page.screenshot({ path: `${SHOTS}dashboard-user.png`, fullPage: true });
    await page.goto(`${t.origin}/dashboard/projects/${projectId}/users`);
    await page.screenshot({ path: `${SHOTS}dashboard-users.png`, fullPage: true });
    await page.goto(`${t.origin}/dashboard`);
    await page.screenshot({ path: `${SHOTS}dashboard-projects.png`, fullPage: true });
    assert.deepEqual(problems, [], "no console errors, CSP violations or failed requests");
  } finally {
    await close();
  }
});
