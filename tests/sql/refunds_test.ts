/** SQL tests for refunds (db/api/refunds.sql): reserving, Xendit's answer, callbacks, plan effects, races. */
import assert from "node:assert/strict";
import { asApp, createPool, type Sql } from "@/db/client.ts";
import { renewalStep } from "@/db/billing.ts";
import { applyPaymentEvent, recordPaymentEvent } from "@/db/payments.ts";
import { currentSubscription } from "@/db/plans.ts";
import { getReceipt } from "@/db/receipts.ts";
import { listRefunds, recordRefundAnswer, refundAccount, requestRefund } from "@/db/refunds.ts";
import { rows, testDatabase } from "../helpers/db.ts";
import { rejectsAs, seedUser } from "../helpers/identity.ts";
import { waitForLockWaiter } from "../helpers/lock_race.ts";
import { pendingCharge } from "../helpers/pending_charge.ts";
import { seedShop, type Shop } from "../helpers/payments.ts";
import { OURS } from "../helpers/stopped_reconciliation.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const as = <T>(projectId: string | null, work: Parameters<typeof asApp<T>>[2]) =>
  asApp(db.sql, projectId, work);

async function drain(p: string) {
  const outcomes: string[] = [];
  for (;;) {
    const one = await as(p, (tx) => applyPaymentEvent(tx, p));
    if (!one) return outcomes;
    outcomes.push(one.outcome);
  }
}

/** A paid QRIS (or other method) payment of plan pro; answers its receipt id and checkout id. */
async function paidPayment(shop: Shop, providerId: string, method = "qris") {
  const p = shop.project.id;
  const checkout = await pendingCharge(db.sql, p, shop.userId, providerId, method);
  await as(p, (tx) =>
    recordPaymentEvent(tx, p, {
      providerId,
      status: "SUCCEEDED",
      checkoutId: checkout.checkout_id,
      body: { data: { amount: 99_000, currency: "IDR" } },
    }));
  await drain(p);
  const [row] = rows(
    await as(
      p,
      (tx) =>
        tx`select r.public_id from astapa.receipts r join astapa.payments y on y.project_id = r.project_id
       and y.id = r.payment_id where y.provider_id = ${providerId}`,
    ),
  );
  return { receiptId: row.public_id as string, checkoutId: checkout.checkout_id };
}

/** Xendit's refund callback for our refund, stored like the webhook stores it. */
function refundCallback(shop: Shop, refund: { refund_id: string; checkout: { checkout_id: string } }, input: {
  providerId: string;
  status: string;
  amount: number;
}) {
  const p = shop.project.id;
  return as(p, (tx) =>
    recordPaymentEvent(tx, p, {
      providerId: input.providerId,
      status: input.status,
      checkoutId: refund.checkout.checkout_id,
      body: {
        event: input.status === "SUCCEEDED" ? "refund.succeeded" : "refund.failed",
        data: {
          id: input.providerId,
          reference_id: refund.refund_id,
          amount: input.amount,
          currency: "IDR",
          status: input.status,
        },
      },
    }));
}

