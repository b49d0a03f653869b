/**
 * SQL tests for linked-method renewal charges (db/api/renewal_charges.sql and api.renewal_step's part in them):
 * when a renewal opens a charge, claiming (once, retried after the delay, given up after three tries), recording
 * Xendit's answer, settling by the payment's callback, every fallback to the pay-link mail, an expired checkout's
 * charge ended here by the billing pass (api.abandon_charge), and the policies.
 * `now` is an argument of every step, so the clock is the test's.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { abandonCharge, cancelSubscription, expireCheckouts, renewalStep } from "@/db/billing.ts";
import {
  applyMethodCallback,
  cancelMethodUnlink,
  recordMethodLinkAnswer,
  requestMethodUnlink,
  startMethodLink,
  unlinkMethod,
} from "@/db/linked_methods.ts";
import { cancelPlanChange, changePlan } from "@/db/plan_changes.ts";
import { assignPlan, createPlan, currentSubscription } from "@/db/plans.ts";
import { applyPaymentEvent, recordPaymentEvent } from "@/db/payments.ts";
import { updateProjectSettings } from "@/db/project_settings.ts";
import { nextRenewalCharge, recordRenewalCharge, type RenewalChargeWork } from "@/db/renewal_charges.ts";
import { rows, testDatabase } from "../helpers/db.ts";
import { rejectsAs, seedUser } from "../helpers/identity.ts";
import { seedShop, type Shop } from "../helpers/payments.ts";
import { waitFor } from "../helpers/wait.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const as = <T>(projectId: string | null, work: Parameters<typeof asApp<T>>[2]) =>
  asApp(db.sql, projectId, work);
const DAY = 86_400_000;
const at = (base: Date, days: number) => new Date(base.getTime() + days * DAY);
const through = { xendit_account: "simulator", environment: "sandbox" } as const;

/** A shop with linking on and a user who paid pro until `paidThrough` and linked `channel` (active, pm-…). */
async function linkedCustomer(
  email: string,
  paidThrough: Date,
  channel = "DANA",
  switches = {},
  link: { mobile_number?: string; card_last_four?: string; card_network?: string } = {},
) {
  const shop = await seedShop(db.sql, { email });
  const p = shop.project.id;
  const user = shop.userId;
  const providerId = `pm-${crypto.randomUUID()}`;
  const methodId = await as(p, async (tx) => {
    await updateProjectSettings(tx, p, { linked_methods: { enabled: true, ...switches } });
    await assignPlan(tx, p, user, "pro", "payment", {
      start: at(paidThrough, -30).toISOString(),
      end: paidThrough.toISOString(),
    });
    const method = await startMethodLink(tx, p, user, { channel, ...link, ...through });
    await recordMethodLinkAnswer(tx, p, method.method_id, { provider_id: providerId });
    await applyMethodCallback(tx, p, method.method_id, {
      event: "payment_method.activated",
      provider_id: providerId,
    });
    return method.method_id;
  });
  return { shop, p, user, methodId, providerId };
}

const step = (shop: Shop, now: Date) =>
  as(shop.project.id, (tx) => renewalStep(tx, shop.project.id, now, "simulator"));
const next = (p: string, now: Date, retry = 600) => as(p, (tx) => nextRenewalCharge(tx, p, now, retry));
const charging = (work: RenewalChargeWork | null) => {
  assert.equal(work?.action, "charge", JSON.stringify(work));
  return work as Extract<RenewalChargeWork, { action: "charge" }>;
};
const chargeRow = async (p: string) =>
  (await as(p, async (tx) =>
    rows(
      await tx`select status, tries, amount::int, provider_id, failure_code, mailed_at is not null as mailed
               from astapa.renewal_charges order by id`,
    )))[0];

/** A Xendit callback for `providerId`, stored and applied like the webhook and the worker do. */
async function callback(p: string, providerId: string, checkoutId: string, status: string, amount = 99_000) {
  return await as(p, async (tx) => {
    await recordPaymentEvent(tx, p, {
      providerId,
      status,
      checkoutId,
      body: { event: `payment.${status.toLowerCase()}`, data: { amount, currency: "IDR", status } },
    });
    const applied = await applyPaymentEvent(tx, p);
    assert.ok(applied, "the stored callback is applied");
    return applied;
  });
}

Deno.test("api.renewal_step — a renewal with an active linked method opens its charge (mail held back), once", async () => {
  const paidThrough = new Date("2034-03-01T00:00:00Z");
  const c = await linkedCustomer("linked-step@example.com", paidThrough);
  const renewed = await step(c.shop, at(paidThrough, -6));
  assert.equal(renewed?.action, "renew");
  assert.deepEqual(
    [renewed?.linked_charge?.method_id, renewed?.linked_charge?.channel, renewed?.linked_charge?.label],
    [c.methodId, "DANA", "DANA"],
  );
  assert.match(renewed!.linked_charge!.charge_id, /^rch_[a-z2-7]{24}$/);
  assert.equal(await step(c.shop, at(paidThrough, -5)), null, "one checkout, one charge per period");
  const [event] = await as(
    c.p,
    async (tx) => rows(await tx`select data from astapa.events where type = 'subscription.renewal_due'`),
  );
  assert.equal((event.data as { auto_charge: boolean }).auto_charge, true);
  assert.deepEqual(await chargeRow(c.p), {
    status: "charging",
    tries: 0,
    amount: null,
    provider_id: null,
    failure_code: null,
    mailed: false,
  });
});

