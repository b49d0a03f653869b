/**
 * The dashboard's Plans and Payments pages in Chromium: create a plan with the form, then watch the payments
 * list while a customer pays — the simulated Xendit webhook's payment appears at the top without a reload
 * (PaymentsLive island + server-sent events). Screenshots go to tests/artifacts/.
 */
import assert from "node:assert/strict";
import { PaymentEventWorker } from "@/lib/payments/worker.ts";
import { testApp } from "../helpers/app.ts";
import { disconnectBrowser, openPage, screenshot } from "../helpers/browser.ts";
import { addDeveloperTo, signInDeveloper, signInPage } from "../helpers/dashboard.ts";
import { basic } from "../helpers/oauth.ts";
import { seedShop } from "../helpers/payments.ts";
import { postJson } from "../helpers/token_client.ts";

const t = await testApp({ listen: true });
const worker = new PaymentEventWorker(t.db.sql);
await worker.start();
Deno.test.afterAll(async () => {
  await disconnectBrowser();
  await worker.stop();
  await t.close();
});

const developer = await signInDeveloper(t, "owner@dev.example");
const shop = await seedShop(t.db.sql, { email: "sari@example.com" });
await addDeveloperTo(t, shop.project.id, developer.accountId, "owner");
const base = `${t.origin}/dashboard/projects/${shop.project.id}`;

Deno.test("dashboard e2e — plans: list in rupiah, create a plan; payments: a paid payment appears live", async () => {
  const { page, problems, close } = await openPage();
  try {
    await signInPage(page, t, developer);
    await page.goto(`${base}/plans`);
    assert.equal(await page.getByRole("heading", { level: 1 }).innerText(), "Plans");
    assert.match(await page.locator('tr[data-plan="pro"]').innerText(), /Rp 99\.000\s+per month/);
    await page.getByLabel("Key").fill("team");
    await page.getByLabel("Name").fill("Team");
    await page.getByLabel("Price (whole rupiah)").fill("1.250.000");
    await page.getByLabel("Billing interval").selectOption("year");
    await page.getByLabel("Feature flags").fill("sso, audit_export");
    await page.getByRole("button", { name: "Create plan" }).click();
    await page.getByText("Plan created.").waitFor();
    assert.match(await page.locator('tr[data-plan="team"]').innerText(), /Rp 1\.250\.000\s+per year/);
    await screenshot(page, "dashboard-plans");
    await page.getByRole("link", { name: "Team" }).click();
    await page.getByRole("heading", { name: "Team", level: 1 }).waitFor();
    await screenshot(page, "dashboard-plan-edit");

    await page.getByRole("link", { name: "Payments" }).click();
    assert.equal(await page.getByRole("heading", { level: 1 }).innerText(), "Payments");
    await page.locator('[data-island="PaymentsLive"][data-hydrated="true"]').waitFor();
    await page.locator('[data-live="live"]').waitFor();
    assert.equal(await page.locator("tr[data-checkout]").count(), 0);

    // A customer checks out and pays by QRIS; the simulator calls the Xendit webhook.
    const { res, body } = await postJson(t, "/api/platform/checkout", {
      user: shop.userId,
      plan: "pro",
      method: "qris",
    }, { authorization: basic(shop.project.clientId, shop.project.secret) });
    assert.equal(res.status, 201, JSON.stringify(body));
    const charge = [...t.deps.xenditSandbox.paymentRequests.values()].find((p) =>
      p.referenceId === body.checkout_id
    )!;
    await t.deps.xenditSandbox.settle(charge.id, "pay");
    const row = page.locator(`tr[data-checkout="${body.checkout_id}"][data-status="paid"]`);
    await row.waitFor({ timeout: 15_000 });
    const text = await row.innerText();
    assert.match(text, /QRIS/);
    assert.match(text, /Rp 99\.000/);
    assert.match(text, /sari@example\.com/);
    assert.equal(await page.locator('svg[aria-labelledby="revenue-title revenue-desc"]').count(), 1);
    await screenshot(page, "dashboard-payments-live");
    assert.deepEqual(problems, [], "no console errors, CSP violations or failed requests");

    // Without the island, the same payment is on the page after a reload.
    await page.reload();
    await page.locator(`tr[data-checkout="${body.checkout_id}"]`).waitFor();
    assert.match(await page.locator("figure[data-chart=revenue] figcaption").innerText(), /Rp 99\.000/);
    await screenshot(page, "dashboard-payments");
  } finally {
    await close();
  }
});
