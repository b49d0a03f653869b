/**
 * SQL tests for what the dashboard's user page and the Platform API read and set of billing:
 * api.user_billing (trials with their state, plan changes, linked methods, renewal charges, payments with
 * receipts), api.list_receipts' user filter, api.billing_settings and api.update_billing_settings.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { renewalStep } from "@/db/billing.ts";
import { applyMethodCallback, recordMethodLinkAnswer, startMethodLink } from "@/db/linked_methods.ts";
import { changePlan } from "@/db/plan_changes.ts";
import { assignPlan, createPlan, updatePlan } from "@/db/plans.ts";
import { billingSettings, updateBillingSettings, updateProjectSettings } from "@/db/project_settings.ts";
import { setXenditKeys } from "@/db/payments.ts";
import { listReceipts } from "@/db/receipts.ts";
import { requestRefund } from "@/db/refunds.ts";
import { applyPaymentEvent, createCheckout, recordPayment, recordPaymentEvent } from "@/db/payments.ts";
import { startTrial } from "@/db/trials.ts";
import { userBilling } from "@/db/user_billing.ts";
import { rows, testDatabase } from "../helpers/db.ts";
import { toAppError } from "@/lib/http/errors.ts";
import { rejectsAs, seedUser } from "../helpers/identity.ts";
import { seedShop } from "../helpers/payments.ts";
import { paidCheckout } from "../helpers/paid_checkouts.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const as = <T>(projectId: string | null, work: Parameters<typeof asApp<T>>[2]) =>
  asApp(db.sql, projectId, work);
const DAY = 86_400_000;
const at = (base: Date, days: number) => new Date(base.getTime() + days * DAY);

Deno.test("api.user_billing — a trial's state, the linked method, its renewal charge, a plan change and receipts, this user's only", async () => {
  const shop = await seedShop(db.sql, { email: "billing-page@example.com" });
  const p = shop.project.id;
  const user = shop.userId;
  const other = await seedUser(db.sql, p, "billing-other@example.com");
  const t0 = new Date("2035-01-01T00:00:00Z");
  await as(p, async (tx) => {
    await updatePlan(tx, p, "pro", { trial_days: 14 });
    await createPlan(tx, p, { key: "basic", name: "Basic", price_idr: 49_000, interval: "month" });
    await startTrial(tx, p, user, "pro", t0);
  });
  const trialing = await as(p, (tx) => userBilling(tx, p, user, at(t0, 3)));
  assert.deepEqual(trialing.trials.map((t) => [t.plan, t.state]), [["pro", "trialing"]]);
  assert.equal(trialing.trials[0].ends_at.slice(0, 10), "2035-01-15");
  assert.deepEqual(
    [trialing.plan_changes, trialing.linked_methods, trialing.renewal_charges, trialing.payments],
    [[], [], [], []],
  );

  // Paid after the trial, an e-wallet linked, the renewal pass opens a charge to it.
  const paidThrough = at(t0, 45);
  const methodId = await as(p, async (tx) => {
    await updateProjectSettings(tx, p, { linked_methods: { enabled: true } });
    await assignPlan(tx, p, user, "pro", "payment", {
      start: at(t0, 15).toISOString(),
      end: paidThrough.toISOString(),
    });
    const method = await startMethodLink(tx, p, user, {
      channel: "DANA",
      xendit_account: "simulator",
      environment: "sandbox",
    });
    await recordMethodLinkAnswer(tx, p, method.method_id, { provider_id: "pm-user-billing" });
    await applyMethodCallback(tx, p, method.method_id, {
      event: "payment_method.activated",
      provider_id: "pm-user-billing",
    });
    return method.method_id;
  });
  const renewed = await as(p, (tx) => renewalStep(tx, p, at(paidThrough, -6), "simulator"));
  assert.ok(renewed?.linked_charge, "the pass opened a charge to the linked method");
  await as(p, (tx) => changePlan(tx, p, user, "basic", "simulator", { now: at(paidThrough, -5) }));

  const seen = await as(p, (tx) => userBilling(tx, p, user, at(paidThrough, -5)));
  assert.deepEqual(seen.trials.map((t) => [t.plan, t.state]), [["pro", "paid"]]);
  assert.deepEqual(seen.linked_methods.map((m) => [m.method_id, m.status, m.label]), [[
    methodId,
    "active",
    "DANA",
  ]]);
  assert.equal(seen.renewal_charges.length, 1);
  assert.deepEqual(
    [seen.renewal_charges[0].status, seen.renewal_charges[0].method_id, seen.renewal_charges[0].plan],
    ["charging", methodId, "pro"],
  );
  assert.deepEqual(seen.plan_changes.map((c) => [c.to_plan, c.kind, c.status]), [[
    "basic",
    "scheduled",
    "scheduled",
  ]]);

  // The other user's payment is theirs: it shows on their page and in their receipts only.
  const checkout = await paidCheckout(db.sql, p, other);
  const theirs = await as(p, (tx) => userBilling(tx, p, other));
  assert.equal(theirs.payments.length, 1);
  assert.deepEqual(
    [
      theirs.payments[0].amount,
      theirs.payments[0].plan,
      theirs.payments[0].refunded_idr,
      theirs.payments[0].refunds,
    ],
    [99_000, "pro", 0, []],
  );
  assert.match(theirs.payments[0].receipt_id ?? "", /^rcp_[a-z2-7]{24}$/);
  assert.equal(theirs.payments[0].status, "paid");
  assert.deepEqual([theirs.trials, theirs.linked_methods, theirs.renewal_charges], [[], [], []]);
  assert.deepEqual((await as(p, (tx) => userBilling(tx, p, user))).payments, []);
  const receipt = await as(p, (tx) => listReceipts(tx, p, 50, null, other));
  assert.deepEqual(receipt.map((r) => r.receipt_id), [theirs.payments[0].receipt_id]);
  assert.equal(receipt[0].checkout_id ?? checkout.checkout_id, checkout.checkout_id);
  assert.deepEqual(await as(p, (tx) => listReceipts(tx, p, 50, null, user)), []);
  assert.equal((await as(p, (tx) => listReceipts(tx, p))).length, 1);
});

Deno.test("api.user_billing — payments of every status: pending, failed, expired, paid and refunded, newest first", async () => {
  const shop = await seedShop(db.sql, { email: "billing-statuses@example.com" });
  const p = shop.project.id;
  const paid = await paidCheckout(db.sql, p, shop.userId);
  const open = await as(
    p,
    (tx) => createCheckout(tx, p, { sub: shop.userId, plan: "pro", xendit_account: "simulator" }),
  );
  // Three charges on one checkout: a declined one, one left to expire, and one still waiting.
  for (
    const [providerId, status] of [["pr-st-failed", "FAILED"], ["pr-st-expired", "EXPIRED"], [
      "pr-st-pending",
      null,
    ]]
  ) {
    await as(p, async (tx) => {
      await recordPayment(tx, p, open.checkout_id, {
        kind: "payment_request",
        provider_id: providerId!,
        method: "qris",
        details: {},
        expires_at: null,
      });
      if (status) {
        await recordPaymentEvent(tx, p, {
          providerId: providerId!,
          status,
          checkoutId: open.checkout_id,
          body: { data: { amount: 99_000, currency: "IDR", status } },
        });
        while (await applyPaymentEvent(tx, p));
      }
    });
  }
  // The paid one given back in part: a refund asked for, then (as Xendit's callback would) succeeded.
  const [receipt] = await as(p, (tx) => listReceipts(tx, p, 50, null, shop.userId));
  const refund = await as(
    p,
    (tx) => requestRefund(tx, p, { receipt: receipt.receipt_id, amount: 40_000, plan_effect: "none" }),
  );
  await db.sql`update astapa.refunds set status = 'succeeded', succeeded_at = now()
               where project_id = ${p} and public_id = ${refund.refund_id}`;
  const seen = await as(p, (tx) => userBilling(tx, p, shop.userId));
  assert.deepEqual(
    seen.payments.map((y) => [y.status, y.checkout_id, y.amount, y.receipt_id !== null, y.refunded_idr]),
    [
      ["pending", open.checkout_id, 99_000, false, 0],
      ["expired", open.checkout_id, 99_000, false, 0],
      ["failed", open.checkout_id, 99_000, false, 0],
      ["paid", paid.checkout_id, 99_000, true, 40_000],
    ],
  );
  assert.deepEqual(seen.payments.slice(0, 3).map((y) => y.provider_id), [
    "pr-st-pending",
    "pr-st-expired",
    "pr-st-failed",
  ]);
  assert.deepEqual(seen.payments[3].refunds.map((f) => [f.refund_id, f.amount, f.status, f.plan_effect]), [[
    refund.refund_id,
    40_000,
    "succeeded",
    "none",
  ]]);
  assert.equal(seen.payments[0].number, null);
  assert.match(seen.payments[3].number ?? "", /R-\d{4}-\d{6}/);
});

Deno.test("api.user_billing — an unknown user, another project's user and another project are not found", async () => {
  const a = await seedShop(db.sql, { email: "billing-a@example.com" });
  const b = await seedShop(db.sql, { email: "billing-b@example.com" });
  await rejectsAs(as(a.project.id, (tx) => userBilling(tx, a.project.id, "999999999")), "not_found", /User/);
  await rejectsAs(as(a.project.id, (tx) => userBilling(tx, a.project.id, b.userId)), "not_found");
  // RLS: acting for project A, project B is invisible.
  await rejectsAs(as(a.project.id, (tx) => userBilling(tx, b.project.id, b.userId)), "not_found", /Project/);
  await rejectsAs(as(null, (tx) => userBilling(tx, b.project.id, b.userId)), "not_found", /Project/);
  assert.deepEqual(await as(a.project.id, (tx) => listReceipts(tx, b.project.id, 50, null, b.userId)), []);
});

Deno.test("api.billing_settings — defaults, merged switches, day counts, null restores, refusals, audited", async () => {
  const shop = await seedShop(db.sql, { email: "billing-settings@example.com" });
  const p = shop.project.id;
  assert.deepEqual(await as(p, (tx) => billingSettings(tx, p)), {
    linked_methods: {
      enabled: false,
      shopeepay: false,
      gopay_recurring: false,
      direct_debit: false,
      cards: false,
    },
    xendit_public_keys: { sandbox: null, production: null },
    billing_grace_days: 3,
    billing_renewal_notice_days: 7,
    billing_trial_reminder_days: 3,
    billing_refund_duplicates: false,
  });
  await as(
    p,
    (tx) => updateBillingSettings(tx, p, { linked_methods: { enabled: true }, billing_grace_days: 5 }),
  );
  const changed = await as(
    p,
    (tx) =>
      updateBillingSettings(tx, p, { linked_methods: { shopeepay: true }, billing_trial_reminder_days: 0 }),
  );
  assert.deepEqual(changed, {
    linked_methods: {
      enabled: true,
      shopeepay: true,
      gopay_recurring: false,
      direct_debit: false,
      cards: false,
    },
    xendit_public_keys: { sandbox: null, production: null },
    billing_grace_days: 5,
    billing_renewal_notice_days: 7,
    billing_trial_reminder_days: 0,
    billing_refund_duplicates: false,
  });
  const [stored] = await as(
    p,
    async (tx) => rows(await tx`select settings from astapa.projects where id = ${p}`),
  );
  assert.deepEqual((stored.settings as Record<string, unknown>).linked_methods, {
    enabled: true,
    shopeepay: true,
  });
  const restored = await as(p, (tx) => updateBillingSettings(tx, p, { billing_grace_days: null }));
  assert.equal(restored.billing_grace_days, 3);

  for (
    const [changes, reason] of [
      [{ passkeys: true }, /Billing settings are/],
      [{ billing_grace_days: 366 }, /billing_grace_days must be a whole number of days from 0 to 365/],
      [{ billing_renewal_notice_days: 1.5 }, /billing_renewal_notice_days must be a whole number/],
      [{ billing_trial_reminder_days: "3" }, /billing_trial_reminder_days must be a whole number/],
      [{ linked_methods: { gopay: true } }, /linked_methods must be/],
      [{}, /non-empty/],
    ] as const
  ) {
    await rejectsAs(as(p, (tx) => updateBillingSettings(tx, p, changes)), "validation_failed", reason);
  }
  // The dashboard's setter takes the day counts too, with the same check.
  await rejectsAs(
    as(p, (tx) => updateProjectSettings(tx, p, { billing_grace_days: -1 })),
    "validation_failed",
    /from 0 to 365/,
  );
  const audited = await as(
    p,
    async (tx) =>
      rows(
        await tx`select details from astapa.audit_log where project_id = ${p} and action = 'project.settings'
                  order by id`,
      ),
  );
  assert.deepEqual(audited.map((a) => a.details), [
    { linked_methods: { enabled: true }, billing_grace_days: 5 },
    { linked_methods: { enabled: true, shopeepay: true }, billing_trial_reminder_days: 0 },
    { billing_grace_days: null },
  ]);

  const other = await seedShop(db.sql, { email: "billing-settings-b@example.com" });
  await rejectsAs(as(p, (tx) => billingSettings(tx, other.project.id)), "not_found");
  await rejectsAs(
    as(p, (tx) => updateBillingSettings(tx, other.project.id, { billing_grace_days: 1 })),
    "not_found",
  );
});

Deno.test("api.update_billing_settings — xendit_public_keys: checked per field before any is stored, a no-op writes nothing, own client only", async () => {
  const shop = await seedShop(db.sql, { email: "billing-public-keys@example.com" });
  const p = shop.project.id;
  const sealed = { secretKey: new Uint8Array(40).fill(1), callbackToken: new Uint8Array(40).fill(2) };
  await as(p, (tx) => setXenditKeys(tx, p, "sandbox", sealed));
  const key = "xnd_public_development_sqlKey_123";
  const keys = (changes: Record<string, unknown>) =>
    as(p, (tx) => updateBillingSettings(tx, p, { xendit_public_keys: changes }));
  const fieldsOf = async (changes: Record<string, unknown>) => {
    const error = await keys(changes).then(() => assert.fail("expected AS400"), (e: unknown) => e);
    assert.equal(toAppError(error).code, "validation_failed");
    return toAppError(error).fields;
  };

  // A good sandbox key beside a bad production one: both named, neither stored.
  assert.deepEqual(await fieldsOf({ sandbox: key, production: "xnd_production_secret_key_1" }), {
    "xendit_public_keys.production": ["Must be a Xendit public key (xnd_public_…)."],
  });
  assert.deepEqual(await fieldsOf({ sandbox: "xnd_public_production_live_1", production: 7 }), {
    "xendit_public_keys.sandbox": [
      "Must be a development key for sandbox and a production key for production.",
    ],
    "xendit_public_keys.production": ["Must be a Xendit public key (xnd_public_…)."],
  });
  assert.deepEqual(Object.keys((await fieldsOf({ secret_key: "xnd_development_x" }))!), [
    "xendit_public_keys",
  ]);
  assert.deepEqual(Object.keys((await fieldsOf({}))!), ["xendit_public_keys"]);
  assert.equal(
    (await as(p, (tx) => billingSettings(tx, p))).xendit_public_keys.sandbox,
    null,
    "nothing stored",
  );

  const set = await keys({ sandbox: key });
  assert.deepEqual(set.xendit_public_keys, { sandbox: key, production: null });
  await rejectsAs(keys({ production: "xnd_public_production_live_1" }), "conflict", /secret key/);
  // What GET answered, sent back: nothing written, nothing audited, no 409 for the unset production key.
  await keys({ sandbox: key, production: null });
  const audited = await as(
    p,
    async (tx) =>
      rows(
        await tx`select details from astapa.audit_log where project_id = ${p} and action = 'xendit_keys.set'
                    and details ? 'public_key' order by id`,
      ),
  );
  assert.deepEqual(audited.map((a) => a.details), [{ environment: "sandbox", public_key: key }]);

  // A machine client's transaction is refused even for a change that would write nothing.
  await rejectsAs(
    asApp(db.sql, p, (tx) => updateBillingSettings(tx, p, { xendit_public_keys: { sandbox: key } }), {
      clientKind: "machine",
    }),
    "unauthorized_client",
  );
  // Another project's key is out of reach: RLS hides its row, so there is nothing to set.
  const other = await seedShop(db.sql, { email: "billing-public-keys-b@example.com" });
  await rejectsAs(
    as(p, (tx) => updateBillingSettings(tx, other.project.id, { xendit_public_keys: { sandbox: key } })),
    "not_found",
  );
  assert.deepEqual((await keys({ sandbox: null })).xendit_public_keys, { sandbox: null, production: null });
});