Deno.test("api.renewal_step — no charge when linking is off, the method went through other keys, is unlinked, or is ShopeePay with its switch off", async () => {
  const paidThrough = new Date("2034-04-01T00:00:00Z");
  const off = await linkedCustomer("linked-off@example.com", paidThrough);
  await as(off.p, (tx) => updateProjectSettings(tx, off.p, { linked_methods: { enabled: false } }));
  assert.equal((await step(off.shop, at(paidThrough, -6)))?.linked_charge, null);

  const other = await linkedCustomer("linked-keys@example.com", paidThrough);
  const renewedOther = await as(other.p, (tx) => renewalStep(tx, other.p, at(paidThrough, -6), "deployment"));
  assert.equal(
    renewedOther?.linked_charge,
    null,
    "a method linked with the simulator is not charged by other keys",
  );

  const gone = await linkedCustomer("linked-gone@example.com", paidThrough);
  await as(gone.p, (tx) => unlinkMethod(tx, gone.p, gone.user, gone.methodId));
  assert.equal((await step(gone.shop, at(paidThrough, -6)))?.linked_charge, null);

  const shopee = await linkedCustomer("linked-shopee@example.com", paidThrough, "SHOPEEPAY", {
    shopeepay: true,
  });
  await as(shopee.p, (tx) => updateProjectSettings(tx, shopee.p, { linked_methods: { enabled: true } }));
  const renewedShopee = await step(shopee.shop, at(paidThrough, -6));
  assert.equal(renewedShopee?.action, "renew");
  assert.equal(renewedShopee?.linked_charge, null, "ShopeePay is charged only while its switch is on");
  for (const c of [off, other, gone, shopee]) {
    assert.equal((await as(c.p, (tx) => tx`select 1 from astapa.renewal_charges`)).length, 0);
  }
});

Deno.test("renewal charges — a method being unlinked is not charged: no charge opened, a claimed one falls back to mail", async () => {
  const paidThrough = new Date("2034-04-15T00:00:00Z");
  const now = at(paidThrough, -6);
  // Marked before the renewal: no charge is opened, the pay link is mailed as usual.
  const early = await linkedCustomer("linked-unlinking@example.com", paidThrough);
  await as(early.p, (tx) => requestMethodUnlink(tx, early.p, early.user, early.methodId));
  assert.equal((await step(early.shop, now))?.linked_charge, null);

  // Marked after the charge was opened: the claim fails it (the pay-link mail) and never asks Xendit.
  const late = await linkedCustomer("linked-unlinking-late@example.com", paidThrough);
  assert.ok((await step(late.shop, now))?.linked_charge);
  const marked = await as(late.p, (tx) => requestMethodUnlink(tx, late.p, late.user, late.methodId));
  const failed = await next(late.p, now);
  assert.deepEqual(failed?.action === "mail" && [failed.failure_code, failed.checkout.status], [
    "METHOD_UNLINKING",
    "open",
  ]);
  // Xendit refused the unlink: the method is charged again at the next renewal.
  await as(
    late.p,
    (tx) => cancelMethodUnlink(tx, late.p, late.user, late.methodId, marked.unlink_requested_at!),
  );
  const again = await as(
    late.p,
    async (tx) =>
      rows(
        await tx`select astapa.open_renewal_charge(${late.p}, c.public_id) as opened
                  from astapa.checkouts as c where c.status = 'open'`,
      ),
  );
  assert.equal((again[0].opened as { method_id: string }).method_id, late.methodId);
});

Deno.test("api.next_renewal_charge — claimed once, asked again after the delay, given up after three tries (mail)", async () => {
  const paidThrough = new Date("2034-05-01T00:00:00Z");
  const c = await linkedCustomer("linked-claim@example.com", paidThrough);
  const now = at(paidThrough, -6);
  const renewed = await step(c.shop, now);
  const first = charging(await next(c.p, now));
  assert.deepEqual(
    [first.charge_id, first.amount, first.provider_method_id, first.channel, first.checkout.checkout_id],
    [renewed!.linked_charge!.charge_id, 99_000, c.providerId, "DANA", renewed!.checkout!.checkout_id],
  );
  assert.equal(await next(c.p, now), null, "claimed: nobody else takes it");
  assert.equal(await next(c.p, new Date(now.getTime() + 599_000)), null, "not before the retry delay");
  const second = charging(await next(c.p, new Date(now.getTime() + 600_000)));
  assert.equal(second.charge_id, first.charge_id, "the same charge (same idempotency key)");
  charging(await next(c.p, new Date(now.getTime() + 1_200_000)));
  const gaveUp = await next(c.p, new Date(now.getTime() + 1_800_000));
  assert.equal(gaveUp?.action, "mail");
  assert.deepEqual(
    gaveUp?.action === "mail" && [gaveUp.failure_code, gaveUp.label, gaveUp.email, gaveUp.checkout.status],
    ["NO_ANSWER", "DANA", "linked-claim@example.com", "open"],
  );
  assert.deepEqual(
    [(await chargeRow(c.p)).status, (await chargeRow(c.p)).tries, (await chargeRow(c.p)).mailed],
    ["failed", 3, true],
  );
  assert.equal(await next(c.p, at(paidThrough, 10)), null, "failed is final");
  const [audit] = await as(
    c.p,
    async (tx) =>
      rows(await tx`select target from astapa.audit_log where action = 'billing.renewal_charge_failed'`),
  );
  assert.equal(audit.target, `user:${c.user}`);
  await rejectsAs(
    as(c.p, (tx) => tx`select api.next_renewal_charge(${c.p}, null, 600)`),
    "validation_failed",
  );
  await rejectsAs(next(c.p, now, -1), "validation_failed");
});

