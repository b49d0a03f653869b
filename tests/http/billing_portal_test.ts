/**
 * The customer portal /billing/account over HTTP: sign-in round trip, the page in both languages, each action
 * (cancel, resume, schedule and withdraw a change, upgrade) checked in the rows, and the attacks: a form
 * without CSRF or from another site, someone else's session, another project's session — nothing changes.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { applyPaymentEvent, recordPaymentEvent } from "@/db/payments.ts";
import { createPlan, currentSubscription } from "@/db/plans.ts";
import { randomSecret, sha256 } from "@/lib/secrets.ts";
import { testApp } from "../helpers/app.ts";
import { seedUser } from "../helpers/identity.ts";
import { pendingCharge } from "../helpers/pending_charge.ts";
import { seedShop } from "../helpers/payments.ts";
import { rows } from "../helpers/db.ts";
import { csrfOf } from "../helpers/csrf.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

const shop = await seedShop(t.db.sql, { email: "sari@example.com" });
const p = shop.project.id;
await asApp(t.db.sql, p, async (tx) => {
  await createPlan(tx, p, { key: "basic", name: "Basic", price_idr: 49_000 });
  await createPlan(tx, p, { key: "team", name: "Team", price_idr: 300_000 });
});
const portal = `/billing/account?client_id=${shop.project.clientId}`;

/** A hosted-login session for `userId` (as the sign-in leaves it): the cookie to send. */
async function sessionFor(projectId: string, userId: string): Promise<string> {
  const token = randomSecret();
  const hash = await sha256(token);
  await asApp(t.db.sql, projectId, (tx) => tx`select api.start_login_session(${userId}::bigint, ${hash})`);
  return `astapa_session_${projectId}=${token}`;
}

/** The portal page for a session, with the CSRF cookie and form token it hands out. */
async function openPortal(session: string, query = "") {
  const res = await t.app.request(`${portal}${query}`, { headers: { cookie: session } });
  const html = await res.text();
  const csrfCookie = res.headers.getSetCookie().map((c) => c.split(";")[0]).find((c) =>
    c.startsWith("astapa_csrf=")
  );
  // A free user's page has no forms, so no token: the tests that post take it from a paying user's page.
  const csrf = html.includes("<form") ? csrfOf(html) : "";
  return { res, html, cookie: [session, csrfCookie].filter(Boolean).join("; "), csrf };
}

function post(cookie: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
  return t.app.request("/billing/account", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie, ...headers },
    body: new URLSearchParams({ client_id: shop.project.clientId, ...fields }),
  });
}

/** Pays plan pro for `sub` (checkout, charge, callback, worker step). */
async function payPro(sub: string, providerId: string) {
  const checkout = await pendingCharge(t.db.sql, p, sub, providerId);
  await asApp(t.db.sql, p, (tx) =>
    recordPaymentEvent(tx, p, {
      providerId,
      status: "SUCCEEDED",
      checkoutId: checkout.checkout_id,
      body: { data: { amount: 99_000, currency: "IDR" } },
    }));
  while (await asApp(t.db.sql, p, (tx) => applyPaymentEvent(tx, p)));
}

const status = async (sub: string) =>
  (await asApp(t.db.sql, p, (tx) => currentSubscription(tx, p, sub))).subscription?.status;

await payPro(shop.userId, "pr-portal-http-1");
const [receipt] = rows(
  await asApp(
    t.db.sql,
    p,
    (tx) => tx`select number, public_id from astapa.receipts where user_id = ${shop.userId}`,
  ),
);

Deno.test("portal — a stranger signs in through the hosted login and comes back to the portal", async () => {
  const res = await t.app.request(portal);
  assert.equal(res.status, 303);
  const login = new URL(res.headers.get("location")!, t.origin);
  assert.equal(login.pathname, "/auth/login");
  assert.equal(login.searchParams.get("state"), `account.${shop.project.clientId}`);
  const back = await t.app.request(`/billing/callback?code=x&state=account.${shop.project.clientId}`);
  assert.equal(back.headers.get("location"), portal);
  for (const bad of [`evil.${shop.project.clientId}`, `account.${shop.project.clientId}.x`, "account."]) {
    assert.equal((await t.app.request(`/billing/callback?state=${bad}`)).status, 400, bad);
  }
  assert.equal((await t.app.request("/billing/account?client_id=nope")).status, 400);
});

