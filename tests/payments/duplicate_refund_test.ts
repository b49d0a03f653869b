/**
 * A double payment refunded without an operator, in the offline sandbox: a checkout charged twice (an OVO push,
 * then a QRIS code paid), the push approved after all — its callback applied as paid_again with its own receipt —
 * and, with the project's billing_refund_duplicates on, its full refund asked for in the same transaction
 * (astapa.refund_duplicate_payment). The billing pass sends it to the simulator's Refund API through the
 * unmodified xendit-node client, as for any refund Xendit has not answered, under the refund's id as the
 * idempotency key; the refund callback reaches the webhook and the worker applies it: refunded, no plan effect,
 * one refund at Xendit however often the pass runs.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { currentSubscription } from "@/db/plans.ts";
import { updateBillingSettings } from "@/db/project_settings.ts";
import { listRefunds } from "@/db/refunds.ts";
import { chargeCheckout, openCheckout } from "@/lib/payments/checkout.ts";
import { reconcileProject } from "@/lib/payments/reconcile.ts";
import { seedShop } from "../helpers/payments.ts";
import { waitFor } from "../helpers/wait.ts";
import { paymentsTestApp } from "../helpers/payments_app.ts";

const t = await paymentsTestApp({ receiptLinks: true });

const as = <T>(projectId: string, work: Parameters<typeof asApp<T>>[2]) => asApp(t.db.sql, projectId, work);
const HOUR = 3_600_000;

Deno.test("billing_refund_duplicates — a paid_again payment is refunded in full at Xendit by the billing pass (DUPLICATE, no plan effect), once", async () => {
  const shop = await seedShop(t.db.sql, { email: "duplicate-refund@example.com" });
  const p = shop.project.id;
  await as(p, (tx) => updateBillingSettings(tx, p, { billing_refund_duplicates: true }));
  const opened = await openCheckout(t.deps, p, { sub: shop.userId, plan: "pro" });
  const charge = async (choice: Parameters<typeof chargeCheckout>[3]) =>
    (await chargeCheckout(t.deps, p, opened.checkout_id, choice)).payment!.provider_id;
  const ovo = await charge({ method: "ovo", mobileNumber: "+6281234567890" });
  const qris = await charge({ method: "qris" });
  await t.deps.xenditSandbox.settle(qris, "pay");
  await waitFor(async () => {
    const [row] = await as(
      p,
      (tx) => tx`select status from astapa.checkouts where public_id = ${opened.checkout_id}`,
    );
    return row?.status === "paid" || undefined;
  }, "the QRIS payment to be applied");
  const paidThrough =
    (await as(p, (tx) => currentSubscription(tx, p, shop.userId))).subscription!.paid_through;

  await t.deps.xenditSandbox.settle(ovo, "pay");
  const requested = await waitFor(async () => {
    const refunds = await as(p, (tx) => listRefunds(tx, p));
    return refunds.length ? refunds : undefined;
  }, "the duplicate payment's refund to be asked for");
  assert.deepEqual(
    requested.map((
      r,
    ) => [r.payment.provider_id, r.amount, r.reason, r.plan_effect, r.status, r.requested_by]),
    [[ovo, 99_000, "DUPLICATE", "none", "requested", "duplicate_payment"]],
  );

  // The billing pass asks Xendit once the refund is past its age (as an unanswered hand refund is asked again).
  const later = new Date(Date.now() + HOUR);
  await reconcileProject(t.deps, p, later, 900);
  const settled = await waitFor(async () => {
    const [found] = await as(p, (tx) => listRefunds(tx, p));
    return found.status === "succeeded" ? found : undefined;
  }, "the refund callback to be applied");
  assert.match(settled.provider_id ?? "", /^rfd-/);
  await reconcileProject(t.deps, p, new Date(later.getTime() + HOUR), 900);
  const atXendit = [...t.deps.xenditSandbox.refunds.values()].filter((r) =>
    r.referenceId === settled.refund_id
  );
  assert.equal(atXendit.length, 1, "one refund at Xendit");
  const state = await as(p, (tx) => currentSubscription(tx, p, shop.userId));
  assert.deepEqual([state.plan, state.subscription?.paid_through], ["pro", paidThrough], "no plan effect");
  const [ledger] = await as(
    p,
    (tx) =>
      tx`select (select sum(amount)::int from astapa.payments where status = 'paid') as paid,
                (select sum(amount)::int from astapa.refunds where status = 'succeeded') as refunded`,
  );
  assert.deepEqual({ ...ledger }, { paid: 198_000, refunded: 99_000 });
});