Deno.test("api.record_renewal_charge — Xendit's answer makes it pending with its payment; the callback pays the renewal once", async () => {
  const paidThrough = new Date("2034-06-01T00:00:00Z");
  const c = await linkedCustomer("linked-paid@example.com", paidThrough);
  const now = at(paidThrough, -6);
  const checkoutId = (await step(c.shop, now))!.checkout!.checkout_id;
  const work = charging(await next(c.p, now));
  const answer = { provider_id: "pr-linked-paid", amount: 99_000, status: "PENDING" };
  const recorded = await as(c.p, (tx) => recordRenewalCharge(tx, c.p, work.charge_id, answer, now));
  assert.equal(recorded.action, "pending");
  const again = await as(c.p, (tx) => recordRenewalCharge(tx, c.p, work.charge_id, answer, now));
  assert.equal(again.action, "none", "answered already");
  const [payment] = await as(
    c.p,
    async (tx) => rows(await tx`select method, kind, amount::int, status, details from astapa.payments`),
  );
  assert.deepEqual(payment, {
    method: "dana",
    kind: "payment_request",
    amount: 99_000,
    status: "pending",
    details: { linked_method: "DANA" },
  });
  assert.equal(await next(c.p, now), null, "pending: waits for the callback");

  // A callback with another amount pays nothing; the right one pays once; a late FAILED changes nothing.
  assert.equal(
    (await callback(c.p, "pr-linked-paid", checkoutId, "SUCCEEDED", 9_900)).outcome,
    "amount_mismatch",
  );
  assert.equal((await callback(c.p, "pr-linked-paid", checkoutId, "SUCCEEDED")).outcome, "paid");
  assert.equal((await callback(c.p, "pr-linked-paid", checkoutId, "FAILED")).outcome, "no_change");
  const sub = await as(c.p, (tx) => currentSubscription(tx, c.p, c.user));
  const expected = new Date(paidThrough);
  expected.setUTCMonth(expected.getUTCMonth() + 1);
  assert.equal(new Date(sub.subscription!.paid_through!).getTime(), expected.getTime());
  const paid = await next(c.p, now);
  assert.deepEqual(paid, { action: "paid", charge_id: work.charge_id });
  assert.equal((await chargeRow(c.p)).status, "paid");
  const counts = await as(c.p, async (tx) =>
    rows(
      await tx`select (select count(*)::int from astapa.receipts) as receipts,
                      (select count(*)::int from astapa.events where type = 'payment.succeeded') as succeeded,
                      (select sum(amount)::int from astapa.payments where status = 'paid') as paid`,
    )[0]);
  assert.deepEqual(counts, { receipts: 1, succeeded: 1, paid: 99_000 });
  await rejectsAs(
    as(c.p, (tx) => recordRenewalCharge(tx, c.p, "rch_unknown", answer, now)),
    "not_found",
  );
  await rejectsAs(
    as(c.p, (tx) => recordRenewalCharge(tx, c.p, work.charge_id, {} as typeof answer, now)),
    "validation_failed",
  );
});

Deno.test("renewal charges — a charge at Xendit when the account is erased: its payment is kept for a refund, no plan for the erased account", async () => {
  const paidThrough = new Date("2034-06-15T00:00:00Z");
  const c = await linkedCustomer("linked-erased@example.com", paidThrough);
  const now = at(paidThrough, -6);
  const checkoutId = (await step(c.shop, now))!.checkout!.checkout_id;
  const work = charging(await next(c.p, now));
  // The person erases their account while the worker's charge is on its way to Xendit, which debits it.
  await as(c.p, (tx) => tx`select astapa.erase_user(${c.user}, 'user')`);
  const answer = { provider_id: "pr-linked-erased", amount: 99_000, status: "PENDING" };
  assert.equal(
    (await as(c.p, (tx) => recordRenewalCharge(tx, c.p, work.charge_id, answer, now))).action,
    "pending",
  );
  const applied = await callback(c.p, "pr-linked-erased", checkoutId, "SUCCEEDED");
  assert.equal(applied.outcome, "account_deleted");
  assert.equal(applied.receipt_id, undefined, "nobody to mail a receipt to");
  const subscriptions = await as(
    c.p,
    async (tx) =>
      rows(await tx`select status from astapa.subscriptions where user_id = ${c.user} and ended_at is null`),
  );
  assert.deepEqual(subscriptions, [], "the erased account gets no plan");
  const kept = await as(c.p, async (tx) =>
    rows(
      await tx`select y.status as payment, c.status as checkout,
                      (select count(*)::int from astapa.receipts) as receipts,
                      (select count(*)::int from astapa.events where type = 'payment.succeeded') as succeeded
               from astapa.payments y join astapa.checkouts c on c.project_id = y.project_id and c.id = y.checkout_id
               where y.provider_id = 'pr-linked-erased'`,
    )[0]);
  // The money was taken: the payment is paid and has its receipt (a refund needs one); the checkout is paid, so no
  // pay link takes money for it again; the app hears of no payment of a sub it was told is deleted.
  assert.deepEqual(kept, { payment: "paid", checkout: "paid", receipts: 1, succeeded: 0 });
});

Deno.test("api.record_renewal_charge — a callback that came before the answer is applied when the answer is recorded", async () => {
  const paidThrough = new Date("2034-07-01T00:00:00Z");
  const c = await linkedCustomer("linked-early@example.com", paidThrough);
  const now = at(paidThrough, -6);
  const checkoutId = (await step(c.shop, now))!.checkout!.checkout_id;
  const work = charging(await next(c.p, now));
  assert.equal((await callback(c.p, "pr-early", checkoutId, "SUCCEEDED")).outcome, "unknown_payment");
  await as(
    c.p,
    (tx) =>
      recordRenewalCharge(tx, c.p, work.charge_id, {
        provider_id: "pr-early",
        amount: 99_000,
        status: "PENDING",
      }, now),
  );
  const applied = await as(c.p, (tx) => applyPaymentEvent(tx, c.p));
  assert.equal(applied?.outcome, "paid");
  assert.equal((await as(c.p, (tx) => currentSubscription(tx, c.p, c.user))).subscription?.status, "active");
});

