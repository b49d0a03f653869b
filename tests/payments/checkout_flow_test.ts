/**
 * Each method end to end in the offline sandbox: checkout API → the unmodified xendit-node pays through the
 * built-in simulator → its callback reaches the webhook → the worker applies it → subscription active →
 * refresh → the JWT names the paid plan.
 */
import assert from "node:assert/strict";
import { Xendit } from "xendit-node";
import { asApp } from "@/db/client.ts";
import { cancelSubscription } from "@/db/billing.ts";
import { applyPaymentEvent, createCheckout, recordPayment, recordPaymentEvent } from "@/db/payments.ts";
import { assignPlan, currentSubscription } from "@/db/plans.ts";
import { sandboxKeys } from "@/lib/payments/sandbox_accounts.ts";
import { basic, issueCode } from "../helpers/oauth.ts";
import { checkoutMethodForm, seedShop } from "../helpers/payments.ts";
import { waitFor } from "../helpers/wait.ts";
import { claimsOf, postForm, postJson } from "../helpers/token_client.ts";
import { csrfOf } from "../helpers/csrf.ts";
import { paymentsTestApp } from "../helpers/payments_app.ts";

const t = await paymentsTestApp();

/** xendit-node on the offline sandbox with the project's own simulator key (each project has one). */
const sandbox = async (projectId: string) =>
  new Xendit({
    secretKey: (await sandboxKeys(t.deps, projectId)).secretKey,
    xenditURL: `${t.origin}/sandbox/xendit`,
  });

async function planInToken(shop: Awaited<ReturnType<typeof seedShop>>): Promise<unknown> {
  const code = await issueCode(t.db.sql, shop.project, {
    userId: shop.userId,
    scope: "openid offline_access",
  });
  const auth = { authorization: basic(shop.project.clientId, shop.project.secret) };
  const first = await postForm(t, "/api/platform/token", {
    grant_type: "authorization_code",
    code,
    redirect_uri: shop.project.redirectUri,
  }, auth);
  assert.equal(first.res.status, 200, JSON.stringify(first.body));
  const refreshed = await postForm(t, "/api/platform/token", {
    grant_type: "refresh_token",
    refresh_token: first.body.refresh_token,
  }, auth);
  assert.equal(refreshed.res.status, 200, JSON.stringify(refreshed.body));
  return (claimsOf(refreshed.body.access_token).custom_claims as { plan: string }).plan;
}

async function checkout(shop: Awaited<ReturnType<typeof seedShop>>, body: Record<string, string>) {
  return await postJson(t, "/api/platform/checkout", { user: shop.userId, plan: "pro", ...body }, {
    authorization: basic(shop.project.clientId, shop.project.secret),
  });
}

async function paidSubscription(shop: Awaited<ReturnType<typeof seedShop>>) {
  return await waitFor(async () => {
    const state = await asApp(
      t.db.sql,
      shop.project.id,
      (tx) => currentSubscription(tx, shop.project.id, shop.userId),
    );
    return state.subscription?.source === "payment" && state.subscription.status === "active"
      ? state
      : undefined;
  }, "the subscription to become active");
}

Deno.test("payments — QRIS end to end: checkout, simulator pays, webhook, worker, refresh → plan pro", async () => {
  const shop = await seedShop(t.db.sql);
  assert.equal(await planInToken(shop), "free");
  const { res, body } = await checkout(shop, { method: "qris" });
  assert.equal(res.status, 201, JSON.stringify(body));
  assert.match(body.checkout_id, /^chk_[a-z2-7]{24}$/);
  assert.equal(body.checkout_url, `${t.origin}/billing/checkout/${body.checkout_id}`);
  assert.equal(body.amount, 99_000);
  assert.equal(body.currency, "IDR");
  assert.equal(body.status, "pending");
  assert.match(body.payment.qr_string, /^000201/);

  const [pr] = [...t.deps.xenditSandbox.paymentRequests.values()].filter((p) =>
    p.referenceId === body.checkout_id
  );
  await (await sandbox(shop.project.id)).PaymentRequest.simulatePaymentRequestPayment({
    paymentRequestId: pr.id,
  });
  await t.deps.xenditSandbox.webhooks.idle();
  const state = await paidSubscription(shop);
  assert.equal(state.plan, "pro");
  const paidThrough = new Date(state.subscription!.paid_through!).getTime();
  assert.ok(paidThrough > Date.now() + 27 * 86400_000, "about a month paid");
  assert.equal(await planInToken(shop), "pro");
});

