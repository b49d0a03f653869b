import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { disconnectBrowser, openPage } from "../helpers/browser.ts";

const t = await testApp({ listen: true });
Deno.test.afterAll(async () => {
  await disconnectBrowser();
  await t.close();
});

Deno.test("home page — the QuickStart island hydrates and switches tabs on click", async () => {
  const { page, problems, close } = await openPage();
  try {
    await page.goto(`${t.origin}/`);
    await page.locator('[data-island="QuickStart"][data-hydrated="true"]').waitFor();
    const code = page.locator("#quickstart-code");
    assert.match(await code.innerText(), /auth\/login/);

    await page.getByRole("tab", { name: /Exchange/ }).click();
    await page.waitForFunction(() =>
      document.querySelector("#quickstart-code")?.textContent?.includes("token")
    );
    assert.match(await code.innerText(), /api\/platform\/token/);
    assert.equal(await page.getByRole("tab", { name: /Exchange/ }).getAttribute("aria-selected"), "true");
    assert.equal(await page.getByRole("tab", { name: /Redirect/ }).getAttribute("aria-selected"), "false");
    assert.deepEqual(problems, [], "no console errors, CSP violations or failed requests");
  } finally {
    await close();
  }
});

Deno.test("error page — a missing page renders a readable page with a reference", async () => {
  const { page, close } = await openPage();
  try {
    const response = await page.goto(`${t.origin}/no-such-page`);
    assert.equal(response?.status(), 404);
    assert.equal(await page.getByRole("heading", { level: 1 }).innerText(), "Page not found");
    assert.match(await page.locator("code").last().innerText(), /^[0-9a-f-]{36}$/);
  } finally {
    await close();
  }
});