Deno.test("api.record_renewal_charge — a callback a worker is applying at that moment is waited for and applied again", async () => {
  const paidThrough = new Date("2034-07-15T00:00:00Z");
  const c = await linkedCustomer("linked-race@example.com", paidThrough);
  const now = at(paidThrough, -6);
  const checkoutId = (await step(c.shop, now))!.checkout!.checkout_id;
  const work = charging(await next(c.p, now));
  await as(c.p, (tx) =>
    recordPaymentEvent(tx, c.p, {
      providerId: "pr-race",
      status: "SUCCEEDED",
      checkoutId,
      body: { event: "payment.succeeded", data: { amount: 99_000, currency: "IDR", status: "SUCCEEDED" } },
    }));
  // The worker applies the callback (no payment yet: unknown_payment) and has not committed when Xendit's
  // answer is recorded: the recording waits for the event's lock, then puts it back in line.
  let commit!: () => void;
  const held = new Promise<void>((resolve) => commit = resolve);
  let applied!: () => void;
  const appliedOnce = new Promise<void>((resolve) => applied = resolve);
  const workerTx = as(c.p, async (tx) => {
    const outcome = await applyPaymentEvent(tx, c.p);
    applied();
    await held;
    return outcome;
  });
  await appliedOnce;
  const recording = as(
    c.p,
    (tx) =>
      recordRenewalCharge(tx, c.p, work.charge_id, {
        provider_id: "pr-race",
        amount: 99_000,
        status: "PENDING",
      }, now),
  );
  await waitFor(
    async () =>
      (await db.sql`select 1 from pg_stat_activity
                  where datname = current_database() and wait_event_type = 'Lock'`).length > 0,
    "the recording to wait",
  );
  commit();
  assert.equal((await workerTx)?.outcome, "unknown_payment");
  assert.equal((await recording).action, "pending");
  assert.equal((await as(c.p, (tx) => applyPaymentEvent(tx, c.p)))?.outcome, "paid", "applied again");
  assert.equal((await as(c.p, (tx) => currentSubscription(tx, c.p, c.user))).subscription?.status, "active");
});

Deno.test("renewal charges — every failure falls back to the pay-link mail once; a checkout paid another way mails nobody", async () => {
  const paidThrough = new Date("2034-08-01T00:00:00Z");
  const now = at(paidThrough, -6);
  const answered = async (email: string, status = "PENDING", amount = 99_000) => {
    const c = await linkedCustomer(email, paidThrough);
    const checkoutId = (await step(c.shop, now))!.checkout!.checkout_id;
    const work = charging(await next(c.p, now));
    const providerId = `pr-${crypto.randomUUID()}`;
    const recorded = await as(
      c.p,
      (tx) => recordRenewalCharge(tx, c.p, work.charge_id, { provider_id: providerId, amount, status }, now),
    );
    return { ...c, checkoutId, work, providerId, recorded };
  };
  const failureOf = (work: Awaited<ReturnType<typeof next>>) =>
    work?.action === "mail" ? work.failure_code : `not mailed: ${JSON.stringify(work)}`;

  // Refused at once by Xendit.
  const refused = await linkedCustomer("linked-refused@example.com", paidThrough);
  await step(refused.shop, now);
  const refusedWork = charging(await next(refused.p, now));
  const refusal = await as(
    refused.p,
    (tx) =>
      recordRenewalCharge(tx, refused.p, refusedWork.charge_id, { failure: "INSUFFICIENT_BALANCE" }, now),
  );
  assert.equal(refusal.action, "mail");
  assert.equal(refusal.action === "mail" && refusal.failure_code, "INSUFFICIENT_BALANCE");

  // Failed in the answer itself; answered for another amount.
  assert.equal((await answered("linked-failed-now@example.com", "FAILED")).recorded.action, "mail");
  const other = await answered("linked-amount@example.com", "PENDING", 1);
  assert.equal(other.recorded.action === "mail" && other.recorded.failure_code, "AMOUNT_MISMATCH");

  // Failed or expired by callback, or never answered for a day.
  const failed = await answered("linked-failed@example.com");
  assert.equal((await callback(failed.p, failed.providerId, failed.checkoutId, "FAILED")).outcome, "failed");
  assert.equal(failureOf(await next(failed.p, now)), "FAILED");
  const expired = await answered("linked-expired@example.com");
  await callback(expired.p, expired.providerId, expired.checkoutId, "EXPIRED");
  assert.equal(failureOf(await next(expired.p, now)), "EXPIRED");
  const silent = await answered("linked-silent@example.com");
  assert.equal(await next(silent.p, at(now, 0.9)), null);
  assert.equal(failureOf(await next(silent.p, at(now, 1))), "NO_ANSWER");
  for (const c of [failed, expired, silent]) {
    assert.deepEqual([(await chargeRow(c.p)).status, (await chargeRow(c.p)).mailed], ["failed", true]);
    assert.equal(await next(c.p, at(now, 2)), null, "mailed once");
  }

  // Unlinked before the pass charged it.
  const unlinked = await linkedCustomer("linked-unlinked@example.com", paidThrough);
  await step(unlinked.shop, now);
  await as(unlinked.p, (tx) => unlinkMethod(tx, unlinked.p, unlinked.user, unlinked.methodId));
  assert.equal(failureOf(await next(unlinked.p, now)), "METHOD_EXPIRED");

  // The checkout expired before the pass charged it: nothing to pay, nobody mailed.
  const late = await linkedCustomer("linked-late@example.com", paidThrough);
  await step(late.shop, now);
  await as(late.p, (tx) => tx`update astapa.checkouts set status = 'expired'`);
  const none = await next(late.p, now);
  assert.deepEqual([none?.action, none?.action === "none" && none.failure_code], [
    "none",
    "CHECKOUT_EXPIRED",
  ]);
  assert.equal((await chargeRow(late.p)).mailed, false);
});