Deno.test("portal — the plan, next renewal and the receipt, in English and Indonesian", async () => {
  const session = await sessionFor(p, shop.userId);
  const en = await openPortal(session);
  assert.equal(en.res.status, 200);
  assert.equal(en.res.headers.get("cache-control"), "no-store");
  assert.match(en.html, /data-plan="pro"/);
  assert.match(en.html, /Renews on .*IDR 99\.000 for Pro/);
  assert.match(en.html, new RegExp(`/billing/receipts/${receipt.public_id}`));
  assert.match(en.html, /Switch to Team/);
  const id = await openPortal(session, "&lang=id");
  assert.match(id.html, /Riwayat pembayaran/);
  assert.match(id.html, /Diperpanjang pada/);
  assert.match(id.html, /Batalkan paket/);
});

Deno.test("portal — cancel, resume, schedule a downgrade and withdraw it, upgrade to a checkout", async () => {
  const session = await sessionFor(p, shop.userId);
  const { cookie, csrf } = await openPortal(session);
  const cancel = await post(cookie, { csrf, action: "cancel" });
  assert.equal(cancel.status, 303);
  assert.match(cancel.headers.get("location")!, /notice=canceled/);
  assert.equal(await status(shop.userId), "canceled");
  assert.match((await openPortal(session)).html, /Canceled: the plan runs until/);
  assert.match((await post(cookie, { csrf, action: "cancel" })).headers.get("location")!, /notice=canceled/);
  assert.match((await post(cookie, { csrf, action: "resume" })).headers.get("location")!, /notice=resumed/);
  assert.equal(await status(shop.userId), "active");
  const inIndonesian = await post(cookie, { csrf, action: "cancel", lang: "id" });
  assert.equal(
    inIndonesian.headers.get("location"),
    `${portal}&notice=canceled&lang=id`,
    "the answer keeps the language",
  );
  await post(cookie, { csrf, action: "resume" });
  assert.match((await post(cookie, { csrf, action: "resume" })).headers.get("location")!, /notice=refused/);

  assert.match(
    (await post(cookie, { csrf, action: "change", plan: "basic" })).headers.get("location")!,
    /scheduled/,
  );
  const scheduled = await openPortal(session);
  assert.match(scheduled.html, /Your plan changes to Basic on/);
  assert.match(scheduled.html, /IDR 49\.000 for Basic/);
  assert.match(
    (await post(cookie, { csrf, action: "withdraw" })).headers.get("location")!,
    /notice=withdrawn/,
  );
  assert.match((await post(cookie, { csrf, action: "withdraw" })).headers.get("location")!, /notice=refused/);

  const upgrade = await post(cookie, { csrf, action: "change", plan: "team" });
  assert.match(upgrade.headers.get("location")!, /^\/billing\/checkout\/chk_[a-z2-7]{24}$/);
  const [change] = rows(
    await asApp(
      t.db.sql,
      p,
      (tx) => tx`select kind, status from astapa.plan_changes order by id desc limit 1`,
    ),
  );
  assert.deepEqual({ ...change }, { kind: "upgrade", status: "awaiting_payment" });
  assert.match((await openPortal(session)).html, /Upgrade to Team waiting for its payment/);
  assert.equal((await post(cookie, { csrf, action: "change", plan: "nope" })).status, 400, "an unknown plan");
  assert.match(
    (await post(cookie, { csrf, action: "withdraw" })).headers.get("location")!,
    /notice=withdrawn/,
  );
});

