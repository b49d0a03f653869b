/** The dashboard's Receipts page over HTTP: receipts with PPN and refunds; admins refund, viewers only read. */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { currentSubscription } from "@/db/plans.ts";
import { listReceipts } from "@/db/receipts.ts";
import { listRefunds } from "@/db/refunds.ts";
import { chargeCheckout, openCheckout } from "@/lib/payments/checkout.ts";
import { PaymentEventWorker } from "@/lib/payments/worker.ts";
import { testApp } from "../helpers/app.ts";
import { addDeveloperTo, getAs, inviteDeveloper, postAs, signInDeveloper } from "../helpers/dashboard.ts";
import { seedShop } from "../helpers/payments.ts";
import { waitFor } from "../helpers/wait.ts";
import { OURS } from "../helpers/stopped_reconciliation.ts";

const t = await testApp({ listen: true });
const worker = new PaymentEventWorker(t.db.sql);
await worker.start();
Deno.test.afterAll(async () => {
  await worker.stop();
  await t.close();
});

const owner = await signInDeveloper(t, "owner@dev.example");
await inviteDeveloper(t, "viewer@dev.example");
const viewer = await signInDeveloper(t, "viewer@dev.example");
const shop = await seedShop(t.db.sql, { email: "pembeli@example.com" });
const p = shop.project.id;
await addDeveloperTo(t, p, owner.accountId, "owner");
await addDeveloperTo(t, p, viewer.accountId, "viewer");
const base = `/dashboard/projects/${p}/receipts`;

async function paid(method: "qris" | "bank_transfer") {
  const opened = await openCheckout(t.deps, p, { sub: shop.userId, plan: "pro" });
  const charged = await chargeCheckout(t.deps, p, opened.checkout_id, {
    method,
    bank: method === "bank_transfer" ? "BCA" : undefined,
  });
  await t.deps.xenditSandbox.settle(charged.payment!.provider_id, "pay");
  return await waitFor(async () => {
    const receipts = await asApp(t.db.sql, p, (tx) => listReceipts(tx, p));
    return receipts.find((r) => r.checkout_id === opened.checkout_id);
  }, "the receipt");
}

Deno.test("dashboard receipts — list, refund with a plan effect, refused virtual account, viewers read only", async () => {
  const qris = await paid("qris");
  const va = await paid("bank_transfer");
  const page = await getAs(t, viewer, base);
  assert.equal(page.status, 200);
  const html = await page.text();
  assert.ok(html.includes(qris.number) && html.includes(va.number));
  assert.ok(!html.includes("refund-form"), "viewers get no refund form");
  const forbidden = await postAs(t, viewer, base, {
    receipt: qris.receipt_id,
    amount: "",
    reason: "OTHERS",
    plan_effect: "none",
  });
  assert.equal(forbidden.status, 403);

  const ownerPage = await (await getAs(t, owner, base)).text();
  assert.ok(ownerPage.includes("refund-form"));
  assert.ok(ownerPage.includes("Not refundable through Xendit (virtual account)"));
  const refusedVa = await postAs(t, owner, base, {
    receipt: va.receipt_id,
    amount: "",
    reason: "OTHERS",
    plan_effect: "none",
  });
  assert.equal(refusedVa.status, 422);
  assert.ok((await refusedVa.text()).includes("Virtual account payments cannot be refunded"));
  const tooMuch = await postAs(t, owner, base, {
    receipt: qris.receipt_id,
    amount: "100000",
    reason: "OTHERS",
    plan_effect: "none",
  });
  assert.equal(tooMuch.status, 422);
  assert.match(await tooMuch.text(), /Only IDR 99000/);

  const done = await postAs(t, owner, base, {
    receipt: qris.receipt_id,
    amount: "",
    reason: "REQUESTED_BY_CUSTOMER",
    plan_effect: "end_now",
  });
  assert.equal(done.status, 303);
  assert.equal(done.headers.get("location"), `${base}?done=refunded`);
  const refund = await waitFor(async () => {
    const [one] = await asApp(t.db.sql, p, (tx) => listRefunds(tx, p));
    return one?.status === "succeeded" ? one : undefined;
  }, "the refund to succeed");
  assert.equal(refund.amount, 99_000);
  assert.match(refund.requested_by, /^account:\d+$/, "the developer who refunded is recorded");
  await waitFor(
    async () => (await asApp(t.db.sql, p, (tx) => currentSubscription(tx, p, shop.userId))).plan === "free",
    "end_now",
  );
  const after = await (await getAs(t, owner, base)).text();
  assert.ok(after.includes("Refunded in full"));
  assert.ok(after.includes('data-status="succeeded"'));
});

