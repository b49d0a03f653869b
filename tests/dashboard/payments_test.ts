/**
 * The dashboard's Payments page over HTTP: the list (filters, keyset pages, sandbox vs production), the
 * charts, roles, and the live feed — server-sent events of a payment that goes through the real flow
 * (checkout API → simulator pays → Xendit webhook → worker → NOTIFY), resumable with Last-Event-ID.
 */
import assert from "node:assert/strict";
import { abandonedCharge } from "../helpers/abandoned_charge.ts";
import { takeLive } from "../helpers/live_keys.ts";
import { testApp } from "../helpers/app.ts";
import { addDeveloperTo, getAs, inviteDeveloper, postAs, signInDeveloper } from "../helpers/dashboard.ts";
import { seedUser } from "../helpers/identity.ts";
import { basic } from "../helpers/oauth.ts";
import { seedShop } from "../helpers/payments.ts";
import { waitFor } from "../helpers/wait.ts";
import { eventReader } from "../helpers/sse.ts";
import { OURS } from "../helpers/stopped_reconciliation.ts";
import { postJson } from "../helpers/token_client.ts";
import { asApp } from "@/db/client.ts";
import { createCheckout } from "@/db/payments.ts";
import { updateProject } from "@/db/projects.ts";
import { PaymentEventWorker } from "@/lib/payments/worker.ts";

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
await inviteDeveloper(t, "stranger@dev.example");
const stranger = await signInDeveloper(t, "stranger@dev.example");

async function shopFor(email: string) {
  const shop = await seedShop(t.db.sql, { email });
  await addDeveloperTo(t, shop.project.id, owner.accountId, "owner");
  await addDeveloperTo(t, shop.project.id, viewer.accountId, "viewer");
  return { ...shop, base: `/dashboard/projects/${shop.project.id}` };
}
type TestShop = Awaited<ReturnType<typeof shopFor>>;

/** A checkout with a QRIS charge through the platform API (the simulator makes the charge). */
async function qrisCheckout(shop: TestShop, userId = shop.userId): Promise<string> {
  const { res, body } = await postJson(t, "/api/platform/checkout", {
    user: userId,
    plan: "pro",
    method: "qris",
  }, {
    authorization: basic(shop.project.clientId, shop.project.secret),
  });
  assert.equal(res.status, 201, JSON.stringify(body));
  return body.checkout_id;
}

/** The customer pays: the simulator sends Xendit's callback to the webhook, the worker applies it. */
async function pay(checkoutId: string): Promise<void> {
  const pr = [...t.deps.xenditSandbox.paymentRequests.values()].find((p) => p.referenceId === checkoutId)!;
  await t.deps.xenditSandbox.settle(pr.id, "pay");
}

async function paid(shop: TestShop, checkoutId: string): Promise<void> {
  await waitFor(async () => {
    const html = await (await getAs(t, owner, `${shop.base}/payments?status=paid`)).text();
    return html.includes(checkoutId);
  }, "the payment to be applied");
}

function rowOf(html: string, checkoutId: string): string {
  const match = new RegExp(`<tr[^>]*data-checkout="${checkoutId}"[^>]*>([\\s\\S]*?)</tr>`).exec(html);
  assert.ok(match, `a row for ${checkoutId}`);
  return match[0];
}

function openFeed(shop: TestShop, headers: Record<string, string> = {}, who = owner) {
  return Promise.resolve(t.app.request(`${shop.base}/payments/events`, {
    headers: { accept: "text/event-stream", cookie: who.cookie, ...headers },
  }));
}

