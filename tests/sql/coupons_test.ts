/**
 * SQL tests for coupons (db/api/coupons.sql and the coupon parts of payments.sql): creating and disabling
 * them, redeeming one on a checkout (each refusal), the limit under concurrent checkouts, paying the
 * discounted amount (and refusing any other), carrying repeating and forever coupons onto renewals, RLS.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { renewalStep } from "@/db/billing.ts";
import {
  applyCheckoutCoupon,
  createCoupon,
  getCoupon,
  listCoupons,
  type NewCoupon,
  setCouponDisabled,
} from "@/db/coupons.ts";
import { assignPlan, createPlan } from "@/db/plans.ts";
import { applyPaymentEvent, createCheckout, recordPayment, recordPaymentEvent } from "@/db/payments.ts";
import { rows, testDatabase } from "../helpers/db.ts";
import { rejectsAs, seedUser } from "../helpers/identity.ts";
import { seedShop } from "../helpers/payments.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const DAY = 86_400_000;
const as = <T>(projectId: string | null, work: Parameters<typeof asApp<T>>[2]) =>
  asApp(db.sql, projectId, work);

async function shopWith(coupon: NewCoupon) {
  const shop = await seedShop(db.sql, { email: "owner@example.com" });
  await as(shop.project.id, (tx) => createCoupon(tx, shop.project.id, coupon));
  return shop;
}
const open = (projectId: string, sub: string, extra: { coupon?: string; period_start?: string } = {}) =>
  as(
    projectId,
    (tx) => createCheckout(tx, projectId, { sub, plan: "pro", xendit_account: "simulator", ...extra }),
  );

async function pay(projectId: string, checkoutId: string, amount: number) {
  await as(projectId, async (tx) => {
    await recordPayment(tx, projectId, checkoutId, {
      kind: "payment_request",
      provider_id: `pr-${checkoutId}`,
      method: "qris",
      details: { qr_string: "000201" },
      expires_at: null,
    });
    await recordPaymentEvent(tx, projectId, {
      providerId: `pr-${checkoutId}`,
      status: "SUCCEEDED",
      checkoutId,
      body: { data: { amount, currency: "IDR" } },
    });
  });
  const outcomes = [];
  for (let e; (e = await as(projectId, (tx) => applyPaymentEvent(tx, projectId)));) outcomes.push(e.outcome);
  return outcomes;
}

Deno.test("api.create_coupon — stores it upper-case; each bad field named; the code once", async () => {
  const shop = await seedShop(db.sql);
  const id = shop.project.id;
  const created = await as(id, (tx) =>
    createCoupon(tx, id, {
      code: "launch20",
      percent_off: 20,
      duration: "repeating",
      duration_periods: 3,
      max_redemptions: 100,
      plans: ["pro"],
      expires_at: "2099-01-01T00:00:00Z",
    }));
  assert.equal(created.code, "LAUNCH20");
  assert.equal(created.percent_off, 20);
  assert.equal(created.duration_periods, 3);
  assert.deepEqual(created.plans, ["pro"]);
  assert.equal(created.redemptions, 0);
  await rejectsAs(as(id, (tx) => createCoupon(tx, id, { code: "LAUNCH20", amount_off_idr: 1 })), "conflict");
  for (
    const [bad, field] of [
      [{ code: "X", percent_off: 10 }, "code"],
      [{ code: "BOTH", percent_off: 10, amount_off_idr: 5 }, "percent_off"],
      [{ code: "PCT", percent_off: 100 }, "percent_off"],
      [{ code: "REP", percent_off: 10, duration: "repeating" }, "duration_periods"],
      [{ code: "PLAN", percent_off: 10, plans: ["gold"] }, "plans"],
      [{ code: "WHEN", percent_off: 10, expires_at: "tomorrow" }, "expires_at"],
    ] as [NewCoupon, string][]
  ) {
    const error = await as(id, (tx) => createCoupon(tx, id, bad)).catch((e) => e);
    assert.match(String(error.detail), new RegExp(`"${field}"`), JSON.stringify(bad));
  }
  const listed = await as(id, (tx) => listCoupons(tx, id));
  assert.deepEqual(listed.map((c) => c.code), ["LAUNCH20"]);
});

Deno.test("api.apply_checkout_coupon — percent rounds the discount down; fixed IDR; receipts see both", async () => {
  const shop = await shopWith({ code: "TWENTY", percent_off: 33 });
  const id = shop.project.id;
  await as(id, (tx) => createCoupon(tx, id, { code: "MINUS5K", amount_off_idr: 5_000 }));
  const checkout = await open(id, shop.userId);
  const discounted = await as(id, (tx) => applyCheckoutCoupon(tx, id, checkout.checkout_id, " twenty "));
  // 33 % of 99,000 is 32,670 exactly; the customer pays the rest.
  assert.equal(discounted.discount_idr, 32_670);
  assert.equal(discounted.amount, 66_330);
  assert.equal(discounted.coupon_code, "TWENTY");
  // Another coupon replaces it (from the list price) and releases the first redemption.
  const fixed = await as(id, (tx) => applyCheckoutCoupon(tx, id, checkout.checkout_id, "MINUS5K"));
  assert.equal(fixed.amount, 94_000);
  assert.equal(fixed.discount_idr, 5_000);
  const twenty = await as(id, (tx) => getCoupon(tx, id, "twenty"));
  assert.equal(twenty.redemptions, 0);
  const minus = await as(id, (tx) => getCoupon(tx, id, "MINUS5K"));
  assert.equal(minus.redemption_list[0].checkout_id, checkout.checkout_id);
  assert.equal(minus.redemption_list[0].checkout_status, "open");
});

Deno.test("api.apply_checkout_coupon — refused: unknown, disabled, expired, other plan, too large, charged", async () => {
  const shop = await shopWith({ code: "GONE", percent_off: 10, expires_at: "2020-01-01T00:00:00Z" });
  const id = shop.project.id;
  await as(id, (tx) => createPlan(tx, id, { key: "team", name: "Team", price_idr: 300_000 }));
  await as(id, (tx) => createCoupon(tx, id, { code: "TEAMONLY", percent_off: 10, plans: ["team"] }));
  await as(id, (tx) => createCoupon(tx, id, { code: "HUGE", amount_off_idr: 99_000 }));
  await as(id, (tx) => createCoupon(tx, id, { code: "OFF", percent_off: 10 }));
  await as(id, (tx) => setCouponDisabled(tx, id, "off", true));
  const checkout = await open(id, shop.userId);
  const apply = (code: string) => as(id, (tx) => applyCheckoutCoupon(tx, id, checkout.checkout_id, code));
  await rejectsAs(apply("NOPE"), "validation_failed", /no such coupon/);
  await rejectsAs(apply("OFF"), "validation_failed", /no longer valid/);
  await rejectsAs(apply("GONE"), "validation_failed", /expired/);
  await rejectsAs(apply("TEAMONLY"), "validation_failed", /not valid for this plan/);
  await rejectsAs(apply("HUGE"), "validation_failed", /cannot make a payment free/);
  await rejectsAs(apply(""), "validation_failed");
  await rejectsAs(as(id, (tx) => applyCheckoutCoupon(tx, id, "chk_nope", "OFF")), "not_found");
  await as(id, (tx) => setCouponDisabled(tx, id, "OFF", false));
  await as(id, (tx) =>
    recordPayment(tx, id, checkout.checkout_id, {
      kind: "payment_request",
      provider_id: "pr-charged",
      method: "qris",
      details: {},
      expires_at: null,
    }));
  await rejectsAs(apply("OFF"), "conflict", /before a payment method/);
  await rejectsAs(as(id, (tx) => setCouponDisabled(tx, id, "MISSING", true)), "not_found");
  const state = await as(
    id,
    async (tx) => (await tx`select amount::int, discount_idr::int, coupon_code from astapa.checkouts`)[0],
  );
  assert.deepEqual({ ...state }, { amount: 99_000, discount_idr: 0, coupon_code: null }, "nothing changed");
});

Deno.test("coupons — max_redemptions under concurrent checkouts: exactly the limit, the rest 409", async () => {
  const shop = await shopWith({ code: "FIRST3", percent_off: 50, max_redemptions: 3 });
  const id = shop.project.id;
  const users = await Promise.all(
    Array.from({ length: 8 }, (_, i) => seedUser(db.sql, id, `racer${i}@example.com`)),
  );
  const checkouts = await Promise.all(users.map((sub) => open(id, sub)));
  const results = await Promise.allSettled(
    checkouts.map((k) => as(id, (tx) => applyCheckoutCoupon(tx, id, k.checkout_id, "FIRST3"))),
  );
  assert.equal(results.filter((r) => r.status === "fulfilled").length, 3);
  for (const r of results.filter((r) => r.status === "rejected") as PromiseRejectedResult[]) {
    await rejectsAs(Promise.reject(r.reason), "conflict", /used up/);
  }
  const counted = await as(
    id,
    async (tx) =>
      (await tx`select (select count(*) from astapa.coupon_redemptions)::int as redemptions,
                     (select count(*) from astapa.checkouts where coupon_code = 'FIRST3')::int as discounted,
                     (select count(*) from astapa.checkouts where coupon_code is null and amount = 99000)::int as full`)[
        0
      ],
  );
  assert.deepEqual({ ...counted }, { redemptions: 3, discounted: 3, full: 5 });
  // An unpaid checkout that expires frees its slot.
  await as(id, (tx) =>
    tx`update astapa.checkouts set status = 'expired' where coupon_code = 'FIRST3'
                         and id = (select min(id) from astapa.checkouts where coupon_code = 'FIRST3')`);
  const late = results.findIndex((r) => r.status === "rejected");
  const freed = await as(id, (tx) => applyCheckoutCoupon(tx, id, checkouts[late].checkout_id, "FIRST3"));
  assert.equal(freed.amount, 49_500);
});

Deno.test("coupons — through create_checkout; the discounted amount pays, the list price is a mismatch", async () => {
  const shop = await shopWith({ code: "HALF", percent_off: 50 });
  const id = shop.project.id;
  const checkout = await open(id, shop.userId, { coupon: "half" });
  assert.equal(checkout.amount, 49_500);
  assert.deepEqual(await pay(id, checkout.checkout_id, 99_000), ["amount_mismatch"]);
  const wrong = await as(
    id,
    async (tx) =>
      (await tx`select c.status, (select count(*) from astapa.subscriptions s where s.plan_key = 'pro')::int as pro
              from astapa.checkouts c`)[0],
  );
  assert.deepEqual({ ...wrong }, { status: "pending", pro: 0 }, "a wrong amount changes nothing");
  // That charge still waits (it may yet be paid 49,500): the coupon stays on it until it fails.
  await rejectsAs(open(id, shop.userId, { coupon: "HALF" }), "conflict", /waits to be paid/);
  await as(id, (tx) =>
    recordPaymentEvent(tx, id, {
      providerId: `pr-${checkout.checkout_id}`,
      status: "FAILED",
      checkoutId: checkout.checkout_id,
      body: { data: { amount: 49_500, currency: "IDR" } },
    }));
  assert.deepEqual(await as(id, (tx) => applyPaymentEvent(tx, id)).then((e) => e?.outcome), "failed");
  const second = await open(id, shop.userId, { coupon: "HALF" });
  assert.deepEqual(await pay(id, second.checkout_id, 49_500), ["paid"]);
  // The user has used HALF: a third checkout cannot redeem it again.
  await rejectsAs(open(id, shop.userId, { coupon: "HALF" }), "conflict", /already been used/);
  const ledger = await as(
    id,
    async (tx) =>
      (await tx`select sum(y.amount)::int as paid, sum(k.discount_idr)::int as discounts
              from astapa.payments y join astapa.checkouts k on k.project_id = y.project_id and k.id = y.checkout_id
              where y.status = 'paid'`)[0],
  );
  assert.deepEqual({ ...ledger }, { paid: 49_500, discounts: 49_500 });
});

Deno.test("api.record_payment — a charge made for another amount than the checkout's now is refused", async () => {
  const shop = await shopWith({ code: "TEN", percent_off: 10 });
  const id = shop.project.id;
  const checkout = await open(id, shop.userId);
  await as(id, (tx) => applyCheckoutCoupon(tx, id, checkout.checkout_id, "TEN"));
  await rejectsAs(
    as(id, (tx) =>
      recordPayment(tx, id, checkout.checkout_id, {
        kind: "payment_request",
        provider_id: "pr-stale",
        method: "qris",
        details: {},
        expires_at: null,
        amount: 99_000,
      })),
    "conflict",
    /amount changed/,
  );
  const charges = await as(id, async (tx) => rows(await tx`select id from astapa.payments`));
  assert.equal(charges.length, 0);
});

Deno.test("coupons — renewals carry a repeating coupon for its periods, a forever one always", async () => {
  const shop = await shopWith({
    code: "TWOMONTHS",
    percent_off: 10,
    duration: "repeating",
    duration_periods: 2,
  });
  const id = shop.project.id;
  await as(id, (tx) => createCoupon(tx, id, { code: "ONCE", percent_off: 10 }));
  await as(id, (tx) => createCoupon(tx, id, { code: "ALWAYS", amount_off_idr: 9_000, duration: "forever" }));
  const first = await open(id, shop.userId, { coupon: "TWOMONTHS" });
  await pay(id, first.checkout_id, first.amount);
  const renewals: number[] = [];
  for (let period = 0; period < 3; period++) {
    const sub = await as(
      id,
      async (tx) => (await tx`select paid_through from astapa.subscriptions where ended_at is null`)[0],
    );
    const paidThrough = new Date(sub.paid_through);
    const step = await as(
      id,
      (tx) => renewalStep(tx, id, new Date(paidThrough.getTime() - DAY), "simulator"),
    );
    renewals.push(step!.checkout!.amount);
    await pay(id, step!.checkout!.checkout_id, step!.checkout!.amount);
  }
  assert.deepEqual(renewals, [89_100, 99_000, 99_000], "two periods in all: the first and one renewal");

  const forever = await seedUser(db.sql, id, "forever@example.com");
  const once = await seedUser(db.sql, id, "once@example.com");
  for (const [sub, code] of [[forever, "ALWAYS"], [once, "ONCE"]]) {
    const k = await open(id, sub, { coupon: code });
    await pay(id, k.checkout_id, k.amount);
  }
  const amounts = [];
  for (const sub of [forever, once]) {
    const start = new Date(Date.now() + 40 * DAY).toISOString();
    amounts.push((await open(id, sub, { period_start: start })).amount);
  }
  assert.deepEqual(amounts, [90_000, 99_000]);
  // A plan assigned without any coupon renews at the list price.
  const plain = await seedUser(db.sql, id, "plain@example.com");
  await as(id, (tx) => assignPlan(tx, id, plain, "pro", "dashboard"));
  assert.equal((await open(id, plain, { period_start: new Date().toISOString() })).amount, 99_000);
});

Deno.test("coupons — RLS: a project sees and changes only its own coupons and redemptions", async () => {
  const a = await shopWith({ code: "MINE", percent_off: 10 });
  const b = await seedShop(db.sql);
  const k = await open(a.project.id, a.userId, { coupon: "MINE" });
  assert.equal(k.coupon_code, "MINE");
  const seen = await as(
    b.project.id,
    async (tx) =>
      (await tx`select (select count(*) from astapa.coupons)::int as coupons,
                     (select count(*) from astapa.coupon_redemptions)::int as redemptions`)[0],
  );
  assert.deepEqual({ ...seen }, { coupons: 0, redemptions: 0 });
  await rejectsAs(as(b.project.id, (tx) => getCoupon(tx, b.project.id, "MINE")), "not_found");
  await rejectsAs(as(b.project.id, (tx) => setCouponDisabled(tx, b.project.id, "MINE", true)), "not_found");
  await rejectsAs(open(b.project.id, b.userId, { coupon: "MINE" }), "validation_failed", /no such coupon/);
  const none = await as(null, async (tx) => rows(await tx`select * from astapa.coupons`));
  assert.equal(none.length, 0);
});

Deno.test("coupons — moved to a second checkout, it leaves the first at list price: used once, paid once", async () => {
  const shop = await shopWith({ code: "ONCE", percent_off: 50, max_redemptions: 1 });
  const id = shop.project.id;
  const first = await open(id, shop.userId, { coupon: "ONCE" });
  const second = await open(id, shop.userId);
  const moved = await as(id, (tx) => applyCheckoutCoupon(tx, id, second.checkout_id, "ONCE"));
  assert.equal(moved.amount, 49_500);
  const left = await as(
    id,
    async (tx) =>
      (await tx`select amount::int, coupon_code, discount_idr::int from astapa.checkouts
              where public_id = ${first.checkout_id}`)[0],
  );
  assert.deepEqual({ ...left }, { amount: 99_000, coupon_code: null, discount_idr: 0 });
  // The first checkout's discounted amount no longer pays it: the coupon buys one discounted period, not two.
  assert.deepEqual(await pay(id, first.checkout_id, 49_500), ["amount_mismatch"]);
  assert.deepEqual(await pay(id, second.checkout_id, 49_500), ["paid"]);
  const discounted = await as(
    id,
    async (tx) =>
      (await tx`select count(*)::int as n from astapa.payments y join astapa.checkouts k
                on k.project_id = y.project_id and k.id = y.checkout_id
              where y.status = 'paid' and k.discount_idr > 0`)[0].n,
  );
  assert.equal(discounted, 1);
});

Deno.test("coupons — not moved off a checkout whose discounted charge still waits to be paid", async () => {
  const shop = await shopWith({ code: "WAIT", percent_off: 50 });
  const id = shop.project.id;
  const first = await open(id, shop.userId, { coupon: "WAIT" });
  await as(id, (tx) =>
    recordPayment(tx, id, first.checkout_id, {
      kind: "payment_request",
      provider_id: `pr-${first.checkout_id}`,
      method: "qris",
      details: { qr_string: "000201" },
      expires_at: null,
    }));
  const second = await open(id, shop.userId);
  await rejectsAs(
    as(id, (tx) => applyCheckoutCoupon(tx, id, second.checkout_id, "WAIT")),
    "conflict",
    /waits to be paid/,
  );
  const amounts = await as(
    id,
    async (tx) =>
      rows(await tx`select public_id, amount::int, coupon_code from astapa.checkouts order by id`),
  );
  assert.deepEqual(amounts.map((r) => [r.amount, r.coupon_code]), [[49_500, "WAIT"], [99_000, null]]);
});

/** One api.* call as the app role for `projectId`, its single value returned. */
const call = <T = Record<string, unknown>>(
  projectId: string,
  query: (tx: Parameters<Parameters<typeof asApp>[2]>[0]) => Promise<readonly { result: unknown }[]>,
) => as(projectId, async (tx) => (await query(tx))[0]?.result as T);

