/** The SDK's billing helpers against a served Astapa: tax settings, receipts and a refund (offline sandbox). */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { randomSecret, sha256 } from "@/lib/secrets.ts";
import { listRefunds } from "@/db/refunds.ts";
import { PaymentEventWorker } from "@/lib/payments/worker.ts";
import { AstapaError, createAstapa } from "@/sdk/mod.ts";
import { testApp } from "../helpers/app.ts";
import { seedShop } from "../helpers/payments.ts";
import { waitFor } from "../helpers/wait.ts";
import { seedUser } from "../helpers/identity.ts";

const t = await testApp({ listen: true });
const worker = new PaymentEventWorker(t.db.sql);
await worker.start();
Deno.test.afterAll(async () => {
  await worker.stop();
  await t.close();
});

Deno.test("sdk — billing: tax settings, a paid checkout's receipt, a partial refund", async () => {
  const shop = await seedShop(t.db.sql, { email: "sdk-buyer@example.com", price: 111_000 });
  const astapa = createAstapa({
    baseUrl: t.origin,
    clientId: shop.project.clientId,
    clientSecret: shop.project.secret,
  });
  const settings = await astapa.billing.taxSettings.set({ pkp: true, seller_name: "PT SDK" });
  assert.deepEqual([settings.pkp, settings.ppn_rate, settings.seller_name], [true, 12, "PT SDK"]);
  assert.equal((await astapa.billing.taxSettings.get()).tax_base_denominator, 12);
  const refused = await astapa.billing.taxSettings.set({ ppn_rate: -1 }).then(() => null, (e) => e);
  assert.ok(refused instanceof AstapaError);
  assert.equal(refused.code, "validation_failed");

  const checkout = await astapa.checkout.create({
    user: shop.userId,
    plan: "pro",
    method: "qris",
    buyer_tax_id: "012345678901234",
  });
  const pr = [...t.deps.xenditSandbox.paymentRequests.values()].find((p) =>
    p.referenceId === checkout.checkout_id
  )!;
  await t.deps.xenditSandbox.settle(pr.id, "pay");
  const [receipt] = await waitFor(async () => {
    const list = await astapa.billing.receipts.list({ limit: 5 });
    return list.length ? list : undefined;
  }, "the receipt");
  assert.equal(receipt.ppn_idr, 11_000);
  assert.equal(receipt.buyer.tax_id, "012345678901234");
  assert.equal((await astapa.billing.receipts.get(receipt.number)).receipt_id, receipt.receipt_id);

  const refund = await astapa.billing.refunds.create({
    receipt: receipt.number,
    amount: 11_000,
    plan_effect: "none",
  });
  assert.equal(refund.amount, 11_000);
  await waitFor(async () => {
    const [one] = await asApp(t.db.sql, shop.project.id, (tx) => listRefunds(tx, shop.project.id));
    return one?.status === "succeeded";
  }, "the refund to succeed");
  const [listed] = await astapa.billing.refunds.list(receipt.receipt_id);
  assert.equal(listed.status, "succeeded");
  assert.equal((await astapa.billing.receipts.get(receipt.receipt_id)).refunded_idr, 11_000);
});

Deno.test("sdk — billing: a user's linked e-wallet listed, then unlinked (expired at Xendit too)", async () => {
  const { linkMethod } = await import("@/lib/payments/linked_methods.ts");
  const { settlePaymentMethod } = await import("@/lib/payments/xendit_simulator/payment_methods.ts");
  const shop = await seedShop(t.db.sql, { email: "sdk-linker@example.com" });
  const { updateProjectSettings } = await import("@/db/project_settings.ts");
  await asApp(
    t.db.sql,
    shop.project.id,
    (tx) => updateProjectSettings(tx, shop.project.id, { linked_methods: { enabled: true } }),
  );
  const astapa = createAstapa({
    baseUrl: t.origin,
    clientId: shop.project.clientId,
    clientSecret: shop.project.secret,
  });
  assert.deepEqual(await astapa.billing.linkedMethods(shop.userId), []);
  // Linked as the portal does it; the customer approves in DANA, and the callback reaches the app.
  const { method } = await linkMethod(t.deps, shop.project.id, shop.userId, {
    channel: "DANA",
    successUrl: `${t.origin}/linked`,
    failureUrl: `${t.origin}/not-linked`,
  });
  await settlePaymentMethod(t.deps.xenditSandbox, method.provider_id!, "activate");
  const [linked] = await waitFor(async () => {
    const list = await astapa.billing.linkedMethods(shop.userId);
    return list[0]?.status === "active" ? list : undefined;
  }, "the activation callback");
  assert.deepEqual([linked.method_id, linked.channel, linked.label], [method.method_id, "DANA", "DANA"]);
  const unlinked = await astapa.billing.unlinkMethod(shop.userId, method.method_id);
  assert.equal(unlinked.status, "expired");
  assert.equal(t.deps.xenditSandbox.paymentMethods.get(method.provider_id!)?.status, "EXPIRED");
  assert.deepEqual(await astapa.billing.linkedMethods(shop.userId), []);
  const missing = await astapa.billing.unlinkMethod(shop.userId, "lpm_aaaaaaaaaaaaaaaaaaaaaaaa").then(
    () => null,
    (e) => e,
  );
  assert.ok(missing instanceof AstapaError);
  assert.equal(missing.code, "not_found");
});

