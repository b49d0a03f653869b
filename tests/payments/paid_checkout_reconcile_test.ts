/**
 * Reconciliation of a paid checkout's other charges, in the offline sandbox: the person shows a QRIS code, opens
 * a virtual account and a GoPay invoice, and pays the QRIS code. Then the virtual account is paid too and the
 * invoice expires at Xendit, both callbacks lost. The billing pass asks Xendit about them anyway: the second
 * payment is recorded as paid_again (its own receipt without a period, for a refund; no second period, no second
 * payment.succeeded) and the invoice expired (no payment.failed); neither is asked about again.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { currentSubscription } from "@/db/plans.ts";
import { chargeCheckout, openCheckout } from "@/lib/payments/checkout.ts";
import { reconcileProject } from "@/lib/payments/reconcile.ts";
import { rows } from "../helpers/db.ts";
import { basic } from "../helpers/oauth.ts";
import { seedShop } from "../helpers/payments.ts";
import { waitFor } from "../helpers/wait.ts";
import { paymentsTestApp } from "../helpers/payments_app.ts";

const t = await paymentsTestApp({ receiptLinks: true });

const as = <T>(projectId: string, work: Parameters<typeof asApp<T>>[2]) => asApp(t.db.sql, projectId, work);

Deno.test("paid checkout reconciliation — a second payment whose callback was lost is recorded as paid_again, an expired charge as expired", async () => {
  const shop = await seedShop(t.db.sql, { email: "paid-twice@example.com" });
  const p = shop.project.id;
  const opened = await openCheckout(t.deps, p, { sub: shop.userId, plan: "pro" });
  const charge = async (choice: Parameters<typeof chargeCheckout>[3]) =>
    (await chargeCheckout(t.deps, p, opened.checkout_id, choice)).payment!.provider_id;
  const qris = await charge({ method: "qris" });
  const va = await charge({ method: "bank_transfer", bank: "BNI" });
  const gopay = await charge({ method: "gopay" });

  await t.deps.xenditSandbox.settle(qris, "pay");
  const paidThrough = await waitFor(async () => {
    const state = await as(p, (tx) => currentSubscription(tx, p, shop.userId));
    return state.subscription?.paid_through ?? undefined;
  }, "the first payment to be applied");

  // Paid at Xendit and expired there; neither callback arrives.
  await t.deps.xenditSandbox.settle(va, "pay", { times: 0 });
  await t.deps.xenditSandbox.settle(gopay, "expire", { times: 0 });

  const later = new Date(Date.now() + 3_600_000);
  const pass = await reconcileProject(t.deps, p, later, 900);
  assert.deepEqual([pass.checked, pass.recorded], [2, 2], "both asked about, both answers recorded");
  const outcomes = await waitFor(async () => {
    const events = await as(p, async (tx) =>
      rows(
        await tx`select provider_id, provider_status, outcome, body ->> 'reconciled' as reconciled
          from astapa.payment_events order by id`,
      ));
    return events.every((e) => e.outcome !== null) && events.length === 3 && events;
  }, "the reconciled answers to be applied");
  assert.deepEqual(outcomes.map((e) => [e.provider_id, e.provider_status, e.outcome, e.reconciled]), [
    [qris, "SUCCEEDED", "paid", null],
    [va, "SUCCEEDED", "paid_again", "true"],
    [gopay, "EXPIRED", "expired", "true"],
  ]);
  const charges = await as(
    p,
    async (tx) =>
      rows(await tx`select provider_id, status from astapa.payments order by id`).map((r) => [
        r.provider_id,
        r.status,
      ]),
  );
  assert.deepEqual(charges, [[qris, "paid"], [va, "paid"], [gopay, "expired"]], "nothing left pending");

  // Where a second payment is shown for a refund: its own receipt, without a period.
  const listed = await t.app.request("/api/platform/receipts", {
    headers: { authorization: basic(shop.project.clientId, shop.project.secret) },
  });
  assert.equal(listed.status, 200);
  const receipts = (await listed.json()).receipts as {
    checkout_id: string;
    provider_id: string;
    period_start: string | null;
    amount: number;
  }[];
  assert.deepEqual(
    receipts.map((r) => [r.checkout_id, r.provider_id, r.period_start === null, r.amount]).toSorted(),
    [[opened.checkout_id, qris, false, 99_000], [opened.checkout_id, va, true, 99_000]].toSorted(),
  );

  // One period bought, one payment.succeeded, and no payment.failed for the invoice nobody needed.
  const after = await as(p, (tx) => currentSubscription(tx, p, shop.userId));
  assert.equal(after.subscription?.paid_through, paidThrough, "no second period");
  const events = await as(p, async (tx) =>
    rows(
      await tx`select type, count(*)::int as count from astapa.events
        where type like 'payment.%' group by type order by type`,
    ));
  assert.deepEqual(events, [{ type: "payment.succeeded", count: 1 }]);

  // Settled: never asked about again.
  const next = await reconcileProject(t.deps, p, new Date(later.getTime() + 3_600_000), 900);
  assert.equal(next.checked, 0);
});
