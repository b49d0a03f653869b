/**
 * Direct debit and cards on file for automatic renewal in Chromium (issue 23 item 6): with the project's
 * switches on, Wulan (English) links BRI direct debit on the portal and confirms it with the code her bank sent;
 * Bayu (Bahasa Indonesia) links Mandiri direct debit on the bank's page and a Visa card through its 3-D Secure
 * page — the card form is Xendit.js's, so the number goes from Chromium to the simulator and the portal receives
 * only the method's id. Without JavaScript the card says it needs it, and Mandiri still links. The billing pass
 * on the controllable clock charges both renewals — Wulan's to BRI, Bayu's to the card he linked last — and the
 * portal shows each receipt, with no pay link asked for.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { asApp } from "@/db/client.ts";
import { listMail } from "@/db/billing.ts";
import { setXenditKeys } from "@/db/payments.ts";
import { assignPlan, currentSubscription } from "@/db/plans.ts";
import { updateProjectSettings } from "@/db/project_settings.ts";
import { sealXenditKeys } from "@/lib/payments/accounts.ts";
import { BillingScheduler } from "@/lib/payments/billing_scheduler.ts";
import { PaymentEventWorker } from "@/lib/payments/worker.ts";
import { testApp } from "../helpers/app.ts";
import { seriousAxeViolations } from "../helpers/axe.ts";
import { disconnectBrowser, openPage } from "../helpers/browser.ts";
import { rows } from "../helpers/db.ts";
import { seedShop } from "../helpers/payments.ts";
import { waitFor } from "../helpers/wait.ts";
import { serveSimulator, TEST_CALLBACK_TOKEN, TEST_PUBLIC_KEY, TEST_SECRET_KEY } from "../helpers/xendit.ts";
import { setXenditPublicKey } from "@/db/linked_methods.ts";

const served = serveSimulator();
const t = await testApp({ listen: true, env: { XENDIT_BASE_URL: served.url } });
served.sim.accounts.get(TEST_SECRET_KEY)!.webhookUrl = `${t.origin}/api/webhooks/xendit`;
const worker = new PaymentEventWorker(t.db.sql, { receiptBaseUrl: t.origin });
await worker.start();
Deno.test.afterAll(async () => {
  await disconnectBrowser();
  await worker.stop();
  await served.close();
  await t.close();
});

const DAY = 86_400_000;
const shop = await seedShop(t.db.sql, { email: "seed@example.com" });
const p = shop.project.id;
await asApp(t.db.sql, p, async (tx) => {
  await setXenditKeys(
    tx,
    p,
    "sandbox",
    await sealXenditKeys(t.deps.masterKeys.payments, p, "sandbox", {
      secretKey: TEST_SECRET_KEY,
      callbackToken: TEST_CALLBACK_TOKEN,
    }),
  );
  await setXenditPublicKey(tx, p, "sandbox", TEST_PUBLIC_KEY);
  await updateProjectSettings(tx, p, { linked_methods: { enabled: true, direct_debit: true, cards: true } });
});
const portal = `${t.origin}/billing/account?client_id=${shop.project.clientId}`;
const paidThrough = new Date(Date.now() + 5 * DAY);

/** Signs up on the hosted login (which returns to the portal) and gives the user a paid month of Pro. */
async function signUpPaying(page: Page, email: string): Promise<string> {
  await page.goto(portal);
  await page.waitForURL(/\/auth\/login/);
  await page.getByRole("link", { name: "Create an account" }).click();
  await page.waitForURL(/\/auth\/signup/); // the sign-up form, not the sign-in one still shown
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("teh manis hangat sekali");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL(portal);
  const [user] = rows(
    await asApp(t.db.sql, p, (tx) => tx`select id::text from astapa.users where email = ${email}`),
  );
  await asApp(t.db.sql, p, (tx) =>
    assignPlan(tx, p, user.id as string, "pro", "payment", {
      start: new Date(paidThrough.getTime() - 30 * DAY).toISOString(),
      end: paidThrough.toISOString(),
    }));
  return user.id as string;
}