Deno.test("payments — bank transfer (BNI virtual account) end to end", async () => {
  const shop = await seedShop(t.db.sql, { email: "budi@example.com" });
  const { res, body } = await checkout(shop, { method: "bank_transfer", bank: "BNI" });
  assert.equal(res.status, 201, JSON.stringify(body));
  assert.equal(body.payment.bank, "BNI");
  assert.match(body.payment.virtual_account_number, /^\d{12,16}$/);
  const pr = [...t.deps.xenditSandbox.paymentRequests.values()].find((p) =>
    p.referenceId === body.checkout_id
  )!;
  await (await sandbox(shop.project.id)).PaymentRequest.simulatePaymentRequestPayment({
    paymentRequestId: pr.id,
  });
  await paidSubscription(shop);
  assert.equal(await planInToken(shop), "pro");
});

Deno.test("payments — OVO end to end: the phone number is required, the push is paid", async () => {
  const shop = await seedShop(t.db.sql, { email: "citra@example.com" });
  const missing = await checkout(shop, { method: "ovo" });
  assert.equal(missing.res.status, 400);
  assert.ok(missing.body.fields.mobile_number);
  const { res, body } = await checkout(shop, { method: "ovo", mobile_number: "+6281234567890" });
  assert.equal(res.status, 201, JSON.stringify(body));
  assert.equal(body.payment.mobile_number, "+6281234567890");
  const pr = [...t.deps.xenditSandbox.paymentRequests.values()].find((p) =>
    p.referenceId === body.checkout_id
  )!;
  await t.deps.xenditSandbox.settle(pr.id, "pay"); // the customer approves the push in the OVO app
  await paidSubscription(shop);
  assert.equal(await planInToken(shop), "pro");
});

Deno.test("payments — GoPay end to end through the Invoice API and its hosted page", async () => {
  const shop = await seedShop(t.db.sql, { email: "dewi@example.com" });
  const { res, body } = await checkout(shop, {
    method: "gopay",
    success_url: "https://shop.example/thanks",
  });
  assert.equal(res.status, 201, JSON.stringify(body));
  assert.match(body.payment.invoice_url, new RegExp(`^${t.origin}/sandbox/xendit/web/invoices/`));
  // Choosing GoPay again finds the same invoice (external_id = checkout id) instead of a second one.
  const again = await postJson(t, `/billing/checkout/${body.checkout_id}/method`, { method: "gopay" });
  assert.ok(again.res.status < 400, String(again.res.status));
  assert.equal(
    [...t.deps.xenditSandbox.invoices.values()].filter((i) => i.externalId === body.checkout_id).length,
    1,
  );
  const paid = await fetch(`${body.payment.invoice_url}/pay`, { method: "POST", redirect: "manual" });
  assert.equal(paid.status, 303);
  assert.equal(paid.headers.get("location"), "https://shop.example/thanks");
  await paidSubscription(shop);
  assert.equal(await planInToken(shop), "pro");
});

Deno.test("payments — checkout API: limits, URLs off the registered origins, unknown plans and users", async () => {
  const shop = await seedShop(t.db.sql, { email: "eka@example.com", price: 15_000_000 });
  const qris = await checkout(shop, { method: "qris" });
  assert.equal(qris.res.status, 400);
  assert.match(qris.body.error_description, /10,000,000/);
  const offsite = await checkout(shop, { success_url: "https://evil.example/ok" });
  assert.equal(offsite.res.status, 400);
  assert.ok(offsite.body.fields?.success_url);
  assert.equal((await checkout(shop, { plan: "gold" })).res.status, 400);
  assert.equal((await checkout(shop, { plan: "free" })).res.status, 400);
  assert.equal((await checkout(shop, { user: "999999" })).res.status, 404);
  const noAuth = await postJson(t, "/api/platform/checkout", { user: shop.userId, plan: "pro" });
  assert.equal(noAuth.res.status, 401);
});

