/**
 * The user page's Billing section in Chromium (issue 23): an owner starts a user's free trial from the plan
 * list, sees it trialing, is refused a second one with the reason in English and Indonesian, unlinks the user's
 * linked e-wallet, and follows the payment's receipt link to the printable receipt. Screenshot in
 * tests/artifacts/.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { disconnectBrowser, openPage, screenshot } from "../helpers/browser.ts";
import { signInDeveloper, signInPage } from "../helpers/dashboard.ts";
import { seedUser } from "../helpers/identity.ts";
import { seedShop } from "../helpers/payments.ts";
import { paidCheckout } from "../helpers/paid_checkouts.ts";
import { asApp } from "@/db/client.ts";
import { addMember } from "@/db/accounts.ts";
import { applyMethodCallback } from "@/db/linked_methods.ts";
import { updatePlan } from "@/db/plans.ts";
import { updateProjectSettings } from "@/db/project_settings.ts";
import { linkMethod } from "@/lib/payments/linked_methods.ts";

const t = await testApp({ listen: true });
Deno.test.afterAll(async () => {
  await disconnectBrowser();
  await t.close();
});

Deno.test("dashboard e2e — start a user's trial, a refused second one, unlink their e-wallet, open a receipt", async () => {
  const developer = await signInDeveloper(t, "billing-e2e@dev.example");
  const shop = await seedShop(t.db.sql, { email: "paying@example.com" });
  const p = shop.project.id;
  await asApp(t.db.sql, p, async (tx) => {
    await addMember(tx, p, developer.accountId, "owner");
    await updatePlan(tx, p, "pro", { trial_days: 14 });
    await updateProjectSettings(tx, p, { linked_methods: { enabled: true } });
  });
  const trialist = await seedUser(t.db.sql, p, "trialist@example.com");
  const { method } = await linkMethod(t.deps, p, shop.userId, {
    channel: "DANA",
    successUrl: "https://shop.example/linked",
    failureUrl: "https://shop.example/not-linked",
  });
  await asApp(t.db.sql, p, (tx) =>
    applyMethodCallback(tx, p, method.method_id, {
      event: "payment_method.activated",
      provider_id: method.provider_id!,
    }));
  await paidCheckout(t.db.sql, p, shop.userId);

  const { page, problems, close } = await openPage();
  try {
    await signInPage(page, t, developer);
    const base = `${t.origin}/dashboard/projects/${p}`;
    await page.goto(`${base}/users/${trialist}`);
    const billing = page.locator("#billing");
    await billing.getByLabel("Start a free trial").selectOption("pro");
    // Two tabs on the same page: the second start is refused by api.start_trial, worded in both languages.
    const stale = await page.context().newPage();
    await stale.goto(`${base}/users/${trialist}`);
    await billing.getByRole("button", { name: "Start trial" }).click();
    await page.getByText("Trial started").waitFor();
    assert.match(await billing.locator('[data-list="trials"]').innerText(), /pro[\s\S]*trialing/);
    assert.equal(await billing.getByLabel("Start a free trial").count(), 0, "no trial left to offer");
    await stale.locator("#billing").getByRole("button", { name: "Start trial" }).click();
    const alert = stale.getByRole("alert");
    await alert.waitFor();
    assert.match(await alert.innerText(), /already has a paid plan[\s\S]*sudah punya paket berbayar/);
    await stale.close();

    await page.goto(`${base}/users/${shop.userId}`);
    const row = billing.locator(`[data-method="${method.method_id}"]`);
    assert.match(await row.innerText(), /DANA[\s\S]*active/);
    await row.getByRole("button", { name: "Unlink" }).click();
    await page.getByText("E-wallet unlinked").waitFor();
    assert.match(await billing.locator(`[data-method="${method.method_id}"]`).innerText(), /expired/);
    assert.equal(await billing.getByRole("button", { name: "Unlink" }).count(), 0);
    await screenshot(page, "dashboard-user-billing");

    const receipt = billing.locator('[data-list="payments"] a').first();
    const number = await receipt.innerText();
    await receipt.click();
    await page.getByText(number).first().waitFor();
    assert.match(page.url(), /\/billing\/receipts\/rcp_[a-z2-7]{24}$/);
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});
