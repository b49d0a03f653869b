/**
 * Receipts and refunds in Chromium: a customer pays on the hosted checkout (offline sandbox), the developer
 * opens the numbered receipt from the dashboard (PPN lines of a PKP, printable), then refunds it there with
 * "end the plan now"; the simulator's refund callback makes the refund succeed and the receipt shows it.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { currentSubscription } from "@/db/plans.ts";
import { setTaxSettings } from "@/db/receipts.ts";
import { PaymentEventWorker } from "@/lib/payments/worker.ts";
import { testApp } from "../helpers/app.ts";
import { seriousAxeViolations } from "../helpers/axe.ts";
import { disconnectBrowser, openPage, screenshot } from "../helpers/browser.ts";
import { addDeveloperTo, signInDeveloper, signInPage } from "../helpers/dashboard.ts";
import { basic } from "../helpers/oauth.ts";
import { seedShop } from "../helpers/payments.ts";
import { waitFor } from "../helpers/wait.ts";
import { postJson } from "../helpers/token_client.ts";

const t = await testApp({ listen: true });
const worker = new PaymentEventWorker(t.db.sql, { receiptBaseUrl: t.origin });
await worker.start();
Deno.test.afterAll(async () => {
  await disconnectBrowser();
  await worker.stop();
  await t.close();
});

const developer = await signInDeveloper(t, "owner@dev.example");
const shop = await seedShop(t.db.sql, { email: "wulan@example.com", price: 111_000 });
const p = shop.project.id;
await addDeveloperTo(t, p, developer.accountId, "owner");
await asApp(t.db.sql, p, (tx) => setTaxSettings(tx, p, { pkp: true, seller_name: "PT Warung Awan" }));

Deno.test("receipts e2e — pay on the checkout page, open the receipt, refund it from the dashboard", async () => {
  const { page, problems, close } = await openPage();
  try {
    const { res, body } = await postJson(t, "/api/platform/checkout", {
      user: shop.userId,
      plan: "pro",
      buyer_tax_id: "3171012345678901",
    }, { authorization: basic(shop.project.clientId, shop.project.secret) });
    assert.equal(res.status, 201, JSON.stringify(body));
    await page.goto(body.checkout_url);
    await page.getByLabel("QRIS").check();
    await page.getByRole("button", { name: "Continue" }).click();
    await page.locator("img.qr").waitFor();
    await page.getByRole("button", { name: "Simulate payment" }).click();
    await page.locator('[data-status="paid"]').waitFor({ timeout: 15_000 });

    await signInPage(page, t, developer);
    const receipts = `${t.origin}/dashboard/projects/${p}/receipts`;
    await page.goto(`${t.origin}/dashboard/projects/${p}/payments`);
    await page.getByRole("link", { name: "Receipts and refunds" }).click();
    const row = page.locator("tr[data-receipt]");
    await row.waitFor();
    const number = await row.getAttribute("data-receipt");
    assert.match(number!, /^TEST-R-\d{4}-000001$/);
    await page.getByRole("link", { name: number! }).click();
    await page.locator("[data-receipt-number]").waitFor();
    assert.equal(await page.locator("[data-receipt-number]").innerText(), number);
    assert.equal(await page.locator("[data-tax-base]").innerText(), "IDR 91.667");
    assert.equal(await page.locator("[data-ppn]").innerText(), "IDR 11.000");
    assert.equal(await page.locator("[data-total]").innerText(), "IDR 111.000");
    assert.match(await page.locator(".receipt").innerText(), /NPWP \/ NIK: 3171012345678901/);
    await page.emulateMedia({ media: "print" });
    assert.equal(await page.locator(".no-print").isVisible(), false, "the print hint is not printed");
    await page.emulateMedia({ media: "screen" });
    await screenshot(page, "receipt-en");
    assert.deepEqual(await seriousAxeViolations(page), [], "the receipt page is accessible");

    await page.goto(receipts);
    assert.deepEqual(await seriousAxeViolations(page), [], "the receipts page is accessible");
    await page.getByLabel("Plan").selectOption("end_now");
    await page.getByRole("button", { name: `Refund ${number}` }).click();
    await page.getByText("Refund sent to Xendit").waitFor();
    await waitFor(
      async () => {
        await page.reload();
        return await page.locator('tr[data-refund][data-status="succeeded"]').count() === 1;
      },
      "the refund to succeed",
      15_000,
    );
    assert.match(await page.locator(`tr[data-receipt="${number}"]`).innerText(), /Refunded in full/);
    await screenshot(page, "dashboard-receipts-refunded");
    const state = await asApp(t.db.sql, p, (tx) => currentSubscription(tx, p, shop.userId));
    assert.equal(state.plan, "free", "the plan ended with the refund");

    await page.goto(`${t.origin}/billing/receipts/${await receiptIdOf(number!)}?lang=id`);
    assert.equal(await page.locator("[data-refunded]").innerText(), "-IDR 111.000");
    assert.equal(await page.locator("[data-net]").innerText(), "IDR 0");
    assert.deepEqual(problems, [], "no script errors or CSP violations");
  } finally {
    await close();
  }
});

async function receiptIdOf(number: string): Promise<string> {
  const [row] = await t.db.sql`select public_id from astapa.receipts where number = ${number}`;
  return row.public_id;
}