Deno.test("sdk — billing: a paid plan's subscription, account, printable receipt, metrics, cancel and resume", async () => {
  const shop = await seedShop(t.db.sql, { email: "sdk-subscriber@example.com", price: 120_000 });
  const astapa = createAstapa({
    baseUrl: t.origin,
    clientId: shop.project.clientId,
    clientSecret: shop.project.secret,
  });
  assert.equal((await astapa.billing.subscription(shop.userId)).subscription, null, "on the default plan");
  const refused = await astapa.billing.cancel(shop.userId).then(() => null, (e) => e);
  assert.ok(refused instanceof AstapaError);
  assert.deepEqual([refused.code, refused.status], ["conflict", 409]);

  const checkout = await astapa.checkout.create({ user: shop.userId, plan: "pro", method: "qris" });
  const pr = [...t.deps.xenditSandbox.paymentRequests.values()].find((p) =>
    p.referenceId === checkout.checkout_id
  )!;
  await t.deps.xenditSandbox.settle(pr.id, "pay");
  const account = await waitFor(async () => {
    const read = await astapa.billing.account(shop.userId);
    return read.payments.length ? read : undefined;
  }, "the payment in the user's billing");
  assert.deepEqual([account.plan.key, account.subscription?.status], ["pro", "active"]);
  assert.deepEqual([account.next_renewal?.plan, account.next_renewal?.amount], ["pro", 120_000]);
  const [payment] = account.payments;
  assert.deepEqual([payment.plan, payment.amount, payment.refunded_idr], ["pro", 120_000, 0]);
  const state = await astapa.billing.subscription(shop.userId);
  assert.deepEqual([state.plan, state.subscription?.paid_through], [
    "pro",
    account.subscription?.paid_through,
  ]);

  const printable = await fetch(astapa.billing.receipts.printableUrl(payment.receipt_id));
  assert.equal(printable.status, 200);
  assert.ok((await printable.text()).includes(payment.number), "the printable page shows the number");

  const [month] = await astapa.billing.metrics.mrr(1);
  assert.deepEqual([month.month, month.mrr_idr, month.paying], [
    new Date().toISOString().slice(0, 7),
    120_000,
    1,
  ]);
  const qris = (await astapa.billing.metrics.revenue(1)).find((m) => m.method === "qris");
  assert.deepEqual([qris?.amount, qris?.payments], [120_000, 1]);
  const badRange = await astapa.billing.metrics.mrr(0).then(() => null, (e) => e);
  assert.ok(badRange instanceof AstapaError);
  assert.deepEqual(Object.keys(badRange.fields ?? {}), ["months"]);

  const canceled = await astapa.billing.cancel(shop.userId);
  assert.deepEqual([canceled.status, canceled.current_period_end], ["canceled", canceled.paid_through]);
  assert.equal((await astapa.billing.account(shop.userId)).next_renewal, null, "no renewal once canceled");
  assert.equal((await astapa.billing.resume(shop.userId)).status, "active");
});

