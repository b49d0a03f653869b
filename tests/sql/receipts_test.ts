/** SQL tests for receipts and PPN (db/api/receipts.sql): the split, settings, numbering, races, policies. */
import assert from "node:assert/strict";
import { asApp, createPool } from "@/db/client.ts";
import { applyPaymentEvent, recordPayment, recordPaymentEvent } from "@/db/payments.ts";
import {
  getReceipt,
  listReceipts,
  receiptProject,
  setCheckoutBuyer,
  setTaxSettings,
  taxSettings,
} from "@/db/receipts.ts";
import { rows, testDatabase } from "../helpers/db.ts";
import { rejectsAs } from "../helpers/identity.ts";
import { pendingCharge } from "../helpers/pending_charge.ts";
import { seedShop, type Shop } from "../helpers/payments.ts";
import { takeLive } from "../helpers/live_keys.ts";
import { seedUser } from "../helpers/identity.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const as = <T>(projectId: string | null, work: Parameters<typeof asApp<T>>[2]) =>
  asApp(db.sql, projectId, work);

/** A checkout of plan pro with one QRIS charge (not paid yet). */
const chargedCheckout = (shop: Shop, providerId: string) =>
  pendingCharge(db.sql, shop.project.id, shop.userId, providerId);

/** Records a success callback for a charge and applies every waiting event; answers the outcomes. */
async function pay(shop: Shop, checkoutId: string, providerId: string, amount: number) {
  const p = shop.project.id;
  await as(p, (tx) =>
    recordPaymentEvent(tx, p, {
      providerId,
      status: "SUCCEEDED",
      checkoutId,
      body: { data: { amount, currency: "IDR", status: "SUCCEEDED" } },
    }));
  const applied = [];
  for (;;) {
    const one = await as(p, (tx) => applyPaymentEvent(tx, p));
    if (!one) return applied;
    applied.push(one);
  }
}

const ppn = (amount: number, pkp: boolean, rate = 12, num = 11, den = 12) =>
  as(
    null,
    async (tx) =>
      rows(await tx`select astapa.ppn_breakdown(${amount}, ${pkp}, ${rate}, ${num}, ${den}) as split`)[0]
        .split as {
          price_before_tax_idr: number;
          tax_base_idr: number | null;
          ppn_idr: number;
        },
  );

Deno.test("astapa.ppn_breakdown — 12 % of an 11/12 tax base inside the price; whole rupiah that add up", async () => {
  assert.deepEqual(await ppn(111_000, true), {
    price_before_tax_idr: 100_000,
    tax_base_idr: 91_667,
    ppn_idr: 11_000,
  });
  assert.deepEqual(await ppn(99_000, false), {
    price_before_tax_idr: 99_000,
    tax_base_idr: null,
    ppn_idr: 0,
  });
  // Luxury goods: 12 % of the full price.
  assert.deepEqual(await ppn(112_000, true, 12, 1, 1), {
    price_before_tax_idr: 100_000,
    tax_base_idr: 100_000,
    ppn_idr: 12_000,
  });
  for (const amount of [1, 7, 99, 99_000, 149_999, 1_000_000_000_000]) {
    const split = await ppn(amount, true);
    assert.equal(split.price_before_tax_idr + split.ppn_idr, amount, `no rupiah lost on ${amount}`);
    // PPN is 12 % of the tax base, within the rounding of two whole-rupiah values.
    assert.ok(Math.abs(split.ppn_idr - 0.12 * split.tax_base_idr!) <= 1, `ppn of ${amount}`);
  }
});

