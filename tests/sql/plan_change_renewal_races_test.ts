/**
 * A person's scheduled plan change (api.change_plan) meeting the claim of the old plan's renewal link's linked
 * charge (api.next_renewal_charge). The change now expires every unpaid renewal link, a charged one too, and so
 * takes the person's charged renewal checkouts before their row, then the open ones (docs/database.md "Lock
 * order"); the claim holds the link's checkout while it marks the charge claimed, and takes nothing of the
 * person's. Each order is made certain: one side holds its locks until the other is seen waiting
 * (tests/helpers/lock_race.ts); tests/helpers/db.ts fails a test that met a deadlock.
 */
import assert from "node:assert/strict";
import { asApp, type Tx } from "@/db/client.ts";
import { renewalStep } from "@/db/billing.ts";
import { applyMethodCallback, recordMethodLinkAnswer, startMethodLink } from "@/db/linked_methods.ts";
import { changePlan } from "@/db/plan_changes.ts";
import { assignPlan, createPlan, currentSubscription } from "@/db/plans.ts";
import { applyPaymentEvent, recordPaymentEvent } from "@/db/payments.ts";
import { updateProjectSettings } from "@/db/project_settings.ts";
import { nextRenewalCharge, recordRenewalCharge, type RenewalChargeWork } from "@/db/renewal_charges.ts";
import { testDatabase } from "../helpers/db.ts";
import { lockRace } from "../helpers/lock_race.ts";
import { seedShop } from "../helpers/payments.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const as = <T>(projectId: string, work: (tx: Tx) => Promise<T>) => asApp(db.sql, projectId, work);
const DAY = 86_400_000;
type Claim = PromiseFulfilledResult<RenewalChargeWork | null>;

/** A customer on pro until 6 days from now with a linked DANA: their pro renewal link open, its charge unclaimed. */
async function chargingCustomer(email: string) {
  const shop = await seedShop(db.sql, { email });
  const p = shop.project.id;
  const now = new Date();
  const paidThrough = new Date(now.getTime() + 6 * DAY);
  await as(p, async (tx) => {
    await updateProjectSettings(tx, p, { linked_methods: { enabled: true } });
    await assignPlan(tx, p, shop.userId, "pro", "payment", {
      start: new Date(paidThrough.getTime() - 30 * DAY).toISOString(),
      end: paidThrough.toISOString(),
    });
    await createPlan(tx, p, { key: "basic", name: "Basic", price_idr: 49_000 });
    const method = await startMethodLink(tx, p, shop.userId, {
      channel: "DANA",
      xendit_account: "simulator",
      environment: "sandbox",
    });
    const providerId = `pm-${crypto.randomUUID()}`;
    await recordMethodLinkAnswer(tx, p, method.method_id, { provider_id: providerId });
    await applyMethodCallback(tx, p, method.method_id, {
      event: "payment_method.activated",
      provider_id: providerId,
    });
  });
  const renewed = await as(p, (tx) => renewalStep(tx, p, now, "simulator"));
  assert.ok(renewed?.linked_charge, "the linked method is to be charged");
  return { p, user: shop.userId, now, link: renewed!.checkout!.checkout_id };
}

const step = (p: string, now: Date) => as(p, (tx) => renewalStep(tx, p, now, "simulator"));
const checkoutStatus = async (p: string, checkoutId: string) =>
  (await as(p, (tx) => tx`select status from astapa.checkouts where public_id = ${checkoutId}`))[0].status;