Deno.test("api.list_coupons, api.get_coupon — newest first with counts; one coupon in any case with its redemptions; AS404", async () => {
  const shop = await shopWith({ code: "FIRST", percent_off: 10 });
  const id = shop.project.id;
  await as(id, (tx) => createCoupon(tx, id, { code: "SECOND", amount_off_idr: 5_000, max_redemptions: 3 }));
  const other = await shopWith({ code: "THEIRS", percent_off: 20 });
  const k = await open(id, shop.userId, { coupon: "FIRST" });
  await pay(id, k.checkout_id, k.amount);

  const listed = await call<Record<string, unknown>[]>(
    id,
    (tx) => tx`select api.list_coupons(${id}) as result`,
  );
  assert.deepEqual(
    listed.map((
      c,
    ) => [c.code, c.percent_off, c.amount_off_idr, c.redemptions, c.paid_redemptions, c.disabled]),
    [["SECOND", null, 5_000, 0, 0, false], ["FIRST", 10, null, 1, 1, false]],
    "newest first; another project's coupon is not listed",
  );
  await rejectsAs(call(id, (tx) => tx`select api.list_coupons(${other.project.id}) as result`), "not_found");

  const first = await call<Record<string, unknown>>(
    id,
    (tx) => tx`select api.get_coupon(${id}, 'first') as result`,
  );
  assert.deepEqual({ ...first, redemption_list: undefined }, { ...listed[1], redemption_list: undefined });
  const [redemption] = first.redemption_list as Record<string, unknown>[];
  assert.deepEqual({ ...redemption, redeemed_at: typeof redemption.redeemed_at }, {
    sub: shop.userId,
    email: "owner@example.com",
    checkout_id: k.checkout_id,
    checkout_status: "paid",
    plan: "pro",
    discount_idr: 9_900,
    amount: 89_100,
    redeemed_at: "string",
  });
  assert.deepEqual(
    (await call<Record<string, unknown>>(id, (tx) => tx`select api.get_coupon(${id}, 'SECOND') as result`))
      .redemption_list,
    [],
  );
  await rejectsAs(call(id, (tx) => tx`select api.get_coupon(${id}, 'NOPE') as result`), "not_found", /NOPE/);
  await rejectsAs(call(id, (tx) => tx`select api.get_coupon(${id}, 'THEIRS') as result`), "not_found");
  await rejectsAs(
    call(id, (tx) => tx`select api.get_coupon(${other.project.id}, 'THEIRS') as result`),
    "not_found",
  );
});