Deno.test("payments page — status, method, amount in rupiah, user, plan and times; filters", async () => {
  const shop = await shopFor("list@example.com");
  const paidId = await qrisCheckout(shop);
  await pay(paidId);
  await paid(shop, paidId);
  const pendingId = await qrisCheckout(shop);
  const res = await getAs(t, owner, `${shop.base}/payments`);
  assert.equal(res.status, 200);
  const html = await res.text();
  assert.match(html, /<h1>Payments<\/h1>/);
  assert.match(html, /aria-current="page">Payments</);
  const row = rowOf(html, paidId);
  assert.match(row, /data-status="paid"/);
  assert.match(row, />QRIS</);
  assert.match(row, /Rp 99\.000/);
  assert.match(row, /list@example\.com/);
  assert.match(row, />Pro</);
  assert.match(row, /\d{4}, \d\d:\d\d UTC[\s\S]*\d{4}, \d\d:\d\d UTC/, "created and paid times");
  assert.match(rowOf(html, pendingId), /data-status="pending"/);
  assert.ok(html.indexOf(pendingId) < html.indexOf(paidId), "newest first");

  const onlyPaid = await (await getAs(t, owner, `${shop.base}/payments?status=paid`)).text();
  assert.ok(onlyPaid.includes(paidId) && !onlyPaid.includes(`data-checkout="${pendingId}"`));
  assert.match(onlyPaid, /<option value="paid" selected/);
  const gopay = await (await getAs(t, owner, `${shop.base}/payments?method=gopay`)).text();
  assert.ok(!gopay.includes(`data-checkout="${paidId}"`));
  assert.match(gopay, /No payments yet/);
  const any = await (await getAs(t, owner, `${shop.base}/payments?status=&method=qris`)).text();
  assert.ok(any.includes(paidId) && any.includes(pendingId));
  assert.equal((await getAs(t, owner, `${shop.base}/payments?status=refunded`)).status, 400);
  assert.equal((await getAs(t, owner, `${shop.base}/payments?before=abc`)).status, 400);
});

Deno.test("payments page — a checkout whose charge's reconciliation stopped after our errors says so, and why (en, id)", async () => {
  const { recordPaymentReconcileError } = await import("@/db/billing.ts");
  const shop = await shopFor("reconcile-stopped@example.com");
  const p = shop.project.id;
  const stuckId = await qrisCheckout(shop);
  const fineId = await qrisCheckout(shop);
  const pr = [...t.deps.xenditSandbox.paymentRequests.values()].find((r) => r.referenceId === stuckId)!;
  const now = new Date("2031-05-04T03:02:00Z");
  for (let i = 0; i < 2; i++) {
    await asApp(t.db.sql, p, (tx) => recordPaymentReconcileError(tx, p, pr.id, now, OURS));
  }
  const refused = {
    code: "provider_refused",
    message: "Xendit refused the question (404 DATA_NOT_FOUND).",
  } as const;
  await asApp(t.db.sql, p, (tx) => recordPaymentReconcileError(tx, p, pr.id, now, refused));
  const html = await (await getAs(t, viewer, `${shop.base}/payments`)).text();
  const row = rowOf(html, stuckId);
  assert.match(row, /data-reconcile-stopped="[^"]+" data-reconcile-error="provider_refused"/);
  assert.match(
    row,
    /<span lang="en">Stopped after 3 errors: Xendit refused the question \(404 DATA_NOT_FOUND\) \(4 May 2031, 03:02 UTC\)\./,
  );
  assert.match(
    row,
    /<span lang="id">Berhenti setelah 3 galat: Xendit menolak pertanyaannya \(4 May 2031, 03:02 UTC\)\./,
  );
  assert.doesNotMatch(rowOf(html, fineId), /data-reconcile-stopped/);
  // In Indonesian the reason is said in Indonesian only, its date written the Indonesian way.
  const inIndonesian = rowOf(await (await getAs(t, viewer, `${shop.base}/payments?lang=id`)).text(), stuckId);
  assert.match(
    inIndonesian,
    /<span lang="id">Berhenti setelah 3 galat: Xendit menolak pertanyaannya \(4 Mei 2031, 03\.02 UTC\)\. Callback Xendit tetap menyelesaikannya\./,
  );
  assert.doesNotMatch(inIndonesian, /lang="en"|Stopped after|refused the question/);
});

Deno.test("payments page — a charge ended here (Xendit still called it pending past its horizon) says so, when and why (en, id)", async () => {
  const shop = await shopFor("abandoned@example.com");
  const ended = await abandonedCharge(
    t.db.sql,
    shop,
    "pr-dashboard-abandoned",
    new Date("2031-05-04T03:02:00Z"),
  );
  const fineId = await qrisCheckout(shop);
  const html = await (await getAs(t, viewer, `${shop.base}/payments`)).text();
  const row = rowOf(html, ended.checkoutId);
  assert.match(row, /data-abandoned="2031-05-04T03:02:00[^"]*" data-provider-id="pr-dashboard-abandoned"/);
  assert.match(
    row,
    /Ended here on 4 May 2031, 03:02 UTC: Xendit still called it pending past its horizon \([^)]+ UTC\)\. A payment Xendit reports later is still applied\. \(audit log: payment\.charge_abandoned\)/,
  );
  // The reason the billing pass wrote, as the audit log has it.
  assert.ok(row.includes(`title="${ended.reason}"`), row);
  assert.doesNotMatch(rowOf(html, fineId), /data-abandoned/);
  const inIndonesian = rowOf(
    await (await getAs(t, viewer, `${shop.base}/payments?lang=id`)).text(),
    ended.checkoutId,
  );
  assert.match(
    inIndonesian,
    /Diakhiri di sini pada 4 Mei 2031, 03\.02 UTC: Xendit masih menyebutnya tertunda setelah batas waktunya \([^)]+ UTC\)\./,
  );
  assert.doesNotMatch(inIndonesian, /Ended here/);
});

