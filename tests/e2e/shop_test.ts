/**
 * The whole story in a real browser: the example shop (examples/shop, on the SDK) signs a new person up
 * through the hosted login, hides its Pro feature, upgrades through the hosted checkout in the offline
 * sandbox, and after a refresh the token says "pro" and the feature opens.
 */
import assert from "node:assert/strict";
import type { Hono } from "hono";
import { asApp } from "@/db/client.ts";
import { createPlan } from "@/db/plans.ts";
import { PaymentEventWorker } from "@/lib/payments/worker.ts";
import { createShop } from "@/examples/shop/app.ts";
import { testApp } from "../helpers/app.ts";
import { disconnectBrowser, openPage } from "../helpers/browser.ts";
import { seedProject } from "../helpers/identity.ts";

const t = await testApp({ listen: true });
const worker = new PaymentEventWorker(t.db.sql);
await worker.start();
const served: { shop?: Hono } = {};
const shopServer = Deno.serve(
  { hostname: "127.0.0.1", port: 0, onListen: () => {} },
  (req) => served.shop!.fetch(req),
);
const shopOrigin = `http://127.0.0.1:${shopServer.addr.port}`;
const project = await seedProject(t.db.sql, { name: "Kopi Shop", redirectUri: `${shopOrigin}/callback` });
await asApp(
  t.db.sql,
  project.id,
  (tx) => createPlan(tx, project.id, { key: "pro", name: "Pro", price_idr: 49_000, interval: "month" }),
);
served.shop = createShop({
  astapaUrl: t.origin,
  clientId: project.clientId,
  clientSecret: project.secret,
  origin: shopOrigin,
});

Deno.test.afterAll(async () => {
  await disconnectBrowser();
  await shopServer.shutdown();
  await worker.stop();
  await t.close();
});

Deno.test("shop — sign up through the hosted login, upgrade in the sandbox, the Pro feature opens", async () => {
  const { page, problems, close } = await openPage();
  try {
    await page.goto(shopOrigin);
    await page.click("#sign-in");
    await page.waitForURL(/\/auth\/login/);
    assert.match(await page.locator("#auth-heading").innerText(), /Sign in/);
    await page.getByRole("link", { name: "Create an account" }).click();
    await page.waitForURL(/\/auth\/signup/); // the sign-up form, not the sign-in one still shown
    await page.getByLabel("Email").fill("budi@example.com");
    await page.getByLabel("Password").fill("kopi susu gula aren");
    await page.getByRole("button", { name: "Create account" }).click();

    await page.waitForURL(`${shopOrigin}/`);
    assert.equal(await page.locator("#plan").innerText(), "free");
    const reports = await page.goto(`${shopOrigin}/reports`);
    assert.equal(reports?.status(), 403);

    await page.goto(shopOrigin);
    await page.click("#upgrade");
    await page.waitForURL(/\/billing\/checkout\//);
    await page.getByLabel("QRIS").check();
    await page.getByRole("button", { name: "Continue" }).click();
    await page.locator("img.qr").waitFor();
    await page.getByRole("button", { name: "Simulate payment" }).click();
    await page.locator('[data-status="paid"]').waitFor({ timeout: 15_000 });

    await page.goto(shopOrigin);
    await page.click("#refresh");
    await page.waitForFunction(() => document.querySelector("#plan")?.textContent === "pro");
    const opened = await page.goto(`${shopOrigin}/reports`);
    assert.equal(opened?.status(), 200);
    assert.equal(await page.locator("#reports").innerText(), "Sales reports");
    // Expected: the shop's own 403 (/reports before paying) and its missing favicon; nothing else.
    const unexpected = problems.filter((p) => !/status of (403|404)/.test(p));
    assert.deepEqual(unexpected, [], "no script errors or CSP violations");
  } finally {
    await close();
  }
});