Deno.test("api.set_coupon_disabled — disables (keeping the first time), enables, audits; null is AS400; AS404; another project's untouched", async () => {
  const shop = await shopWith({ code: "TOGGLE", percent_off: 10 });
  const id = shop.project.id;
  const other = await shopWith({ code: "TOGGLE", percent_off: 10 });
  const set = (code: string, disabled: boolean | null, projectId = id) =>
    call<Record<string, unknown>>(
      id,
      (tx) => tx`select api.set_coupon_disabled(${projectId}, ${code}, ${disabled}) as result`,
    );

  const disabled = await set("toggle", true);
  assert.deepEqual([disabled.code, disabled.disabled, typeof disabled.disabled_at], [
    "TOGGLE",
    true,
    "string",
  ]);
  assert.equal((await set("TOGGLE", true)).disabled_at, disabled.disabled_at, "disabling again keeps when");
  await rejectsAs(open(id, shop.userId, { coupon: "TOGGLE" }), "validation_failed");
  const enabled = await set("TOGGLE", false);
  assert.deepEqual([enabled.disabled, enabled.disabled_at], [false, null]);
  assert.equal((await open(id, shop.userId, { coupon: "TOGGLE" })).coupon_code, "TOGGLE");
  const audits = await db.sql`
    select action, target from astapa.audit_log where project_id = ${id} and target = 'coupon:TOGGLE'
      and action <> 'coupon.create' order by id`;
  assert.deepEqual(audits.map((a) => a.action), ["coupon.disable", "coupon.disable", "coupon.enable"]);

  await rejectsAs(set("TOGGLE", null), "validation_failed", /true or false/);
  await rejectsAs(set("NOPE", true), "not_found", /NOPE/);
  await rejectsAs(set("TOGGLE", true, other.project.id), "not_found");
  const [theirs] = await db.sql`
    select disabled_at from astapa.coupons where project_id = ${other.project.id} and code = 'TOGGLE'`;
  assert.equal(theirs.disabled_at, null, "another project's coupon of the same code is unchanged");
});

