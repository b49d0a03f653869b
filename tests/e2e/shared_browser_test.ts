/**
 * The run's one Chromium is shared by every test file at once: what one test copies must never be what
 * another reads back (issue 29, item 14). Each context has a clipboard of its own (tests/helpers/browser.ts).
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { disconnectBrowser, openPage } from "../helpers/browser.ts";

const t = await testApp({ listen: true });
Deno.test.afterAll(async () => {
  await disconnectBrowser();
  await t.close();
});

Deno.test("shared browser — two contexts copying at once each read back their own text", async () => {
  const pages = await Promise.all([openPage(), openPage()]);
  try {
    for (const { page } of pages) {
      await page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: t.origin });
      await page.goto(`${t.origin}/`);
    }
    // Interleave the writes: on the real (browser-wide) clipboard the second write would win for both.
    for (let round = 0; round < 5; round++) {
      await Promise.all(
        pages.map(({ page }, i) =>
          page.evaluate((text) => navigator.clipboard.writeText(text), `ctx${i}-${round}`)
        ),
      );
      for (const [i, { page, copied }] of pages.entries()) {
        assert.equal(await page.evaluate(() => navigator.clipboard.readText()), `ctx${i}-${round}`);
        assert.equal(copied(), `ctx${i}-${round}`);
      }
    }
    // The record survives a navigation within the context.
    await pages[0].page.goto(`${t.origin}/docs`);
    assert.equal(await pages[0].page.evaluate(() => navigator.clipboard.readText()), "ctx0-4");
  } finally {
    await Promise.all(pages.map(({ close }) => close()));
  }
});

Deno.test("shared browser — a new context starts with an empty clipboard of its own", async () => {
  const first = await openPage();
  const second = await openPage();
  try {
    await first.page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: t.origin });
    await first.page.goto(`${t.origin}/`);
    await first.page.evaluate(() => navigator.clipboard.writeText("only-mine"));
    await second.page.goto(`${t.origin}/`);
    assert.equal(await second.page.evaluate(() => navigator.clipboard.readText()), "");
    assert.equal(second.copied(), undefined);
    assert.equal(first.copied(), "only-mine");
  } finally {
    await first.close();
    await second.close();
  }
});
