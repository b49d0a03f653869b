/**
 * The hosted plan picker and checkout page in Chromium: /billing sends a stranger through the hosted login
 * and back, lists the paid plans in rupiah, opens a checkout; there QRIS shows its QR code, "Simulate payment"
 * pays in the offline sandbox, and the page turns to paid live (island + server-sent events).
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { asApp } from "@/db/client.ts";
import { createPlan, currentSubscription } from "@/db/plans.ts";
import { PaymentEventWorker } from "@/lib/payments/worker.ts";
import { testApp } from "../helpers/app.ts";
import { disconnectBrowser, openPage, screenshot } from "../helpers/browser.ts";
import { seedProject } from "../helpers/identity.ts";
import { rows } from "../helpers/db.ts";

const t = await testApp({ listen: true });
const worker = new PaymentEventWorker(t.db.sql);
await worker.start();
const project = await seedProject(t.db.sql, {
  name: "Warung Kode",
  redirectUri: "https://warung.example/cb",
});
await asApp(t.db.sql, project.id, async (tx) => {
  await createPlan(tx, project.id, { key: "pro", name: "Pro", price_idr: 49_000, interval: "month" });
  await createPlan(tx, project.id, { key: "team", name: "Team", price_idr: 1_250_000, interval: "year" });
});

Deno.test.afterAll(async () => {
  await disconnectBrowser();
  await worker.stop();
  await t.close();
});

Deno.test("billing page — sign in, pick a plan in IDR, pay by QRIS in the sandbox, paid live", async () => {
  const { page, problems, close } = await openPage();
  try {
    await page.goto(`${t.origin}/billing?client_id=${project.clientId}`);
    await page.waitForURL(/\/auth\/login/);
    await page.getByRole("link", { name: "Create an account" }).click();
    await page.waitForURL(/\/auth\/signup/); // the sign-up form, not the sign-in one still shown
    await page.getByLabel("Email").fill("sari@example.com");
    await page.getByLabel("Password").fill("nasi goreng kampung");
    await page.getByRole("button", { name: "Create account" }).click();

    await page.waitForURL(`${t.origin}/billing?client_id=${project.clientId}`);
    const text = await page.locator("ul.plans").innerText();
    assert.match(text, /Pro\s+IDR 49\.000 per month/);
    assert.match(text, /Team\s+IDR 1\.250\.000 per year/);
    assert.ok(!text.includes("Free"), "only paid plans are offered");
    await page.getByRole("button", { name: "Choose Pro" }).click();

    await page.waitForURL(/\/billing\/checkout\/chk_/);
    await page.getByLabel("QRIS").check();
    await page.getByRole("button", { name: "Continue" }).click();
    await page.locator("img.qr").waitFor();
    await page.getByRole("button", { name: "Simulate payment" }).click();
    await page.locator('[data-status="paid"]').waitFor({ timeout: 15_000 });
    await paidPageShowsOnlyTheWayBack(page, "Back to the app");
    await screenshot(page, "billing-paid-en");
    await page.reload();
    await paidPageShowsOnlyTheWayBack(page, "Back to the app");

    const [user] = await asApp(
      t.db.sql,
      project.id,
      async (tx) => rows(await tx`select id::text from astapa.users`),
    );
    const state = await asApp(t.db.sql, project.id, (tx) => currentSubscription(tx, project.id, user.id));
    assert.equal(state.plan, "pro");
    // The page now shows Pro as current.
    await page.goto(`${t.origin}/billing?client_id=${project.clientId}`);
    assert.match(await page.locator("ul.plans").innerText(), /Your current plan/);
    assert.deepEqual(problems, [], "no script errors or CSP violations");
  } finally {
    await close();
  }
});

/** Paid: the QR, the simulator and the method form are gone; the confirmation links back to the app. */
async function paidPageShowsOnlyTheWayBack(page: Page, backLabel: string) {
  await page.locator("img.qr").waitFor({ state: "hidden" });
  await page.locator("form.methods").waitFor({ state: "hidden" });
  assert.equal(await page.locator('form[action$="/simulate"]:visible').count(), 0);
  const back = page.getByRole("link", { name: backLabel });
  assert.equal(await back.getAttribute("href"), "https://warung.example/");
}

Deno.test("billing page — an Indonesian browser gets the picker and the checkout in Indonesian", async () => {
  const { page, problems, close } = await openPage({ locale: "id-ID" });
  try {
    await page.goto(`${t.origin}/billing?client_id=${project.clientId}`);
    await page.waitForURL(/\/auth\/login/);
    await page.getByRole("link", { name: "Buat akun" }).click();
    await page.waitForURL(/\/auth\/signup/); // the sign-up form, not the sign-in one still shown
    await page.getByLabel("Email").fill("budi@example.com");
    await page.getByLabel("Kata sandi").fill("soto ayam lamongan");
    await page.getByRole("button", { name: "Buat akun" }).click();

    await page.waitForURL(`${t.origin}/billing?client_id=${project.clientId}`);
    assert.equal(await page.getByRole("heading", { level: 1 }).innerText(), "Pilih paket");
    assert.equal(await page.locator("html").getAttribute("lang"), "id");
    assert.match(await page.locator("ul.plans").innerText(), /Pro\s+IDR 49\.000 per bulan/);
    await screenshot(page, "billing-plans-id");
    await page.getByRole("button", { name: "Pilih Pro" }).click();

    await page.waitForURL(/\/billing\/checkout\/chk_/);
    await page.getByText("Bagaimana Anda ingin membayar?").waitFor();
    await page.getByLabel("QRIS").check();
    await page.getByRole("button", { name: "Lanjutkan" }).click();
    await page.locator("img.qr").waitFor();
    await page.getByText("Menunggu pembayaran Anda…").waitFor();
    await page.getByText("Bayar dengan cara lain").waitFor();
    await screenshot(page, "billing-checkout-id");
    await page.getByRole("button", { name: "Simulasikan pembayaran" }).click();
    await page.getByText("Pembayaran diterima. Paket Anda sudah aktif.").waitFor({ timeout: 15_000 });
    await paidPageShowsOnlyTheWayBack(page, "Kembali ke aplikasi");
    await screenshot(page, "billing-paid-id");
    await page.reload();
    await paidPageShowsOnlyTheWayBack(page, "Kembali ke aplikasi");

    // An error page follows the language too.
    await page.goto(`${t.origin}/billing/checkout/chk_nothing`);
    assert.equal(await page.locator("html").getAttribute("lang"), "id");
    assert.equal(await page.locator(".eyebrow").textContent(), "Galat 404");
    assert.equal(await page.getByRole("heading", { level: 1 }).innerText(), "Halaman tidak ditemukan");
    await screenshot(page, "error-page-id");
    const unexpected = problems.filter((p) => !/404|400/.test(p));
    assert.deepEqual(unexpected, [], "no script errors or CSP violations");
  } finally {
    await close();
  }
});