Deno.test("astapa.carry_coupon — a paid forever coupon discounts a later checkout without a new redemption; a once coupon does not", async () => {
  const shop = await shopWith({ code: "ALWAYS", amount_off_idr: 9_000, duration: "forever" });
  const id = shop.project.id;
  await as(id, (tx) => createCoupon(tx, id, { code: "ONCE", percent_off: 10 }));
  const once = await seedUser(db.sql, id, "once@example.com");
  for (const [sub, code] of [[shop.userId, "ALWAYS"], [once, "ONCE"]]) {
    const k = await open(id, sub, { coupon: code });
    await pay(id, k.checkout_id, k.amount);
  }
  const carried = async (sub: string) => {
    const k = await open(id, sub);
    assert.equal(k.amount, 99_000, "a checkout that is no renewal carries nothing itself");
    return rows(
      await as(id, (tx) =>
        tx`select (c).amount::int, (c).coupon_code, (c).discount_idr::int
           from (select astapa.carry_coupon(k) as c from astapa.checkouts k where k.public_id = ${k.checkout_id}) x`),
    )[0];
  };
  assert.deepEqual(await carried(shop.userId), {
    amount: 90_000,
    coupon_code: "ALWAYS",
    discount_idr: 9_000,
  });
  assert.deepEqual(await carried(once), { amount: 99_000, coupon_code: null, discount_idr: 0 });
  const [counted] = await db.sql`
    select count(*)::int as n from astapa.coupon_redemptions where project_id = ${id} and coupon_code = 'ALWAYS'`;
  assert.equal(counted.n, 1, "carried, not redeemed again");
});