Deno.test("renewal charges — policies: a project sees and changes only its own", async () => {
  const paidThrough = new Date("2034-09-01T00:00:00Z");
  const c = await linkedCustomer("linked-policy@example.com", paidThrough);
  await step(c.shop, at(paidThrough, -6));
  const stranger = await seedShop(db.sql, { email: "linked-stranger@example.com" });
  await seedUser(db.sql, stranger.project.id, "someone@example.com");
  const s = stranger.project.id;
  assert.equal((await as(s, (tx) => tx`select 1 from astapa.renewal_charges`)).length, 0);
  assert.equal((await as(s, (tx) => tx`update astapa.renewal_charges set tries = 9 returning 1`)).length, 0);
  assert.equal(await next(s, at(paidThrough, -6)), null);
  await rejectsAs(
    as(s, (tx) => recordRenewalCharge(tx, s, "rch_x", { failure: "x" }, at(paidThrough, -6))),
    "not_found",
  );
  assert.equal((await as(null, (tx) => tx`select 1 from astapa.renewal_charges`)).length, 0);
  await assert.rejects(
    as(s, (tx) =>
      tx`insert into astapa.renewal_charges (project_id, checkout_id, linked_method_id)
                     values (${c.p}, 1, 1)`),
    /row-level security/,
  );
  assert.equal((await chargeRow(c.p)).tries, 0, "the owner's row is untouched");
});

Deno.test("renewal charges — direct debit and cards: charged only while their switches are on, recorded as direct_debit or card", async () => {
  const paidThrough = new Date("2034-09-01T00:00:00Z");
  const now = at(paidThrough, -6);
  const bri = await linkedCustomer("linked-bri@example.com", paidThrough, "BRI", { direct_debit: true }, {
    mobile_number: "+6281234567890",
    card_last_four: "1234",
  });
  const card = await linkedCustomer("linked-card@example.com", paidThrough, "CARD", { cards: true }, {
    card_last_four: "1091",
    card_network: "VISA",
  });
  for (
    const [c, method, label] of [[bri, "direct_debit", "BRI •••• 1234"], [
      card,
      "card",
      "VISA •••• 1091",
    ]] as const
  ) {
    const renewed = await step(c.shop, now);
    assert.equal(renewed?.linked_charge?.label, label);
    const work = charging(await next(c.p, now));
    assert.equal(work.provider_method_id, c.providerId);
    const answer = { provider_id: `pr-${method}`, amount: 99_000, status: "PENDING" };
    assert.equal(
      (await as(c.p, (tx) => recordRenewalCharge(tx, c.p, work.charge_id, answer, now))).action,
      "pending",
    );
    const [payment] = await as(
      c.p,
      async (tx) =>
        rows(
          await tx`select y.method, y.details, c.method as checkout_method from astapa.payments as y
                      join astapa.checkouts as c on c.id = y.checkout_id`,
        ),
    );
    assert.deepEqual(payment, { method, details: { linked_method: label }, checkout_method: method });
  }

  // With its switch off, the method stays linked but the renewal goes out as a pay link.
  const later = new Date("2034-10-01T00:00:00Z");
  const off = await linkedCustomer("linked-card-off@example.com", later, "CARD", { cards: true }, {
    card_last_four: "4242",
  });
  await as(off.p, (tx) => updateProjectSettings(tx, off.p, { linked_methods: { enabled: true } }));
  const renewedOff = await step(off.shop, at(later, -6));
  assert.equal(renewedOff?.action, "renew");
  assert.equal(renewedOff?.linked_charge, null, "cards are charged only while their switch is on");
});

