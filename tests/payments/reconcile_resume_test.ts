/**
 * Resuming a stopped reconciliation wakes it (lib/payments/reconcile_wakeups.ts), in the offline sandbox: a
 * charge paid at Xendit whose callback was lost, stopped after three errors of ours, is asked about again as soon
 * as it is resumed — no billing pass runs here — and settles; a resumed refund is asked about again too.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { recordPaymentReconcileError, resumePaymentReconciliation } from "@/db/billing.ts";
import { getCheckout } from "@/db/payments.ts";
import { resumeRefundReconciliation } from "@/db/refunds.ts";
import { BillingScheduler } from "@/lib/payments/billing_scheduler.ts";
import { chargeCheckout, openCheckout } from "@/lib/payments/checkout.ts";
import { ReconcileWakeups } from "@/lib/payments/reconcile_wakeups.ts";
import { paymentsTestApp } from "../helpers/payments_app.ts";
import { rows } from "../helpers/db.ts";
import { seedShop } from "../helpers/payments.ts";
import { waitFor } from "../helpers/wait.ts";
import { OURS, stoppedRefund } from "../helpers/stopped_reconciliation.ts";

const t = await paymentsTestApp();
// The clock an hour on, so every charge is stale; the scheduler is never started: only wake-ups reconcile.
const scheduler = new BillingScheduler(t.deps, { clock: () => new Date(Date.now() + 3_600_000) });
const wakeups = new ReconcileWakeups(t.db.sql, (projectId) => scheduler.reconcile(projectId));
await wakeups.start();
Deno.test.afterAll(async () => {
  await wakeups.stop();
});

Deno.test("reconcile resume — a stopped charge paid at Xendit (callback lost) is asked about at once and settles", async () => {
  const shop = await seedShop(t.db.sql, { email: "resume-wakes@example.com" });
  const p = shop.project.id;
  const opened = await openCheckout(t.deps, p, { sub: shop.userId, plan: "pro" });
  const charged = await chargeCheckout(t.deps, p, opened.checkout_id, { method: "qris" });
  const providerId = charged.payment!.provider_id;
  for (let error = 0; error < 3; error++) {
    await asApp(t.db.sql, p, (tx) => recordPaymentReconcileError(tx, p, providerId, new Date(), OURS));
  }
  await t.deps.xenditSandbox.settle(providerId, "pay", { times: 0 }); // paid at Xendit; no callback

  await asApp(t.db.sql, p, (tx) => resumePaymentReconciliation(tx, p, opened.checkout_id), { actor: "cli" });
  const paid = await waitFor(async () => {
    const checkout = await asApp(t.db.sql, p, (tx) => getCheckout(tx, p, opened.checkout_id));
    return checkout?.status === "paid" && checkout;
  }, "the resumed charge to be reconciled and applied");
  assert.equal(paid.status, "paid");
  const [event] = rows(
    await asApp(
      t.db.sql,
      p,
      (tx) =>
        tx`select provider_status, outcome, body ->> 'reconciled' as reconciled from astapa.payment_events
         where provider_id = ${providerId}`,
    ),
  );
  assert.deepEqual(
    event,
    { provider_status: "SUCCEEDED", outcome: "paid", reconciled: "true" },
    "by reconciliation",
  );
});

const checkedAt = (p: string, refundId: string) =>
  asApp(
    t.db.sql,
    p,
    async (tx) =>
      rows(await tx`select checked_at from astapa.refunds where public_id = ${refundId}`)[0].checked_at,
  );

Deno.test("reconcile resume — a resumed refund is asked about again at once", async () => {
  const shop = await seedShop(t.db.sql, { email: "resume-wakes-refund@example.com" });
  const p = shop.project.id;
  const refundId = await stoppedRefund(t.db.sql, shop, "pr-resume-wakes-refund");
  assert.equal(await checkedAt(p, refundId), null, "stopped before any claim");
  await asApp(t.db.sql, p, (tx) => resumeRefundReconciliation(tx, p, refundId));
  await waitFor(async () => (await checkedAt(p, refundId)) !== null, "the woken pass to claim the refund");
});