Deno.test("api.set_tax_settings — merges, validates, null restores the default; audited", async () => {
  const shop = await seedShop(db.sql, { email: "tax@example.com" });
  const p = shop.project.id;
  const initial = await as(p, (tx) => taxSettings(tx, p));
  assert.deepEqual(
    [initial.pkp, initial.ppn_rate, initial.tax_base_numerator, initial.tax_base_denominator],
    [false, 12, 11, 12],
  );
  const set = await as(
    p,
    (tx) => setTaxSettings(tx, p, { pkp: true, seller_npwp: "01.234.567.8-901.234", seller_name: "PT Toko" }),
  );
  assert.equal(set.pkp, true);
  assert.equal(set.seller_npwp, "012345678901234");
  const rate = await as(p, (tx) => setTaxSettings(tx, p, { ppn_rate: 11 }));
  assert.equal(rate.ppn_rate, 11);
  assert.equal(rate.seller_name, "PT Toko", "other settings stay");
  assert.equal((await as(p, (tx) => setTaxSettings(tx, p, { ppn_rate: null }))).ppn_rate, 12);
  const change = (settings: Record<string, unknown>) => as(p, (tx) => setTaxSettings(tx, p, settings));
  await rejectsAs(change({ pkp: "yes" }), "validation_failed", /pkp/);
  await rejectsAs(change({ ppn_rate: 101 }), "validation_failed", /ppn_rate/);
  await rejectsAs(change({ ppn_rate: "12" }), "validation_failed", /ppn_rate/);
  await rejectsAs(change({ tax_base_numerator: 13 }), "validation_failed", /fraction/);
  await rejectsAs(change({ tax_base_denominator: 0 }), "validation_failed", /fraction/);
  await rejectsAs(change({ seller_npwp: "123" }), "validation_failed", /NPWP/);
  await rejectsAs(change({ vat: 1 }), "validation_failed", /Tax settings are/);
  await rejectsAs(change({}), "validation_failed");
  const audit = rows(
    await as(
      p,
      (tx) => tx`select count(*)::int as n from astapa.audit_log where action = 'project.tax_settings'`,
    ),
  );
  assert.equal(audit[0].n, 3);
  // Another project's id is unknown here.
  const other = await seedShop(db.sql, { email: "tax-other@example.com" });
  await rejectsAs(as(other.project.id, (tx) => setTaxSettings(tx, p, { pkp: false })), "not_found");
});