Deno.test("sdk — billing: a coupon applied to an open checkout, read back, listed among its redemptions", async () => {
  const shop = await seedShop(t.db.sql, { email: "sdk-coupon@example.com", price: 100_000 });
  const astapa = createAstapa({
    baseUrl: t.origin,
    clientId: shop.project.clientId,
    clientSecret: shop.project.secret,
  });
  await astapa.billing.coupons.create({ code: "SDKLATER", amount_off_idr: 25_000 });
  const opened = await astapa.checkout.create({ user: shop.userId, plan: "pro" });
  const refused = await astapa.checkout.applyCoupon(opened.checkout_id, "NOSUCH").then(() => null, (e) => e);
  assert.ok(refused instanceof AstapaError);
  assert.equal(refused.code, "validation_failed");
  const applied = await astapa.checkout.applyCoupon(opened.checkout_id, "sdklater");
  assert.deepEqual([applied.amount, applied.discount_idr, applied.coupon_code], [75_000, 25_000, "SDKLATER"]);
  const read = await astapa.checkout.get(opened.checkout_id);
  assert.deepEqual([read.status, read.amount, read.sub, read.plan], ["open", 75_000, shop.userId, "pro"]);
  const [redemption] = await astapa.billing.coupons.redemptions("SDKLATER");
  assert.deepEqual(
    [redemption.sub, redemption.checkout_id, redemption.checkout_status, redemption.discount_idr],
    [shop.userId, opened.checkout_id, "open", 25_000],
  );
  const missing = await astapa.checkout.get("chk_aaaaaaaaaaaaaaaaaaaaaaaa").then(() => null, (e) => e);
  assert.ok(missing instanceof AstapaError);
  assert.equal(missing.status, 404);
});

Deno.test("sdk — billing.plans: a plan offered with a trial, changed, archived; a bad trial_days is named", async () => {
  const shop = await seedShop(t.db.sql, { email: "sdk-plans@example.com" });
  const astapa = createAstapa({
    baseUrl: t.origin,
    clientId: shop.project.clientId,
    clientSecret: shop.project.secret,
  });
  const created = await astapa.billing.plans.create({
    key: "biz",
    name: "Business",
    price_idr: 250_000,
    interval: "month",
    trial_days: 7,
  });
  assert.deepEqual([created.key, created.trial_days, created.archived], ["biz", 7, false]);
  assert.equal((await astapa.billing.plans.update("biz", { trial_days: 14 })).trial_days, 14);
  assert.equal((await astapa.billing.plans.get("biz")).trial_days, 14);
  const trial = await astapa.billing.startTrial(shop.userId, "biz");
  assert.equal(trial.plan, "biz");
  const days = (new Date(trial.trial_ends_at!).getTime() - Date.now()) / 86_400_000;
  assert.ok(days > 13.9 && days <= 14, `a 14-day trial (${days})`);
  const bad = await astapa.billing.plans.update("biz", { trial_days: 400 }).then(() => null, (e) => e);
  assert.ok(bad instanceof AstapaError);
  assert.deepEqual([bad.code, Object.keys(bad.fields ?? {})], ["validation_failed", ["trial_days"]]);
  await astapa.billing.plans.update("biz", { archived: true });
  assert.deepEqual((await astapa.billing.plans.list()).map((p) => p.key).sort(), ["free", "pro"]);
  assert.ok((await astapa.billing.plans.list(true)).some((p) => p.key === "biz" && p.archived));
});

Deno.test("sdk — billing.payments.list: the project's checkouts by status, method and user, paged", async () => {
  const shop = await seedShop(t.db.sql, { email: "sdk-payments@example.com", price: 60_000 });
  const astapa = createAstapa({
    baseUrl: t.origin,
    clientId: shop.project.clientId,
    clientSecret: shop.project.secret,
  });
  assert.deepEqual(await astapa.billing.payments.list(), []);
  const opened = await astapa.checkout.create({ user: shop.userId, plan: "pro" });
  const [row] = await astapa.billing.payments.list({ status: "open", limit: 10 });
  assert.deepEqual(
    [row.checkout_id, row.status, row.amount, row.sub, row.email],
    [opened.checkout_id, "open", 60_000, shop.userId, "sdk-payments@example.com"],
  );
  assert.deepEqual(await astapa.billing.payments.list({ status: "paid" }), []);
  assert.deepEqual(await astapa.billing.payments.list({ before: row.id }), []);
  const other = await seedUser(t.db.sql, shop.project.id, "sdk-payments-2@example.com");
  assert.deepEqual(
    (await astapa.billing.payments.list({ user: shop.userId })).map((p) => p.checkout_id),
    [opened.checkout_id],
  );
  assert.deepEqual(await astapa.billing.payments.list({ user: other, method: "card" }), []);
  const bad = await astapa.billing.payments.list({ limit: 500 }).then(() => null, (e) => e);
  assert.ok(bad instanceof AstapaError);
  assert.deepEqual(Object.keys(bad.fields ?? {}), ["limit"]);
});

