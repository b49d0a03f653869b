/**
 * SQL tests for NOTIFY astapa_checkouts (db/api/payments.sql, triggers checkouts_notify_change and
 * payment_events_notify_applied): what an open checkout page and the dashboard's payment feed hear. Each case
 * commits one change, then a marker NOTIFY; notifications arrive in commit order, so what came before the marker
 * is exactly what the change sent (one per checkout: Postgres folds a transaction's identical notifications).
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { expireCheckouts, renewalStep } from "@/db/billing.ts";
import { applyCheckoutCoupon, createCoupon } from "@/db/coupons.ts";
import { cancelPlanChange, changePlan } from "@/db/plan_changes.ts";
import { assignPlan, createPlan } from "@/db/plans.ts";
import { applyPaymentEvent, createCheckout, recordPayment, recordPaymentEvent } from "@/db/payments.ts";
import { setCheckoutBuyer } from "@/db/receipts.ts";
import { deleteUser } from "@/db/user_admin.ts";
import { testDatabase } from "../helpers/db.ts";
import { seedUser } from "../helpers/identity.ts";
import { listenTo } from "../helpers/notify.ts";
import { seedShop, type Shop } from "../helpers/payments.ts";

const db = await testDatabase();
const checkouts = await listenTo(db.sql, "astapa_checkouts");
const heard = checkouts.payloads;
Deno.test.afterAll(async () => {
  await checkouts.unlisten();
  await db.close();
});

const DAY = 86_400_000;
const at = (base: Date, days: number) => new Date(base.getTime() + days * DAY);
const as = <T>(projectId: string | null, work: Parameters<typeof asApp<T>>[2]) =>
  asApp(db.sql, projectId, work);

/** The checkout ids `change` notified, sorted: everything heard before a marker sent after it committed. */
async function noticesOf(change: () => Promise<unknown>): Promise<string[]> {
  const start = await marked(); // what earlier commits sent may still be on its way
  await change();
  return heard.slice(start + 1, await marked()).sort();
}
/** Sends a marker NOTIFY, waits for it and answers where it is in `heard`. */
async function marked(): Promise<number> {
  const marker = `marker-${crypto.randomUUID()}`;
  await db.sql`select pg_notify('astapa_checkouts', ${marker})`;
  await checkouts.heard(`the marker ${marker}`, (payload) => payload === marker);
  return heard.indexOf(marker);
}

const open = (projectId: string, sub: string, extra: { period_start?: string } = {}) =>
  as(
    projectId,
    (tx) => createCheckout(tx, projectId, { sub, plan: "pro", xendit_account: "simulator", ...extra }),
  )
    .then((c) => c.checkout_id);
/** The shop's user on pro, paid from ten days before `now` to twenty after, with the next period's pay link. */
async function paidProWithRenewalLink(shop: Shop, now: Date) {
  const id = shop.project.id;
  const end = at(now, 20);
  await as(id, (tx) =>
    assignPlan(tx, id, shop.userId, "pro", "payment", {
      start: at(now, -10).toISOString(),
      end: end.toISOString(),
    }));
  return { end, renewal: await open(id, shop.userId, { period_start: end.toISOString() }) };
}
const charge = (projectId: string, checkoutId: string, providerId = `pr-${crypto.randomUUID()}`) =>
  as(projectId, (tx) =>
    recordPayment(tx, projectId, checkoutId, {
      kind: "payment_request",
      provider_id: providerId,
      method: "qris",
      details: {},
      expires_at: null,
    })).then(() => providerId);
const callback = (
  projectId: string,
  checkoutId: string,
  providerId: string,
  status: string,
  amount = 99_000,
) =>
  as(projectId, (tx) =>
    recordPaymentEvent(tx, projectId, {
      providerId,
      status,
      checkoutId,
      body: { data: { amount, currency: "IDR", status } },
    }));
const apply = (projectId: string) => as(projectId, (tx) => applyPaymentEvent(tx, projectId));
const sorted = (...ids: string[]) => ids.sort();