Deno.test("api.request_refund — partial then the rest; never more than paid; bad input names the field", async () => {
  const shop = await seedShop(db.sql, { email: "partial@example.com" });
  const p = shop.project.id;
  const { receiptId } = await paidPayment(shop, "pr-rf-1");
  const first = await as(
    p,
    (tx) => requestRefund(tx, p, { receipt: receiptId, amount: 40_000, plan_effect: "none" }),
  );
  assert.deepEqual([first.status, first.amount, first.reason], [
    "requested",
    40_000,
    "REQUESTED_BY_CUSTOMER",
  ]);
  assert.equal(first.checkout.xendit_account, "simulator");
  await rejectsAs(
    as(p, (tx) => requestRefund(tx, p, { receipt: receiptId, amount: 60_000, plan_effect: "none" })),
    "conflict",
    /Only IDR 59000/,
  );
  const rest = await as(p, (tx) => requestRefund(tx, p, { receipt: receiptId, plan_effect: "none" }));
  assert.equal(rest.amount, 59_000, "without an amount: all that is left");
  await rejectsAs(
    as(p, (tx) => requestRefund(tx, p, { receipt: receiptId, plan_effect: "none" })),
    "conflict",
    /in full/,
  );
  // A refused refund frees its amount again.
  const refused = await as(
    p,
    (tx) => recordRefundAnswer(tx, p, rest.refund_id, { failure: "INELIGIBLE_TRANSACTION: no" }),
  );
  assert.equal(refused.status, "failed");
  // Apps hear of it once (payment.refund_failed, shaped like payment.refunded, with the failure_code).
  await as(
    p,
    (tx) => recordRefundAnswer(tx, p, rest.refund_id, { failure: "INELIGIBLE_TRANSACTION: again" }),
  );
  const failedEvents = rows(
    await as(p, (tx) => tx`select data from astapa.events where type = 'payment.refund_failed'`),
  );
  assert.equal(failedEvents.length, 1, "a second refusal of a failed refund emits nothing");
  assert.deepEqual(
    Object.keys(failedEvents[0].data).sort(),
    [
      "amount",
      "checkout_id",
      "failure_code",
      "method",
      "payment_amount",
      "plan",
      "plan_effect",
      "receipt_number",
      "refund_id",
      "refunded_total",
      "sub",
    ],
  );
  assert.deepEqual(
    [failedEvents[0].data.refund_id, failedEvents[0].data.amount, failedEvents[0].data.failure_code],
    [rest.refund_id, 59_000, "INELIGIBLE_TRANSACTION: no"],
  );
  assert.deepEqual(
    [failedEvents[0].data.refunded_total, failedEvents[0].data.payment_amount, failedEvents[0].data.method],
    [0, 99_000, "qris"],
  );
  const again = await as(p, (tx) => requestRefund(tx, p, { receipt: receiptId, plan_effect: "none" }));
  assert.equal(again.amount, 59_000);
  const request = (body: Record<string, unknown>) =>
    as(p, (tx) => requestRefund(tx, p, { receipt: receiptId, plan_effect: "none", ...body } as never));
  await rejectsAs(request({ plan_effect: "later" }), "validation_failed", /plan_effect/);
  await rejectsAs(request({ reason: "BORED" }), "validation_failed", /reason/);
  await rejectsAs(request({ amount: 1.5 }), "validation_failed", /amount/);
  await rejectsAs(request({ amount: "10" }), "validation_failed", /amount/);
  await rejectsAs(request({ amount: 0 }), "validation_failed", /amount/);
  await rejectsAs(request({ receipt: "rcp_aaaaaaaaaaaaaaaaaaaaaaaa" }), "not_found");
  const audit = rows(
    await as(
      p,
      (tx) => tx`select count(*)::int as n from astapa.audit_log where action = 'payment.refund_requested'`,
    ),
  );
  assert.equal(audit[0].n, 3);
});

Deno.test("api.request_refund — virtual accounts and QRIS past 30 days are refused with the reason", async () => {
  const shop = await seedShop(db.sql, { email: "va@example.com" });
  const p = shop.project.id;
  const va = await paidPayment(shop, "pr-rf-va", "bank_transfer");
  await rejectsAs(
    as(p, (tx) => requestRefund(tx, p, { receipt: va.receiptId, plan_effect: "none" })),
    "conflict",
    /Virtual account payments cannot be refunded/,
  );
  const old = await paidPayment(shop, "pr-rf-old");
  await db
    .sql`update astapa.payments set paid_at = now() - interval '31 days' where provider_id = 'pr-rf-old'`;
  await rejectsAs(
    as(p, (tx) => requestRefund(tx, p, { receipt: old.receiptId, plan_effect: "none" })),
    "conflict",
    /within 30 days/,
  );
  assert.deepEqual(await as(p, (tx) => listRefunds(tx, p)), []);
});

Deno.test("refunds — concurrent requests over the paid amount: one wins, the rest are refused, none exceeds", async () => {
  const shop = await seedShop(db.sql, { email: "race-refund@example.com" });
  const p = shop.project.id;
  const { receiptId } = await paidPayment(shop, "pr-rf-race");
  const pools = [0, 1, 2, 3].map(() => createPool(db.url, { max: 1 }));
  try {
    const settled = await Promise.allSettled(
      pools.map((pool) =>
        asApp(
          pool,
          p,
          (tx) => requestRefund(tx, p, { receipt: receiptId, amount: 60_000, plan_effect: "none" }),
        )
      ),
    );
    assert.equal(settled.filter((s) => s.status === "fulfilled").length, 1);
    for (const s of settled.filter((s) => s.status === "rejected")) {
      await rejectsAs(Promise.reject((s as PromiseRejectedResult).reason), "conflict");
    }
  } finally {
    await Promise.all(pools.map((pool) => pool.end()));
  }
  const [sum] = rows(await as(p, (tx) => tx`select sum(amount)::int as total from astapa.refunds`));
  assert.equal(sum.total, 60_000);
});

