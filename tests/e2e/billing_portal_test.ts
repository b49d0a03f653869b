/**
 * The customer portal in Chromium (issue 23 item 7): a customer signs up through the portal's link, buys Pro
 * from the plan picker in the offline sandbox, then in the portal sees the renewal and the receipt, opens the
 * receipt, sees a refund succeed, schedules and withdraws a downgrade, cancels and resumes — in English, then
 * in Indonesian — with JavaScript off for the forms (they are plain forms), and axe finds nothing serious.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { createPlan, currentSubscription } from "@/db/plans.ts";
import { PaymentEventWorker } from "@/lib/payments/worker.ts";
import { testApp } from "../helpers/app.ts";
import { seriousAxeViolations } from "../helpers/axe.ts";
import { disconnectBrowser, openPage, screenshot } from "../helpers/browser.ts";
import { basic } from "../helpers/oauth.ts";
import { rows } from "../helpers/db.ts";
import { seedShop } from "../helpers/payments.ts";
import { waitFor } from "../helpers/wait.ts";

const t = await testApp({ listen: true });
const worker = new PaymentEventWorker(t.db.sql, { receiptBaseUrl: t.origin });
await worker.start();
Deno.test.afterAll(async () => {
  await disconnectBrowser();
  await worker.stop();
  await t.close();
});

const shop = await seedShop(t.db.sql, { email: "seed@example.com" });
const p = shop.project.id;
await asApp(t.db.sql, p, (tx) => createPlan(tx, p, { key: "basic", name: "Basic", price_idr: 49_000 }));
const portal = `${t.origin}/billing/account?client_id=${shop.project.clientId}`;

Deno.test("portal e2e — buy, see the receipt and a refund, change and cancel, in both languages", async () => {
  const { page, problems, close } = await openPage();
  try {
    await page.goto(portal);
    await page.waitForURL(/\/auth\/login/);
    await page.getByRole("link", { name: "Create an account" }).click();
    await page.waitForURL(/\/auth\/signup/); // the sign-up form, not the sign-in one still shown
    await page.getByLabel("Email").fill("intan@example.com");
    await page.getByLabel("Password").fill("kopi susu gula aren");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForURL(portal);
    await page.getByText("You are on the free plan.").waitFor();
    assert.deepEqual(await seriousAxeViolations(page), [], "the free user's portal is accessible");

    // Buy Pro from the plan picker the portal links to, paid in the sandbox.
    await page.getByRole("link", { name: "See the plans" }).click();
    await page.getByRole("button", { name: "Choose Pro" }).click();
    await page.waitForURL(/\/billing\/checkout\/chk_/);
    await page.getByLabel("QRIS").check();
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByRole("button", { name: "Simulate payment" }).click();
    await page.locator('[data-status="paid"]').waitFor({ timeout: 15_000 });
    const [user] = rows(
      await asApp(
        t.db.sql,
        p,
        (tx) => tx`select id::text from astapa.users where email = 'intan@example.com'`,
      ),
    );
    await waitFor(
      async () => (await asApp(t.db.sql, p, (tx) => currentSubscription(tx, p, user.id))).plan === "pro",
      "Pro",
    );

    await page.goto(portal);
    await page.locator('[data-plan="pro"]').waitFor();
    assert.match(await page.locator("[data-next-renewal]").innerText(), /Renews on .*IDR 99\.000 for Pro/);
    const row = page.locator("tr[data-receipt]");
    const number = (await row.getAttribute("data-receipt"))!;
    assert.match(number, /^TEST-R-\d{4}-000001$/);
    await screenshot(page, "portal-en");
    assert.deepEqual(await seriousAxeViolations(page), [], "the paying user's portal is accessible");

    // The receipt opens from the history.
    await page.getByRole("link", { name: number }).click();
    await page.locator("[data-receipt-number]").waitFor();
    assert.equal(await page.locator("[data-receipt-number]").innerText(), number);

    // A partial refund made by the app shows its status once Xendit (the simulator) calls back.
    const refund = await t.app.request("/api/platform/refunds", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: basic(shop.project.clientId, shop.project.secret),
      },
      body: JSON.stringify({ receipt: number, amount: 9_000, plan_effect: "none" }),
    });
    assert.equal(refund.status, 201, await refund.text());
    await waitFor(
      async () => {
        await page.goto(portal);
        return await page.locator('[data-refund-status="succeeded"]').count() === 1;
      },
      "the refund to show as refunded",
      15_000,
    );
    assert.match(await row.innerText(), /IDR 9\.000 refunded/);

    // Downgrade at the period end, then withdraw it; cancel, then keep the plan.
    await page.getByRole("button", { name: "Switch to Basic" }).click();
    await page.locator('[data-notice="scheduled"]').waitFor();
    assert.match(await page.locator("[data-open-change]").innerText(), /Your plan changes to Basic on/);
    assert.match(await page.locator("[data-next-renewal]").innerText(), /IDR 49\.000 for Basic/);
    await page.getByRole("button", { name: "Withdraw this change" }).click();
    await page.locator('[data-notice="withdrawn"]').waitFor();
    await page.getByRole("button", { name: "Cancel the plan" }).click();
    await page.locator('[data-notice="canceled"]').waitFor();
    assert.equal(
      (await asApp(t.db.sql, p, (tx) => currentSubscription(tx, p, user.id))).subscription?.status,
      "canceled",
    );

    // The same page in Indonesian.
    await page.goto(`${portal}&lang=id`);
    await page.getByText(/Dibatalkan: paket berjalan sampai/).waitFor();
    await page.getByRole("button", { name: "Tetap pakai paket (lanjutkan perpanjangan)" }).click();
    await page.locator('[data-notice="resumed"]').waitFor();
    assert.match(await page.locator("[data-notice]").innerText(), /Perpanjangan dilanjutkan/);
    assert.match(await page.locator("[data-next-renewal]").innerText(), /Diperpanjang pada/);
    assert.equal(
      (await asApp(t.db.sql, p, (tx) => currentSubscription(tx, p, user.id))).subscription?.status,
      "active",
    );
    await screenshot(page, "portal-id");
    assert.deepEqual(await seriousAxeViolations(page), [], "the Indonesian portal is accessible");
    const unexpected = problems.filter((problem) => !/\/events(\?[^:]*)?: net::ERR_ABORTED/.test(problem));
    assert.deepEqual(unexpected, [], "no script errors or CSP violations");
  } finally {
    await close();
  }
});

Deno.test("portal e2e — the forms work with JavaScript off", async () => {
  const { page, close } = await openPage({ javaScriptEnabled: false });
  try {
    await page.goto(portal);
    await page.getByRole("link", { name: "Create an account" }).click();
    await page.waitForURL(/\/auth\/signup/); // the sign-up form, not the sign-in one still shown
    await page.getByLabel("Email").fill("nojs@example.com");
    await page.getByLabel("Password").fill("teh tarik tanpa gula");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForURL(portal);
    const [user] = rows(
      await asApp(
        t.db.sql,
        p,
        (tx) => tx`select id::text from astapa.users where email = 'nojs@example.com'`,
      ),
    );
    // Paid through the app's own API (the checkout page's paying needs no portal JavaScript either).
    const now = new Date();
    await asApp(t.db.sql, p, (tx) =>
      tx`select api.assign_plan(${p}, ${user.id}::bigint, 'pro', 'payment',
           tstzrange(${now.toISOString()}::timestamptz, ${
        new Date(now.getTime() + 30 * 86_400_000).toISOString()
      }::timestamptz))`);
    await page.goto(portal);
    await page.getByRole("button", { name: "Cancel the plan" }).click();
    await page.locator('[data-notice="canceled"]').waitFor();
    await page.getByRole("button", { name: /Keep the plan/ }).click();
    await page.locator('[data-notice="resumed"]').waitFor();
    assert.equal(
      (await asApp(t.db.sql, p, (tx) => currentSubscription(tx, p, user.id))).subscription?.status,
      "active",
    );
  } finally {
    await close();
  }
});