Deno.test("dashboard receipts — the PPN settings form: owners save them (audited), bad values named, viewers cannot", async () => {
  const { taxSettings } = await import("@/db/receipts.ts");
  const tax = `${base}/tax`;
  const form = {
    pkp: "true",
    ppn_rate: "12",
    tax_base_numerator: "11",
    tax_base_denominator: "12",
    seller_name: "PT Warung Awan",
    seller_npwp: "01.234.567.8-901.000",
    seller_address: "Jl. Merdeka 1, Bandung",
  };
  const refused = await postAs(t, viewer, tax, form);
  assert.equal(refused.status, 403);
  assert.equal((await asApp(t.db.sql, p, (tx) => taxSettings(tx, p))).pkp, false, "a viewer changes nothing");
  const saved = await postAs(t, owner, tax, form);
  assert.equal(saved.status, 303);
  assert.equal(saved.headers.get("location"), `${base}?done=tax_saved`);
  const settings = await asApp(t.db.sql, p, (tx) => taxSettings(tx, p));
  assert.deepEqual(
    [settings.pkp, settings.seller_name, settings.seller_npwp, settings.seller_address],
    [true, "PT Warung Awan", "012345678901000", "Jl. Merdeka 1, Bandung"],
  );
  const shown = await (await getAs(t, owner, `${base}?done=tax_saved`)).text();
  assert.match(shown, /Tax settings saved/);
  assert.match(shown, /value="PT Warung Awan"/);
  const bad = await postAs(t, owner, tax, { ...form, ppn_rate: "lots", seller_npwp: "123" });
  assert.equal(bad.status, 422, "re-rendered with the reason");
  assert.match(await bad.text(), /class="error"|role="alert"/);
  assert.equal((await asApp(t.db.sql, p, (tx) => taxSettings(tx, p))).seller_npwp, "012345678901000");
  // Unchecking PKP and emptying the seller fields restores the defaults.
  await postAs(t, owner, tax, {
    ppn_rate: "",
    tax_base_numerator: "",
    tax_base_denominator: "",
    seller_name: "",
  });
  const cleared = await asApp(t.db.sql, p, (tx) => taxSettings(tx, p));
  assert.deepEqual([cleared.pkp, cleared.ppn_rate, cleared.seller_name], [false, 12, null]);
  const [audit] = await t.db.sql`select count(*)::int as n from astapa.audit_log
    where project_id = ${p} and action = 'project.tax_settings'`;
  assert.equal(audit.n, 2, "each saved change is audited");
});

Deno.test("dashboard receipts — a refund whose reconciliation stopped after our errors says so, and why (en, id)", async () => {
  const { recordRefundReconcileError, requestRefund } = await import("@/db/refunds.ts");
  const receipt = await paid("qris");
  const stuck = await asApp(
    t.db.sql,
    p,
    (tx) => requestRefund(tx, p, { receipt: receipt.receipt_id, amount: 1_000, plan_effect: "none" }),
  );
  const now = new Date("2031-05-04T03:02:00Z");
  for (let i = 0; i < 2; i++) {
    await asApp(t.db.sql, p, (tx) => recordRefundReconcileError(tx, p, stuck.refund_id, now, OURS));
  }
  const cause = {
    code: "unexpected_answer",
    message: "Xendit's answer could not be read (not the JSON expected).",
  };
  await asApp(
    t.db.sql,
    p,
    (tx) => recordRefundReconcileError(tx, p, stuck.refund_id, now, cause as typeof OURS),
  );
  const html = await (await getAs(t, viewer, base)).text();
  const row = html.slice(html.indexOf(`data-refund="${stuck.refund_id}"`));
  const cell = row.slice(0, row.indexOf("</tr>"));
  assert.match(cell, /data-reconcile-stopped="[^"]+" data-reconcile-error="unexpected_answer"/);
  assert.match(
    cell,
    /<span lang="en">Stopped after 3 errors: Xendit(&#39;|')s answer could not be read \(not the JSON expected\) \(4 May 2031, 03:02 UTC\)\./,
  );
  assert.match(
    cell,
    /<span lang="id">Berhenti setelah 3 galat: jawaban Xendit tidak dapat dibaca \(4 May 2031, 03:02 UTC\)\./,
  );
});

Deno.test("dashboard receipts — admins resume a refund's stopped reconciliation; viewers see no button and cannot post", async () => {
  const { stoppedRefund } = await import("../helpers/stopped_reconciliation.ts");
  const shop = await seedShop(t.db.sql, { email: "resume-refund-page@example.com" });
  const p = shop.project.id;
  await addDeveloperTo(t, p, owner.accountId, "owner");
  await addDeveloperTo(t, p, viewer.accountId, "viewer");
  const page = `/dashboard/projects/${p}/receipts`;
  const action = `${page}/reconcile`;
  const refundId = await stoppedRefund(t.db.sql, shop, "pr-resume-refund-page");
  const rowOf = (html: string) =>
    new RegExp(`<tr[^>]*data-refund="${refundId}"[^>]*>([\\s\\S]*?)</tr>`).exec(html)?.[0] ?? "";

  assert.doesNotMatch(rowOf(await (await getAs(t, viewer, page)).text()), /reconcile-form/);
  const ownerRow = rowOf(await (await getAs(t, owner, page)).text());
  assert.match(ownerRow, /data-reconcile-stopped/);
  assert.match(ownerRow, new RegExp(`action="${action}"[\\s\\S]*name="id" value="${refundId}"`));
  assert.match(ownerRow, /Resume reconciliation[\s\S]*Lanjutkan rekonsiliasi/);
  assert.equal((await postAs(t, viewer, action, { id: refundId })).status, 403);
  assert.equal((await postAs(t, owner, action, { id: refundId }, null)).status, 403, "no CSRF token");

  const done = await postAs(t, owner, action, { id: refundId });
  assert.equal(done.status, 303);
  assert.equal(done.headers.get("location"), `${page}?done=refund_reconcile_resumed`);
  const after = await (await getAs(t, owner, done.headers.get("location")!)).text();
  assert.match(after, /Reconciliation resumed: Xendit is asked about this refund again now/);
  assert.doesNotMatch(rowOf(after), /data-reconcile-stopped|reconcile-form/);
  const refund = (await asApp(t.db.sql, p, (tx) => listRefunds(tx, p))).find((r) =>
    r.refund_id === refundId
  )!;
  assert.deepEqual([refund.reconcile_errors, refund.reconcile_stopped_at], [0, null]);

  const again = await postAs(t, owner, action, { id: refundId });
  assert.equal(again.status, 422);
  assert.match(await again.text(), /has not stopped[\s\S]*belum berhenti/);
});
