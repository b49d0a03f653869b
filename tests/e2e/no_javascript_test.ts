/**
 * The pages with JavaScript off (issue 29 item 10): controls that need a script are hidden or work without
 * it. The home page shows all three integration steps instead of dead tabs; copy buttons are not shown (the
 * values are there to select); the dashboard's forms, empty-state links and the docs search work as plain
 * HTML. With JavaScript on, the same controls appear once hydrated. Screenshots go to tests/artifacts/.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { disconnectBrowser, openPage, screenshot } from "../helpers/browser.ts";
import { addDeveloperTo, signInDeveloper, signInPage } from "../helpers/dashboard.ts";
import { seedProject } from "../helpers/identity.ts";

const t = await testApp({ listen: true });
Deno.test.afterAll(async () => {
  await disconnectBrowser();
  await t.close();
});

const developer = await signInDeveloper(t, "nojs@dev.example");
const project = await seedProject(t.db.sql, {
  name: "Toko Tanpa Skrip",
  redirectUri: "https://tanpa.example/cb",
});
await addDeveloperTo(t, project.id, developer.accountId, "owner");
const base = `/dashboard/projects/${project.id}`;

Deno.test("no JavaScript — the home page shows every integration step, with no tabs that would not work", async () => {
  const { page, close } = await openPage({ javaScriptEnabled: false });
  try {
    await page.goto(`${t.origin}/`);
    assert.equal(await page.getByRole("tab").count(), 0, "no tabs without a script");
    const steps = page.locator(".quickstart pre");
    assert.equal(await steps.count(), 3);
    const text = (await steps.allInnerTexts()).join("\n");
    assert.match(text, /\/auth\/login/);
    assert.match(text, /code_challenge/);
    assert.match(text, /\/api\/platform\/token/);
    assert.match(text, /jwks\.json/);
    await screenshot(page, "home-no-javascript");
  } finally {
    await close();
  }
});

for (const javaScriptEnabled of [false, true]) {
  const label = javaScriptEnabled ? "on" : "off";
  Deno.test(`no JavaScript (${label}) — copy buttons only where they work; the client id is on the page to select`, async () => {
    const { page, close } = await openPage({ javaScriptEnabled });
    try {
      await signInPage(page, t, developer);
      await page.goto(`${t.origin}${base}`);
      assert.ok(await page.getByText(project.clientId).first().isVisible());
      const copy = page.locator("button.copy");
      assert.ok(await copy.count() > 0, "the page has copy buttons");
      if (javaScriptEnabled) {
        await page.locator('[data-island="CopyButton"][data-hydrated="true"]').first().waitFor();
        await copy.first().waitFor({ state: "visible" });
      } else {
        for (const button of await copy.all()) assert.equal(await button.isVisible(), false);
      }
      await screenshot(page, `dashboard-project-javascript-${label}`);
    } finally {
      await close();
    }
  });
}

Deno.test("copy buttons appearing move nothing beside or below them (no click lands on what moved)", async () => {
  // A phone's width, where a value and its button share a wrapping line.
  const tops = async (islands: boolean) => {
    const { page, close } = await openPage({ viewport: { width: 360, height: 740 } });
    try {
      await signInPage(page, t, developer);
      if (!islands) await page.route("**/islands/**", (route) => route.abort());
      await page.goto(`${t.origin}${base}`);
      if (islands) await page.locator("button.copy").first().waitFor({ state: "visible" });
      return {
        copy: (await page.locator("button.copy").first().boundingBox())?.y,
        below: (await page.getByLabel("Add a redirect URI").boundingBox())!.y,
      };
    } finally {
      await close();
    }
  };
  const [hydrated, plain] = [await tops(true), await tops(false)];
  assert.equal(hydrated.below, plain.below);
  assert.equal(hydrated.copy, plain.copy, "the hidden button holds the place it will show in");
});

Deno.test("no JavaScript — dashboard forms, empty-state links and the docs search work as plain HTML", async () => {
  const { page, close } = await openPage({ javaScriptEnabled: false });
  try {
    await signInPage(page, t, developer);
    // A form: add a redirect URI.
    await page.goto(`${t.origin}${base}`);
    await page.getByLabel("Add a redirect URI").fill("https://tanpa.example/second");
    await page.getByRole("button", { name: "Add", exact: true }).click();
    await page.getByText("https://tanpa.example/second").first().waitFor();
    // An empty state's first step: the users page leads to the hosted sign-up of this project.
    await page.goto(`${t.origin}${base}/users`);
    await page.locator("[data-empty-state] a.button").click();
    await page.waitForURL(/\/auth\/signup\?/);
    assert.equal(await page.locator("input[name=email]").count(), 1);
    // The payments page without the live island: the server's list and a note to reload.
    await page.goto(`${t.origin}${base}/payments`);
    assert.match(await page.locator(".live-state").innerText(), /Reload the page/);
    assert.equal(await page.locator("[data-empty-state]").count(), 1);
    // The docs search is a GET form.
    await page.goto(`${t.origin}/docs/tokens`);
    await page.getByLabel("Search the docs").fill("refresh token");
    await page.getByRole("button", { name: "Search" }).click();
    await page.waitForURL(/\/docs\/search\?q=refresh\+token/);
    assert.ok(await page.locator("ol.search-hits li").count() > 0);
    await screenshot(page, "docs-search-no-javascript");
  } finally {
    await close();
  }
});
