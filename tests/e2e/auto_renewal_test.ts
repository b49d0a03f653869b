/**
 * Auto-renewal with a linked e-wallet in Chromium (issue 23 item 6): a paying customer links DANA on the portal,
 * approves it on Xendit's (the simulator's) page and comes back to "linked"; the billing pass on the
 * controllable clock charges the renewal to DANA, and the portal then shows the next renewal date and the new
 * receipt — no pay link asked for, nothing for the customer to do.
 */
import assert from "node:assert/strict";
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
import { serveSimulator, TEST_CALLBACK_TOKEN, TEST_SECRET_KEY } from "../helpers/xendit.ts";

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
const sealed = await sealXenditKeys(t.deps.masterKeys.payments, p, "sandbox", {
  secretKey: TEST_SECRET_KEY,
  callbackToken: TEST_CALLBACK_TOKEN,
});
await asApp(t.db.sql, p, async (tx) => {
  await setXenditKeys(tx, p, "sandbox", sealed);
  await updateProjectSettings(tx, p, { linked_methods: { enabled: true } });
});
const portal = `${t.origin}/billing/account?client_id=${shop.project.clientId}`;

Deno.test("auto-renewal e2e — link DANA on the portal, approve it, and the pass renews on the clock with no pay link", async () => {
  const { page, problems, close } = await openPage();
  try {
    await page.goto(portal);
    await page.waitForURL(/\/auth\/login/);
    await page.getByRole("link", { name: "Create an account" }).click();
    await page.waitForURL(/\/auth\/signup/); // the sign-up form, not the sign-in one still shown
    await page.getByLabel("Email").fill("wulan@example.com");
    await page.getByLabel("Password").fill("teh manis hangat sekali");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForURL(portal);
    const [user] = rows(
      await asApp(
        t.db.sql,
        p,
        (tx) => tx`select id::text from astapa.users where email = 'wulan@example.com'`,
      ),
    );
    // She paid Pro until five days from now (the month before, as a checkout would have).
    const paidThrough = new Date(Date.now() + 5 * DAY);
    await asApp(t.db.sql, p, (tx) =>
      assignPlan(tx, p, user.id, "pro", "payment", {
        start: new Date(paidThrough.getTime() - 30 * DAY).toISOString(),
        end: paidThrough.toISOString(),
      }));

    await page.goto(portal);
    await page.getByRole("button", { name: "Link DANA" }).click();
    await page.waitForURL(/\/web\/payment_methods\/pm-/);
    await page.getByRole("button", { name: "Approve" }).click();
    await page.waitForURL(/\/billing\/account\?.*notice=linked/);
    await waitFor(
      async () =>
        (await asApp(t.db.sql, p, (tx) => tx`select 1 from astapa.linked_methods where status = 'active'`))
          .length > 0,
      "the activation callback",
    );
    await page.goto(portal);
    await page.locator('[data-linked-method="DANA"][data-status="active"]').waitFor();
    assert.deepEqual(await seriousAxeViolations(page), [], "the portal with a linked e-wallet is accessible");

    // The pass runs five days before paid_through on the test's clock: DANA is charged, the renewal paid.
    const scheduler = new BillingScheduler(t.deps, {
      clock: () => new Date(paidThrough.getTime() - 5 * DAY),
    });
    const report = await scheduler.pass();
    // Made in this pass (its callback, applied before the pass ends, may be reported paid too).
    assert.deepEqual(report.charges.filter((c) => c.outcome !== "paid").map((c) => c.outcome), ["pending"]);
    const next = new Date(paidThrough);
    next.setUTCMonth(next.getUTCMonth() + 1);
    await waitFor(async () => {
      const paid = (await asApp(t.db.sql, p, (tx) => currentSubscription(tx, p, user.id))).subscription;
      return new Date(paid?.paid_through ?? 0).getTime() === next.getTime();
    }, "the renewal to be paid");
    await page.goto(portal);
    await page.locator("tr[data-receipt]").first().waitFor();
    assert.equal(await page.locator("tr[data-receipt]").count(), 1, "the renewal's receipt");
    assert.match(await page.locator("[data-next-renewal]").innerText(), /Renews on .*IDR 99\.000 for Pro/);
    const mails = await asApp(t.db.sql, p, (tx) => listMail(tx, p));
    assert.deepEqual(mails.filter((m) => m.template === "renewal_due"), [], "no pay-link mail");
    assert.deepEqual(problems, []);
  } finally {
    await close();
  }
});
