/**
 * SQL tests for resuming a stopped reconciliation (api.resume_payment_reconciliation in db/api/billing.sql,
 * api.resume_refund_reconciliation in db/api/refunds.sql): the row starts over and is claimed again, the billing
 * pass is woken (NOTIFY astapa_reconcile), the audit log says who; each refusal; another project sees nothing.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { claimStalePayments, resumePaymentReconciliation } from "@/db/billing.ts";
import { claimStaleRefunds, recordRefundAnswer, resumeRefundReconciliation } from "@/db/refunds.ts";
import { rows, testDatabase } from "../helpers/db.ts";
import { listenTo } from "../helpers/notify.ts";
import { rejectsAs } from "../helpers/identity.ts";
import { seedShop } from "../helpers/payments.ts";
import { pendingCharge } from "../helpers/pending_charge.ts";
import { paidCharge, stoppedCharge, stoppedRefund } from "../helpers/stopped_reconciliation.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const CLI = { actor: "cli" };
const later = () => new Date(Date.now() + 86_400_000);

/** The next astapa_reconcile payloads, parsed; stop() ends listening. */
async function wakeups() {
  const reconcile = await listenTo(db.sql, "astapa_reconcile");
  return {
    get seen(): Record<string, unknown>[] {
      return reconcile.payloads.map((payload) => JSON.parse(payload));
    },
    /** Resolves once `count` wake-ups arrived (NOTIFY is delivered at commit, so after the call returned). */
    until: (count: number) => reconcile.until(`${count} wake-up(s)`, (payloads) => payloads.length >= count),
    stop: () => reconcile.unlisten(),
  };
}

async function auditOf(projectId: string, action: string) {
  return rows(
    await asApp(
      db.sql,
      projectId,
      (tx) => tx`select actor, target, details from astapa.audit_log where action = ${action} order by id`,
    ),
  );
}

Deno.test("api.resume_payment_reconciliation — a stopped charge starts over, is claimed again, wakes the pass, is audited", async () => {
  const shop = await seedShop(db.sql, { email: "resume-charge@example.com" });
  const p = shop.project.id;
  const checkoutId = await stoppedCharge(db.sql, shop, "pr-resume-1");
  assert.deepEqual(await asApp(db.sql, p, (tx) => claimStalePayments(tx, p, later(), 900)), [], "stopped");

  const listening = await wakeups();
  try {
    const resumed = await asApp(db.sql, p, (tx) => resumePaymentReconciliation(tx, p, checkoutId), CLI);
    assert.deepEqual(
      [resumed.checkout_id, resumed.status, resumed.reconcile_errors, resumed.reconcile_stopped_at],
      [checkoutId, "pending", 0, null],
    );
    await listening.until(1);
    const [payment] = rows(
      await asApp(
        db.sql,
        p,
        (tx) => tx`select id::text from astapa.payments where provider_id = 'pr-resume-1'`,
      ),
    );
    assert.deepEqual(listening.seen, [{ project_id: p, table: "payments", id: Number(payment.id) }]);
  } finally {
    await listening.stop();
  }
  const claimed = await asApp(db.sql, p, (tx) => claimStalePayments(tx, p, later(), 900));
  assert.deepEqual(claimed.map((c) => [c.provider_id, c.reconcile_errors]), [["pr-resume-1", 0]], "at once");

  const [entry] = await auditOf(p, "payment.reconcile_resumed");
  assert.equal(entry.actor, "cli");
  assert.equal(entry.target, `checkout:${checkoutId}`);
  const charges = (entry.details as { charges: Record<string, unknown>[] }).charges;
  assert.deepEqual(charges.map((c) => [c.provider_id, c.reconcile_errors]), [["pr-resume-1", 3]]);
  assert.ok(charges[0].reconcile_stopped_at, "with when it had stopped");

  // Resumed already (reconciled again): nothing to resume, and nothing changes.
  await rejectsAs(
    asApp(db.sql, p, (tx) => resumePaymentReconciliation(tx, p, checkoutId)),
    "reconciliation_not_stopped",
    /has not stopped/,
  );
  assert.equal((await auditOf(p, "payment.reconcile_resumed")).length, 1);
});