Deno.test("api.change_plan meeting the claim of the old plan's linked charge: waits for it and voids the link all the same; no new link until that charge ends, then the new plan's", async () => {
  const c = await chargingCustomer("claim-then-change@example.com");
  const [claim, change] = await lockRace(
    db.sql,
    c.p,
    (tx) => nextRenewalCharge(tx, c.p, c.now, 600),
    () => as(c.p, (tx) => changePlan(tx, c.p, c.user, "basic", "simulator", { now: c.now })),
  );
  assert.equal(claim.status, "fulfilled", String((claim as PromiseRejectedResult).reason));
  assert.equal(change.status, "fulfilled", String((change as PromiseRejectedResult).reason));
  const work = (claim as Claim).value;
  assert.equal(work?.action, "charge");
  assert.equal(
    await checkoutStatus(c.p, c.link),
    "expired",
    "for a plan the next period no longer renews into",
  );
  assert.equal(await step(c.p, c.now), null, "the claimed charge holds the period");
  const ended = await as(
    c.p,
    (tx) => recordRenewalCharge(tx, c.p, work!.charge_id, { failure: "INSUFFICIENT_BALANCE" }, c.now),
  );
  assert.equal(ended.action, "none", "the old plan's link is not mailed");
  const renewed = await step(c.p, c.now);
  assert.deepEqual([renewed?.checkout?.plan, renewed?.checkout?.amount, Boolean(renewed?.linked_charge)], [
    "basic",
    49_000,
    true,
  ]);
});

Deno.test("the claim of the old plan's linked charge meeting the person's plan change: waits for it, finds the link voided, and the new plan's link is opened at once", async () => {
  const c = await chargingCustomer("change-then-claim@example.com");
  const [change, claim] = await lockRace(
    db.sql,
    c.p,
    (tx) => changePlan(tx, c.p, c.user, "basic", "simulator", { now: c.now }),
    () => as(c.p, (tx) => nextRenewalCharge(tx, c.p, c.now, 600)),
  );
  assert.equal(change.status, "fulfilled", String((change as PromiseRejectedResult).reason));
  assert.equal(claim.status, "fulfilled", String((claim as PromiseRejectedResult).reason));
  const work = (claim as Claim).value;
  assert.deepEqual([work?.action, work?.action === "none" && work.failure_code], [
    "none",
    "CHECKOUT_EXPIRED",
  ]);
  assert.equal(await checkoutStatus(c.p, c.link), "expired");
  const renewed = await step(c.p, c.now);
  assert.deepEqual([renewed?.checkout?.plan, renewed?.checkout?.amount, Boolean(renewed?.linked_charge)], [
    "basic",
    49_000,
    true,
  ]);
});

Deno.test("api.change_plan meeting the success callback of the old plan's pending link: the change holds that link before the person's row, so the callback waits for it, then pays the voided link (paid wins: pro renewed, the change settled)", async () => {
  const c = await chargingCustomer("change-then-callback@example.com");
  const work = await as(c.p, (tx) => nextRenewalCharge(tx, c.p, c.now, 600));
  assert.equal(work?.action, "charge");
  const providerId = "pr-change-then-callback";
  await as(
    c.p,
    (tx) =>
      recordRenewalCharge(tx, c.p, work!.charge_id, {
        provider_id: providerId,
        amount: 99_000,
        status: "PENDING",
      }, c.now),
  );
  await as(c.p, (tx) =>
    recordPaymentEvent(tx, c.p, {
      providerId,
      status: "SUCCEEDED",
      checkoutId: c.link,
      body: { event: "payment.succeeded", data: { amount: 99_000, currency: "IDR", status: "SUCCEEDED" } },
    }));
  // Held first by the change (with the row after it), the callback, which takes the link and then the row,
  // waits; were the row taken first, the change would wait for the link the callback holds: a deadlock.
  const [change, callback] = await lockRace(
    db.sql,
    c.p,
    (tx) => changePlan(tx, c.p, c.user, "basic", "simulator", { now: c.now }),
    () => as(c.p, (tx) => applyPaymentEvent(tx, c.p)),
  );
  assert.equal(change.status, "fulfilled", String((change as PromiseRejectedResult).reason));
  assert.equal(callback.status, "fulfilled", String((callback as PromiseRejectedResult).reason));
  assert.equal((callback as PromiseFulfilledResult<{ outcome: string } | null>).value?.outcome, "paid");
  assert.equal(await checkoutStatus(c.p, c.link), "paid");
  const [settled] = await as(c.p, (tx) => tx`select status from astapa.plan_changes`);
  assert.equal(settled.status, "canceled", "the paid renewal of pro settled the change to basic");
  const sub = await as(c.p, (tx) => currentSubscription(tx, c.p, c.user));
  assert.equal(sub.plan, "pro");
});
