/**
 * A claim unlinks the payment methods linked before it (astapa.unlink_claimed_methods, docs/security.md
 * "Pre-account hijacking"): someone registered the owner's address, linked their own DANA, and the owner then
 * proved the address. The next billing pass — not one a stall window later — expires the DANA at the Xendit
 * simulator through the unmodified xendit-node and ends it here, audited as the claim, and the owner's renewal
 * in that same pass is not charged to it: no Payment Request at Xendit, the pay link is mailed instead.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { listMail } from "@/db/billing.ts";
import { setXenditKeys } from "@/db/payments.ts";
import { assignPlan } from "@/db/plans.ts";
import { updateProjectSettings } from "@/db/project_settings.ts";
import { sealXenditKeys } from "@/lib/payments/accounts.ts";
import { BillingScheduler } from "@/lib/payments/billing_scheduler.ts";
import { linkMethod } from "@/lib/payments/linked_methods.ts";
import { testApp } from "../helpers/app.ts";
import { rows } from "../helpers/db.ts";
import { seedShop } from "../helpers/payments.ts";
import { waitFor } from "../helpers/wait.ts";
import { serveSimulator, TEST_CALLBACK_TOKEN, TEST_SECRET_KEY } from "../helpers/xendit.ts";

const served = serveSimulator();
const t = await testApp({ listen: true, env: { XENDIT_BASE_URL: served.url } });
served.sim.accounts.get(TEST_SECRET_KEY)!.webhookUrl = `${t.origin}/api/webhooks/xendit`;
Deno.test.afterAll(async () => {
  await served.close();
  await t.close();
});

const DAY = 86_400_000;
const as = <T>(projectId: string, work: Parameters<typeof asApp<T>>[2]) => asApp(t.db.sql, projectId, work);

Deno.test("claim — the next billing pass expires the squatter's DANA at Xendit and ends it; the renewal does not charge it", async () => {
  const paidThrough = new Date(Date.now() + 5 * DAY);
  // The account of an address nobody proved, on pro, with a DANA linked (and approved) by whoever made it.
  const shop = await seedShop(t.db.sql, { email: "claim-unlink@example.com" });
  const p = shop.project.id;
  const sealed = await sealXenditKeys(t.deps.masterKeys.payments, p, "sandbox", {
    secretKey: TEST_SECRET_KEY,
    callbackToken: TEST_CALLBACK_TOKEN,
  });
  await as(p, async (tx) => {
    await setXenditKeys(tx, p, "sandbox", sealed);
    await updateProjectSettings(tx, p, { linked_methods: { enabled: true } });
    await assignPlan(tx, p, shop.userId, "pro", "payment", {
      start: new Date(paidThrough.getTime() - 30 * DAY).toISOString(),
      end: paidThrough.toISOString(),
    });
  });
  const { method, authUrl } = await linkMethod(t.deps, p, shop.userId, {
    channel: "DANA",
    successUrl: `${t.origin}/linked`,
    failureUrl: `${t.origin}/not-linked`,
  });
  const approved = await fetch(`${authUrl}/approve`, { method: "POST", redirect: "manual" });
  await approved.body?.cancel();
  const row = async () =>
    rows(
      await as(p, (tx) =>
        tx`select status, unlink_actor from astapa.linked_methods where public_id = ${method.method_id}`),
    )[0];
  await waitFor(async () => (await row()).status === "active", "the activation");
  const providerId = method.provider_id!;
  assert.equal(served.sim.paymentMethods.get(providerId)?.status, "ACTIVE");

  // The owner proves the address: the claim marks the DANA; Xendit is not asked inside its transaction.
  const removed = await as(p, async (tx) => {
    const [claimed] = await tx`select astapa.claim_unproven_account(${p}, ${shop.userId}, 'email') as r`;
    return claimed.r as Record<string, number>;
  });
  assert.equal(removed.payment_methods, 1);
  assert.deepEqual(await row(), { status: "active", unlink_actor: "claim" });
  assert.equal(served.sim.paymentMethods.get(providerId)?.status, "ACTIVE");

  // The next pass, with the renewal due: the unlink first, at once; the renewal then finds nothing to charge.
  const report = await new BillingScheduler(t.deps).pass(new Date());
  assert.deepEqual(
    (report.unlinks ?? []).filter((u) => u.methodId === method.method_id).map((u) => u.outcome),
    ["unlinked"],
  );
  assert.equal(served.sim.paymentMethods.get(providerId)?.status, "EXPIRED");
  assert.deepEqual(await row(), { status: "expired", unlink_actor: "claim" });
  const renewal = report.renewals.find((step) => step.projectId === p);
  assert.equal(renewal?.action, "renew");
  assert.equal(renewal?.linked_charge ?? null, null, "no charge opened on the unlinked method");
  assert.deepEqual(report.charges.filter((c) => c.projectId === p), []);
  const checkoutId = renewal!.checkout!.checkout_id;
  assert.deepEqual(
    [...served.sim.paymentRequests.values()].filter((pr) => pr.paymentMethodId === providerId),
    [],
    "Xendit was never asked to charge it",
  );
  const mail = await as(p, (tx) => listMail(tx, p));
  assert.ok(
    mail.some((m) => m.template === "renewal_due" && m.to === "claim-unlink@example.com"),
    `the pay link is mailed to the owner instead (${checkoutId})`,
  );

  // Xendit's expiry callback, and the unlink's audit: once, as the claim.
  await served.sim.webhooks.idle();
  const audited = rows(
    await as(
      p,
      (tx) =>
        tx`select action, actor from astapa.audit_log where target = ${`linked_method:${method.method_id}`}
         and action = 'billing.method_unlinked'`,
    ),
  );
  assert.deepEqual(audited, [{ action: "billing.method_unlinked", actor: "claim" }]);
  const again = await new BillingScheduler(t.deps).pass(new Date());
  assert.deepEqual((again.unlinks ?? []).filter((u) => u.methodId === method.method_id), [], "nothing left");
});