Deno.test("sdk — billing.portalUrl and planPickerUrl: the hosted pages for this client, through its sign-in", async () => {
  const shop = await seedShop(t.db.sql, { email: "sdk-portal@example.com" });
  const astapa = createAstapa({
    baseUrl: t.origin,
    clientId: shop.project.clientId,
    clientSecret: shop.project.secret,
  });
  const portal = astapa.billing.portalUrl({ lang: "id" });
  const signIn = await fetch(portal, { redirect: "manual" });
  await signIn.body?.cancel();
  assert.equal(signIn.status, 303);
  const login = new URL(signIn.headers.get("location")!, t.origin);
  assert.deepEqual(
    [login.pathname, login.searchParams.get("client_id"), login.searchParams.get("state")],
    ["/auth/login", shop.project.clientId, `account.${shop.project.clientId}`],
  );
  // Signed in (the session the hosted login leaves), the portal opens in the language asked for.
  const token = randomSecret();
  const hash = await sha256(token);
  await asApp(
    t.db.sql,
    shop.project.id,
    (tx) => tx`select api.start_login_session(${shop.userId}::bigint, ${hash})`,
  );
  const cookie = `astapa_session_${shop.project.id}=${token}`;
  const page = await fetch(portal, { headers: { cookie } });
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<html lang="id"[\s\S]*Tagihan/);
  const picker = await fetch(astapa.billing.planPickerUrl(), { headers: { cookie } });
  assert.equal(picker.status, 200);
  assert.match(await picker.text(), /Pro/);
});

Deno.test("sdk — billing: settings read and changed; receipts listed for one user", async () => {
  const { paidCheckout } = await import("../helpers/paid_checkouts.ts");
  const shop = await seedShop(t.db.sql, { email: "sdk-settings@example.com" });
  const astapa = createAstapa({
    baseUrl: t.origin,
    clientId: shop.project.clientId,
    clientSecret: shop.project.secret,
  });
  const read = await astapa.billing.settings.get();
  assert.deepEqual([read.billing_grace_days, read.xendit_public_keys], [3, {
    sandbox: null,
    production: null,
  }]);
  const changed = await astapa.billing.settings.set({
    linked_methods: { enabled: true },
    billing_grace_days: 1,
  });
  assert.deepEqual([changed.linked_methods.enabled, changed.billing_grace_days], [true, 1]);
  assert.equal(read.billing_refund_duplicates, false, "double payments refunded by hand by default");
  const refunding = await astapa.billing.settings.set({ billing_refund_duplicates: true });
  assert.equal(refunding.billing_refund_duplicates, true);
  const refused = await astapa.billing.settings.set({ billing_grace_days: 999 }).then(() => null, (e) => e);
  assert.ok(refused instanceof AstapaError);
  assert.equal(refused.code, "validation_failed");

  const other = await seedUser(t.db.sql, shop.project.id, "sdk-settings-other@example.com");
  await paidCheckout(t.db.sql, shop.project.id, shop.userId);
  await paidCheckout(t.db.sql, shop.project.id, other);
  const theirs = await astapa.billing.receipts.list({ user: other });
  assert.deepEqual(theirs.map((r) => r.sub), [other]);
});

