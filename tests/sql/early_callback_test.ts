/**
 * A Xendit callback can beat its payment row (a linked e-wallet is debited right after Xendit answers). The
 * recorder (api.record_payment, api.record_renewal_charge) puts back in line a callback filed as
 * unknown_payment, but its statement cannot see one stored after it began: the worker then waits for the
 * checkout the recorder holds and finds the row once it commits (astapa.apply_payment_event_row).
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import {
  applyPaymentEvent,
  createCheckout,
  getCheckout,
  recordPayment,
  recordPaymentEvent,
} from "@/db/payments.ts";
import { testDatabase } from "../helpers/db.ts";
import { seedShop, type Shop } from "../helpers/payments.ts";
import { waitFor } from "../helpers/wait.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const openCheckout = async (shop: Shop) =>
  (await asApp(
    db.sql,
    shop.project.id,
    (tx) =>
      createCheckout(tx, shop.project.id, { sub: shop.userId, plan: "pro", xendit_account: "simulator" }),
  )).checkout_id;

const recordCharge = (
  shop: Shop,
  tx: Parameters<typeof recordPayment>[0],
  checkoutId: string,
  providerId: string,
) =>
  recordPayment(tx, shop.project.id, checkoutId, {
    kind: "payment_request",
    provider_id: providerId,
    method: "qris",
    details: { qr_string: "000201" },
    expires_at: null,
  });

const callback = (shop: Shop, providerId: string, checkoutId: string) =>
  asApp(db.sql, shop.project.id, (tx) =>
    recordPaymentEvent(tx, shop.project.id, {
      providerId,
      status: "SUCCEEDED",
      checkoutId,
      body: { data: { amount: 99_000, status: "SUCCEEDED" } },
    }));

const apply = (shop: Shop) => asApp(db.sql, shop.project.id, (tx) => applyPaymentEvent(tx, shop.project.id));
const checkoutStatus = async (shop: Shop, checkoutId: string) =>
  (await asApp(db.sql, shop.project.id, (tx) => getCheckout(tx, shop.project.id, checkoutId)))?.status;

/** Sessions of this file's database waiting for a lock. */
const waitingForLocks = async () =>
  (await db.sql`select 1 from pg_catalog.pg_stat_activity
    where datname = current_database() and wait_event_type = 'Lock'`).length > 0;

Deno.test("a callback stored while its payment row is being recorded waits for it, then pays the checkout", async () => {
  const shop = await seedShop(db.sql, { email: "early-during@example.com" });
  const checkoutId = await openCheckout(shop);
  let inRecorder!: () => void;
  const recorderRan = new Promise<void>((resolve) => inRecorder = resolve);
  let release!: () => void;
  const released = new Promise<void>((resolve) => release = resolve);
  // The recorder has run its requeue statement and not committed yet when the callback is stored.
  const recording = asApp(db.sql, shop.project.id, async (tx) => {
    await recordCharge(shop, tx, checkoutId, "pr-early-during");
    inRecorder();
    await released;
  });
  let applying;
  try {
    await recorderRan;
    await callback(shop, "pr-early-during", checkoutId);
    applying = apply(shop);
    await waitFor(waitingForLocks, "the worker to wait for the recorder's checkout");
  } finally {
    release();
    await recording;
  }
  assert.equal((await applying)?.outcome, "paid");
  assert.equal(await checkoutStatus(shop, checkoutId), "paid");
});

Deno.test("a callback filed as unknown_payment before its row was recorded is put back in line and applied", async () => {
  const shop = await seedShop(db.sql, { email: "early-before@example.com" });
  const checkoutId = await openCheckout(shop);
  await callback(shop, "pr-early-before", checkoutId);
  assert.equal((await apply(shop))?.outcome, "unknown_payment");
  await asApp(db.sql, shop.project.id, (tx) => recordCharge(shop, tx, checkoutId, "pr-early-before"));
  assert.equal((await apply(shop))?.outcome, "paid");
  assert.equal(await checkoutStatus(shop, checkoutId), "paid");
});