Deno.test("astapa.issue_receipt — every paid payment gets the next number; PKP split, buyer NPWP, snapshot", async () => {
  const shop = await seedShop(db.sql, { email: "buyer@example.com", price: 111_000 });
  const p = shop.project.id;
  await as(p, (tx) => setTaxSettings(tx, p, { pkp: true, seller_address: "Jl. Sudirman 1, Jakarta" }));
  const first = await chargedCheckout(shop, "pr-rc-1");
  await as(
    p,
    (tx) => setCheckoutBuyer(tx, p, first.checkout_id, { name: "PT Pembeli", tax_id: "3171 0123 4567 8901" }),
  );
  const outcomes = await pay(shop, first.checkout_id, "pr-rc-1", 111_000);
  assert.equal(outcomes[0].outcome, "paid", JSON.stringify(outcomes[0]));
  const year = Number(
    new Intl.DateTimeFormat("en", { year: "numeric", timeZone: "Asia/Jakarta" }).format(new Date()),
  );
  const receipt = await as(p, (tx) => getReceipt(tx, p, outcomes[0].receipt_id!));
  assert.ok(receipt);
  assert.equal(receipt.number, `TEST-R-${year}-000001`);
  assert.equal(receipt.sequence, 1);
  assert.deepEqual(
    [receipt.amount, receipt.price_before_tax_idr, receipt.tax_base_idr, receipt.ppn_idr],
    [111_000, 100_000, 91_667, 11_000],
  );
  assert.deepEqual(receipt.buyer, {
    email: "buyer@example.com",
    name: "PT Pembeli",
    tax_id: "3171012345678901",
  });
  assert.equal(receipt.seller.name, "Shop");
  assert.equal(receipt.seller.address, "Jl. Sudirman 1, Jakarta");
  assert.equal(receipt.plan_name, "Pro");
  assert.ok(receipt.period_start && receipt.period_end);
  assert.equal(receipt.discount_idr, null);
  assert.deepEqual(await as(p, (tx) => getReceipt(tx, p, receipt.number)), receipt, "found by number too");
  // The buyer is fixed once receipted; a duplicate callback issues nothing new.
  await rejectsAs(
    as(p, (tx) => setCheckoutBuyer(tx, p, first.checkout_id, { tax_id: "012345678901234" })),
    "conflict",
  );
  assert.deepEqual(await pay(shop, first.checkout_id, "pr-rc-1", 111_000), []);
  // Settings changed later do not alter an issued receipt; the next payment uses them.
  await as(p, (tx) => setTaxSettings(tx, p, { pkp: false }));
  assert.equal((await as(p, (tx) => getReceipt(tx, p, receipt.receipt_id)))?.ppn_idr, 11_000);
  const second = await chargedCheckout(shop, "pr-rc-2");
  const [paid2] = await pay(shop, second.checkout_id, "pr-rc-2", 111_000);
  const receipt2 = await as(p, (tx) => getReceipt(tx, p, paid2.receipt_id!));
  assert.equal(receipt2?.number, `TEST-R-${year}-000002`);
  assert.deepEqual([receipt2?.pkp, receipt2?.ppn_idr, receipt2?.tax_base_idr], [false, 0, null]);
  const listed = await as(p, (tx) => listReceipts(tx, p));
  assert.deepEqual(listed.map((r) => r.sequence), [2, 1]);
  // Bad buyers are refused with the field.
  await rejectsAs(as(p, (tx) => setCheckoutBuyer(tx, p, second.checkout_id, { name: "Late" })), "conflict");
  const third = await chargedCheckout(shop, "pr-rc-4");
  await rejectsAs(
    as(p, (tx) => setCheckoutBuyer(tx, p, third.checkout_id, { tax_id: "12345" })),
    "validation_failed",
    /NPWP/,
  );
  await rejectsAs(
    as(p, (tx) => setCheckoutBuyer(tx, p, third.checkout_id, { name: "x".repeat(201) })),
    "validation_failed",
  );
  await rejectsAs(as(p, (tx) => setCheckoutBuyer(tx, p, "chk_nope", {})), "not_found");
});

Deno.test("astapa.issue_receipt — a second payment of a paid checkout (paid_again) gets its own receipt", async () => {
  const shop = await seedShop(db.sql, { email: "again@example.com" });
  const p = shop.project.id;
  const checkout = await chargedCheckout(shop, "pr-again-1");
  await as(p, (tx) =>
    recordPayment(tx, p, checkout.checkout_id, {
      kind: "payment_request",
      provider_id: "pr-again-2",
      method: "qris",
      details: {},
      expires_at: null,
    }));
  const [one] = await pay(shop, checkout.checkout_id, "pr-again-1", 99_000);
  const [two] = await pay(shop, checkout.checkout_id, "pr-again-2", 99_000);
  assert.deepEqual([one.outcome, two.outcome], ["paid", "paid_again"]);
  const again = await as(p, (tx) => getReceipt(tx, p, two.receipt_id!));
  assert.equal(again?.sequence, 2);
  assert.equal(again?.period_start, null);
});

