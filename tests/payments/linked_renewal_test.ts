/**
 * Auto-renewal with a linked e-wallet on the controllable clock: the customer links DANA from the portal
 * (HTTP, the simulator's AUTH page), the billing pass opens the renewal and charges the method through the
 * unmodified xendit-node (a Payment Request naming it), the simulator's callback reaches the app's webhook and
 * the worker pays the renewal — receipt (mailed to the SMTP sink), events, app webhook — with no pay-link
 * mail. Two instances' passes at once charge each renewal once. A failed or expired charge falls back to the
 * pay-link mail (in the SMTP sink) and the grace; while a charge is in flight the mail is held back.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { listMail } from "@/db/billing.ts";
import { setXenditKeys } from "@/db/payments.ts";
import { assignPlan, currentSubscription } from "@/db/plans.ts";
import { updateProjectSettings } from "@/db/project_settings.ts";
import { listReceipts } from "@/db/receipts.ts";
import { setWebhookEndpoint } from "@/db/webhooks.ts";
import { MailSender } from "@/lib/mail/sender.ts";
import { sealXenditKeys } from "@/lib/payments/accounts.ts";
import { BillingScheduler } from "@/lib/payments/billing_scheduler.ts";
import { chargeCheckout } from "@/lib/payments/checkout.ts";
import { randomSecret, sha256 } from "@/lib/secrets.ts";
import { paymentsTestApp } from "../helpers/payments_app.ts";
import { rows } from "../helpers/db.ts";
import { seedUser } from "../helpers/identity.ts";
import { mailText } from "../helpers/login.ts";
import { seedShop } from "../helpers/payments.ts";
import { waitFor } from "../helpers/wait.ts";
import { startSmtpSink } from "../helpers/smtp_sink.ts";
import { TEST_CALLBACK_TOKEN, TEST_SECRET_KEY } from "../helpers/xendit.ts";
import { csrfOf } from "../helpers/csrf.ts";

const t = await paymentsTestApp({ receiptLinks: true, servedXendit: true });
const { served } = t;
const sink = startSmtpSink();
const sender = new MailSender(t.db.sql, sink.url, "Astapa <no-reply@astapa.test>");
await sender.start();
Deno.test.afterAll(async () => {
  await sender.stop();
  sink.close();
});

const DAY = 86_400_000;
const at = (base: Date, days: number) => new Date(base.getTime() + days * DAY);
const as = <T>(projectId: string, work: Parameters<typeof asApp<T>>[2]) => asApp(t.db.sql, projectId, work);

/** A shop with Xendit keys (the simulator) and linking on, whose users paid pro until `paidThrough`. */
async function shopWithPayers(paidThrough: Date, emails: string[]) {
  const shop = await seedShop(t.db.sql, { email: emails[0] });
  const p = shop.project.id;
  const users = [shop.userId];
  for (const email of emails.slice(1)) users.push(await seedUser(t.db.sql, p, email));
  const sealed = await sealXenditKeys(t.deps.masterKeys.payments, p, "sandbox", {
    secretKey: TEST_SECRET_KEY,
    callbackToken: TEST_CALLBACK_TOKEN,
  });
  await as(p, async (tx) => {
    await setXenditKeys(tx, p, "sandbox", sealed);
    await updateProjectSettings(tx, p, { linked_methods: { enabled: true } });
    for (const user of users) {
      await assignPlan(tx, p, user, "pro", "payment", {
        start: at(paidThrough, -30).toISOString(),
        end: paidThrough.toISOString(),
      });
    }
  });
  return { shop, p, users };
}

