/**
 * Direct debit and cards on file for automatic renewal over HTTP (issue 23 item 6): with the project's switches
 * on, a customer links BRI direct debit on the portal — Xendit (the simulator, through the unmodified
 * xendit-node) sends an OTP, a wrong code is refused with a notice, the right one links it — and another links a
 * Visa card tokenised by Xendit.js (the simulator's copy; the portal gets only the payment method's id, refuses a
 * posted card number, and its CSP allows exactly Xendit's origin) through its 3-D Secure page. Only masked labels
 * are stored. The billing pass on the controllable clock then charges both renewals with a Payment Request naming
 * each method: paid, recorded as direct_debit and card, no pay-link mail. Unlinking expires the method at Xendit. Both payments are then refunded through the
 * Platform API (Xendit's Refund API with each linked charge's payment request; callbacks applied; the ledger).
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { listMail } from "@/db/billing.ts";
import { setXenditKeys } from "@/db/payments.ts";
import { assignPlan, currentSubscription } from "@/db/plans.ts";
import { updateProjectSettings } from "@/db/project_settings.ts";
import { sealXenditKeys } from "@/lib/payments/accounts.ts";
import { BillingScheduler } from "@/lib/payments/billing_scheduler.ts";
import { randomSecret, sha256 } from "@/lib/secrets.ts";
import { listReceipts } from "@/db/receipts.ts";
import { listRefunds } from "@/db/refunds.ts";
import { paymentsTestApp } from "../helpers/payments_app.ts";
import { basic } from "../helpers/oauth.ts";
import { rows } from "../helpers/db.ts";
import { seedUser } from "../helpers/identity.ts";
import { seedShop } from "../helpers/payments.ts";
import { waitFor } from "../helpers/wait.ts";
import { TEST_CALLBACK_TOKEN, TEST_PUBLIC_KEY, TEST_SECRET_KEY } from "../helpers/xendit.ts";
import { csrfOf } from "../helpers/csrf.ts";
import { setXenditPublicKey } from "@/db/linked_methods.ts";
import { simulatorPublicKey } from "@/lib/payments/xendit_simulator/xendit_js.ts";

const t = await paymentsTestApp({ receiptLinks: true, servedXendit: true });
const { served } = t;

const DAY = 86_400_000;
const CARD = "4000000000001091";
const as = <T>(projectId: string, work: Parameters<typeof asApp<T>>[2]) => asApp(t.db.sql, projectId, work);

const paidThrough = new Date(Date.now() + 5 * DAY);
const shop = await seedShop(t.db.sql, { email: "dd@example.com" });
const p = shop.project.id;
const cardUser = await seedUser(t.db.sql, p, "card@example.com");
await as(p, async (tx) => {
  await setXenditKeys(
    tx,
    p,
    "sandbox",
    await sealXenditKeys(t.deps.masterKeys.payments, p, "sandbox", {
      secretKey: TEST_SECRET_KEY,
      callbackToken: TEST_CALLBACK_TOKEN,
    }),
  );
  await setXenditPublicKey(tx, p, "sandbox", TEST_PUBLIC_KEY);
  await updateProjectSettings(tx, p, { linked_methods: { enabled: true, direct_debit: true, cards: true } });
  for (const user of [shop.userId, cardUser]) {
    await assignPlan(tx, p, user, "pro", "payment", {
      start: new Date(paidThrough.getTime() - 30 * DAY).toISOString(),
      end: paidThrough.toISOString(),
    });
  }
});

/** A signed-in session cookie for `userId` on the project. */
async function sessionCookie(userId: string): Promise<string> {
  const token = randomSecret();
  await as(p, async (tx) => tx`select api.start_login_session(${userId}::bigint, ${await sha256(token)})`);
  return `astapa_session_${p}=${token}`;
}