Deno.test("checkout page — choose QRIS by form, QR and simulate button shown, paid status over SSE", async () => {
  const shop = await seedShop(t.db.sql, { email: "fajar@example.com" });
  const { body } = await checkout(shop, { success_url: "https://shop.example/thanks" });
  const url = `/billing/checkout/${body.checkout_id}`;
  const first = await t.app.request(url);
  assert.equal(first.status, 200);
  const cookie = first.headers.get("set-cookie")!.split(";")[0];
  const html = await first.text();
  const csrf = csrfOf(html);
  for (const label of ["QRIS", "Bank transfer", "OVO", "GoPay"]) assert.ok(html.includes(label), label);

  const form = (path: string, body: string, withCookie = true) =>
    t.app.request(`${url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", ...(withCookie ? { cookie } : {}) },
      body,
    });
  // Forms without this browser's CSRF token (or from another browser) are refused.
  assert.equal((await form("/method", "method=qris")).status, 403);
  assert.equal((await form("/method", `method=qris&csrf=${csrf}`, false)).status, 403);
  const chosen = await form("/method", `method=qris&csrf=${csrf}`);
  assert.equal(chosen.status, 303);
  const withQr = await (await t.app.request(url, { headers: { cookie } })).text();
  assert.match(withQr, /<img class="qr" src="data:image\/svg\+xml;base64,/);
  assert.ok(withQr.includes("Simulate payment"));

  assert.equal((await t.app.request(`${url}/simulate`, { method: "POST" })).status, 403, "bodyless POST");
  assert.equal((await form("/simulate", "csrf=wrong")).status, 403);
  const simulated = await form("/simulate", `csrf=${csrf}`);
  assert.equal(simulated.status, 303);
  await paidSubscription(shop);
  const events = await fetch(`${t.origin}${url}/events`);
  assert.equal(events.headers.get("content-type"), "text/event-stream");
  const text = await events.text(); // the stream ends once the checkout is paid
  assert.match(text, /event: status\ndata: \{"status":"paid","payment_status":"paid"\}/);
  const paidPage = await (await t.app.request(url)).text();
  assert.ok(paidPage.includes("https://shop.example/thanks"));
});

Deno.test("checkout page — a charge that ended unpaid: the page says so above the methods, not 'waiting for your payment' (en, id)", async () => {
  const shop = await seedShop(t.db.sql, { email: "charge-ended@example.com" });
  const p = shop.project.id;
  const { body } = await checkout(shop, {});
  const url = `/billing/checkout/${body.checkout_id}`;
  const first = await t.app.request(url);
  const cookie = first.headers.get("set-cookie")!.split(";")[0];
  const csrf = csrfOf(await first.text());
  const chosen = await t.app.request(`${url}/method`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie },
    body: `method=qris&csrf=${csrf}`,
  });
  assert.equal(chosen.status, 303);
  const waiting = await (await t.app.request(url)).text();
  assert.match(waiting, /data-status="pending">Waiting for your payment…/, "a charge in flight: wait");

  // Xendit expires the QR code: the checkout stays pending (a late success may still pay it), the charge ended.
  const [charge] = await t.db.sql`select y.provider_id from astapa.payments as y
    join astapa.checkouts as c on c.project_id = y.project_id and c.id = y.checkout_id
    where c.project_id = ${p} and c.public_id = ${body.checkout_id}`;
  await asApp(t.db.sql, p, (tx) =>
    recordPaymentEvent(tx, p, {
      providerId: charge.provider_id,
      status: "EXPIRED",
      checkoutId: body.checkout_id,
      body: { event: "payment.expired", data: { status: "EXPIRED" } },
    }));
  await asApp(t.db.sql, p, (tx) => applyPaymentEvent(tx, p)); // or the app's worker got there first
  await waitFor(async () => {
    const [row] = await t.db
      .sql`select status from astapa.payments where provider_id = ${charge.provider_id}`;
    return row.status === "expired";
  }, "the charge to expire");

  const ended = await (await t.app.request(url)).text();
  // (Every label rides in the island's props: the shown one is the status paragraph's.)
  assert.doesNotMatch(ended, /data-status="pending">/, "not told to wait");
  assert.match(ended, /data-status="charge_ended">Your last payment did not go through/);
  assert.ok(ended.includes("Pay another way"), "the methods are offered again below it");
  const id = await (await t.app.request(`${url}?lang=id`)).text();
  assert.doesNotMatch(id, /data-status="pending">/, "id: not told to wait");
  assert.match(id, /data-status="charge_ended">Pembayaran terakhir Anda tidak berhasil/);
  const [checkoutRow] = await t.db
    .sql`select status from astapa.checkouts where public_id = ${body.checkout_id}`;
  assert.equal(checkoutRow.status, "pending", "the checkout itself is unchanged");
});

/** The shop's user on pro, paid through 5 days from now, and a pay link of pro starting at `periodStart`. */
async function renewalLink(shop: Awaited<ReturnType<typeof seedShop>>, periodStart: (end: Date) => Date) {
  const p = shop.project.id;
  const end = new Date(Date.now() + 5 * 86_400_000);
  await asApp(t.db.sql, p, (tx) =>
    assignPlan(tx, p, shop.userId, "pro", "payment", {
      start: new Date(end.getTime() - 30 * 86_400_000).toISOString(),
      end: end.toISOString(),
    }));
  const link = await asApp(t.db.sql, p, (tx) =>
    createCheckout(tx, p, {
      sub: shop.userId,
      plan: "pro",
      xendit_account: "simulator",
      period_start: periodStart(end).toISOString(),
    }));
  return link.checkout_id;
}

/** The charges the Xendit simulator was asked for on checkout `checkoutId`. */
const chargesAsked = (checkoutId: string) =>
  [...t.deps.xenditSandbox.paymentRequests.values()].filter((p) => p.referenceId === checkoutId).length;

Deno.test("checkout page — a canceled subscription's renewal link whose charge ended: refused before Xendit is asked (en, id, JSON)", async () => {
  const shop = await seedShop(t.db.sql, { email: "canceled-link@example.com" });
  const p = shop.project.id;
  const link = await renewalLink(shop, (end) => end);
  // A charge under way at the cancel keeps the link (paid wins); it ends after.
  await asApp(t.db.sql, p, (tx) =>
    recordPayment(tx, p, link, {
      kind: "payment_request",
      provider_id: "pr-canceled-link",
      method: "qris",
      details: {},
      expires_at: null,
    }));
  await asApp(t.db.sql, p, (tx) => cancelSubscription(tx, p, shop.userId));
  await asApp(t.db.sql, p, (tx) =>
    recordPaymentEvent(tx, p, {
      providerId: "pr-canceled-link",
      status: "EXPIRED",
      checkoutId: link,
      body: { event: "payment.expired", data: { status: "EXPIRED" } },
    }));
  await asApp(t.db.sql, p, (tx) => applyPaymentEvent(tx, p)); // or the app's worker got there first
  await waitFor(async () => {
    const [row] = await t.db.sql`select status from astapa.payments where provider_id = 'pr-canceled-link'`;
    return row.status === "expired";
  }, "the charge to expire");

  const chooseQris = await checkoutMethodForm(t.app, link);
  for (
    const [lang, message] of [
      ["en", "This subscription was canceled or has ended: there is no period to renew. Buy the plan again."],
      ["id", "Langganan ini sudah dibatalkan atau sudah berakhir: tidak ada periode untuk diperpanjang."],
    ]
  ) {
    const res = await chooseQris(lang);
    assert.equal(res.status, 409);
    const page = await res.text();
    assert.ok(page.includes(message), page);
    assert.doesNotMatch(page, /<p lang="en">/, "no English detail on the Indonesian page");
  }
  const json = await postJson(t, `/billing/checkout/${link}/method`, {
    method: "bank_transfer",
    bank: "BNI",
  });
  assert.equal(json.res.status, 409);
  assert.equal(json.body.error, "conflict");
  assert.match(json.body.error_description, /canceled or has ended/);
  assert.equal(chargesAsked(link), 0, "Xendit was asked for no charge");
});

Deno.test("checkout page — a pay link whose period is paid already: refused before Xendit is asked (en, id)", async () => {
  const shop = await seedShop(t.db.sql, { email: "period-paid-link@example.com" });
  const link = await renewalLink(shop, (end) => new Date(end.getTime() - 2 * 86_400_000));
  const chooseQris = await checkoutMethodForm(t.app, link);
  for (
    const [lang, message] of [
      ["en", "The period this checkout is for has already been paid."],
      ["id", "Periode yang ditagih di sini sudah dibayar."],
    ]
  ) {
    const res = await chooseQris(lang);
    assert.equal(res.status, 409);
    assert.ok((await res.text()).includes(message), lang);
  }
  assert.equal(chargesAsked(link), 0, "Xendit was asked for no charge");
  const [row] = await t.db.sql`select status from astapa.checkouts where public_id = ${link}`;
  assert.equal(row.status, "open", "nothing recorded");
});