Deno.test("sdk — billing: a user's renewal charges; an organization's chosen renewal method read, then stopped", async () => {
  const { renewalStep } = await import("@/db/billing.ts");
  const { assignPlan } = await import("@/db/plans.ts");
  const { updateProjectSettings } = await import("@/db/project_settings.ts");
  const { applyMethodCallback, recordMethodLinkAnswer, startMethodLink } = await import(
    "@/db/linked_methods.ts"
  );
  const { setOrganizationBillingMethod } = await import("@/db/organization_renewals.ts");
  const shop = await seedShop(t.db.sql, { email: "sdk-renewals@example.com" });
  const p = shop.project.id;
  const paidThrough = new Date("2035-05-01T00:00:00Z");
  const methodId = await asApp(t.db.sql, p, async (tx) => {
    await updateProjectSettings(tx, p, { linked_methods: { enabled: true } });
    await assignPlan(tx, p, shop.userId, "pro", "payment", {
      start: new Date(paidThrough.getTime() - 30 * 86_400_000).toISOString(),
      end: paidThrough.toISOString(),
    });
    const method = await startMethodLink(tx, p, shop.userId, {
      channel: "DANA",
      xendit_account: "simulator",
      environment: "sandbox",
    });
    await recordMethodLinkAnswer(tx, p, method.method_id, { provider_id: "pm-sdk-renewals" });
    await applyMethodCallback(tx, p, method.method_id, {
      event: "payment_method.activated",
      provider_id: "pm-sdk-renewals",
    });
    return method.method_id;
  });
  const astapa = createAstapa({
    baseUrl: t.origin,
    clientId: shop.project.clientId,
    clientSecret: shop.project.secret,
  });
  assert.deepEqual(await astapa.billing.renewalCharges(shop.userId), []);
  const step = await asApp(
    t.db.sql,
    p,
    (tx) => renewalStep(tx, p, new Date(paidThrough.getTime() - 6 * 86_400_000), "simulator"),
  );
  const [charge] = await astapa.billing.renewalCharges(shop.userId);
  assert.deepEqual(
    [charge.purpose, charge.status, charge.checkout_id, charge.amount, charge.method_id, charge.method_label],
    ["renewal", "charging", step!.checkout!.checkout_id, 99_000, methodId, "DANA"],
  );
  assert.deepEqual((await astapa.billing.account(shop.userId)).renewal_charges, [charge]);

  // The same person, owner of an organization, chooses that method for it.
  const org = await asApp(t.db.sql, p, async (tx) => {
    const [{ org }] = await tx`select api.create_organization('Tim', 'tim-sdk', ${shop.userId}) as org`;
    await setOrganizationBillingMethod(tx, p, shop.userId, org.id, methodId);
    return org.id as string;
  });
  const renewal = await astapa.billing.organizationRenewal(org);
  assert.deepEqual(
    [renewal.billing_method?.method_id, renewal.billing_method?.sub, renewal.billing_method?.charged],
    [methodId, shop.userId, true],
  );
  assert.deepEqual(renewal.renewal_charges, []);
  assert.deepEqual((await astapa.billing.stopOrganizationAutoRenewal("tim-sdk")).cleared, methodId);
  assert.equal((await astapa.billing.organizationRenewal(org, 10)).billing_method, null);
  const missing = await astapa.billing.organizationRenewal("org_unknown").then(() => null, (e) => e);
  assert.ok(missing instanceof AstapaError);
  assert.equal(missing.code, "not_found");
});

Deno.test("sdk — billing: an organization's team plan changed from the next period, listed, shown, withdrawn; refusals typed", async () => {
  const { payCheckout } = await import("../helpers/paid_checkouts.ts");
  const shop = await seedShop(t.db.sql, { email: "sdk-team-owner@example.com" });
  const p = shop.project.id;
  const member = await seedUser(t.db.sql, p, "sdk-team-member@example.com");
  const { org, checkout } = await asApp(t.db.sql, p, async (tx) => {
    await tx`select api.create_plan(${p}, '{"key": "seat", "name": "Seat", "price_idr": 50000}')`;
    await tx`select api.create_plan(${p}, '{"key": "crew", "name": "Crew", "price_idr": 200000}')`;
    await tx`select api.set_plan_seats(${p}, 'seat', 'per_seat')`;
    await tx`select api.set_plan_seats(${p}, 'crew', 'flat', 5)`;
    const [{ org }] = await tx`select api.create_organization('Tim', 'tim-change', ${shop.userId}) as org`;
    await tx`select api.add_organization_member(${org.id}, ${member}, 'member')`;
    const [{ checkout }] = await tx`select api.create_organization_checkout(${p}, ${org.id}, ${
      tx.json({ xendit_account: "simulator", sub: shop.userId, plan: "seat", seats: 2 } as never)
    }) as checkout`;
    return { org: org.id as string, checkout: checkout.checkout_id as string };
  });
  assert.equal(await payCheckout(t.db.sql, p, checkout, 100_000), "paid");
  const astapa = createAstapa({
    baseUrl: t.origin,
    clientId: shop.project.clientId,
    clientSecret: shop.project.secret,
  });
  assert.deepEqual((await astapa.billing.organizationPlanChanges(org)).changes, []);

  const scheduled = await astapa.billing.changeOrganizationPlan("tim-change", "crew", { user: shop.userId });
  assert.deepEqual(
    [scheduled.organization_id, scheduled.from_plan, scheduled.to_plan, scheduled.seats, scheduled.status],
    [org, "seat", "crew", 5, "scheduled"],
  );
  const again = await astapa.billing.changeOrganizationPlan(org, "crew");
  assert.equal(again.id, scheduled.id, "asking again answers the open change");
  const [listed] = (await astapa.billing.organizationPlanChanges(org)).changes;
  assert.deepEqual([listed.id, listed.to_plan, listed.effective_at], [
    scheduled.id,
    "crew",
    scheduled.effective_at,
  ]);

  // A plain member may not; a per-seat plan's own seats are refused for a flat plan (typed errors).
  const refused = await astapa.billing.changeOrganizationPlan(org, "seat", { user: member }).then(
    () => null,
    (e) => e,
  );
  assert.ok(refused instanceof AstapaError);
  assert.deepEqual([refused.status, refused.code], [403, "forbidden"]);
  const flat = await astapa.billing.changeOrganizationPlan(org, "crew", { seats: 3 }).then(
    () => null,
    (e) => e,
  );
  assert.deepEqual([flat?.status, flat?.code], [400, "validation_failed"]);
  const memberWithdraw = await astapa.billing.cancelOrganizationPlanChange(org, member).then(
    () => null,
    (e) => e,
  );
  assert.equal(memberWithdraw?.status, 403);

  const withdrawn = await astapa.billing.cancelOrganizationPlanChange(org, shop.userId);
  assert.deepEqual([withdrawn.id, withdrawn.status], [scheduled.id, "canceled"]);
  const nothing = await astapa.billing.cancelOrganizationPlanChange(org).then(() => null, (e) => e);
  assert.ok(nothing instanceof AstapaError);
  assert.deepEqual([nothing.status, nothing.code], [409, "conflict"]);
  const unknown = await astapa.billing.organizationPlanChanges("org_unknown").then(() => null, (e) => e);
  assert.equal(unknown?.code, "not_found");
});

