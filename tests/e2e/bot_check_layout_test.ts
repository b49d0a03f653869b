/**
 * The bot check's widget appearing moves nothing below it, in Chromium: a click aimed at the sign-in button while
 * the provider's script loads lands on the button. The providers are unreachable here, so `page.route` serves a
 * local fake of each one's script that, once the test lets it, draws a box of the provider's documented size
 * (for the size the page asked for, the provider's default "normal" if none) into the widget: Turnstile and
 * hCaptcha, "normal" on a wide screen and "compact" on a phone's, where a normal widget would overflow the form.
 * Without JavaScript no place is kept and the form says the check needs JavaScript.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { testApp } from "../helpers/app.ts";
import { disconnectBrowser, openPage, screenshot } from "../helpers/browser.ts";
import { seedProject } from "../helpers/identity.ts";
import { type BotCheckProvider, sealBotSecret } from "@/lib/login/bot_check.ts";

const t = await testApp({ listen: true });
Deno.test.afterAll(async () => {
  await disconnectBrowser();
  await t.close();
});

// The providers' documented widget sizes, [width, height] in CSS pixels: Cloudflare's "Widget" page (Turnstile)
// and hCaptcha's own WordPress plugin, which keeps these places for its widget.
const SIZES: Record<BotCheckProvider, Record<"normal" | "compact", [number, number]>> = {
  turnstile: { normal: [300, 65], compact: [150, 140] },
  hcaptcha: { normal: [303, 78], compact: [164, 144] },
};
const SCRIPT: Record<BotCheckProvider, RegExp> = {
  turnstile: /^https:\/\/challenges\.cloudflare\.com\/turnstile\/v0\/api\.js(\?.*)?$/,
  hcaptcha: /^https:\/\/js\.hcaptcha\.com\/1\/api\.js(\?.*)?$/,
};
const WIDGET: Record<BotCheckProvider, string> = { turnstile: ".cf-turnstile", hcaptcha: ".h-captcha" };
const SCREENS = {
  wide: { viewport: { width: 1280, height: 800 }, size: "normal" },
  phone: { viewport: { width: 360, height: 740 }, size: "compact" },
} as const;

/** A project whose sign-in form has `provider`'s widget. */
async function protectedProject(provider: BotCheckProvider) {
  const project = await seedProject(t.db.sql, {
    name: `Warung ${provider}`,
    redirectUri: "https://warung.example/callback",
  });
  const sealed = await sealBotSecret(t.deps.masterKeys.social, project.id, provider, "secret-of-the-fake");
  const setting = { provider, site_key: "site-key-of-the-fake", secret_key_sealed: sealed, on: ["sign_in"] };
  await t.db.sql`update astapa.projects set settings = settings || ${
    t.db.sql.json({ bot_protection: setting })
  } where id = ${project.id}`;
  return project;
}

/** The fake provider script: a box of the documented size in each widget, as the provider's own draws. */
function fakeScript(provider: BotCheckProvider): string {
  return `for (const widget of document.querySelectorAll(${JSON.stringify(WIDGET[provider])})) {
    const [width, height] = ${JSON.stringify(SIZES[provider])}[widget.dataset.size || "normal"];
    const box = document.createElement("div");
    box.className = "fake-widget";
    box.style.width = width + "px";
    box.style.height = height + "px";
    widget.append(box);
  }`;
}

const signInUrl = (project: { clientId: string; redirectUri: string }) =>
  `${t.origin}/auth/login?${new URLSearchParams({
    client_id: project.clientId,
    redirect_uri: project.redirectUri,
    state: "s",
  })}`;

const topOf = async (page: Page, role: "button", name: string) =>
  (await page.getByRole(role, { name, exact: true }).boundingBox())!.y;

for (const provider of ["turnstile", "hcaptcha"] as const) {
  const project = await protectedProject(provider);
  for (const [screen, { viewport, size }] of Object.entries(SCREENS)) {
    Deno.test(`bot check layout — ${provider} on a ${screen} screen: the ${size} widget appearing moves nothing below it`, async () => {
      const { page, problems, close } = await openPage({ viewport });
      const requested = Promise.withResolvers<void>();
      const released = Promise.withResolvers<void>();
      try {
        await page.route(SCRIPT[provider], async (route) => {
          requested.resolve();
          await released.promise; // the provider's script is still loading until the test says
          await route.fulfill({ contentType: "text/javascript", body: fakeScript(provider) });
        });
        await page.goto(signInUrl(project), { waitUntil: "domcontentloaded" });
        await requested.promise;
        // The islands are hydrated (the password toggle keeps its place anyway): only the widget is to come.
        await page.locator('[data-island="PasswordToggle"][data-hydrated="true"]').waitFor();
        const widget = page.locator(WIDGET[provider]);
        const before = await topOf(page, "button", "Sign in");

        released.resolve();
        const drawn = page.locator(`${WIDGET[provider]} .fake-widget`);
        await drawn.waitFor();
        assert.equal(await topOf(page, "button", "Sign in"), before, "the sign-in button did not move");
        assert.equal(await widget.getAttribute("data-size"), size, "the page asks for a definite size");
        const box = (await drawn.boundingBox())!;
        assert.deepEqual([box.width, box.height], SIZES[provider][size], "the provider drew that size");
        const form = (await page.locator("form").filter({ has: widget }).boundingBox())!;
        assert.ok(box.x + box.width <= form.x + form.width, "the widget fits in the form");
        await screenshot(page, `bot-check-${provider}-${screen}`);
        assert.deepEqual(problems, [], "no console errors or CSP violations");
      } finally {
        released.resolve();
        await close();
      }
    });
  }

  Deno.test(`bot check layout — ${provider} without JavaScript: no place kept, the form says the check needs it`, async () => {
    const { page, close } = await openPage({ javaScriptEnabled: false });
    try {
      await page.goto(signInUrl(project));
      const message = page.getByRole("alert").filter({ hasText: /needs JavaScript/ });
      assert.ok(await message.isVisible(), "the no-JavaScript message shows");
      assert.equal((await page.locator(WIDGET[provider]).boundingBox())!.height, 0, "no empty place kept");
      const below = (await message.boundingBox())!;
      assert.ok(await topOf(page, "button", "Sign in") >= below.y + below.height, "the button under it");
      await screenshot(page, `bot-check-${provider}-no-javascript`);
    } finally {
      await close();
    }
  });
}