Deno.test("refund callbacks — applied once, out of order and duplicated; end_now ends the plan; payment.refunded", async () => {
  const shop = await seedShop(db.sql, { email: "end@example.com" });
  const p = shop.project.id;
  const { receiptId } = await paidPayment(shop, "pr-rf-end");
  const refund = await as(
    p,
    (tx) => requestRefund(tx, p, { receipt: receiptId, plan_effect: "end_now", requested_by: "account:1" }),
  );
  // The callback beats Xendit's synchronous answer, arrives twice, then a contradicting FAILED.
  await refundCallback(shop, refund, { providerId: "rfd-x-1", status: "SUCCEEDED", amount: 99_000 });
  const dup = await refundCallback(shop, refund, {
    providerId: "rfd-x-1",
    status: "SUCCEEDED",
    amount: 99_000,
  });
  assert.equal(dup.duplicate, true);
  assert.deepEqual(await drain(p), ["refunded"]);
  const answered = await as(
    p,
    (tx) => recordRefundAnswer(tx, p, refund.refund_id, { provider_id: "rfd-x-1" }),
  );
  assert.deepEqual(
    [answered.status, answered.provider_id],
    ["succeeded", "rfd-x-1"],
    "the answer does not undo it",
  );
  await refundCallback(shop, refund, { providerId: "rfd-x-1", status: "FAILED", amount: 99_000 });
  assert.deepEqual(await drain(p), ["no_change"]);
  const state = await as(p, (tx) => currentSubscription(tx, p, shop.userId));
  assert.equal(state.plan, "free", "end_now: back to the default plan");
  const events = rows(
    await as(p, (tx) => tx`select data from astapa.events where type = 'payment.refunded'`),
  );
  assert.equal(events.length, 1);
  assert.equal(events[0].data.amount, 99_000);
  assert.equal(events[0].data.refunded_total, 99_000);
  assert.equal(events[0].data.plan_effect, "end_now");
  assert.equal(events[0].data.failure_code, undefined);
  const failed = await as(
    p,
    (tx) => tx`select count(*)::int as n from astapa.events where type = 'payment.refund_failed'`,
  );
  assert.equal(rows(failed)[0].n, 0, "the contradicting FAILED after success emits no payment.refund_failed");
  const receipt = await as(p, (tx) => getReceipt(tx, p, receiptId));
  assert.equal(receipt?.refunded_idr, 99_000);
});

Deno.test("refund callbacks — keep_to_period_end cancels at period end; FAILED frees the amount; bad amounts change nothing", async () => {
  const shop = await seedShop(db.sql, { email: "keep@example.com" });
  const p = shop.project.id;
  const { receiptId } = await paidPayment(shop, "pr-rf-keep");
  const wrong = await as(
    p,
    (tx) => requestRefund(tx, p, { receipt: receiptId, amount: 10_000, plan_effect: "none" }),
  );
  await refundCallback(shop, wrong, { providerId: "rfd-w", status: "SUCCEEDED", amount: 99_000 });
  await refundCallback(shop, wrong, { providerId: "rfd-w", status: "FAILED", amount: 10_000 });
  assert.deepEqual(await drain(p), ["amount_mismatch", "refund_failed"]);
  await refundCallback(shop, wrong, { providerId: "rfd-w2", status: "FAILED", amount: 10_000 });
  assert.deepEqual(await drain(p), ["no_change"]);
  const failedEvents = rows(
    await as(p, (tx) => tx`select data from astapa.events where type = 'payment.refund_failed'`),
  );
  assert.equal(failedEvents.length, 1, "a FAILED callback emits payment.refund_failed once");
  assert.deepEqual(
    [failedEvents[0].data.refund_id, failedEvents[0].data.amount, failedEvents[0].data.failure_code],
    [wrong.refund_id, 10_000, "FAILED"],
  );
  const keep = await as(
    p,
    (tx) => requestRefund(tx, p, { receipt: receiptId, plan_effect: "keep_to_period_end" }),
  );
  assert.equal(keep.amount, 99_000, "the failed refund's amount is free again");
  await refundCallback(shop, keep, { providerId: "rfd-k", status: "SUCCEEDED", amount: 99_000 });
  assert.deepEqual(await drain(p), ["refunded"]);
  const state = await as(p, (tx) => currentSubscription(tx, p, shop.userId));
  assert.equal(state.plan, "pro");
  assert.equal(state.subscription?.status, "canceled");
  // A callback for a refund nobody asked for changes nothing.
  await refundCallback(shop, { refund_id: "rfd_aaaaaaaaaaaaaaaaaaaaaaaa", checkout: keep.checkout }, {
    providerId: "rfd-ghost",
    status: "SUCCEEDED",
    amount: 1,
  });
  assert.deepEqual(await drain(p), ["unknown_refund"]);
});

Deno.test("refunds — a refund racing a renewal: one consistent outcome, the renewal checkout expires", async () => {
  const shop = await seedShop(db.sql, { email: "renewal-race@example.com" });
  const p = shop.project.id;
  const a = createPool(db.url, { max: 1 });
  const b = createPool(db.url, { max: 1 });
  try {
    // Rounds of the same race, each with a fresh subscriber: one round overlaps in whatever order the two
    // connections happen to meet, so enough of them meet in each order (a lock-order bug deadlocks some).
    for (let round = 0; round < RACE_ROUNDS; round++) {
      const userId = round === 0
        ? shop.userId
        : await seedUser(db.sql, p, `renewal-race-${round}@example.com`);
      await refundRacingRenewal({ project: shop.project, userId }, round, a, b);
    }
  } finally {
    await Promise.all([a.end(), b.end()]);
  }
});

/** The rounds of the refund-vs-renewal race. */
const RACE_ROUNDS = 30;