Deno.test("payments page — admins resume a stopped reconciliation (CSRF, audited); viewers see no button and cannot post", async () => {
  const { recordPaymentReconcileError } = await import("@/db/billing.ts");
  const shop = await shopFor("reconcile-resume@example.com");
  const p = shop.project.id;
  const stuckId = await qrisCheckout(shop);
  const pr = [...t.deps.xenditSandbox.paymentRequests.values()].find((r) => r.referenceId === stuckId)!;
  for (let i = 0; i < 3; i++) {
    await asApp(t.db.sql, p, (tx) => recordPaymentReconcileError(tx, p, pr.id, new Date(), OURS));
  }
  const action = `${shop.base}/payments/reconcile`;
  assert.doesNotMatch(
    rowOf(await (await getAs(t, viewer, `${shop.base}/payments`)).text(), stuckId),
    /reconcile-form/,
  );
  const ownerRow = rowOf(await (await getAs(t, owner, `${shop.base}/payments`)).text(), stuckId);
  assert.match(ownerRow, new RegExp(`<form method="post" action="${action}" class="inline reconcile-form">`));
  assert.match(ownerRow, new RegExp(`name="id" value="${stuckId}"`));
  assert.match(ownerRow, /Resume reconciliation[\s\S]*Lanjutkan rekonsiliasi/, "in English and Indonesian");
  const ownerRowId = rowOf(await (await getAs(t, owner, `${shop.base}/payments?lang=id`)).text(), stuckId);
  assert.match(
    ownerRowId,
    /<button type="submit" class="link" lang="id">Lanjutkan rekonsiliasi/,
    "in Indonesian",
  );
  assert.doesNotMatch(ownerRowId, /Resume reconciliation/);

  const stillStopped = async () =>
    rowOf(await (await getAs(t, owner, `${shop.base}/payments`)).text(), stuckId).includes(
      "data-reconcile-stopped",
    );
  assert.equal((await postAs(t, viewer, action, { id: stuckId })).status, 403, "viewers only read");
  assert.equal((await postAs(t, owner, action, { id: stuckId }, null)).status, 403, "no CSRF token");
  assert.equal((await postAs(t, owner, action, { id: stuckId }, viewer.csrf)).status, 403, "another's token");
  assert.equal((await postAs(t, stranger, action, { id: stuckId })).status, 404, "not a member");
  assert.ok(await stillStopped(), "refused posts change nothing");

  const done = await postAs(t, owner, action, { id: stuckId });
  assert.equal(done.status, 303);
  assert.equal(done.headers.get("location"), `${shop.base}/payments?done=payment_reconcile_resumed`);
  const after = await (await getAs(t, owner, done.headers.get("location")!)).text();
  assert.match(after, /role="status">Reconciliation resumed: Xendit is asked about this payment again now/);
  assert.match(after, /Rekonsiliasi dilanjutkan/);
  const afterId = await (await getAs(t, owner, `${done.headers.get("location")}&lang=id`)).text();
  assert.match(afterId, /role="status">Rekonsiliasi dilanjutkan: Xendit ditanya lagi tentang pembayaran ini/);
  assert.doesNotMatch(afterId, /Reconciliation resumed/);
  assert.doesNotMatch(rowOf(after, stuckId), /data-reconcile-stopped|reconcile-form/);
  const [audit] = await asApp(
    t.db.sql,
    p,
    (tx) => tx`select actor, target from astapa.audit_log where action = 'payment.reconcile_resumed'`,
  );
  assert.deepEqual([audit.actor, audit.target], [`account:${owner.accountId}`, `checkout:${stuckId}`]);

  const again = await postAs(t, owner, action, { id: stuckId });
  assert.equal(again.status, 422);
  const refused = await again.text();
  assert.match(refused, /role="alert">Its reconciliation has not stopped \(or was resumed already\)/);
  assert.match(refused, /Rekonsiliasinya belum berhenti/);
  const notAnId = await postAs(t, owner, action, { id: "chk_x" });
  assert.equal(notAnId.status, 422, "not an id");
  assert.match(await notAnId.text(), /role="alert">Some fields are missing or invalid\. id: /);
});