const activeMethod = (user: string, channel: string) =>
  waitFor(
    async () =>
      rows(
        await asApp(t.db.sql, p, (tx) =>
          tx`select 1 from astapa.linked_methods
             where user_id = ${user}::bigint and channel = ${channel} and status = 'active'`),
      ).length > 0,
    `${channel} to be linked`,
  );

const users: Record<string, string> = {};

Deno.test("linked methods e2e — BRI direct debit in English: the bank's code on the portal links it", async () => {
  const { page, problems, close } = await openPage();
  try {
    users.wulan = await signUpPaying(page, "wulan@example.com");
    await page.goto(`${portal}&lang=en`);
    const bri = page.locator('form[data-link-channel="BRI"]');
    await bri.getByLabel("Last 4 digits of your BRI debit card").fill("1234");
    await bri.getByLabel("Debit card expiry (MM/YY)").fill("12/30");
    await bri.getByLabel("Mobile number registered with the bank").fill("0812 3456 7890");
    await bri.getByLabel("Email").fill("wulan@example.com");
    await bri.getByRole("button", { name: "Link BRI direct debit" }).click();
    await page.waitForURL(/notice=otp_sent/);
    await page.getByText("Your bank sent a code to your phone").waitFor();
    await page.getByLabel("Code from your bank (6 digits)").fill("111111");
    await page.getByRole("button", { name: "Confirm" }).click();
    await page.waitForURL(/notice=otp_wrong/);
    await page.getByLabel("Code from your bank (6 digits)").fill("333000");
    await page.getByRole("button", { name: "Confirm" }).click();
    await page.waitForURL(/notice=linked/);
    await page.locator('[data-linked-method="BRI"][data-status="active"]').waitFor();
    assert.match(await page.locator('[data-linked-method="BRI"]').innerText(), /BRI •••• 1234 — linked/);
    assert.deepEqual(await seriousAxeViolations(page), [], "the portal with direct debit is accessible");
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});

Deno.test("linked methods e2e — in Bahasa Indonesia: Mandiri on the bank's page, then a card through 3-D Secure", async () => {
  const { page, problems, close } = await openPage();
  try {
    users.bayu = await signUpPaying(page, "bayu@example.com");
    await page.goto(`${portal}&lang=id`);
    await page.getByRole("heading", { name: "Perpanjangan otomatis" }).waitFor();
    await page.getByRole("button", { name: "Tautkan debit langsung Mandiri" }).click();
    await page.waitForURL(/\/web\/payment_methods\/pm-/);
    await page.getByRole("button", { name: "Approve" }).click();
    await page.waitForURL(/notice=linked/);
    await activeMethod(users.bayu, "MANDIRI");

    // The card form is Xendit.js's (the simulator's copy, loaded from its own origin as the page's CSP allows):
    // the number goes from the browser to Xendit, and the portal receives only the payment method's id.
    const posted: string[] = [];
    page.on("request", (request) => {
      if (request.url().startsWith(t.origin) && request.method() === "POST") {
        posted.push(request.postData() ?? "");
      }
    });
    await page.goto(`${portal}&lang=id`);
    const card = page.locator('[data-link-channel="CARD"] form');
    await card.getByLabel("Nomor kartu").fill("4000 0000 0000 1091");
    await card.getByLabel("Bulan kedaluwarsa (BB)").fill("12");
    await card.getByLabel("Tahun kedaluwarsa (TTTT)").fill("2030");
    await card.getByLabel("Kode keamanan (CVV)").fill("123");
    await card.getByLabel("Nama pada kartu").fill("Bayu Pratama");
    await card.getByRole("button", { name: "Tautkan kartu" }).click();
    await page.waitForURL(/\/web\/payment_methods\/pm-/);
    await page.getByRole("heading", { name: /3-D Secure: confirm your VISA card •••• 1091/ }).waitFor();
    assert.ok(posted.some((body) => /payment_method_id=pm-/.test(body)), "the portal got the method's id");
    assert.ok(
      posted.every((body) => !body.replace(/\D/g, "").includes("4000000000001091")),
      "no card number reached Astapa",
    );
    await page.getByRole("button", { name: "Approve" }).click();
    await page.waitForURL(/notice=linked/);
    await activeMethod(users.bayu, "CARD");
    await page.goto(`${portal}&lang=id`);
    await page.locator('[data-linked-method="CARD"][data-status="active"]').waitFor();
    assert.match(await page.locator('[data-linked-method="CARD"]').innerText(), /VISA •••• 1091 — tertaut/);
    assert.match(await page.locator('[data-linked-method="MANDIRI"]').innerText(), /MANDIRI — tertaut/);
    assert.deepEqual(await seriousAxeViolations(page), [], "the Indonesian portal with a card is accessible");
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});

Deno.test("linked methods e2e — without JavaScript the card says it needs it; Mandiri still links with plain forms", async () => {
  const { page, problems, close } = await openPage({ javaScriptEnabled: false });
  try {
    await page.goto(portal);
    await page.waitForURL(/\/auth\/login/);
    await page.getByRole("link", { name: "Create an account" }).click();
    await page.waitForURL(/\/auth\/signup/); // the sign-up form, not the sign-in one still shown
    await page.getByLabel("Email").fill("tanpa-js@example.com");
    await page.getByLabel("Password").fill("teh manis hangat sekali");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForURL(portal);
    await page.goto(`${portal}&lang=en`);
    await page.getByText("Linking a card needs JavaScript").waitFor();
    assert.equal(await page.locator('[data-link-channel="CARD"] input').count(), 0, "no card field at all");
    await page.getByRole("button", { name: "Link Mandiri direct debit" }).click();
    await page.waitForURL(/\/web\/payment_methods\/pm-/);
    await page.getByRole("button", { name: "Approve" }).click();
    await page.waitForURL(/notice=linked/);
    const [user] = rows(
      await asApp(
        t.db.sql,
        p,
        (tx) => tx`select id::text from astapa.users where email = 'tanpa-js@example.com'`,
      ),
    );
    await activeMethod(user.id as string, "MANDIRI");
    await page.goto(`${portal}&lang=id`);
    await page.getByText("Menautkan kartu memerlukan JavaScript").waitFor();
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});

Deno.test("linked methods e2e — the pass renews both on the clock: BRI and the card are charged, receipts shown", async () => {
  assert.ok(users.wulan && users.bayu, "the linking tests ran first");
  const scheduler = new BillingScheduler(t.deps, { clock: () => new Date(paidThrough.getTime() - 5 * DAY) });
  const report = await scheduler.pass();
  // Both charges are made in this pass; a callback applied before the pass ends is reported paid as well.
  const outcomes = report.charges.filter((c) => c.projectId === p);
  assert.deepEqual(outcomes.filter((c) => c.outcome !== "paid").map((c) => c.outcome), [
    "pending",
    "pending",
  ]);
  assert.ok(outcomes.every((c) => c.outcome === "pending" || c.outcome === "paid"), JSON.stringify(outcomes));
  const next = new Date(paidThrough);
  next.setUTCMonth(next.getUTCMonth() + 1);
  for (const user of [users.wulan, users.bayu]) {
    await waitFor(async () => {
      const sub = (await asApp(t.db.sql, p, (tx) => currentSubscription(tx, p, user))).subscription;
      return new Date(sub?.paid_through ?? 0).getTime() === next.getTime();
    }, "the renewal to be paid");
  }
  const methods = rows(
    await asApp(t.db.sql, p, (tx) =>
      tx`select c.user_id::text as user, y.method from astapa.payments as y
         join astapa.checkouts as c on c.id = y.checkout_id where y.status = 'paid'`),
  );
  assert.deepEqual(
    Object.fromEntries(methods.map((m) => [m.user, m.method])),
    { [users.wulan]: "direct_debit", [users.bayu]: "card" },
  );
  const mails = await asApp(t.db.sql, p, (tx) => listMail(tx, p));
  assert.deepEqual(mails.filter((m) => m.template === "renewal_due"), [], "no pay-link mail");

  const { page, problems, close } = await openPage();
  try {
    await page.goto(portal);
    await page.waitForURL(/\/auth\/login/);
    await page.getByLabel("Email").fill("wulan@example.com");
    await page.getByLabel("Password").fill("teh manis hangat sekali");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(portal);
    await page.locator("tr[data-receipt]").first().waitFor();
    assert.equal(await page.locator("tr[data-receipt]").count(), 1, "the renewal's receipt");
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});