Deno.test("portal — forged forms, another site, another user and another project change nothing", async () => {
  const session = await sessionFor(p, shop.userId);
  const { cookie, csrf } = await openPortal(session);
  const before = await status(shop.userId);
  assert.equal((await post(cookie, { action: "cancel" })).status, 403, "no CSRF token");
  assert.equal((await post(cookie, { csrf: "x".repeat(43), action: "cancel" })).status, 403, "a wrong token");
  assert.equal(
    (await post(cookie, { csrf, action: "cancel" }, { origin: "https://evil.example" })).status,
    403,
    "a form from another site",
  );
  assert.equal((await post(cookie, { csrf, action: "drop_tables" })).status, 400);
  const text = await t.app.request("/billing/account", {
    method: "POST",
    headers: { "content-type": "text/plain", cookie },
    body: `client_id=${shop.project.clientId}&action=cancel`,
  });
  assert.equal(text.status, 403);
  assert.equal(await status(shop.userId), before);

  // Another user of the same app: their session acts on their own (free) account only.
  const other = await seedUser(t.db.sql, p, "budi@example.com");
  const otherSession = await sessionFor(p, other);
  const theirs = await openPortal(otherSession);
  assert.doesNotMatch(theirs.html, new RegExp(receipt.number));
  assert.match(theirs.html, /You are on the free plan/);
  // (A free user's page has no forms; the browser's CSRF pair is the one from the first page.)
  const refused = await post(`${otherSession}; ${cookie.split("; ")[1]}`, { csrf, action: "cancel" });
  assert.equal(refused.status, 303, await refused.clone().text());
  assert.match(refused.headers.get("location")!, /notice=refused/);
  assert.equal(await status(shop.userId), before, "the paying user's plan is untouched");

  // A session of another project is no session here: back to the sign-in, nothing done.
  const elsewhere = await seedShop(t.db.sql, { email: "sari@example.com" });
  const foreign = await sessionFor(elsewhere.project.id, elsewhere.userId);
  const crossed = await post(`${foreign}; ${cookie.split("; ")[1]}`, { csrf, action: "cancel" });
  assert.equal(crossed.status, 303, await crossed.clone().text());
  assert.match(crossed.headers.get("location")!, /^\/auth\/login/);
  assert.equal(await status(shop.userId), before);
});

Deno.test("portal — automatic renewal charges: the method's masked label, amount and outcome, in English and Indonesian", async () => {
  const { renewalStep } = await import("@/db/billing.ts");
  const { assignPlan } = await import("@/db/plans.ts");
  const { updateProjectSettings } = await import("@/db/project_settings.ts");
  const { applyMethodCallback, recordMethodLinkAnswer, startMethodLink } = await import(
    "@/db/linked_methods.ts"
  );
  const { nextRenewalCharge, recordRenewalCharge } = await import("@/db/renewal_charges.ts");
  const sub = await seedUser(t.db.sql, p, "auto-renew@example.com");
  const paidThrough = new Date("2035-07-01T00:00:00Z");
  const now = new Date(paidThrough.getTime() - 6 * 86_400_000);
  await asApp(t.db.sql, p, async (tx) => {
    await updateProjectSettings(tx, p, { linked_methods: { enabled: true } });
    await assignPlan(tx, p, sub, "pro", "payment", {
      start: new Date(paidThrough.getTime() - 30 * 86_400_000).toISOString(),
      end: paidThrough.toISOString(),
    });
    const method = await startMethodLink(tx, p, sub, {
      channel: "DANA",
      xendit_account: "simulator",
      environment: "sandbox",
    });
    await recordMethodLinkAnswer(tx, p, method.method_id, { provider_id: "pm-portal-charges" });
    await applyMethodCallback(tx, p, method.method_id, {
      event: "payment_method.activated",
      provider_id: "pm-portal-charges",
    });
  });
  const session = await sessionFor(p, sub);
  assert.doesNotMatch((await openPortal(session)).html, /Automatic renewal charges/, "none made yet");
  await asApp(t.db.sql, p, async (tx) => {
    // The shop's other subscriptions are due in 2035 too: step until this user's renewal is opened.
    let step = await renewalStep(tx, p, now, "simulator");
    while (step && step.sub !== sub) step = await renewalStep(tx, p, now, "simulator");
    assert.ok(step?.linked_charge, "this user's renewal opened a charge to their DANA");
    const work = await nextRenewalCharge(tx, p, now, 600);
    await recordRenewalCharge(tx, p, work!.charge_id, { failure: "INSUFFICIENT_BALANCE" }, now);
  });
  const en = (await openPortal(session)).html;
  assert.match(
    en,
    /Automatic renewal charges[\s\S]*data-charge-status="failed"[\s\S]*DANA[\s\S]*IDR 99\.000[\s\S]*not charged: the pay link was mailed/,
  );
  const id = (await openPortal(session, "&lang=id")).html;
  assert.match(
    id,
    /Penagihan perpanjangan otomatis[\s\S]*tidak tertagih: tautan pembayaran dikirim lewat email/,
  );
  // Another user's portal shows none of it.
  assert.doesNotMatch((await openPortal(await sessionFor(p, shop.userId))).html, /data-charge-status/);
});