/**
 * One round: the user's paid payment gets a succeeded refund (keep_to_period_end) while the renewal pass, a month
 * on inside the notice window, runs at once on another connection; one consistent outcome either way.
 */
async function refundRacingRenewal(shop: Shop, round: number, a: Sql, b: Sql) {
  const p = shop.project.id;
  const { receiptId } = await paidPayment(shop, `pr-rf-renew-${round}`);
  const refund = await as(
    p,
    (tx) => requestRefund(tx, p, { receipt: receiptId, plan_effect: "keep_to_period_end" }),
  );
  await refundCallback(shop, refund, { providerId: `rfd-r-${round}`, status: "SUCCEEDED", amount: 99_000 });
  // The renewal pass (a month on, inside the notice window) and the worker run at once on two connections.
  const [sub] = rows(
    await as(
      p,
      (tx) =>
        tx`select paid_through from astapa.subscriptions where ended_at is null and user_id = ${shop.userId}`,
    ),
  );
  const now = new Date(new Date(sub.paid_through).getTime() - 2 * 86400_000);
  const renew = (async () => {
    while (await asApp(a, p, (tx) => renewalStep(tx, p, now, "simulator")));
  })();
  const apply = (async () => {
    while (await asApp(b, p, (tx) => applyPaymentEvent(tx, p)));
  })();
  await Promise.all([renew, apply]);
  const state = await as(p, (tx) => currentSubscription(tx, p, shop.userId));
  assert.equal(state.subscription?.status, "canceled", "kept to the period end, not renewed");
  const open = rows(
    await as(
      p,
      (tx) =>
        tx`select count(*)::int as n from astapa.checkouts where period_start is not null and status in ('open', 'pending')`,
    ),
  );
  assert.equal(open[0].n, 0, "no renewal checkout is left to pay");
  const [r] = await as(p, (tx) => listRefunds(tx, p, receiptId));
  assert.equal(r.status, "succeeded");
}

Deno.test("refunds — a refund callback meeting a plan change of its payer: the person's row first, no deadlock", async () => {
  const shop = await seedShop(db.sql, { email: "refund-vs-change@example.com" });
  const p = shop.project.id;
  const { receiptId } = await paidPayment(shop, "pr-rf-change");
  const refund = await as(
    p,
    (tx) => requestRefund(tx, p, { receipt: receiptId, plan_effect: "keep_to_period_end" }),
  );
  await refundCallback(shop, refund, { providerId: "rfd-change", status: "SUCCEEDED", amount: 99_000 });
  // A plan change holds the person's row first, as api.assign_plan and api.cancel_subscription do, and goes on to
  // the subscription once the refund's worker waits on a lock: before, the worker held the subscription by then.
  let applying: Promise<unknown> | undefined;
  await as(p, async (tx) => {
    await tx`select from astapa.users where id = ${shop.userId} for no key update`;
    applying = as(p, (worker) => applyPaymentEvent(worker, p));
    await waitForLockWaiter(db.sql);
    await tx`select api.cancel_subscription(${p}, ${shop.userId}::bigint)`;
  });
  assert.equal((await applying as { outcome: string }).outcome, "refunded");
  const state = await as(p, (tx) => currentSubscription(tx, p, shop.userId));
  assert.equal(state.subscription?.status, "canceled");
  const [r] = await as(p, (tx) => listRefunds(tx, p, receiptId));
  assert.equal(r.status, "succeeded");
});

Deno.test("refunds — policies: a project sees only its own; api.refund_account only outside a project", async () => {
  const a = await seedShop(db.sql, { email: "rf-owner@example.com" });
  const b = await seedShop(db.sql, { email: "rf-stranger@example.com" });
  const { receiptId, checkoutId } = await paidPayment(a, "pr-rf-policy");
  const refund = await as(
    a.project.id,
    (tx) => requestRefund(tx, a.project.id, { receipt: receiptId, plan_effect: "none" }),
  );
  assert.deepEqual(await as(null, (tx) => refundAccount(tx, refund.refund_id)), { checkout_id: checkoutId });
  assert.deepEqual(await as(null, (tx) => refundAccount(tx, "rfd_aaaaaaaaaaaaaaaaaaaaaaaa")), {
    checkout_id: null,
  });
  assert.equal(await as(null, (tx) => refundAccount(tx, "nope")), null);
  await rejectsAs(as(a.project.id, (tx) => refundAccount(tx, refund.refund_id)), "forbidden");
  assert.deepEqual(await as(b.project.id, (tx) => listRefunds(tx, b.project.id)), []);
  await rejectsAs(
    as(b.project.id, (tx) => requestRefund(tx, a.project.id, { receipt: receiptId, plan_effect: "none" })),
    "not_found",
  );
  await rejectsAs(
    as(b.project.id, (tx) => recordRefundAnswer(tx, a.project.id, refund.refund_id, { provider_id: "x" })),
    "not_found",
  );
  assert.deepEqual(rows(await as(null, (tx) => tx`select * from astapa.refunds`)), []);
  await rejectsAs(as(a.project.id, (tx) => tx`update astapa.refunds set amount = 1`), "forbidden");
});

