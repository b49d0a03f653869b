/**
 * SQL tests for refunding a team plan's payment (db/api/refunds.sql with db/api/team_plans.sql): the plan
 * effect lands on the organization the payment bought the plan for (end_now takes it away with its unpaid
 * checkouts, keep_to_period_end cancels it), and only while the organization still has that plan.
 */
import assert from "node:assert/strict";
import { applyPaymentEvent, recordPayment, recordPaymentEvent } from "@/db/payments.ts";
import { requestRefund } from "@/db/refunds.ts";
import { rows, testDatabase } from "../helpers/db.ts";
import { type Json, teamPlans } from "../helpers/team_plans.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const { a, as, call, checkout, organization, paying } = await teamPlans(db);

/** The receipt of the organization's paid team checkout. */
const receiptOf = (org: string) =>
  call<string>((tx) =>
    tx`select r.public_id from astapa.receipts r join astapa.payments y on y.project_id = r.project_id
         and y.id = r.payment_id join astapa.checkouts k on k.project_id = y.project_id and k.id = y.checkout_id
       where k.organization_id = ${org}`
  );

/** Asks for a full refund of the organization's payment and applies Xendit's SUCCEEDED callback for it. */
async function refunded(org: string, planEffect: "end_now" | "keep_to_period_end" | "none") {
  const refund = await as(
    a.id,
    async (tx) => requestRefund(tx, a.id, { receipt: await receiptOf(org), plan_effect: planEffect }),
  );
  await as(a.id, (tx) =>
    recordPaymentEvent(tx, a.id, {
      providerId: `rfd-${refund.refund_id}`,
      status: "SUCCEEDED",
      checkoutId: refund.checkout.checkout_id,
      body: {
        event: "refund.succeeded",
        data: {
          id: `rfd-${refund.refund_id}`,
          reference_id: refund.refund_id,
          amount: 150_000,
          currency: "IDR",
        },
      },
    }));
  const outcomes = [];
  for (let e; (e = await as(a.id, (tx) => applyPaymentEvent(tx, a.id)));) outcomes.push(e.outcome);
  return outcomes;
}

Deno.test("team plan refund — end_now takes the plan and its seat limit away from the organization", async () => {
  const t = await paying("refund-end");
  assert.deepEqual(await refunded(t.id, "end_now"), ["refunded"]);
  const o = await organization(t.id);
  assert.deepEqual([o.plan, o.seat_limit, o.plan_paid_through], [null, null, null]);
  const ended = await as(
    a.id,
    async (tx) => rows(await tx`select data from astapa.events where type = 'organization.plan_ended'`),
  );
  const mine = ended.map((r) => r.data as Json).filter((d) => (d.organization as Json).id === t.id);
  assert.deepEqual(mine.map((d) => [d.plan, d.reason]), [["seat", "refunded"]]);
});

Deno.test("team plan refund — end_now also closes a pay link whose charge is under way; the charge may still settle", async () => {
  const t = await paying("refund-pending");
  // The next period, opened and charged (a virtual account waiting to be paid, say) before the refund.
  const next = (await checkout(t.id, { sub: t.owner, plan: "seat", seats: 3 })).checkout_id as string;
  await as(a.id, (tx) =>
    recordPayment(tx, a.id, next, {
      kind: "payment_request",
      provider_id: "pr-refund-pending",
      method: "qris",
      details: {},
      expires_at: null,
    }));
  assert.deepEqual(await refunded(t.id, "end_now"), ["refunded"]);
  const status = () =>
    call<string>((tx) => tx`select status from astapa.checkouts where public_id = ${next}`);
  assert.equal(await status(), "expired", "nothing more is charged on it");
  const charged = await call<string>((tx) =>
    tx`select status from astapa.payments where provider_id = 'pr-refund-pending'`
  );
  assert.equal(charged, "pending", "the charge Xendit has stays as it is: if it is paid, paid wins");
  assert.equal((await organization(t.id)).plan, null);
});

Deno.test("team plan refund — keep_to_period_end cancels the organization's plan at its period end", async () => {
  const t = await paying("refund-keep");
  assert.deepEqual(await refunded(t.id, "keep_to_period_end"), ["refunded"]);
  const o = await organization(t.id);
  assert.equal(o.plan, "seat");
  assert.notEqual(o.plan_canceled_at, null);
});

Deno.test("team plan refund — none, or a plan the app set itself meanwhile, leaves the organization as it is", async () => {
  const none = await paying("refund-none");
  assert.deepEqual(await refunded(none.id, "none"), ["refunded"]);
  const kept = await organization(none.id);
  assert.deepEqual([kept.plan, kept.plan_canceled_at], ["seat", null]);
  const moved = await paying("refund-moved");
  // The app gives the organization the plan itself (no paid period of Astapa's): that is no longer what the
  // refunded payment bought, so the refund leaves it.
  await call((tx) => tx`select api.update_organization(${moved.id}, '{"plan": "seat"}')`);
  assert.deepEqual(await refunded(moved.id, "end_now"), ["refunded"]);
  const own = await organization(moved.id);
  assert.deepEqual([own.plan, own.plan_paid_through], ["seat", null]);
});