Deno.test("renewal charges — an expired pay link's charge the billing pass ended here is failed EXPIRED, one left a day unanswered NO_ANSWER; nobody is mailed either way, payment.failed once", async () => {
  const paidThrough = new Date("2034-10-01T00:00:00Z");
  const now = at(paidThrough, -6);
  /** A renewal charge Xendit took (pending), whose pay link then expired (its expires_at passed). */
  const takenThenExpired = async (email: string) => {
    const c = await linkedCustomer(email, paidThrough);
    const checkoutId = (await step(c.shop, now))!.checkout!.checkout_id;
    const work = charging(await next(c.p, now));
    const providerId = `pr-${crypto.randomUUID()}`;
    await as(
      c.p,
      (tx) =>
        recordRenewalCharge(tx, c.p, work.charge_id, {
          provider_id: providerId,
          amount: 99_000,
          status: "PENDING",
        }, now),
    );
    assert.equal(await as(c.p, (tx) => expireCheckouts(tx, c.p, at(now, 0.5))), 1);
    return { ...c, checkoutId, providerId };
  };
  /** The billing pass, finding the charge still pending at Xendit past its horizon: ended here, applied. */
  const endedHere = async (c: Awaited<ReturnType<typeof takenThenExpired>>, when: Date) => {
    assert.equal((await as(c.p, (tx) => abandonCharge(tx, c.p, c.providerId, when)))?.duplicate, false);
    assert.equal((await as(c.p, (tx) => applyPaymentEvent(tx, c.p)))?.outcome, "expired");
  };
  const outcome = async (c: Awaited<ReturnType<typeof takenThenExpired>>) =>
    (await as(c.p, async (tx) =>
      rows(
        await tx`select (select count(*)::int from astapa.events where type = 'payment.failed') as failed,
                        (select count(*)::int from astapa.audit_log
                         where action = 'billing.renewal_charge_failed') as audited`,
      )))[0];

  // The billing pass came first (the renewal pass did not run in the day before): the charge is expired.
  const abandoned = await takenThenExpired("linked-abandoned@example.com");
  await endedHere(abandoned, at(now, 1.1));
  const first = await next(abandoned.p, at(now, 1.1));
  assert.deepEqual([first?.action, first?.action === "none" && first.failure_code], ["none", "EXPIRED"]);
  assert.equal(await next(abandoned.p, at(now, 2)), null);

  // The renewal pass's day came first: no answer, then the billing pass ends the charge all the same.
  const silent = await takenThenExpired("linked-silent-expired@example.com");
  const day = await next(silent.p, at(now, 1));
  assert.deepEqual([day?.action, day?.action === "none" && day.failure_code], ["none", "NO_ANSWER"]);
  await endedHere(silent, at(now, 1.1));
  assert.equal(await next(silent.p, at(now, 2)), null);

  for (const c of [abandoned, silent]) {
    const row = await chargeRow(c.p);
    assert.deepEqual([row.status, row.mailed], ["failed", false], "nothing left to pay: nobody mailed");
    assert.deepEqual(await outcome(c), { failed: 1, audited: 1 }, "the app hears of the charge once");
  }
});

Deno.test("api.cancel_subscription — a linked charge the pass has not claimed yet is not under way (astapa.charge_under_way): its pay link is voided and it is never made; a claimed one is left", async () => {
  const paidThrough = new Date("2034-09-01T00:00:00Z");
  const now = at(paidThrough, -6);
  const linkStatus = async (p: string) =>
    (await as(
      p,
      async (tx) => rows(await tx`select status from astapa.checkouts where period_start is not null`),
    ))[0]
      .status;

  const unclaimed = await linkedCustomer("linked-cancel-unclaimed@example.com", paidThrough);
  await step(unclaimed.shop, now);
  await as(unclaimed.p, (tx) => cancelSubscription(tx, unclaimed.p, unclaimed.user));
  assert.equal(await linkStatus(unclaimed.p), "expired", "nothing is moving: voided like an open link");
  const none = await next(unclaimed.p, now);
  assert.deepEqual([none?.action, none?.action === "none" && none.failure_code], [
    "none",
    "CHECKOUT_EXPIRED",
  ]);

  const claimed = await linkedCustomer("linked-cancel-claimed@example.com", paidThrough);
  await step(claimed.shop, now);
  charging(await next(claimed.p, now));
  await as(claimed.p, (tx) => cancelSubscription(tx, claimed.p, claimed.user));
  assert.equal(await linkStatus(claimed.p), "open", "Xendit may be taking the money: left to finish");
});

Deno.test("api.change_plan — a scheduled change expires the old plan's pay link even while its linked charge is being made (astapa.expire_open_renewal_checkouts): paid, that charge still renews (paid wins, the change settled); failed, nobody is mailed that link; not claimed, it is never made", async () => {
  const paidThrough = new Date("2034-10-01T00:00:00Z");
  const now = at(paidThrough, -6);
  const scheduleBasic = async (c: Awaited<ReturnType<typeof linkedCustomer>>) => {
    await as(c.p, (tx) => createPlan(tx, c.p, { key: "basic", name: "Basic", price_idr: 49_000 }));
    const { change } = await as(c.p, (tx) => changePlan(tx, c.p, c.user, "basic", "simulator", { now }));
    assert.equal(change.kind, "scheduled");
  };
  const linkStatus = async (p: string) =>
    (await as(
      p,
      async (tx) => rows(await tx`select status from astapa.checkouts where period_start is not null`),
    ))[0]
      .status;

  const paid = await linkedCustomer("linked-change-paid@example.com", paidThrough);
  const link = (await step(paid.shop, now))!.checkout!.checkout_id;
  const work = charging(await next(paid.p, now));
  await scheduleBasic(paid);
  assert.equal(
    await linkStatus(paid.p),
    "expired",
    "a link for the plan the next period no longer renews into",
  );
  const answer = { provider_id: "pr-linked-change-paid", amount: 99_000, status: "PENDING" };
  assert.equal(
    (await as(paid.p, (tx) => recordRenewalCharge(tx, paid.p, work.charge_id, answer, now))).action,
    "pending",
  );
  assert.equal((await callback(paid.p, "pr-linked-change-paid", link, "SUCCEEDED")).outcome, "paid");
  const sub = await as(paid.p, (tx) => currentSubscription(tx, paid.p, paid.user));
  const expected = new Date(paidThrough);
  expected.setUTCMonth(expected.getUTCMonth() + 1);
  assert.deepEqual([sub.plan, new Date(sub.subscription!.paid_through!).getTime()], [
    "pro",
    expected.getTime(),
  ]);
  const [change] = await as(paid.p, async (tx) => rows(await tx`select status from astapa.plan_changes`));
  assert.equal(change.status, "canceled", "the paid renewal of pro settled the change to basic");

  const failed = await linkedCustomer("linked-change-failed@example.com", paidThrough);
  await step(failed.shop, now);
  const failing = charging(await next(failed.p, now));
  await scheduleBasic(failed);
  const ended = await as(
    failed.p,
    (tx) => recordRenewalCharge(tx, failed.p, failing.charge_id, { failure: "INSUFFICIENT_BALANCE" }, now),
  );
  assert.equal(ended.action, "none", "the old plan's link is not mailed");
  assert.equal((await chargeRow(failed.p)).mailed, false);

  const unclaimed = await linkedCustomer("linked-change-unclaimed@example.com", paidThrough);
  await step(unclaimed.shop, now);
  await scheduleBasic(unclaimed);
  const none = await next(unclaimed.p, now);
  assert.deepEqual([none?.action, none?.action === "none" && none.failure_code], [
    "none",
    "CHECKOUT_EXPIRED",
  ]);
});