/** A signed-in portal for `userId`: posts a form to /billing/account/methods and answers the response. */
async function portalFor(userId: string) {
  const session = await sessionCookie(userId);
  const page = async () =>
    await (await t.app.request(`/billing/account?client_id=${shop.project.clientId}`, {
      headers: { cookie: session },
    })).text();
  const first = await t.app.request(`/billing/account?client_id=${shop.project.clientId}`, {
    headers: { cookie: session },
  });
  const html = await first.text();
  const csrfCookie = first.headers.getSetCookie().map((c) => c.split(";")[0]).find((c) =>
    c.startsWith("astapa_csrf=")
  )!;
  const csrf = csrfOf(html);
  const post = (fields: Record<string, string>) =>
    t.app.request("/billing/account/methods", {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        cookie: `${session}; ${csrfCookie}`,
        origin: t.origin,
      },
      body: new URLSearchParams({ client_id: shop.project.clientId, csrf, ...fields }),
    });
  return { html, page, post };
}

const methodRow = async (userId: string) =>
  rows(
    await as(p, (tx) =>
      tx`select public_id, channel, label, status, provider_id from astapa.linked_methods
         where user_id = ${userId}::bigint and status in ('requires_action', 'active') order by id desc`),
  )[0];

Deno.test("linked direct debit — BRI: the OTP step on the portal, a wrong code refused, the right one links it", async () => {
  const portal = await portalFor(shop.userId);
  assert.match(portal.html, /data-link-channel="BRI"/);
  assert.match(portal.html, /data-link-channel="MANDIRI"/);
  assert.match(portal.html, /data-link-channel="CARD"/);
  const linked = await portal.post({
    action: "link",
    channel: "BRI",
    card_last_four: "1234",
    card_expiry: "12/30",
    mobile_number: "0812 3456 7890",
    email: "dd@example.com",
  });
  assert.equal(linked.status, 303);
  assert.match(linked.headers.get("location")!, /notice=otp_sent/);
  const waiting = await methodRow(shop.userId);
  assert.deepEqual([waiting.channel, waiting.label, waiting.status], [
    "BRI",
    "BRI •••• 1234",
    "requires_action",
  ]);
  const atXendit = served.sim.paymentMethods.get(waiting.provider_id as string)!;
  assert.deepEqual([atXendit.type, atXendit.channelCode, atXendit.cardLastFour, atXendit.mobileNumber], [
    "DIRECT_DEBIT",
    "BRI",
    "1234",
    "+6281234567890",
  ]);
  assert.match(await portal.page(), new RegExp(`data-otp-for="${waiting.public_id}"`), "the code form");

  const wrong = await portal.post({ action: "otp", method_id: waiting.public_id as string, otp: "111111" });
  assert.match(wrong.headers.get("location")!, /notice=otp_wrong/);
  assert.equal((await methodRow(shop.userId)).status, "requires_action", "still waiting");
  const right = await portal.post({ action: "otp", method_id: waiting.public_id as string, otp: "333 000" });
  assert.match(right.headers.get("location")!, /notice=linked/);
  assert.equal((await methodRow(shop.userId)).status, "active", "Xendit's answer links it at once");
  assert.equal(served.sim.paymentMethods.get(waiting.provider_id as string)?.status, "ACTIVE");
  // The activation callback that follows changes nothing (forward-only): once the webhook has answered it,
  // the activation is audited exactly once.
  const callback = await waitFor(
    () =>
      Promise.resolve(served.sim.webhooks.log.find((d) => {
        const body = d.body as { event?: string; data?: { id?: string } };
        return body.event === "payment_method.activated" && body.data?.id === waiting.provider_id &&
          d.status !== null;
      })),
    "the activation callback answered",
  );
  assert.equal(callback.status, 200, "the webhook accepted the follow-up callback");
  const [{ n }] = await as(
    p,
    (tx) => tx`select count(*)::int as n from astapa.audit_log where action = 'billing.method_active'`,
  );
  assert.equal(n, 1, "one activation audited");
});

/** What Xendit.js does in the browser: the card goes to Xendit with the publishable key, never to Astapa. */
async function tokenise(number: string, key = TEST_PUBLIC_KEY, type = "CARD") {
  return await fetch(`${served.url}/v2/payment_methods`, {
    method: "POST",
    headers: {
      authorization: `Basic ${btoa(`${key}:`)}`,
      "content-type": "application/json",
      origin: t.origin,
    },
    body: JSON.stringify({
      type,
      reusability: "MULTIPLE_USE",
      country: "ID",
      card: {
        currency: "IDR",
        channel_properties: {
          success_return_url: `${t.origin}/billing/account?notice=linked`,
          failure_return_url: `${t.origin}/billing/account?notice=link_failed`,
          cardonfile_type: "RECURRING",
        },
        card_information: { card_number: number, expiry_month: "12", expiry_year: "2030", cvv: "123" },
      },
    }),
  });
}