Deno.test("api.claim_stale_refunds — requested and pending refunds past the age, once per period; final ones never", async () => {
  const { claimStaleRefunds } = await import("@/db/refunds.ts");
  const shop = await seedShop(db.sql, { email: "stale-refunds@example.com" });
  const p = shop.project.id;
  const { receiptId } = await paidPayment(shop, "pr-stale-refunds");
  const ask = (amount: number) =>
    as(
      p,
      (tx) => requestRefund(tx, p, { receipt: receiptId, amount, plan_effect: "none", requested_by: "test" }),
    );
  const requested = await ask(1_000);
  const pending = await ask(2_000);
  await as(p, (tx) => recordRefundAnswer(tx, p, pending.refund_id, { provider_id: "rfd-pending" }));
  const failed = await ask(3_000);
  await as(p, (tx) => recordRefundAnswer(tx, p, failed.refund_id, { failure: "REFUSED: no" }));
  const claim = (at: Date) => as(p, (tx) => claimStaleRefunds(tx, p, at, 900));
  assert.deepEqual(await claim(new Date()), [], "younger than the age");
  const later = new Date(Date.now() + 3_600_000);
  const claimed = await claim(later);
  assert.deepEqual(claimed.map((r) => [r.refund_id, r.status]), [
    [requested.refund_id, "requested"],
    [pending.refund_id, "pending"],
  ]);
  assert.deepEqual(await claim(later), [], "stamped: not again within the age");
  assert.equal((await claim(new Date(later.getTime() + 901_000))).length, 2, "asked again a period later");
  await rejectsAs(as(p, (tx) => claimStaleRefunds(tx, p, later, -1)), "validation_failed");
  const other = await seedShop(db.sql, { email: "other-stale@example.com" });
  assert.deepEqual(
    await as(other.project.id, (tx) => claimStaleRefunds(tx, other.project.id, later, 0)),
    [],
    "another project's refunds are not claimable",
  );
});

Deno.test("api.projects_with_billing_work — a project whose only work is an unsettled refund is listed", async () => {
  const { projectsWithBillingWork } = await import("@/db/billing.ts");
  const shop = await seedShop(db.sql, { email: "refund-only-work@example.com" });
  const p = shop.project.id;
  const { receiptId } = await paidPayment(shop, "pr-refund-only-work");
  const refund = await as(p, (tx) => requestRefund(tx, p, { receipt: receiptId, plan_effect: "none" }));
  // Nothing else left: the subscription ended (as an owner would see it after a plan ended) and no checkout open.
  await db.sql`update astapa.subscriptions set ended_at = now() where project_id = ${p}`;
  const open = rows(
    await db
      .sql`select count(*)::int as n from astapa.checkouts where project_id = ${p} and status in ('open', 'pending')`,
  );
  assert.equal(open[0].n, 0);
  assert.ok((await as(null, (tx) => projectsWithBillingWork(tx))).includes(p), "requested refund");
  await as(p, (tx) => recordRefundAnswer(tx, p, refund.refund_id, { provider_id: "rfd-only-work" }));
  assert.ok((await as(null, (tx) => projectsWithBillingWork(tx))).includes(p), "pending refund");
  await db.sql`update astapa.refunds set status = 'succeeded' where project_id = ${p}`;
  assert.ok(!(await as(null, (tx) => projectsWithBillingWork(tx))).includes(p), "settled: no work left");
  // The policy gives the app role nothing, even with the setting on.
  const visible = await as(null, async (tx) => {
    await tx`select set_config('astapa.list_billing_projects', 'on', true)`;
    return rows(await tx`select project_id from astapa.refunds`);
  });
  assert.deepEqual(visible, []);
});