/** The customer links DANA on the portal (HTTP) and approves it on the simulator's page; waits until active. */
async function linkDana(shop: Awaited<ReturnType<typeof shopWithPayers>>["shop"], userId: string) {
  const p = shop.project.id;
  const token = randomSecret();
  await as(p, async (tx) => tx`select api.start_login_session(${userId}::bigint, ${await sha256(token)})`);
  const session = `astapa_session_${p}=${token}`;
  const portal = await t.app.request(`/billing/account?client_id=${shop.project.clientId}`, {
    headers: { cookie: session },
  });
  const html = await portal.text();
  const csrfCookie = portal.headers.getSetCookie().map((c) => c.split(";")[0]).find((c) =>
    c.startsWith("astapa_csrf=")
  )!;
  const csrf = csrfOf(html);
  const linked = await t.app.request("/billing/account/methods", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: `${session}; ${csrfCookie}` },
    body: new URLSearchParams({ client_id: shop.project.clientId, csrf, action: "link", channel: "DANA" }),
  });
  assert.equal(linked.status, 303);
  const approved = await fetch(`${linked.headers.get("location")}/approve`, {
    method: "POST",
    redirect: "manual",
  });
  await approved.body?.cancel();
  await waitFor(
    async () =>
      (await as(
        p,
        (tx) => tx`select 1 from astapa.linked_methods where user_id = ${userId} and status = 'active'`,
      ))
        .length > 0,
    "the activation callback",
  );
}

const chargeRows = (p: string) =>
  as(p, async (tx) =>
    rows(
      await tx`select r.status, r.tries, r.failure_code, r.mailed_at is not null as mailed, c.public_id as checkout
               from astapa.renewal_charges as r join astapa.checkouts as c on c.id = r.checkout_id order by r.id`,
    ));

/** The simulator's payment requests made for these checkouts (what Xendit was asked to charge). */
const chargesAtXendit = (checkouts: string[]) =>
  [...served.sim.paymentRequests.values()].filter((pr) => checkouts.includes(pr.referenceId));

const paidThroughOf = async (p: string, user: string) =>
  new Date((await as(p, (tx) => currentSubscription(tx, p, user))).subscription!.paid_through!).getTime();

const monthAfter = (date: Date) => {
  const next = new Date(date);
  next.setUTCMonth(next.getUTCMonth() + 1);
  return next.getTime();
};

Deno.test("auto-renewal — a linked DANA is charged by the pass and renews: receipt, events, webhook, no pay-link mail", async () => {
  const paidThrough = new Date(Date.now() + 5 * DAY);
  const { shop, p, users: [user] } = await shopWithPayers(paidThrough, ["auto-renew@example.com"]);
  await as(
    p,
    (tx) =>
      setWebhookEndpoint(tx, p, { url: "https://shop.example/hooks", secretSealed: new Uint8Array(48) }),
  );
  await linkDana(shop, user);
  let now = at(paidThrough, -5);
  const scheduler = new BillingScheduler(t.deps, { clock: () => now });

  const first = await scheduler.pass();
  const renewal = first.renewals.find((s) => s.projectId === p);
  assert.equal(renewal?.action, "renew");
  assert.equal(renewal?.linked_charge?.channel, "DANA");
  const checkoutId = renewal!.checkout!.checkout_id;
  // Made in this pass; its callback, if applied before the pass ended, is reported paid by it too.
  const firstOutcomes = first.charges.filter((c) => c.projectId === p).map((c) => c.outcome);
  assert.deepEqual(firstOutcomes.filter((outcome) => outcome !== "paid"), ["pending"]);
  const settledInFirst = firstOutcomes.includes("paid");
  const [pr] = chargesAtXendit([checkoutId]);
  assert.equal(pr.amount, 99_000);
  assert.equal(
    pr.paymentMethodId,
    (await as(p, (tx) => tx`select provider_id from astapa.linked_methods`))[0].provider_id,
  );

  await waitFor(
    async () => (await paidThroughOf(p, user)) === monthAfter(paidThrough),
    "the renewal to be paid",
  );
  const receipts = await as(p, (tx) => listReceipts(tx, p));
  assert.equal(receipts.length, 1);
  await sink.waitFor("auto-renew@example.com", new RegExp(receipts[0].number));
  const receiptPage = await (await t.app.request(`/billing/receipts/${receipts[0].receipt_id}`)).text();
  assert.match(receiptPage, /Paid with<\/dt>\s*<dd>DANA/);
  now = at(paidThrough, -4);
  // The pass that sees the charge paid marks it so, once: the first one, or this one.
  assert.deepEqual(
    (await scheduler.pass()).charges.filter((c) => c.projectId === p).map((c) => c.outcome),
    settledInFirst ? [] : ["paid"],
  );
  assert.deepEqual(
    (await chargeRows(p)).map((r) => [r.status, r.tries, r.mailed]),
    [["paid", 1, false]],
  );
  const outbox = await as(p, (tx) => listMail(tx, p));
  assert.deepEqual(outbox.map((m) => m.template).filter((x) => x === "renewal_due"), [], "no pay-link mail");
  const [{ events, deliveries, method }] = await as(p, async (tx) =>
    rows(
      await tx`select (select count(*)::int from astapa.events where type = 'payment.succeeded') as events,
                      (select count(*)::int from astapa.webhook_deliveries as d join astapa.events as e
                         on e.id = d.event_id where e.type = 'payment.succeeded') as deliveries,
                      (select method from astapa.payments where status = 'paid') as method`,
    ));
  assert.deepEqual({ events, deliveries, method }, { events: 1, deliveries: 1, method: "dana" });
  // The ledger: payments − refunds = what the receipts kept.
  const [ledger] = await as(
    p,
    (tx) =>
      tx`select (select coalesce(sum(amount), 0) from astapa.payments where status = 'paid')::int as paid,
              (select coalesce(sum(amount), 0) from astapa.refunds where status = 'succeeded')::int as refunded`,
  );
  const kept = receipts.reduce((sum, r) => sum + r.amount - r.refunded_idr, 0);
  assert.equal(ledger.paid - ledger.refunded, kept);
  assert.equal(kept, 99_000);
});