Deno.test("astapa.period_checkout_exists — while the expired old plan's linked charge is under way the pass opens no new plan's link for the period: paid, the period is paid once; failed, the next pass opens and charges the new link", async () => {
  const paidThrough = new Date("2034-11-01T00:00:00Z");
  const now = at(paidThrough, -6);
  /** A customer whose pro renewal is being charged (claimed) when they schedule basic: the pro link expired. */
  const inFlight = async (email: string) => {
    const c = await linkedCustomer(email, paidThrough);
    await as(c.p, (tx) => createPlan(tx, c.p, { key: "basic", name: "Basic", price_idr: 49_000 }));
    const link = (await step(c.shop, now))!.checkout!.checkout_id;
    const work = charging(await next(c.p, now));
    const { change } = await as(c.p, (tx) => changePlan(tx, c.p, c.user, "basic", "simulator", { now }));
    assert.equal(change.kind, "scheduled");
    return { ...c, link, work };
  };
  const counts = (p: string) =>
    as(p, async (tx) =>
      rows(
        await tx`select (select count(*)::int from astapa.checkouts where period_start is not null) as links,
                        (select count(*)::int from astapa.renewal_charges) as charges,
                        (select count(*)::int from astapa.payments) as payments,
                        (select count(*)::int from astapa.payments where status = 'paid_again') as paid_again`,
      )[0]);

  // The old charge succeeds: the one period is paid by it, and no second charge was ever opened.
  const paid = await inFlight("linked-inflight-paid@example.com");
  assert.equal(
    await step(paid.shop, now),
    null,
    "claimed, Xendit may be taking the money: no basic link yet",
  );
  const answer = { provider_id: "pr-linked-inflight-paid", amount: 99_000, status: "PENDING" };
  assert.equal(
    (await as(paid.p, (tx) => recordRenewalCharge(tx, paid.p, paid.work.charge_id, answer, now))).action,
    "pending",
  );
  assert.equal(await step(paid.shop, at(now, 0.5)), null, "pending at Xendit: still no basic link");
  assert.equal((await callback(paid.p, "pr-linked-inflight-paid", paid.link, "SUCCEEDED")).outcome, "paid");
  const sub = await as(paid.p, (tx) => currentSubscription(tx, paid.p, paid.user));
  const expected = new Date(paidThrough);
  expected.setUTCMonth(expected.getUTCMonth() + 1);
  assert.deepEqual([sub.plan, new Date(sub.subscription!.paid_through!).getTime()], [
    "pro",
    expected.getTime(),
  ]);
  const [settled] = await as(paid.p, async (tx) => rows(await tx`select status from astapa.plan_changes`));
  assert.equal(settled.status, "canceled", "the paid renewal of pro settled the change to basic");
  assert.equal(await step(paid.shop, at(now, 1)), null, "the period is paid: nothing to renew");
  assert.deepEqual(await counts(paid.p), { links: 1, charges: 1, payments: 1, paid_again: 0 });

  // The old charge fails: the period is open again, and the next pass opens the basic link and charges it.
  const failed = await inFlight("linked-inflight-failed@example.com");
  assert.equal(await step(failed.shop, now), null, "claimed: no basic link yet");
  const ended = await as(
    failed.p,
    (tx) =>
      recordRenewalCharge(tx, failed.p, failed.work.charge_id, { failure: "INSUFFICIENT_BALANCE" }, now),
  );
  assert.equal(ended.action, "none", "the old plan's link is not mailed");
  const renewed = await step(failed.shop, at(now, 0.5));
  assert.deepEqual([renewed?.action, renewed?.checkout?.plan, renewed?.checkout?.amount], [
    "renew",
    "basic",
    49_000,
  ]);
  assert.ok(renewed?.linked_charge, "the basic link is charged to the linked method");
  const basic = charging(await next(failed.p, at(now, 0.5)));
  assert.deepEqual([basic.amount, basic.checkout.checkout_id], [49_000, renewed!.checkout!.checkout_id]);
  assert.deepEqual(await counts(failed.p), { links: 2, charges: 2, payments: 0, paid_again: 0 });
});

Deno.test("astapa.period_checkout_exists — a scheduled change withdrawn while the old plan's expired link is being charged: the pass opens no second link of that plan for the period until the charge ends", async () => {
  // On the database's clock: the link's expires_at is counted from it, and an expired link that ran out its
  // time holds its period anyway.
  const now = new Date();
  const c = await linkedCustomer("linked-inflight-withdrawn@example.com", at(now, 5));
  await as(c.p, (tx) => createPlan(tx, c.p, { key: "basic", name: "Basic", price_idr: 49_000 }));
  await step(c.shop, now);
  const work = charging(await next(c.p, now));
  await as(c.p, (tx) => changePlan(tx, c.p, c.user, "basic", "simulator", { now }));
  await as(c.p, (tx) => cancelPlanChange(tx, c.p, c.user));
  assert.equal(await step(c.shop, now), null, "the expired pro link's charge holds the period");
  await as(
    c.p,
    (tx) => recordRenewalCharge(tx, c.p, work.charge_id, { failure: "INSUFFICIENT_BALANCE" }, now),
  );
  const again = await step(c.shop, at(now, 0.5));
  assert.deepEqual([again?.action, again?.checkout?.plan, Boolean(again?.linked_charge)], [
    "renew",
    "pro",
    true,
  ]);
});