Deno.test("payments page — 50 a page, older pages by keyset, no live feed on older pages", async () => {
  const shop = await shopFor("pages@example.com");
  const ids = await asApp(t.db.sql, shop.project.id, async (tx) => {
    const made: string[] = [];
    for (let i = 0; i < 52; i++) {
      const checkout = await createCheckout(tx, shop.project.id, {
        sub: shop.userId,
        plan: "pro",
        xendit_account: "simulator",
      });
      made.push(checkout.checkout_id);
    }
    return made;
  });
  const first = await (await getAs(t, owner, `${shop.base}/payments`)).text();
  assert.equal(first.match(/data-checkout="/g)?.length, 50);
  assert.ok(first.includes(ids[51]) && !first.includes(ids[1]));
  assert.match(first, /payments\/events\?after=\d+/);
  const older = /href="([^"]*before=\d+)">Older payments/.exec(first)?.[1];
  assert.ok(older, "a link to older payments");
  const second = await (await getAs(t, owner, older.replaceAll("&amp;", "&"))).text();
  assert.equal(second.match(/data-checkout="/g)?.length, 2);
  assert.ok(second.includes(ids[0]) && second.includes(ids[1]));
  assert.ok(!second.includes("Older payments"));
  assert.ok(!/payments\/events/.test(second), "older pages are not live");
});

Deno.test("payments page — production shows none of the sandbox's payments, and the reverse", async () => {
  const shop = await shopFor("sandbox@example.com");
  const sandboxId = await qrisCheckout(shop);
  await pay(sandboxId);
  await paid(shop, sandboxId);
  const sandboxPage = await (await getAs(t, owner, `${shop.base}/payments`)).text();
  assert.match(sandboxPage, /QRIS: Rp 99\.000 from 1 payment\b/);
  await takeLive(t.db.sql, shop.project.id);
  const productionUser = await seedUser(t.db.sql, shop.project.id, "live@example.com");
  const productionId = await asApp(
    t.db.sql,
    shop.project.id,
    async (tx) =>
      (await createCheckout(tx, shop.project.id, {
        sub: productionUser,
        plan: "pro",
        xendit_account: "deployment",
      }))
        .checkout_id,
  );
  const production = await (await getAs(t, owner, `${shop.base}/payments`)).text();
  assert.ok(production.includes(productionId));
  assert.ok(!production.includes(sandboxId), "sandbox payments stay in sandbox");
  assert.match(production, /QRIS: Rp 0 from 0 payments/);
  assert.match(production, /1 new production user from/);
  await asApp(t.db.sql, shop.project.id, (tx) => updateProject(tx, shop.project.id, { mode: "sandbox" }));
  const sandbox = await (await getAs(t, owner, `${shop.base}/payments`)).text();
  assert.ok(sandbox.includes(sandboxId) && !sandbox.includes(productionId));
});

Deno.test("payments page — charts are SVG with a title, a description and text labels", async () => {
  const shop = await shopFor("charts@example.com");
  const html = await (await getAs(t, owner, `${shop.base}/payments`)).text();
  assert.match(html, /<svg[^>]*role="img"[^>]*aria-labelledby="signups-title signups-desc"/);
  assert.match(html, /<title id="signups-title">Sign-ups per day, last 30 days \(sandbox\)<\/title>/);
  assert.match(html, /<desc id="signups-desc">1 new sandbox user from \d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d/);
  assert.equal(html.match(/<rect class="bar"[^>]*data-day=/g)?.length, 30);
  assert.match(
    html,
    /<title id="revenue-title">Revenue by payment method, last 30 days \(sandbox\)<\/title>/,
  );
  for (const label of ["QRIS", "GoPay", "OVO", "Virtual account"]) {
    assert.match(html, new RegExp(`<text class="label"[^>]*>${label}</text>`));
  }
  assert.match(html, /<summary>Sign-ups as a table<\/summary>/);
});

Deno.test("payments page — the MRR and churn chart: a paid monthly plan is this month's MRR, in a table too", async () => {
  const shop = await shopFor("mrr-chart@example.com");
  const checkoutId = await qrisCheckout(shop);
  await pay(checkoutId);
  await paid(shop, checkoutId);
  const html = await (await getAs(t, owner, `${shop.base}/payments`)).text();
  assert.match(html, /<svg[^>]*role="img"[^>]*aria-labelledby="mrr-title mrr-desc"/);
  assert.match(html, /<title id="mrr-title">Monthly recurring revenue, last 12 months \(sandbox\)<\/title>/);
  assert.equal(html.match(/<g data-month="\d{4}-\d\d">/g)?.length, 12);
  const month = new Date().toISOString().slice(0, 7);
  assert.match(html, new RegExp(`<title>${month}: Rp 99\\.000 MRR, 1 paying, 1 new, 0 churned</title>`));
  assert.match(html, /<summary>MRR and churn as a table<\/summary>/);
});

Deno.test("payments page — viewers read; strangers get 404; signed-out visitors go to sign-in", async () => {
  const shop = await shopFor("roles@example.com");
  assert.equal((await getAs(t, viewer, `${shop.base}/payments`)).status, 200);
  assert.equal((await getAs(t, stranger, `${shop.base}/payments`)).status, 404);
  const anonymous = await getAs(t, null, `${shop.base}/payments`);
  assert.equal(anonymous.status, 303);
  assert.equal(anonymous.headers.get("location"), "/dashboard/login");
  const strangerFeed = await openFeed(shop, {}, stranger);
  assert.equal(strangerFeed.status, 404);
  await strangerFeed.body?.cancel();
  const anonymousFeed = await t.app.request(`${shop.base}/payments/events`);
  assert.equal(anonymousFeed.status, 303);
  await anonymousFeed.body?.cancel();
});

Deno.test("payments feed — a paid payment arrives as a server-sent event; a viewer may follow it", async () => {
  const shop = await shopFor("feed@example.com");
  const res = await openFeed(shop, {}, viewer);
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/event-stream/);
  assert.equal(res.headers.get("cache-control"), "no-store");
  const feed = eventReader(res);
  try {
    const checkoutId = await qrisCheckout(shop);
    await pay(checkoutId);
    const event = await feed.next((e) => e.event === "payment");
    const { outcome, payment } = JSON.parse(event.data);
    assert.equal(outcome, "paid");
    assert.equal(payment.checkout_id, checkoutId);
    assert.equal(payment.status, "paid");
    assert.equal(payment.method, "qris");
    assert.equal(payment.amount, 99_000);
    assert.equal(payment.email, "feed@example.com");
    assert.match(event.id ?? "", /^\d+$/);
  } finally {
    await feed.stop();
  }
});

Deno.test("payments feed — Last-Event-ID resumes from the durable table: nothing lost, nothing repeated", async () => {
  const shop = await shopFor("resume@example.com");
  const live = eventReader(await openFeed(shop));
  let firstEventId: string;
  const firstCheckout = await qrisCheckout(shop);
  try {
    await pay(firstCheckout);
    const first = await live.next((e) => e.event === "payment");
    firstEventId = first.id!;
  } finally {
    await live.stop();
  }
  // While nobody listens, a second payment is made.
  const secondCheckout = await qrisCheckout(shop);
  await pay(secondCheckout);
  await paid(shop, secondCheckout);
  // Reconnecting with the last id seen delivers the missed payment first, and not the one already seen.
  const resumed = eventReader(await openFeed(shop, { "last-event-id": firstEventId }));
  try {
    const next = await resumed.next((e) => e.event === "payment");
    assert.equal(JSON.parse(next.data).payment.checkout_id, secondCheckout);
    assert.ok(Number(next.id) > Number(firstEventId));
  } finally {
    await resumed.stop();
  }
  // The page's own starting point (?after=) works the same; a garbage Last-Event-ID starts from now.
  const fromStart = eventReader(await openFeed(shop, { "last-event-id": "0" }));
  try {
    const replayed = await fromStart.next((e) => e.event === "payment");
    assert.equal(JSON.parse(replayed.data).payment.checkout_id, firstCheckout);
  } finally {
    await fromStart.stop();
  }
  const fromNow = eventReader(await openFeed(shop, { "last-event-id": "not-a-number" }));
  try {
    const thirdCheckout = await qrisCheckout(shop);
    await pay(thirdCheckout);
    const event = await fromNow.next((e) => e.event === "payment");
    assert.equal(JSON.parse(event.data).payment.checkout_id, thirdCheckout);
  } finally {
    await fromNow.stop();
  }
});