Deno.test("auto-renewal — two instances' passes at once: one attempt and one charge per renewal", async () => {
  const now = new Date();
  const emails = ["race-0@example.com", "race-1@example.com", "race-2@example.com", "race-3@example.com"];
  const { shop, p, users } = await shopWithPayers(at(now, 3), emails);
  for (const user of users) await linkDana(shop, user);
  served.sim.linkedChargeOutcome = "hold";
  try {
    // A holds its first renewal step open until B's whole pass (renewals and charges) is done; then both
    // instances' next passes run at the same moment.
    let bDone!: () => void;
    const bFinished = new Promise<void>((resolve) => bDone = resolve);
    let held = false;
    const a = new BillingScheduler(t.deps, {
      clock: () => now,
      beforeCommit: async (step) => {
        if (step.projectId !== p || held) return;
        held = true;
        await bFinished;
      },
    });
    const b = new BillingScheduler(t.deps, { clock: () => now });
    const passA = a.pass();
    await waitFor(() => Promise.resolve(held), "A to hold a step open");
    await b.pass();
    bDone();
    await passA;
    await Promise.all([a.pass(), b.pass(), a.pass(at(now, 0.01)), b.pass(at(now, 0.01))]);
    const charges = await chargeRows(p);
    assert.equal(charges.length, users.length, "one attempt per renewal");
    assert.deepEqual(new Set(charges.map((c) => c.status)), new Set(["pending"]), JSON.stringify(charges));
    assert.deepEqual(charges.map((c) => c.tries), users.map(() => 1));
    const atXendit = chargesAtXendit(charges.map((c) => c.checkout as string));
    assert.equal(atXendit.length, users.length, "one charge per renewal at Xendit");
    assert.deepEqual(await as(p, (tx) => listMail(tx, p)), [], "in flight: every pay-link mail held back");
    for (const pr of atXendit) await served.sim.settle(pr.id, "pay");
    for (const user of users) {
      await waitFor(
        async () => (await paidThroughOf(p, user)) === monthAfter(at(now, 3)),
        "each renewal paid",
      );
    }
    assert.equal((await as(p, (tx) => listReceipts(tx, p))).length, users.length);
  } finally {
    served.sim.linkedChargeOutcome = "pay";
  }
});