Deno.test("astapa_checkouts — api.expire_checkouts names each checkout it expires, once (one with a charge too)", async () => {
  const shop = await seedShop(db.sql, { email: "expire@example.com" });
  const id = shop.project.id;
  const unpaid = await open(id, shop.userId);
  const charged = await open(id, shop.userId);
  await charge(id, charged);
  assert.deepEqual(
    await noticesOf(() => as(id, (tx) => expireCheckouts(tx, id, at(new Date(), 3)))),
    sorted(unpaid, charged),
  );
  assert.deepEqual(await noticesOf(() => as(id, (tx) => expireCheckouts(tx, id, at(new Date(), 3)))), []);
});

Deno.test("astapa_checkouts — a payment: the charge made (pending), failed, made again, paid", async () => {
  const shop = await seedShop(db.sql, { email: "pay@example.com" });
  const id = shop.project.id;
  const checkout = await open(id, shop.userId);
  const first = `pr-${crypto.randomUUID()}`;
  assert.deepEqual(await noticesOf(() => charge(id, checkout, first)), [checkout], "open → pending");
  await callback(id, checkout, first, "FAILED");
  // The checkout stays pending; the page learns its charge failed.
  assert.deepEqual(await noticesOf(() => apply(id)), [checkout], "a failed charge");
  const second = await charge(id, checkout);
  await callback(id, checkout, second, "SUCCEEDED", 1);
  assert.deepEqual(
    await noticesOf(() => apply(id)),
    [checkout],
    "a wrong amount, applied (the feed lists it)",
  );
  await callback(id, checkout, second, "SUCCEEDED");
  assert.deepEqual(await noticesOf(() => apply(id)), [checkout], "paid");
  const status = await as(id, (tx) => tx`select status from astapa.checkouts where public_id = ${checkout}`);
  assert.equal(status[0].status, "paid");
});

Deno.test("astapa_checkouts — erasure names the pay links it expires, not the one with a charge whose buyer it blanks", async () => {
  const shop = await seedShop(db.sql, { email: "erase@example.com" });
  const id = shop.project.id;
  const link = await open(id, shop.userId);
  const charged = await open(id, shop.userId);
  await as(id, (tx) => setCheckoutBuyer(tx, id, charged, { name: "PT Kopi" }));
  await charge(id, charged);
  assert.deepEqual(await noticesOf(() => as(id, (tx) => deleteUser(tx, id, shop.userId))), [link]);
  const left = await as(
    id,
    (tx) => tx`select status, buyer_name from astapa.checkouts where public_id = ${charged}`,
  );
  assert.deepEqual({ ...left[0] }, { status: "pending", buyer_name: null });
});

Deno.test("astapa_checkouts — a plan change names the renewal link it expires; a withdrawn upgrade its checkout", async () => {
  const shop = await seedShop(db.sql, { email: "plans@example.com" });
  const id = shop.project.id;
  await as(id, (tx) => createPlan(tx, id, { key: "basic", name: "Basic", price_idr: 49_000 }));
  const now = new Date();
  // A downgrade is scheduled for the period end: the next period's pro link goes.
  const { renewal } = await paidProWithRenewalLink(shop, now);
  assert.deepEqual(
    await noticesOf(() => as(id, (tx) => changePlan(tx, id, shop.userId, "basic", "simulator", { now }))),
    [renewal],
  );
  // An upgrade withdrawn before it was paid: its checkout expires, and its page is told.
  await as(id, (tx) => createPlan(tx, id, { key: "team", name: "Team", price_idr: 300_000 }));
  await as(id, (tx) => cancelPlanChange(tx, id, shop.userId));
  const upgrade = await as(id, (tx) => changePlan(tx, id, shop.userId, "team", "simulator", { now }));
  const upgradeCheckout = upgrade.checkout!.checkout_id;
  assert.deepEqual(await noticesOf(() => as(id, (tx) => cancelPlanChange(tx, id, shop.userId))), [
    upgradeCheckout,
  ]);
});

