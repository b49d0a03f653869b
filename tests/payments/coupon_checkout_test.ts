/**
 * Coupons through HTTP (issue 23): the Platform API creates, lists, reads and disables them; a checkout opened
 * with `coupon` charges the discounted amount through the simulator and the plan is paid; the hosted checkout's
 * coupon field (JSON, and forms with their CSRF token) discounts an open checkout and words refusals.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { currentSubscription } from "@/db/plans.ts";
import { basic } from "../helpers/oauth.ts";
import { seedShop } from "../helpers/payments.ts";
import { waitFor } from "../helpers/wait.ts";
import { postJson } from "../helpers/token_client.ts";
import { csrfOf } from "../helpers/csrf.ts";
import { paymentsTestApp } from "../helpers/payments_app.ts";

const t = await paymentsTestApp();

type Shop = Awaited<ReturnType<typeof seedShop>>;
const auth = (shop: Shop) => ({ authorization: basic(shop.project.clientId, shop.project.secret) });

async function api(shop: Shop, method: string, path: string, body?: unknown) {
  const res = await t.app.request(path, {
    method,
    headers: { ...auth(shop), ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { res, body: await res.json() };
}

Deno.test("coupons API — create, list, read with redemptions, disable; bad input named; 404 elsewhere", async () => {
  const shop = await seedShop(t.db.sql, { email: "owner@example.com" });
  const other = await seedShop(t.db.sql, { email: "other@example.com" });
  const created = await api(shop, "POST", "/api/platform/coupons", {
    code: "launch",
    percent_off: 25,
    max_redemptions: 10,
    plans: ["pro"],
  });
  assert.equal(created.res.status, 201, JSON.stringify(created.body));
  assert.equal(created.body.code, "LAUNCH");
  const duplicate = await api(shop, "POST", "/api/platform/coupons", { code: "LAUNCH", percent_off: 5 });
  assert.equal(duplicate.res.status, 409);
  const bad = await api(shop, "POST", "/api/platform/coupons", { code: "x", percent_off: 150 });
  assert.equal(bad.res.status, 400);
  assert.ok(bad.body.fields.code && bad.body.fields.percent_off, JSON.stringify(bad.body));
  const listed = await api(shop, "GET", "/api/platform/coupons");
  assert.deepEqual(listed.body.coupons.map((c: { code: string }) => c.code), ["LAUNCH"]);
  const read = await api(shop, "GET", "/api/platform/coupons/launch");
  assert.equal(read.res.status, 200);
  assert.deepEqual(read.body.redemption_list, []);
  const disabled = await api(shop, "PATCH", "/api/platform/coupons/LAUNCH", { disabled: true });
  assert.equal(disabled.body.disabled, true);
  assert.equal((await api(other, "GET", "/api/platform/coupons/LAUNCH")).res.status, 404);
  assert.equal(
    (await api(other, "PATCH", "/api/platform/coupons/LAUNCH", { disabled: false })).res.status,
    404,
  );
  assert.equal((await api(shop, "GET", "/api/platform/coupons/no%20such")).res.status, 404);
});

Deno.test("checkout API with a coupon — the simulator charges the discounted amount; the plan is paid", async () => {
  const shop = await seedShop(t.db.sql, { email: "buyer@example.com" });
  await api(shop, "POST", "/api/platform/coupons", { code: "HALF", percent_off: 50 });
  const { res, body } = await postJson(t, "/api/platform/checkout", {
    user: shop.userId,
    plan: "pro",
    method: "qris",
    coupon: "half",
  }, auth(shop));
  assert.equal(res.status, 201, JSON.stringify(body));
  assert.equal(body.amount, 49_500);
  assert.equal(body.discount_idr, 49_500);
  assert.equal(body.coupon_code, "HALF");
  const pr = [...t.deps.xenditSandbox.paymentRequests.values()].find((p) =>
    p.referenceId === body.checkout_id
  )!;
  assert.equal(pr.amount, 49_500, "Xendit is asked for the discounted amount");
  await t.deps.xenditSandbox.settle(pr.id, "pay");
  await waitFor(async () => {
    const state = await asApp(
      t.db.sql,
      shop.project.id,
      (tx) => currentSubscription(tx, shop.project.id, shop.userId),
    );
    return state.subscription?.source === "payment" || undefined;
  }, "the discounted payment to apply");
  const read = await api(shop, "GET", "/api/platform/coupons/HALF");
  assert.equal(read.body.paid_redemptions, 1);
  assert.equal(read.body.redemption_list[0].checkout_status, "paid");
  const refused = await postJson(t, "/api/platform/checkout", {
    user: shop.userId,
    plan: "pro",
    coupon: "nope",
  }, auth(shop));
  assert.equal(refused.res.status, 400);
  assert.ok(refused.body.fields.coupon);
});

Deno.test("hosted checkout coupon field — JSON discounts; forms need the CSRF token and word refusals", async () => {
  const shop = await seedShop(t.db.sql, { email: "page@example.com" });
  await api(shop, "POST", "/api/platform/coupons", { code: "PAGE10", amount_off_idr: 10_000 });
  const opened = await postJson(t, "/api/platform/checkout", { user: shop.userId, plan: "pro" }, auth(shop));
  const path = `/billing/checkout/${opened.body.checkout_id}`;
  const page = await t.app.request(path);
  const html = await page.text();
  assert.match(html, /action="[^"]*\/coupon\?lang=en"/);
  const csrf = csrfOf(html);
  const cookie = page.headers.get("set-cookie")!.split(";")[0];
  const forged = await t.app.request(`${path}/coupon`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: "coupon=PAGE10",
  });
  assert.equal(forged.status, 403);
  const wrong = await t.app.request(`${path}/coupon`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie },
    body: new URLSearchParams({ csrf, coupon: "WRONG" }).toString(),
  });
  assert.equal(wrong.status, 303);
  assert.equal(wrong.headers.get("location"), `${path}?coupon_error=invalid&lang=en`);
  const worded = await (await t.app.request(`${path}?coupon_error=invalid&lang=id`)).text();
  assert.match(worded, /Kupon ini tidak bisa dipakai/);
  const applied = await t.app.request(`${path}/coupon`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ coupon: "page10" }),
  });
  assert.equal(applied.status, 200);
  const body = await applied.json();
  assert.equal(body.amount, 89_000);
  const shown = await (await t.app.request(path)).text();
  assert.match(shown, /PAGE10/);
  assert.match(shown, /89\.000/);
});

Deno.test("hosted checkout coupon field — guessing is limited per checkout and per address; 429, worded", async () => {
  const shop = await seedShop(t.db.sql, { email: "guess@example.com" });
  await api(shop, "POST", "/api/platform/coupons", { code: "REAL10", amount_off_idr: 10_000 });
  const open = async () => {
    const { body } = await postJson(
      t,
      "/api/platform/checkout",
      { user: shop.userId, plan: "pro" },
      auth(shop),
    );
    return `/billing/checkout/${body.checkout_id}`;
  };
  const tryCode = (path: string, coupon: string) =>
    t.app.request(`${path}/coupon`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ coupon }),
    });
  const first = await open();
  for (let i = 0; i < 10; i++) assert.equal((await tryCode(first, `GUESS${i}`)).status, 400);
  const blocked = await tryCode(first, "REAL10");
  assert.equal(blocked.status, 429, "after 10 refused codes even the right one waits");
  assert.ok(Number(blocked.headers.get("retry-after")) > 0);
  assert.equal((await blocked.json()).error, "rate_limited");
  const page = await t.app.request(first);
  const csrf = csrfOf(await page.text());
  const form = await t.app.request(`${first}/coupon`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      cookie: page.headers.get("set-cookie")!.split(";")[0],
    },
    body: new URLSearchParams({ csrf, coupon: "REAL10" }).toString(),
  });
  assert.equal(form.headers.get("location"), `${first}?coupon_error=too_many&lang=en`);
  assert.match(
    await (await t.app.request(`${first}?coupon_error=too_many&lang=id`)).text(),
    /Terlalu banyak kode/,
  );

  // Another checkout of the same customer is not held up by the first one's count…
  const second = await open();
  assert.equal((await tryCode(second, "REAL10")).status, 200);
  // …but 30 refused codes from one address across checkouts stop that address.
  for (const path of [await open(), await open()]) {
    for (let i = 0; i < 10; i++) await tryCode(path, `MORE${i}`);
  }
  assert.equal((await tryCode(await open(), "REAL10")).status, 429);
  const [counted] = await t.db.sql`select count(*)::int as n from astapa.checkouts
    where project_id = ${shop.project.id} and coupon_code is not null`;
  assert.equal(counted.n, 1, "only the one allowed attempt applied the coupon");
});