Deno.test("auto-renewal — a failed charge falls back to the pay-link mail and the grace; paying the link renews", async () => {
  const paidThrough = new Date(Date.now() + 5 * DAY);
  const { shop, p, users: [user] } = await shopWithPayers(paidThrough, ["declined@example.com"]);
  await linkDana(shop, user);
  let now = at(paidThrough, -5);
  const scheduler = new BillingScheduler(t.deps, { clock: () => now });
  // Held, then declined once the pass is over: a decline Xendit sends at once may be applied before the same
  // pass looks for work again, which then mails in that pass rather than the next (both are right; this test
  // pins the next).
  served.sim.linkedChargeOutcome = "hold";
  let checkoutId: string;
  try {
    const first = await scheduler.pass();
    checkoutId = first.renewals.find((s) => s.projectId === p)!.checkout!.checkout_id;
    assert.deepEqual(first.charges.filter((c) => c.projectId === p).map((c) => c.outcome), ["pending"]);
  } finally {
    served.sim.linkedChargeOutcome = "pay";
  }
  const [held] = chargesAtXendit([checkoutId]);
  await served.sim.settle(held.id, "fail");
  await waitFor(
    async () => (await as(p, (tx) => tx`select 1 from astapa.payments where status = 'failed'`)).length > 0,
    "the failed callback",
  );
  now = at(paidThrough, -4);
  assert.deepEqual((await scheduler.pass()).charges.filter((c) => c.projectId === p).map((c) => c.outcome), [
    "mailed",
  ]);
  const mail = await sink.waitFor("declined@example.com", /pay for your next period/);
  const text = mailText(mail.data);
  assert.match(text, /We could not charge your DANA automatically/);
  assert.match(text, /Kami tidak dapat menagih DANA Anda/);
  assert.ok(text.includes(`${t.origin}/billing/checkout/${checkoutId}`), "the pay link");
  assert.deepEqual((await chargeRows(p)).map((r) => [r.status, r.failure_code, r.mailed]), [[
    "failed",
    "FAILED",
    true,
  ]]);
  assert.deepEqual((await scheduler.pass()).charges.filter((c) => c.projectId === p), [], "mailed once");

  // The grace: past_due at paid_through, still pro; the customer pays the link with QRIS and it renews.
  now = at(paidThrough, 1);
  assert.deepEqual(
    (await scheduler.pass()).renewals.filter((s) => s.projectId === p).map((s) => s.action),
    ["past_due"],
  );
  assert.equal((await as(p, (tx) => currentSubscription(tx, p, user))).plan, "pro");
  const charged = await chargeCheckout(t.deps, p, checkoutId, { method: "qris" });
  await served.sim.settle(charged.payment!.provider_id, "pay");
  await waitFor(
    async () => (await paidThroughOf(p, user)) === monthAfter(paidThrough),
    "the pay link to renew",
  );
  assert.equal(chargesAtXendit([checkoutId]).length, 2, "the failed DANA charge and the QRIS payment");
});

Deno.test("auto-renewal — while the charge is in flight the mail waits; an expired charge then mails the pay link", async () => {
  const paidThrough = new Date(Date.now() + 5 * DAY);
  const { shop, p, users: [user] } = await shopWithPayers(paidThrough, ["slow-wallet@example.com"]);
  await linkDana(shop, user);
  let now = at(paidThrough, -5);
  const scheduler = new BillingScheduler(t.deps, { clock: () => now });
  served.sim.linkedChargeOutcome = "hold";
  try {
    await scheduler.pass();
  } finally {
    served.sim.linkedChargeOutcome = "pay";
  }
  const [row] = await chargeRows(p);
  now = at(paidThrough, -4.5);
  assert.deepEqual((await scheduler.pass()).charges.filter((c) => c.projectId === p), []);
  assert.equal((await as(p, (tx) => listMail(tx, p))).length, 0, "no mail while the charge is in flight");
  const inFlight = await (await t.app.request(`/billing/checkout/${row.checkout}?lang=id`)).text();
  assert.match(inFlight, /DANA Anda yang tertaut sedang ditagih otomatis/, "the pay link page says so");
  const [pr] = chargesAtXendit([row.checkout as string]);
  await served.sim.settle(pr.id, "expire");
  await waitFor(
    async () => (await as(p, (tx) => tx`select 1 from astapa.payments where status = 'expired'`)).length > 0,
    "the expired callback",
  );
  assert.deepEqual((await scheduler.pass()).charges.filter((c) => c.projectId === p).map((c) => c.outcome), [
    "mailed",
  ]);
  const mails = await as(p, (tx) => listMail(tx, p));
  assert.deepEqual(mails.map((m) => [m.template, m.to]), [["renewal_due", "slow-wallet@example.com"]]);
  const payLink = await (await t.app.request(`/billing/checkout/${row.checkout}`)).text();
  assert.doesNotMatch(payLink, /data-linked-charge/);
  assert.match(payLink, /Pay another way/, "the customer chooses another method");
});