Deno.test("api.get_checkout — a checkout by its public id as the API shows it; null for an unknown or another project's", async () => {
  const shop = await shopWith({ code: "TEN", percent_off: 10 });
  const id = shop.project.id;
  const other = await seedShop(db.sql);
  const k = await open(id, shop.userId, { coupon: "TEN" });
  const theirs = await open(other.project.id, other.userId);
  const got = await call<Record<string, unknown>>(
    id,
    (tx) => tx`select api.get_checkout(${id}, ${k.checkout_id}) as result`,
  );
  assert.deepEqual(got, k, "the same shape create_checkout answered");
  assert.deepEqual(
    [got.sub, got.plan, got.plan_name, got.amount, got.status, got.coupon_code],
    [shop.userId, "pro", "Pro", 89_100, "open", "TEN"],
  );
  assert.equal(await call(id, (tx) => tx`select api.get_checkout(${id}, 'chk_unknown') as result`), null);
  assert.equal(
    await call(id, (tx) => tx`select api.get_checkout(${id}, ${theirs.checkout_id}) as result`),
    null,
  );
  assert.equal(
    await call(id, (tx) => tx`select api.get_checkout(${other.project.id}, ${theirs.checkout_id}) as result`),
    null,
    "another project's checkout is not visible",
  );
});
