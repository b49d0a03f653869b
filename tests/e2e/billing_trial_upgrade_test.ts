/**
 * Billing in Chromium (issue 23): a free trial from the hosted plan picker, its reminder's pay link (the
 * renewal pass on a moved clock) paid in the sandbox, then an upgrade from the picker priced by proration, with
 * a coupon entered on the hosted checkout — and the rows say exactly that.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { listMail } from "@/db/billing.ts";
import { createCoupon } from "@/db/coupons.ts";
import { listPlanChanges } from "@/db/plan_changes.ts";
import { createPlan, currentSubscription } from "@/db/plans.ts";
import { renewProject } from "@/lib/payments/renewals.ts";
import { PaymentEventWorker } from "@/lib/payments/worker.ts";
import { testApp } from "../helpers/app.ts";
import { disconnectBrowser, openPage, screenshot } from "../helpers/browser.ts";
import { seedProject } from "../helpers/identity.ts";
import { rows } from "../helpers/db.ts";
import { waitFor } from "../helpers/wait.ts";

const t = await testApp({ listen: true });
const worker = new PaymentEventWorker(t.db.sql);
await worker.start();
const project = await seedProject(t.db.sql, {
  name: "Warung Trial",
  redirectUri: "https://trial.example/cb",
});
await asApp(t.db.sql, project.id, async (tx) => {
  await createPlan(tx, project.id, {
    key: "pro",
    name: "Pro",
    price_idr: 49_000,
    interval: "month",
    trial_days: 14,
  });
  await createPlan(tx, project.id, { key: "team", name: "Team", price_idr: 149_000, interval: "month" });
  await createCoupon(tx, project.id, { code: "TEAM20", percent_off: 20, plans: ["team"] });
});

Deno.test.afterAll(async () => {
  await disconnectBrowser();
  await worker.stop();
  await t.close();
});

const DAY = 86_400_000;
const state = (sub: string) => asApp(t.db.sql, project.id, (tx) => currentSubscription(tx, project.id, sub));

Deno.test("billing — trial from the picker → pay its reminder → prorated upgrade with a coupon", async () => {
  const { page, problems, close } = await openPage();
  try {
    await page.goto(`${t.origin}/billing?client_id=${project.clientId}`);
    await page.waitForURL(/\/auth\/login/);
    await page.getByRole("link", { name: "Create an account" }).click();
    await page.waitForURL(/\/auth\/signup/); // the sign-up form, not the sign-in one still shown
    await page.getByLabel("Email").fill("tia@example.com");
    await page.getByLabel("Password").fill("es teh manis dingin");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForURL(`${t.origin}/billing?client_id=${project.clientId}`);

    // 1. The trial: one button, no payment; the picker then says until when.
    await page.getByRole("button", { name: "Start a 14-day free trial" }).click();
    await page.getByText(/Free trial until/).waitFor();
    assert.equal(await page.getByRole("button", { name: /free trial/ }).count(), 0, "one trial per plan");
    await screenshot(page, "billing-trial-en");
    const [user] = await asApp(
      t.db.sql,
      project.id,
      async (tx) => rows(await tx`select id::text from astapa.users`),
    );
    const trial = await state(user.id);
    assert.equal(trial.subscription?.status, "trialing");
    const trialEnds = new Date(trial.subscription!.trial_ends_at!);

    // 2. Three days before its end the billing pass mails the pay link; paying it keeps Pro from the trial's end.
    await renewProject(t.deps, project.id, new Date(trialEnds.getTime() - 2.5 * DAY));
    const [mail] = await asApp(t.db.sql, project.id, (tx) => listMail(tx, project.id));
    assert.equal(mail.template, "trial_ending");
    const payUrl = mail.text.match(/https?:\/\/\S+\/billing\/checkout\/chk_[a-z2-7]+/)![0];
    await page.goto(payUrl);
    await page.getByLabel("QRIS").check();
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByRole("button", { name: "Simulate payment" }).click();
    await page.locator('[data-status="paid"]').waitFor({ timeout: 15_000 });
    const paid = await waitFor(async () => {
      const s = await state(user.id);
      return s.subscription?.status === "active" ? s : undefined;
    }, "the trial to turn into a paid period");
    assert.equal(new Date(paid.subscription!.current_period_start).getTime(), trialEnds.getTime());

    // 3. Upgrade from the picker: the difference for what is left of the paid period (all of it, here).
    await page.goto(`${t.origin}/billing?client_id=${project.clientId}`);
    await page.getByRole("button", { name: "Choose Team" }).click();
    await page.waitForURL(/\/billing\/checkout\/chk_/);
    assert.match(await page.locator("p.amount").innerText(), /IDR 100\.000/);

    // 4. The coupon on the hosted checkout: a wrong code is worded, the right one takes 20 % off.
    await page.getByLabel("Coupon code").fill("NOPE");
    await page.getByRole("button", { name: "Apply" }).click();
    await page.getByText("This coupon cannot be used for this checkout.").waitFor();
    await page.getByLabel("Coupon code").fill("team20");
    await page.getByRole("button", { name: "Apply" }).click();
    await page.getByText(/Coupon TEAM20/).waitFor();
    assert.match(await page.locator("p.amount").innerText(), /IDR 80\.000/);
    await screenshot(page, "billing-upgrade-coupon-en");
    await page.getByLabel("QRIS").check();
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByRole("button", { name: "Simulate payment" }).click();
    await page.locator('[data-status="paid"]').waitFor({ timeout: 15_000 });

    const upgraded = await waitFor(async () => {
      const s = await state(user.id);
      return s.plan === "team" ? s : undefined;
    }, "the upgrade to apply");
    assert.equal(upgraded.subscription!.paid_through, paid.subscription!.paid_through, "the period is kept");
    const [change] = await asApp(t.db.sql, project.id, (tx) => listPlanChanges(tx, project.id, user.id));
    assert.deepEqual([change.status, change.amount_idr], ["applied", 100_000]);
    const ledger = await asApp(t.db.sql, project.id, async (tx) =>
      rows(
        await tx`select k.plan_key, k.amount::int, k.discount_idr::int, k.coupon_code from astapa.payments y
                 join astapa.checkouts k on k.project_id = y.project_id and k.id = y.checkout_id
                 where y.status = 'paid' order by y.id`,
      ).map((r) => ({ ...r })));
    assert.deepEqual(ledger, [
      { plan_key: "pro", amount: 49_000, discount_idr: 0, coupon_code: null },
      { plan_key: "team", amount: 80_000, discount_idr: 20_000, coupon_code: "TEAM20" },
    ]);
    assert.deepEqual(problems, [], "no script errors or CSP violations");
  } finally {
    await close();
  }
});