Deno.test("astapa_checkouts — a plan that ends unpaid names its renewal link", async () => {
  const shop = await seedShop(db.sql, { email: "unpaid@example.com" });
  const id = shop.project.id;
  const now = new Date();
  const { end, renewal } = await paidProWithRenewalLink(shop, now);
  // Past the grace days: the plan expires, and its renewal link with it.
  const notices = await noticesOf(async () => {
    while (await as(id, (tx) => renewalStep(tx, id, at(end, 30), null)));
  });
  assert.deepEqual(notices, [renewal]);
  const status = await as(id, (tx) => tx`select status from astapa.checkouts where public_id = ${renewal}`);
  assert.equal(status[0].status, "expired");
});

Deno.test("astapa_checkouts — a coupon moved to another checkout names both (the one left behind pays the list price)", async () => {
  const shop = await seedShop(db.sql, { email: "coupon@example.com" });
  const id = shop.project.id;
  await as(id, (tx) => createCoupon(tx, id, { code: "HEMAT", percent_off: 10 }));
  const first = await open(id, shop.userId);
  assert.deepEqual(await noticesOf(() => as(id, (tx) => applyCheckoutCoupon(tx, id, first, "HEMAT"))), [
    first,
  ]);
  const second = await open(id, shop.userId);
  assert.deepEqual(
    await noticesOf(() => as(id, (tx) => applyCheckoutCoupon(tx, id, second, "HEMAT"))),
    sorted(first, second),
  );
  const amounts = await as(
    id,
    (tx) => tx`select public_id, amount from astapa.checkouts where public_id in (${first}, ${second})`,
  );
  assert.deepEqual(Object.fromEntries(amounts.map((r) => [r.public_id, Number(r.amount)])), {
    [first]: 99_000,
    [second]: 89_100,
  });
});

Deno.test("astapa_checkouts — an update of nothing a listener shows is silent; an operator's status change is not", async () => {
  const shop = await seedShop(db.sql, { email: "quiet@example.com" });
  const id = shop.project.id;
  const checkout = await open(id, shop.userId);
  assert.deepEqual(
    await noticesOf(() => as(id, (tx) => setCheckoutBuyer(tx, id, checkout, { name: "Ayu" }))),
    [],
  );
  assert.deepEqual(
    await noticesOf(() =>
      db.sql`update astapa.checkouts set status = status, updated_at = now()
                                 where public_id = ${checkout}`
    ),
    [],
  );
  const other = await seedUser(db.sql, id, "other@example.com");
  assert.deepEqual(await noticesOf(() => open(id, other)), [], "a new checkout: no page watches it yet");
  assert.deepEqual(
    await noticesOf(() =>
      db.sql`update astapa.checkouts set status = 'expired' where public_id = ${checkout}`
    ),
    [checkout],
  );
});

Deno.test("astapa.notify_checkout_changed — any write to status, amount or coupon names the checkout, others do not; an applied callback names its checkout", async () => {
  const shop = await seedShop(db.sql, { email: "trigger@example.com" });
  const id = shop.project.id;
  const checkout = await open(id, shop.userId);
  // Writes by hand, as an operator's would be: the trigger does not depend on which function wrote.
  assert.deepEqual(
    await noticesOf(() =>
      db.sql`update astapa.checkouts set amount = amount - 1 where public_id = ${checkout}`
    ),
    [checkout],
  );
  assert.deepEqual(
    await noticesOf(() =>
      db.sql`update astapa.checkouts set success_url = 'https://shop.example/done' where public_id = ${checkout}`
    ),
    [],
    "a change of another column is not heard",
  );
  assert.deepEqual(
    await noticesOf(() => db.sql`update astapa.checkouts set amount = amount where public_id = ${checkout}`),
    [],
    "nor an update that changes nothing",
  );
  const [event] = await db.sql`
    insert into astapa.payment_events (project_id, provider_id, provider_status, checkout_public_id, body)
    values (${id}, 'pr-trigger-unknown', 'FAILED', ${checkout}, '{}') returning id`;
  assert.deepEqual(
    await noticesOf(() => as(id, (tx) => applyPaymentEvent(tx, id))),
    [checkout],
    `the applied event ${event.id} (an unknown payment, the checkout unchanged) is heard`,
  );
});