Deno.test("api.record_refund_reconcile_error — each error of ours doubles the wait; the third stops reconciliation, reported once", async () => {
  const { claimStaleRefunds, recordRefundReconcileError } = await import("@/db/refunds.ts");
  const { projectsWithBillingWork } = await import("@/db/billing.ts");
  const shop = await seedShop(db.sql, { email: "reconcile-errors@example.com" });
  const p = shop.project.id;
  const { receiptId } = await paidPayment(shop, "pr-reconcile-errors");
  const stuck = await as(
    p,
    (tx) => requestRefund(tx, p, { receipt: receiptId, amount: 1_000, plan_effect: "none" }),
  );
  assert.deepEqual([stuck.reconcile_errors, stuck.reconcile_stopped_at], [0, null]);
  // The subscription ended and no checkout is open: the refund is the project's only billing work.
  await db.sql`update astapa.subscriptions set ended_at = now() where project_id = ${p}`;
  const start = new Date(Date.now() + 3_600_000);
  const at = (seconds: number) => new Date(start.getTime() + seconds * 1000);
  const claimed = async (when: Date) =>
    (await as(p, (tx) => claimStaleRefunds(tx, p, when, 900))).map((r) => r.refund_id);
  const fail = (when: Date) => as(p, (tx) => recordRefundReconcileError(tx, p, stuck.refund_id, when, OURS));

  assert.deepEqual(await claimed(at(0)), [stuck.refund_id]);
  const first = await fail(at(0));
  assert.deepEqual([first?.reconcile_errors, first?.reconcile_stopped_at], [1, null]);
  assert.deepEqual(await claimed(at(901)), [], "one error: twice the period (30 minutes)");
  assert.deepEqual(await claimed(at(1_801)), [stuck.refund_id]);
  const second = await fail(at(1_801));
  assert.equal(second?.reconcile_errors, 2);
  assert.deepEqual(await claimed(at(1_801 + 1_801)), [], "two errors: four times the period (an hour)");
  assert.deepEqual(await claimed(at(1_801 + 3_601)), [stuck.refund_id]);
  assert.ok((await as(null, (tx) => projectsWithBillingWork(tx))).includes(p), "still reconciled");
  const third = await fail(at(1_801 + 3_601));
  assert.equal(third?.reconcile_errors, 3);
  assert.equal(new Date(third!.reconcile_stopped_at!).getTime(), at(1_801 + 3_601).getTime());
  assert.equal(await fail(at(9_000)), null, "stopped already: counted and reported once");
  assert.deepEqual(await claimed(at(86_400 * 30)), [], "stopped: never claimed again");
  assert.ok(!(await as(null, (tx) => projectsWithBillingWork(tx))).includes(p), "no work left for the pass");
  const listed = (await as(p, (tx) => listRefunds(tx, p))).find((r) => r.refund_id === stuck.refund_id)!;
  assert.deepEqual([listed.status, listed.reconcile_errors], ["requested", 3], "the API shows it");

  // A refund settled meanwhile has nothing to count; bad input and another project's refund are refused.
  const settled = await as(
    p,
    (tx) => requestRefund(tx, p, { receipt: receiptId, amount: 500, plan_effect: "none" }),
  );
  await as(p, (tx) => recordRefundAnswer(tx, p, settled.refund_id, { failure: "REFUSED: no" }));
  assert.equal(await as(p, (tx) => recordRefundReconcileError(tx, p, settled.refund_id, at(0), OURS)), null);
  await rejectsAs(
    as(
      p,
      (tx) =>
        tx`select api.record_refund_reconcile_error(${p}, ${settled.refund_id}, null, 'internal_error', 'x')`,
    ),
    "validation_failed",
  );
  await rejectsAs(as(p, (tx) => recordRefundReconcileError(tx, p, "rfd_unknown", at(0), OURS)), "not_found");
  const other = await seedShop(db.sql, { email: "reconcile-errors-other@example.com" });
  await rejectsAs(
    as(other.project.id, (tx) => recordRefundReconcileError(tx, p, stuck.refund_id, at(0), OURS)),
    "not_found",
  );
  await rejectsAs(
    as(
      other.project.id,
      (tx) => recordRefundReconcileError(tx, other.project.id, stuck.refund_id, at(0), OURS),
    ),
    "not_found",
  );
});

Deno.test("api.record_refund_reconcile_error — keeps the last error as a charge's does; the stop carries it, a resume keeps it and says so", async () => {
  const { recordRefundReconcileError, resumeRefundReconciliation } = await import("@/db/refunds.ts");
  const shop = await seedShop(db.sql, { email: "reconcile-cause@example.com" });
  const p = shop.project.id;
  const { receiptId } = await paidPayment(shop, "pr-reconcile-cause");
  const stuck = await as(
    p,
    (tx) => requestRefund(tx, p, { receipt: receiptId, amount: 1_000, plan_effect: "none" }),
  );
  assert.equal(stuck.reconcile_last_error, null);
  const start = new Date(Date.now() + 3_600_000);
  const at = (seconds: number) => new Date(start.getTime() + seconds * 1000);
  const record = (when: Date, code: typeof OURS.code, message: string) =>
    as(p, (tx) => recordRefundReconcileError(tx, p, stuck.refund_id, when, { code, message }));
  const cause = (
    refund: { reconcile_last_error: { code: string; message: string; at: string } | null } | null,
  ) =>
    refund?.reconcile_last_error &&
    [
      refund.reconcile_last_error.code,
      refund.reconcile_last_error.message,
      new Date(refund.reconcile_last_error.at).getTime(),
    ];

  const refused = await record(at(0), "credentials_refused", "Xendit refused the project's API key (401).");
  assert.deepEqual(
    [refused?.reconcile_errors, refused?.reconcile_stopped_at],
    [0, null],
    "a dead key never counts",
  );
  assert.deepEqual(cause(refused), [
    "credentials_refused",
    "Xendit refused the project's API key (401).",
    at(0).getTime(),
  ]);
  await record(at(1), "provider_5xx", "Xendit answered with a server error (503).");
  await record(at(2), "internal_error", "one");
  await record(at(3), "internal_error", "two");
  const stopped = await record(at(4), "provider_refused", "x".repeat(301));
  assert.equal(stopped?.reconcile_errors, 3);
  assert.equal(new Date(stopped!.reconcile_stopped_at!).getTime(), at(4).getTime());
  assert.deepEqual(
    cause(stopped),
    ["provider_refused", "x".repeat(300), at(4).getTime()],
    "the stop carries it",
  );
  const listed = (await as(p, (tx) => listRefunds(tx, p))).find((r) => r.refund_id === stuck.refund_id)!;
  assert.deepEqual(cause(listed), cause(stopped), "the API shows it");

  const resumed = await as(p, (tx) => resumeRefundReconciliation(tx, p, stuck.refund_id));
  assert.deepEqual([resumed.reconcile_errors, resumed.reconcile_stopped_at], [0, null]);
  assert.ok(resumed.reconcile_resumed_at, "resumed, and when");
  assert.deepEqual(cause(resumed), cause(stopped), "kept for the record");
  await rejectsAs(record(at(5), "nope" as typeof OURS.code, "x"), "validation_failed");
  const again = await record(at(6), "provider_timeout", "Xendit did not answer in time.");
  assert.deepEqual(
    [again?.reconcile_errors, cause(again)?.[0]],
    [0, "provider_timeout"],
    "replaced by the next",
  );
});