Deno.test("sdk — billing.payments and billing.refunds resumeReconciliation: a stopped one starts over; errors as AstapaError", async () => {
  const { stoppedCharge, stoppedRefund } = await import("../helpers/stopped_reconciliation.ts");
  const shop = await seedShop(t.db.sql, { email: "sdk-resume@example.com" });
  const astapa = createAstapa({
    baseUrl: t.origin,
    clientId: shop.project.clientId,
    clientSecret: shop.project.secret,
  });
  const checkoutId = await stoppedCharge(t.db.sql, shop, "pr-sdk-resume");
  const payment = await astapa.billing.payments.resumeReconciliation(checkoutId);
  assert.deepEqual([payment.checkout_id, payment.reconcile_errors, payment.reconcile_stopped_at], [
    checkoutId,
    0,
    null,
  ]);
  const again = await astapa.billing.payments.resumeReconciliation(checkoutId).then(() => null, (e) => e);
  assert.ok(again instanceof AstapaError);
  assert.deepEqual([again.code, again.status], ["reconciliation_not_stopped", 409]);

  const refundId = await stoppedRefund(t.db.sql, shop, "pr-sdk-resume-refund");
  const refund = await astapa.billing.refunds.resumeReconciliation(refundId);
  assert.deepEqual([refund.refund_id, refund.reconcile_errors, refund.reconcile_stopped_at], [
    refundId,
    0,
    null,
  ]);
  const unknown = await astapa.billing.refunds.resumeReconciliation("rfd_unknown").then(() => null, (e) => e);
  assert.deepEqual([unknown?.code, unknown?.status], ["not_found", 404]);
});

Deno.test("sdk — billing.payments.get and billing.refunds.get: one as its list shows it; unknown is not_found", async () => {
  const { OURS, stoppedCharge, stoppedRefund } = await import("../helpers/stopped_reconciliation.ts");
  const shop = await seedShop(t.db.sql, { email: "sdk-read@example.com" });
  const astapa = createAstapa({
    baseUrl: t.origin,
    clientId: shop.project.clientId,
    clientSecret: shop.project.secret,
  });
  const checkoutId = await stoppedCharge(t.db.sql, shop, "pr-sdk-read");
  const [listed] = await astapa.billing.payments.list();
  assert.equal(listed.checkout_id, checkoutId);
  const payment = await astapa.billing.payments.get(checkoutId);
  assert.deepEqual(payment, listed);
  assert.deepEqual(payment.reconcile_last_error?.code, OURS.code, "why it stopped");

  const refundId = await stoppedRefund(t.db.sql, shop, "pr-sdk-read-refund");
  const [refund] = await astapa.billing.refunds.list();
  assert.equal(refund.refund_id, refundId);
  assert.deepEqual(await astapa.billing.refunds.get(refundId), refund);

  for (
    const missing of [astapa.billing.payments.get("chk_unknown"), astapa.billing.refunds.get("rfd_unknown")]
  ) {
    const error = await missing.then(() => null, (e) => e);
    assert.ok(error instanceof AstapaError);
    assert.deepEqual([error.code, error.status], ["not_found", 404]);
  }
});