Deno.test("receipt numbers — many instances paying at once: 1…N, no gap, no duplicate; a rollback returns its number", async () => {
  const shop = await seedShop(db.sql, { email: "race@example.com" });
  const p = shop.project.id;
  const count = 12;
  const checkouts = [];
  for (let i = 0; i < count; i++) {
    const checkout = await chargedCheckout(shop, `pr-race-${i}`);
    await as(p, (tx) =>
      recordPaymentEvent(tx, p, {
        providerId: `pr-race-${i}`,
        status: "SUCCEEDED",
        checkoutId: checkout.checkout_id,
        body: { data: { amount: 99_000, currency: "IDR" } },
      }));
    checkouts.push(checkout);
  }
  // One event is applied and then rolled back: its number must be handed out again.
  await as(p, async (tx) => {
    await tx`savepoint before_apply`;
    const applied = await applyPaymentEvent(tx, p);
    assert.ok(applied?.receipt_id);
    await tx`rollback to savepoint before_apply`;
  });
  const pools = [0, 1, 2].map(() => createPool(db.url, { max: 2 }));
  try {
    await Promise.all(pools.flatMap((pool) =>
      [0, 1].map(async () => {
        for (;;) {
          const applied = await asApp(pool, p, (tx) => applyPaymentEvent(tx, p));
          if (!applied) return;
        }
      })
    ));
  } finally {
    await Promise.all(pools.map((pool) => pool.end()));
  }
  const numbers = rows(
    await as(p, (tx) => tx`select sequence from astapa.receipts where project_id = ${p} order by sequence`),
  ).map((r) => r.sequence);
  assert.deepEqual(numbers, Array.from({ length: count }, (_, i) => i + 1));
  const counter = rows(await as(p, (tx) => tx`select last_sequence from astapa.receipt_counters`));
  assert.deepEqual(counter.map((r) => r.last_sequence), [count]);
});

Deno.test("receipts — policies: a project sees only its own; api.receipt_project only outside a project", async () => {
  const a = await seedShop(db.sql, { email: "owner@example.com" });
  const b = await seedShop(db.sql, { email: "stranger@example.com" });
  const checkout = await chargedCheckout(a, "pr-policy-1");
  const [paid] = await pay(a, checkout.checkout_id, "pr-policy-1", 99_000);
  const id = paid.receipt_id!;
  assert.equal(await as(null, (tx) => receiptProject(tx, id)), a.project.id);
  assert.equal(await as(null, (tx) => receiptProject(tx, "rcp_aaaaaaaaaaaaaaaaaaaaaaaa")), null);
  assert.equal(await as(null, (tx) => receiptProject(tx, "not-an-id")), null);
  await rejectsAs(as(a.project.id, (tx) => receiptProject(tx, id)), "forbidden");
  assert.equal(await as(b.project.id, (tx) => getReceipt(tx, a.project.id, id)), null);
  assert.deepEqual(await as(b.project.id, (tx) => listReceipts(tx, b.project.id)), []);
  assert.deepEqual(rows(await as(null, (tx) => tx`select * from astapa.receipts`)), []);
  assert.deepEqual(rows(await as(b.project.id, (tx) => tx`select * from astapa.tax_settings`)), []);
  // The app role cannot write a receipt for another project, nor change one.
  await rejectsAs(
    as(b.project.id, (tx) => tx`update astapa.receipts set amount = 1`),
    "forbidden",
  );
});

Deno.test("receipt numbers — production has its own sequence: sandbox tests leave no gap in it", async () => {
  const shop = await seedShop(db.sql, { email: "sandbox-first@example.com" });
  const p = shop.project.id;
  const test = await chargedCheckout(shop, "pr-env-1");
  const [sandboxPaid] = await pay(shop, test.checkout_id, "pr-env-1", 99_000);
  await takeLive(db.sql, p);
  const live: Shop = { project: shop.project, userId: await seedUser(db.sql, p, "live-buyer@example.com") };
  const real = await chargedCheckout(live, "pr-env-2");
  const [livePaid] = await pay(live, real.checkout_id, "pr-env-2", 99_000);
  const sandboxReceipt = await as(p, (tx) => getReceipt(tx, p, sandboxPaid.receipt_id!));
  const liveReceipt = await as(p, (tx) => getReceipt(tx, p, livePaid.receipt_id!));
  assert.match(sandboxReceipt!.number, /^TEST-R-\d{4}-000001$/);
  assert.match(liveReceipt!.number, /^R-\d{4}-000001$/, "the first real receipt is number 1");
  assert.deepEqual([sandboxReceipt!.environment, liveReceipt!.environment], ["sandbox", "production"]);
});