Deno.test("astapa.held_refund — the project's refund, locked until the transaction ends; another project's is not found", async () => {
  const a = await seedShop(db.sql, { email: "rf-held@example.com" });
  const b = await seedShop(db.sql, { email: "rf-held-stranger@example.com" });
  const p = a.project.id;
  const { receiptId } = await paidPayment(a, "pr-rf-held");
  const refund = await as(p, (tx) => requestRefund(tx, p, { receipt: receiptId, plan_effect: "none" }));
  const held = await as(p, async (tx) => {
    const [row] = await tx`select (astapa.held_refund(${p}, ${refund.refund_id})).*`;
    // Another transaction may not take the row while this one holds it.
    const [other] = await as(p, (other) =>
      other`select r.public_id from astapa.refunds r
            where r.project_id = ${p} and r.public_id = ${refund.refund_id} for update skip locked`);
    return { row, other };
  });
  assert.equal(held.row.public_id, refund.refund_id);
  assert.equal(held.row.status, "requested");
  assert.equal(held.other, undefined, "locked by the transaction that holds it");
  await rejectsAs(
    as(b.project.id, (tx) => tx`select astapa.held_refund(${p}, ${refund.refund_id})`),
    "not_found",
  );
  await rejectsAs(
    as(p, (tx) => tx`select astapa.held_refund(${p}, ${"rfd_aaaaaaaaaaaaaaaaaaaaaaaa"})`),
    "not_found",
  );
});

Deno.test("api.get_refund — one refund as the list shows it; unknown or another project's is not found", async () => {
  const { getRefund } = await import("@/db/refunds.ts");
  const shop = await seedShop(db.sql, { email: "get-refund@example.com" });
  const p = shop.project.id;
  const { receiptId } = await paidPayment(shop, "pr-get-refund");
  const made = await as(
    p,
    (tx) => requestRefund(tx, p, { receipt: receiptId, amount: 1_000, plan_effect: "none" }),
  );
  const [listed] = await as(p, (tx) => listRefunds(tx, p));
  assert.deepEqual(await as(p, (tx) => getRefund(tx, p, made.refund_id)), listed);
  await rejectsAs(as(p, (tx) => getRefund(tx, p, "rfd_unknown")), "not_found");
  const other = await seedShop(db.sql, { email: "get-refund-other@example.com" });
  await rejectsAs(as(other.project.id, (tx) => getRefund(tx, other.project.id, made.refund_id)), "not_found");
  await rejectsAs(as(other.project.id, (tx) => getRefund(tx, p, made.refund_id)), "not_found");
});

