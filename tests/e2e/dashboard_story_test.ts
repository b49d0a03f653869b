/**
 * Issue 10's story in one browser run: the first developer signs up through Astapa's own hosted login, creates
 * a project, takes its credentials to an app (the example shop), a person signs up there, the developer puts
 * them on Pro, the app's next refresh says "pro", and after going live the sandbox person can no longer sign in.
 */
import assert from "node:assert/strict";
import type { Hono } from "hono";
import { asApp } from "@/db/client.ts";
import { createShop } from "@/examples/shop/app.ts";
import { testApp } from "../helpers/app.ts";
import { disconnectBrowser, openPage, screenshot } from "../helpers/browser.ts";

const t = await testApp({ listen: true });
const served: { shop?: Hono } = {};
const shopServer = Deno.serve(
  { hostname: "127.0.0.1", port: 0, onListen: () => {} },
  (req) => served.shop!.fetch(req),
);
const shopOrigin = `http://127.0.0.1:${shopServer.addr.port}`;
Deno.test.afterAll(async () => {
  await disconnectBrowser();
  await shopServer.shutdown();
  await t.close();
});

Deno.test("dashboard story — sign up as the first developer, ship an app, assign a plan, go live", async () => {
  const developer = await openPage();
  const customer = await openPage();
  const dev = developer.page;
  const person = customer.page;
  try {
    // The first developer signs up through the hosted login of the console project.
    await dev.goto(`${t.origin}/dashboard`);
    await dev.waitForURL(/\/auth\/login/);
    await dev.getByRole("link", { name: "Create an account" }).click();
    await dev.waitForURL(/\/auth\/signup/); // the sign-up form, not the sign-in one still shown
    await dev.getByLabel("Email").fill("founder@kopi.example");
    await dev.getByLabel("Password").fill("a long founder password");
    await dev.getByRole("button", { name: "Create account" }).click();
    await dev.waitForURL(`${t.origin}/dashboard`);
    assert.equal(await dev.getByRole("heading", { level: 1 }).innerText(), "Projects");

    // A project, its credentials (shown once), and the app's callback as redirect URI.
    await dev.getByRole("link", { name: "New project" }).click();
    await dev.getByLabel("Name", { exact: true }).fill("Kopi Shop");
    await dev.getByRole("button", { name: "Create project" }).click();
    const clientId = await dev.locator('[data-credential="client_id"]').innerText();
    const clientSecret = await dev.locator('[data-credential="client_secret"]').innerText();
    await screenshot(dev, "dashboard-story-credentials");
    await dev.getByRole("link", { name: "Continue to the project" }).click();
    await dev.getByLabel("Add a redirect URI").fill(`${shopOrigin}/callback`);
    await dev.getByRole("button", { name: "Add", exact: true }).click();
    await dev.getByText("Redirect URI added.").waitFor();
    const projectUrl = dev.url();
    const projectId = /\/dashboard\/projects\/(proj_[a-z2-7]+)/.exec(projectUrl)![1];
    await asApp(
      t.db.sql,
      projectId,
      (tx) => tx`select api.create_plan(${projectId}, '{"key": "pro", "name": "Pro"}')`,
    );

    // The app, configured with what the dashboard showed; a person signs up there.
    served.shop = createShop({ astapaUrl: t.origin, clientId, clientSecret, origin: shopOrigin });
    await person.goto(shopOrigin);
    await person.click("#sign-in");
    await person.getByRole("link", { name: "Create an account" }).click();
    await person.waitForURL(/\/auth\/signup/); // the sign-up form, not the sign-in one still shown
    await person.getByLabel("Email").fill("sari@example.com");
    await person.getByLabel("Password").fill("sari's long password");
    await person.getByRole("button", { name: "Create account" }).click();
    // Once in a CI run this wait timed out with nothing to say where the page stood: the timeout now names it.
    await person.waitForURL(`${shopOrigin}/`).catch(async (error) => {
      const shown = await person.locator("h1, [role=alert]").allInnerTexts().catch(() => []);
      throw new Error(`still at ${person.url()} showing ${JSON.stringify(shown)}`, { cause: error });
    });
    assert.equal(await person.locator("#plan").innerText(), "free");

    // The developer finds them and assigns Pro; the app's next refresh carries it.
    await dev.goto(projectUrl);
    await dev.getByRole("link", { name: "Users" }).click();
    await dev.getByRole("link", { name: "sari@example.com" }).click();
    await dev.getByLabel("Assign a plan").selectOption("pro");
    await dev.getByRole("button", { name: "Assign" }).click();
    await dev.getByText('plan: "pro"').waitFor();
    await person.click("#refresh");
    await person.waitForFunction(() => document.querySelector("#plan")?.textContent === "pro");

    // Going live needs live Xendit keys, entered on the Settings page; sandbox people stay in the sandbox.
    await dev.goto(`${t.origin}/dashboard/projects/${projectId}/settings`);
    await dev.getByLabel("Live secret key").fill("xnd_production_kopi_live_key_1");
    await dev.getByLabel("Live webhook verification token").fill("kopi-live-callback-token");
    await dev.getByRole("button", { name: "Save live keys" }).click();
    await dev.getByText("Xendit keys saved").waitFor();
    await dev.goto(projectUrl);
    await dev.getByLabel(/Type the project name/).fill("Kopi Shop");
    await dev.getByRole("button", { name: "Go live: switch to production" }).click();
    await dev.locator(".badge.production").first().waitFor();
    await screenshot(dev, "dashboard-story-live");
    await person.context().clearCookies();
    await person.goto(shopOrigin);
    await person.click("#sign-in");
    await person.getByLabel("Email").fill("sari@example.com");
    await person.getByLabel("Password").fill("sari's long password");
    await person.getByRole("button", { name: "Sign in" }).click();
    assert.match(await person.getByRole("alert").innerText(), /do not match/);
  } finally {
    await developer.close();
    await customer.close();
  }
});