Deno.test("api.change_plan — the old plan's link whose linked charge is pending at Xendit is voided all the same: failed, that link is not mailed and the next pass opens and charges the new plan's; paid, it renews the old plan (as an organization's)", async () => {
  // On the database's clock: a link voided by the change holds its period once past its expires_at, which is
  // counted from it.
  const now = new Date();
  const paidThrough = at(now, 6);
  /** A customer whose pro renewal is pending at Xendit (the checkout pending) when `change` runs. */
  const pendingAtChange = async (email: string) => {
    const c = await linkedCustomer(email, paidThrough);
    await as(c.p, (tx) => createPlan(tx, c.p, { key: "basic", name: "Basic", price_idr: 49_000 }));
    const link = (await step(c.shop, now))!.checkout!.checkout_id;
    const work = charging(await next(c.p, now));
    const providerId = `pr-${email}`;
    const answer = { provider_id: providerId, amount: 99_000, status: "PENDING" };
    assert.equal(
      (await as(c.p, (tx) => recordRenewalCharge(tx, c.p, work.charge_id, answer, now))).action,
      "pending",
    );
    return { ...c, link, providerId };
  };
  const links = (p: string) =>
    as(p, async (tx) =>
      rows(
        await tx`select plan_key as plan, status from astapa.checkouts where period_start is not null order by id`,
      ));

  // Scheduled, then the pro charge fails: the pro link is not mailed, the basic link is opened and charged.
  const failed = await pendingAtChange("pending-change-failed@example.com");
  await as(failed.p, (tx) => changePlan(tx, failed.p, failed.user, "basic", "simulator", { now }));
  assert.deepEqual(
    await links(failed.p),
    [{ plan: "pro", status: "expired" }],
    "voided, its charge in flight",
  );
  assert.equal(await step(failed.shop, now), null, "pending at Xendit: no basic link yet");
  assert.equal((await callback(failed.p, failed.providerId, failed.link, "FAILED")).outcome, "failed");
  const ended = await next(failed.p, now);
  assert.equal(ended?.action, "none", "the old plan's link is not mailed");
  assert.equal((await chargeRow(failed.p)).mailed, false);
  const renewed = await step(failed.shop, at(now, 0.5));
  assert.deepEqual([renewed?.action, renewed?.checkout?.plan, renewed?.checkout?.amount], [
    "renew",
    "basic",
    49_000,
  ]);
  assert.ok(renewed?.linked_charge, "the basic link is charged to the linked method");
  assert.equal(charging(await next(failed.p, at(now, 0.5))).amount, 49_000);
  assert.equal(await step(failed.shop, at(now, 1)), null, "one link of the period");
  assert.deepEqual(await links(failed.p), [{ plan: "pro", status: "expired" }, {
    plan: "basic",
    status: "open",
  }]);

  // Withdrawn while the basic link's charge is pending, then it fails: the basic link is not mailed, and the
  // next pass opens the pro link again.
  const withdrawn = await pendingAtChange("pending-change-withdrawn@example.com");
  await as(withdrawn.p, (tx) => changePlan(tx, withdrawn.p, withdrawn.user, "basic", "simulator", { now }));
  assert.equal(
    (await callback(withdrawn.p, withdrawn.providerId, withdrawn.link, "FAILED")).outcome,
    "failed",
  );
  await next(withdrawn.p, now);
  const basic = (await step(withdrawn.shop, now))!.checkout!.checkout_id;
  const basicWork = charging(await next(withdrawn.p, now));
  const basicAnswer = { provider_id: "pr-pending-withdrawn-basic", amount: 49_000, status: "PENDING" };
  await as(withdrawn.p, (tx) => recordRenewalCharge(tx, withdrawn.p, basicWork.charge_id, basicAnswer, now));
  await as(withdrawn.p, (tx) => cancelPlanChange(tx, withdrawn.p, withdrawn.user));
  assert.equal(await step(withdrawn.shop, now), null, "the basic link's charge holds the period");
  assert.equal(
    (await callback(withdrawn.p, "pr-pending-withdrawn-basic", basic, "FAILED", 49_000)).outcome,
    "failed",
  );
  assert.equal((await next(withdrawn.p, now))?.action, "none", "the withdrawn plan's link is not mailed");
  const again = await step(withdrawn.shop, at(now, 0.5));
  assert.deepEqual([again?.action, again?.checkout?.plan, Boolean(again?.linked_charge)], [
    "renew",
    "pro",
    true,
  ]);

  // Paid still wins: the pro charge succeeds after the change, and renews pro once.
  const paid = await pendingAtChange("pending-change-paid@example.com");
  await as(paid.p, (tx) => changePlan(tx, paid.p, paid.user, "basic", "simulator", { now }));
  assert.equal((await callback(paid.p, paid.providerId, paid.link, "SUCCEEDED")).outcome, "paid");
  const sub = await as(paid.p, (tx) => currentSubscription(tx, paid.p, paid.user));
  const expected = new Date(paidThrough);
  expected.setUTCMonth(expected.getUTCMonth() + 1);
  assert.deepEqual([sub.plan, new Date(sub.subscription!.paid_through!).getTime()], [
    "pro",
    expected.getTime(),
  ]);
  assert.equal(await step(paid.shop, at(now, 1)), null, "the period is paid");
  assert.deepEqual(await links(paid.p), [{ plan: "pro", status: "paid" }]);
});