Deno.test("api.list_refunds — newest first, max_rows 1 to 200, or one receipt's by id or number; another project's never", async () => {
  const shop = await seedShop(db.sql, { email: "list-refunds@example.com" });
  const p = shop.project.id;
  const one = await paidPayment(shop, "pr-list-refunds-1");
  const two = await paidPayment(shop, "pr-list-refunds-2");
  const refund = (receipt: string, amount: number) =>
    as(p, (tx) => requestRefund(tx, p, { receipt, amount, plan_effect: "none" }));
  const a = await refund(one.receiptId, 1_000);
  const b = await refund(two.receiptId, 2_000);
  const c = await refund(one.receiptId, 3_000);
  const other = await seedShop(db.sql, { email: "list-refunds-other@example.com" });
  const theirs = await paidPayment(other, "pr-list-refunds-3");
  await as(
    other.project.id,
    (tx) =>
      requestRefund(tx, other.project.id, { receipt: theirs.receiptId, amount: 500, plan_effect: "none" }),
  );

  const list = (
    acting: string,
    projectId: string,
    receipt: string | null = null,
    max: number | null = null,
  ) =>
    as(
      acting,
      async (tx) =>
        (await tx`select api.list_refunds(${projectId}, ${receipt}, ${max}::integer) as r`)[0].r as Record<
          string,
          unknown
        >[],
    );
  const ids = async (...args: Parameters<typeof list>) => (await list(...args)).map((r) => r.refund_id);

  const all = await list(p, p);
  assert.deepEqual(all.map((r) => [r.refund_id, r.amount]), [[c.refund_id, 3_000], [b.refund_id, 2_000], [
    a.refund_id,
    1_000,
  ]]);
  assert.deepEqual(
    all[0],
    await as(p, async (tx) => (await tx`select api.get_refund(${p}, ${c.refund_id}) as r`)[0].r),
  );
  assert.deepEqual(await ids(p, p, one.receiptId), [c.refund_id, a.refund_id], "one receipt's, by its id");
  const [{ number }] = await db.sql`select number from astapa.receipts where public_id = ${two.receiptId}`;
  assert.deepEqual(await ids(p, p, number), [b.refund_id], "and by its number");
  assert.deepEqual(await ids(p, p, "rcp_unknown"), []);
  assert.deepEqual(await ids(p, p, null, 1), [c.refund_id]);
  assert.deepEqual(await ids(p, p, null, 0), [c.refund_id], "at least one");
  assert.equal((await list(p, p, null, 10_000)).length, 3);

  assert.deepEqual(await ids(p, other.project.id), [], "another project's refunds are not visible");
  assert.deepEqual(await ids(p, p, theirs.receiptId), [], "nor by its receipt");
});

Deno.test("api.record_refund_answer — provider id: pending, kept; failure: a requested refund fails once (payment.refund_failed); AS404", async () => {
  const shop = await seedShop(db.sql, { email: "answer@example.com" });
  const p = shop.project.id;
  const { receiptId } = await paidPayment(shop, "pr-answer-1");
  const request = (amount: number) =>
    as(p, (tx) => requestRefund(tx, p, { receipt: receiptId, amount, plan_effect: "none" }));
  const answer = (refundId: string, body: Record<string, string>, acting = p, projectId = p) =>
    as(
      acting,
      async (tx) =>
        (await tx`select api.record_refund_answer(${projectId}, ${refundId}, ${tx.json(body)}) as r`)[0]
          .r as Record<
            string,
            unknown
          >,
    );
  const failedEvents = async () =>
    (await db.sql`select count(*)::int as n from astapa.events where project_id = ${p}
                  and type = 'payment.refund_failed'`)[0].n;
  const stored = async (refundId: string) => ({
    ...(await db
      .sql`select status, provider_id, failure_code from astapa.refunds where public_id = ${refundId}`)[0],
  });

  const accepted = await request(1_000);
  const pending = await answer(accepted.refund_id, { provider_id: "rfd-xendit-1" });
  assert.deepEqual([pending.refund_id, pending.status], [accepted.refund_id, "pending"]);
  await answer(accepted.refund_id, { provider_id: "rfd-xendit-other" });
  assert.deepEqual(await stored(accepted.refund_id), {
    status: "pending",
    provider_id: "rfd-xendit-1",
    failure_code: null,
  });
  await answer(accepted.refund_id, { failure: "TOO_LATE" });
  assert.equal(
    (await stored(accepted.refund_id)).status,
    "pending",
    "a failure after acceptance changes nothing",
  );
  assert.equal(await failedEvents(), 0);

  const refused = await request(2_000);
  const failed = await answer(refused.refund_id, { failure: "INELIGIBLE_TRANSACTION: no" });
  assert.equal(failed.status, "failed");
  assert.deepEqual(await stored(refused.refund_id), {
    status: "failed",
    provider_id: null,
    failure_code: "INELIGIBLE_TRANSACTION: no",
  });
  assert.equal(await failedEvents(), 1);
  await answer(refused.refund_id, { failure: "AGAIN" });
  await answer(refused.refund_id, { provider_id: "rfd-late" });
  assert.equal((await stored(refused.refund_id)).status, "failed", "failed is final");
  assert.equal(await failedEvents(), 1, "emitted once");

  await rejectsAs(answer("rfd_unknown", { provider_id: "x" }), "not_found");
  const other = await seedShop(db.sql, { email: "answer-other@example.com" });
  const untouched = await request(3_000);
  await rejectsAs(
    answer(untouched.refund_id, { failure: "X" }, other.project.id, other.project.id),
    "not_found",
  );
  await rejectsAs(answer(untouched.refund_id, { failure: "X" }, other.project.id, p), "not_found");
  assert.equal((await stored(untouched.refund_id)).status, "requested", "another project changed nothing");
});