Deno.test("api.resume_payment_reconciliation — refuses a payment never stopped, a final one, an unknown one and another project's", async () => {
  const shop = await seedShop(db.sql, { email: "resume-charge-refusals@example.com" });
  const other = await seedShop(db.sql, { email: "resume-charge-other@example.com" });
  const p = shop.project.id;
  const resume = (projectId: string, checkoutId: string, as = projectId) =>
    asApp(db.sql, as, (tx) => resumePaymentReconciliation(tx, projectId, checkoutId));

  const { checkout_id: running } = await pendingCharge(db.sql, p, shop.userId, "pr-resume-running");
  await rejectsAs(resume(p, running), "reconciliation_not_stopped");
  const { checkoutId: paid } = await paidCharge(db.sql, shop, "pr-resume-paid");
  await rejectsAs(resume(p, paid), "already_final", /already paid/);
  await rejectsAs(resume(p, "chk_unknown"), "not_found", /payment was not found/);

  const stopped = await stoppedCharge(db.sql, shop, "pr-resume-theirs");
  await rejectsAs(resume(p, stopped, other.project.id), "not_found");
  await rejectsAs(resume(other.project.id, stopped), "not_found");
  await rejectsAs(
    asApp(db.sql, null, (tx) => resumePaymentReconciliation(tx, p, stopped)),
    "not_found",
  );
  const untouched = await asApp(
    db.sql,
    p,
    (tx) =>
      tx`select reconcile_errors, reconcile_stopped_at is not null as stopped from astapa.payments
       where provider_id = 'pr-resume-theirs'`,
  );
  assert.deepEqual(rows(untouched), [{ reconcile_errors: 3, stopped: true }], "refusals change nothing");
  assert.deepEqual(await auditOf(p, "payment.reconcile_resumed"), []);
});

Deno.test("api.resume_refund_reconciliation — a stopped refund starts over, is claimed again, wakes the pass, is audited; refusals", async () => {
  const shop = await seedShop(db.sql, { email: "resume-refund@example.com" });
  const other = await seedShop(db.sql, { email: "resume-refund-other@example.com" });
  const p = shop.project.id;
  const refundId = await stoppedRefund(db.sql, shop, "pr-resume-refund");
  const resume = (projectId: string, id: string, as = projectId) =>
    asApp(db.sql, as, (tx) => resumeRefundReconciliation(tx, projectId, id), CLI);

  await rejectsAs(resume(p, refundId, other.project.id), "not_found", /refund was not found/);
  await rejectsAs(resume(other.project.id, refundId), "not_found");
  await rejectsAs(resume(p, "rfd_unknown"), "not_found");
  assert.deepEqual(await asApp(db.sql, p, (tx) => claimStaleRefunds(tx, p, later(), 900)), [], "stopped");

  const listening = await wakeups();
  try {
    const resumed = await resume(p, refundId);
    assert.deepEqual(
      [resumed.refund_id, resumed.status, resumed.reconcile_errors, resumed.reconcile_stopped_at],
      [refundId, "requested", 0, null],
    );
    await listening.until(1);
    assert.deepEqual(listening.seen.map((w) => [w.project_id, w.table]), [[p, "refunds"]]);
  } finally {
    await listening.stop();
  }
  const claimed = await asApp(db.sql, p, (tx) => claimStaleRefunds(tx, p, later(), 900));
  assert.deepEqual(claimed.map((r) => [r.refund_id, r.reconcile_errors]), [[refundId, 0]], "at once");
  const [entry] = await auditOf(p, "payment.refund_reconcile_resumed");
  assert.deepEqual([entry.actor, entry.target], ["cli", `refund:${refundId}`]);
  assert.equal((entry.details as { reconcile_errors: number }).reconcile_errors, 3);

  await rejectsAs(resume(p, refundId), "reconciliation_not_stopped", /refund has not stopped/);
  // Xendit's answer settles it (refused here): final, nothing left to reconcile.
  await asApp(db.sql, p, (tx) => recordRefundAnswer(tx, p, refundId, { failure: "REFUSED: no" }));
  await rejectsAs(resume(p, refundId), "already_final", /has failed already/);
  assert.equal((await auditOf(p, "payment.refund_reconcile_resumed")).length, 1);
});

Deno.test("astapa.notify_reconciliation_resumed — an operator's UPDATE resuming a charge or a refund wakes the pass with {project_id, table, id}; a stop does not", async () => {
  const shop = await seedShop(db.sql, { email: "resume-trigger@example.com" });
  const p = shop.project.id;
  await stoppedCharge(db.sql, shop, "pr-trigger-charge");
  const refundId = await stoppedRefund(db.sql, shop, "pr-trigger-refund");
  const [payment] = await db.sql`select id from astapa.payments where provider_id = 'pr-trigger-charge'`;
  const [refund] = await db.sql`select id from astapa.refunds where public_id = ${refundId}`;

  const listening = await wakeups();
  try {
    // Put back by hand, as an operator would, outside any api.* function; then stopped again: no wake-up.
    await db.sql`update astapa.payments set reconcile_stopped_at = null where id = ${payment.id}`;
    await db.sql`update astapa.refunds set reconcile_stopped_at = null where id = ${refund.id}`;
    await db.sql`update astapa.payments set reconcile_stopped_at = now() where id = ${payment.id}`;
    await db.sql`update astapa.payments set reconcile_errors = 4 where id = ${payment.id}`;
    await db.sql`update astapa.payments set reconcile_stopped_at = null where id = ${payment.id}`;
    await listening.until(3);
    assert.deepEqual(listening.seen, [
      { project_id: p, table: "payments", id: Number(payment.id) },
      { project_id: p, table: "refunds", id: Number(refund.id) },
      { project_id: p, table: "payments", id: Number(payment.id) },
    ], "one per resume, none for the stop or another change");
  } finally {
    await listening.stop();
  }
});