Deno.test("linked card — the portal offers Xendit.js with the public key, its CSP allows exactly the simulator's origin", async () => {
  const response = await t.app.request(`/billing/account?client_id=${shop.project.clientId}&lang=id`, {
    headers: { cookie: await sessionCookie(cardUser) },
  });
  const html = await response.text();
  const csp = response.headers.get("content-security-policy")!;
  const origin = new URL(served.url).origin;
  for (const directive of ["script-src", "connect-src", "frame-src"]) {
    const sources = csp.split("; ").find((d) => d.startsWith(`${directive} `))!.split(" ").slice(1);
    assert.deepEqual(sources.filter((s) => s !== "'self'"), [origin], `${directive}: ${csp}`);
  }
  assert.match(html, /data-link-channel="CARD"/);
  assert.ok(html.includes(`${served.url}/js/v3/xendit.min.js`), "the simulator's Xendit.js");
  assert.ok(html.includes(TEST_PUBLIC_KEY), "the publishable key");
  assert.ok(!html.includes(TEST_SECRET_KEY), "never the secret key");
  // Without JavaScript the card says it needs it (the island's server render); the other methods are forms.
  assert.match(html, /data-card-needs-js="true">Menautkan kartu memerlukan JavaScript/);
  assert.ok(!/name="card_number"/.test(html), "no card field posts to Astapa");
  assert.match(html, /<form[^>]+data-link-channel="BRI"/);
  const english = await (await t.app.request(`/billing/account?client_id=${shop.project.clientId}&lang=en`, {
    headers: { cookie: await sessionCookie(cardUser) },
  })).text();
  assert.match(english, /data-card-needs-js="true">Linking a card needs JavaScript/);
  // Another page keeps the default policy.
  const other = await t.app.request("/auth/login");
  await other.body?.cancel();
  assert.doesNotMatch(other.headers.get("content-security-policy") ?? "", /127\.0\.0\.1/);
  // The script is served without a key, and the public key may tokenise a card and nothing else.
  const script = await fetch(`${served.url}/js/v3/xendit.min.js`);
  assert.match(await script.text(), /createPaymentMethod/);
  const ewallet = await tokenise("4000000000001091", TEST_PUBLIC_KEY, "EWALLET");
  assert.equal(ewallet.status, 403, await ewallet.text());
  const read = await fetch(`${served.url}/v2/payment_methods/pm-x`, {
    headers: { authorization: `Basic ${btoa(`${TEST_PUBLIC_KEY}:`)}` },
  });
  assert.equal(read.status, 403, await read.text());
  // The built-in sandbox simulator: a publishable key naming a project without a simulator account (this one
  // uses its own keys), or no project at all, reaches nothing and makes nothing.
  for (const business of [p, "prj_nosuchproject"]) {
    const guessed = await t.app.request("/sandbox/xendit/v2/payment_methods", {
      method: "POST",
      headers: {
        authorization: `Basic ${btoa(`${simulatorPublicKey(business)}:`)}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ type: "CARD" }),
    });
    assert.equal(guessed.status, 401, await guessed.text());
  }
  const [{ n }] = await as(p, (tx) => tx`select count(*)::int as n from astapa.sandbox_accounts`);
  assert.equal(n, 0, "no simulator account was made for the project");
});

Deno.test("linked card — a card number posted to Astapa is refused, never reaches Xendit and is never logged", async () => {
  const portal = await portalFor(cardUser);
  const before = served.sim.paymentMethods.size;
  const logged = t.logs.length;
  const posted = await portal.post({
    action: "link",
    channel: "CARD",
    card_number: "4000 0000 0000 1091",
    expiry_month: "12",
    expiry_year: "2030",
    cvv: "123",
  });
  assert.equal(posted.status, 400);
  const body = await posted.text();
  assert.ok(!body.includes("1091"), "the answer does not echo it");
  assert.equal(served.sim.paymentMethods.size, before, "nothing went to Xendit");
  assert.equal(await methodRow(cardUser), undefined, "nothing was reserved");
  const lines = JSON.stringify(t.logs.slice(logged));
  assert.ok(!lines.replace(/\D/g, "").includes(CARD), "no log line holds the number");
});

Deno.test("linked card — tokenised by Xendit.js, linked by its id through 3-D Secure; the number is never stored", async () => {
  const portal = await portalFor(cardUser);
  const bad = await tokenise("4000000000001092");
  assert.equal(bad.status, 400, "Xendit refuses a number failing the check digit, in the browser");
  await bad.body?.cancel();
  const made = await tokenise(CARD);
  assert.equal(made.status, 201);
  assert.equal(made.headers.get("access-control-allow-origin"), "*");
  const pm = await made.json() as { id: string; status: string };
  assert.equal(pm.status, "REQUIRES_ACTION");
  const refused = await portal.post({
    action: "link",
    channel: "CARD",
    payment_method_id: "pm-not-ours-123456",
  });
  assert.match(
    refused.headers.get("location") ?? String(refused.status),
    /notice=link_refused/,
    "an unknown id",
  );

  const linked = await portal.post({ action: "link", channel: "CARD", payment_method_id: pm.id });
  assert.equal(linked.status, 303);
  const auth = linked.headers.get("location")!;
  assert.equal(auth, `${served.url}/web/payment_methods/${pm.id}`);
  const waiting = await methodRow(cardUser);
  assert.equal(served.sim.paymentMethods.get(pm.id)?.referenceId, waiting.public_id, "named with our id");
  // The same method cannot be claimed twice (by this user or anyone else).
  const again = await portal.post({ action: "link", channel: "CARD", payment_method_id: pm.id });
  assert.match(again.headers.get("location")!, /notice=link_refused/);
  assert.match(await (await fetch(auth)).text(), /3-D Secure: confirm your VISA card •••• 1091/);
  const approved = await fetch(`${auth}/approve`, { method: "POST", redirect: "manual" });
  await approved.body?.cancel();
  assert.match(approved.headers.get("location")!, /notice=linked/);
  await waitFor(
    async () => (await methodRow(cardUser))?.status === "active",
    "the card's activation callback",
  );
  assert.equal((await methodRow(cardUser)).label, "VISA •••• 1091");
  const [{ leaked }] = await as(
    p,
    (tx) =>
      tx`select (select count(*) from astapa.linked_methods as m where m::text like ${`%${
        CARD.slice(0, 8)
      }%`})
            + (select count(*) from astapa.audit_log as a where a::text like ${`%${CARD.slice(0, 8)}%`})
            as leaked`,
  );
  assert.equal(Number(leaked), 0, "no card number in the database");
});

Deno.test("linked direct debit and card — the pass charges both renewals on the clock; unlinking expires at Xendit", async () => {
  const scheduler = new BillingScheduler(t.deps, { clock: () => new Date(paidThrough.getTime() - 5 * DAY) });
  const report = await scheduler.pass();
  // Both charges are made in this pass; a callback applied before the pass ends is reported paid as well.
  const outcomes = report.charges.filter((c) => c.projectId === p);
  assert.deepEqual(outcomes.filter((c) => c.outcome !== "paid").map((c) => c.outcome), [
    "pending",
    "pending",
  ]);
  assert.ok(outcomes.every((c) => c.outcome === "pending" || c.outcome === "paid"), JSON.stringify(outcomes));
  const next = new Date(paidThrough);
  next.setUTCMonth(next.getUTCMonth() + 1);
  for (const user of [shop.userId, cardUser]) {
    await waitFor(async () => {
      const sub = (await as(p, (tx) => currentSubscription(tx, p, user))).subscription;
      return new Date(sub?.paid_through ?? 0).getTime() === next.getTime();
    }, `the renewal of ${user} paid`);
  }
  const payments = rows(
    await as(
      p,
      (tx) =>
        tx`select y.method, y.status, y.details ->> 'linked_method' as label from astapa.payments as y
         order by y.method`,
    ),
  );
  assert.deepEqual(payments, [
    { method: "card", status: "paid", label: "VISA •••• 1091" },
    { method: "direct_debit", status: "paid", label: "BRI •••• 1234" },
  ]);
  const types = [...served.sim.paymentRequests.values()].filter((pr) => pr.linked).map((pr) => pr.type)
    .sort();
  assert.deepEqual(
    types,
    ["CARD", "DIRECT_DEBIT"],
    "each charged through a Payment Request naming the method",
  );
  const mails = await as(p, (tx) => listMail(tx, p));
  assert.deepEqual(mails.filter((m) => m.template === "renewal_due"), [], "no pay-link mail");

  const card = await methodRow(cardUser);
  const portal = await portalFor(cardUser);
  const unlinked = await portal.post({ action: "unlink", method_id: card.public_id as string });
  assert.match(unlinked.headers.get("location")!, /notice=unlinked/);
  assert.equal(served.sim.paymentMethods.get(card.provider_id as string)?.status, "EXPIRED");
  assert.equal(await methodRow(cardUser), undefined);
});

Deno.test("linked direct debit and card — refunds through the Platform API: the card in full, direct debit in part; ledger", async () => {
  const auth = { authorization: basic(shop.project.clientId, shop.project.secret) };
  const receipts = await as(p, (tx) => listReceipts(tx, p));
  const paidBy = async (method: string) => {
    const [row] = rows(
      await as(
        p,
        (tx) =>
          tx`select x.public_id from astapa.receipts as x join astapa.payments as y on y.id = x.payment_id
           where y.method = ${method}`,
      ),
    );
    return receipts.find((r) => r.receipt_id === row.public_id)!;
  };
  const card = await paidBy("card");
  const debit = await paidBy("direct_debit");
  const refund = async (body: Record<string, unknown>) => {
    const res = await t.app.request("/api/platform/refunds", {
      method: "POST",
      headers: { "content-type": "application/json", ...auth },
      body: JSON.stringify(body),
    });
    return { res, body: await res.json() };
  };
  const full = await refund({ receipt: card.number, plan_effect: "end_now", reason: "CANCELLATION" });
  assert.equal(full.res.status, 201, JSON.stringify(full.body));
  assert.equal(full.body.amount, card.amount);
  const part = await refund({ receipt: debit.receipt_id, amount: 20_000, plan_effect: "none" });
  assert.equal(part.res.status, 201, JSON.stringify(part.body));
  // Xendit's Refund API was asked with the linked charge's payment request, for each channel's type.
  const atXendit = [...served.sim.refunds.values()].map((r) => [r.paymentMethodType, r.amount]).sort();
  assert.deepEqual(atXendit, [["CARD", card.amount], ["DIRECT_DEBIT", 20_000]]);
  for (const id of [full.body.refund_id, part.body.refund_id]) {
    await waitFor(async () => {
      const refunds = await as(p, (tx) => listRefunds(tx, p));
      return refunds.find((r) => r.refund_id === id)?.status === "succeeded";
    }, "the refund callback applied");
  }
  await waitFor(
    async () => (await as(p, (tx) => currentSubscription(tx, p, cardUser))).plan !== "pro",
    "end_now ends the card holder's plan",
  );
  assert.equal((await as(p, (tx) => currentSubscription(tx, p, shop.userId))).plan, "pro", "none keeps it");
  const over = await refund({ receipt: debit.receipt_id, amount: debit.amount, plan_effect: "none" });
  assert.equal(over.res.status, 409, "never more than is left");
  // The ledger: payments − refunds = what the receipts say was kept.
  const [ledger] = await as(
    p,
    (tx) =>
      tx`select (select sum(amount) from astapa.payments where status = 'paid')::bigint as paid,
              (select sum(amount) from astapa.refunds where status = 'succeeded')::bigint as refunded`,
  );
  const kept = (await as(p, (tx) => listReceipts(tx, p))).reduce(
    (sum, r) => sum + r.amount - r.refunded_idr,
    0,
  );
  assert.equal(Number(ledger.paid) - Number(ledger.refunded), kept);
  assert.equal(kept, debit.amount - 20_000);
});
