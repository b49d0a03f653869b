/**
 * The billing pass's Xendit breaker (lib/payments/xendit_breaker.ts) on the controllable clock, with
 * XENDIT_TIMEOUT_MS at 2 s and the simulator stalling one account's requests only: the first renewal charge
 * that goes unanswered is the pass's last call with that account — the second renewal is not attempted (no try
 * counted, no failure, no pay-link mail) and is charged by a later pass; another project's account is charged
 * in the same pass; reconciliation stops after its first unanswered question likewise. Calls are counted at
 * the simulator, not timed. An answer the pass cannot read is no silence: logged as an error, the breaker
 * stays shut, and after three tries the charge falls back to the pay-link mail. An account whose API key Xendit
 * refuses (401) opens it the same way: one charge asked, the rest held back, nothing declined.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { listMail } from "@/db/billing.ts";
import { setXenditKeys } from "@/db/payments.ts";
import { assignPlan } from "@/db/plans.ts";
import { updateProjectSettings } from "@/db/project_settings.ts";
import { sealXenditKeys } from "@/lib/payments/accounts.ts";
import { BillingScheduler } from "@/lib/payments/billing_scheduler.ts";
import { linkMethod } from "@/lib/payments/linked_methods.ts";
import { testApp } from "../helpers/app.ts";
import { rows } from "../helpers/db.ts";
import { seedUser } from "../helpers/identity.ts";
import { seedShop } from "../helpers/payments.ts";
import { waitFor } from "../helpers/wait.ts";
import { serveSimulator, TEST_BUSINESS_ID, TEST_CALLBACK_TOKEN, TEST_SECRET_KEY } from "../helpers/xendit.ts";

const served = serveSimulator();
const t = await testApp({
  listen: true,
  // Long enough that an answering simulator on a loaded machine is never taken for a stalled one (at 300 ms a
  // busy CI run timed out answered charges, opened the breaker and retried them); only stalled calls wait it out.
  env: { XENDIT_BASE_URL: served.url, XENDIT_TIMEOUT_MS: "2000" },
});
const webhookUrl = `${t.origin}/api/webhooks/xendit`;
served.sim.accounts.get(TEST_SECRET_KEY)!.webhookUrl = webhookUrl;
const OTHER = {
  secretKey: "xnd_development_other_account_0123456789",
  callbackToken: "other-callback-token-0123",
};
served.sim.addAccount({ ...OTHER, webhookUrl, businessId: `${TEST_BUSINESS_ID.slice(0, -1)}9` });
// Charges stay pending at Xendit: no callback settles them while the test counts calls.
served.sim.linkedChargeOutcome = "hold";
Deno.test.afterAll(async () => {
  await served.close();
  await t.close();
});

const DAY = 86_400_000;
const MINUTE = 60_000;
const as = <T>(projectId: string, work: Parameters<typeof asApp<T>>[2]) => asApp(t.db.sql, projectId, work);

/** A shop on its own Xendit keys with two payers of pro until `paidThrough`, each with an active DANA. */
async function shopWithLinkedPayers(keys: { secretKey: string; callbackToken: string }, emails: string[]) {
  const paidThrough = new Date(Date.now() + 3 * DAY);
  const shop = await seedShop(t.db.sql, { email: emails[0] });
  const p = shop.project.id;
  const users = [shop.userId];
  for (const email of emails.slice(1)) users.push(await seedUser(t.db.sql, p, email));
  const sealed = await sealXenditKeys(t.deps.masterKeys.payments, p, "sandbox", keys);
  await as(p, async (tx) => {
    await setXenditKeys(tx, p, "sandbox", sealed);
    await updateProjectSettings(tx, p, { linked_methods: { enabled: true } });
    for (const user of users) {
      await assignPlan(tx, p, user, "pro", "payment", {
        start: new Date(paidThrough.getTime() - 30 * DAY).toISOString(),
        end: paidThrough.toISOString(),
      });
    }
  });
  for (const user of users) {
    const { authUrl } = await linkMethod(t.deps, p, user, {
      channel: "DANA",
      successUrl: `${t.origin}/linked`,
      failureUrl: `${t.origin}/not-linked`,
    });
    const approved = await fetch(`${authUrl}/approve`, { method: "POST", redirect: "manual" });
    await approved.body?.cancel();
  }
  await waitFor(
    async () =>
      (await as(p, (tx) => tx`select 1 from astapa.linked_methods where status = 'active'`)).length ===
        users.length,
    "the activation callbacks",
  );
  return p;
}

const chargeRows = (p: string) =>
  as(p, async (tx) =>
    rows(
      await tx`select status, tries, failure_code, mailed_at is not null as mailed
               from astapa.renewal_charges order by id`,
    ));

/** Requests the simulator received with this key since `from` (an index into served.requests). */
const callsWith = (secretKey: string, from: number) =>
  served.requests.slice(from).filter((r) => r.secretKey === secretKey);

Deno.test("Xendit breaker — a stalled account's pass makes one call, skips the rest (still due, no mail); others are charged", async () => {
  const stalled = await shopWithLinkedPayers(
    { secretKey: TEST_SECRET_KEY, callbackToken: TEST_CALLBACK_TOKEN },
    ["stalled-0@example.com", "stalled-1@example.com"],
  );
  const answering = await shopWithLinkedPayers(OTHER, ["answering-0@example.com", "answering-1@example.com"]);
  let now = new Date();
  const scheduler = new BillingScheduler(t.deps, { clock: () => now });

  served.stalled.add(TEST_SECRET_KEY);
  let from = served.requests.length;
  const first = await scheduler.pass();
  assert.deepEqual(callsWith(TEST_SECRET_KEY, from).map((r) => r.path), ["/payment_requests"], "one call");
  assert.deepEqual(first.charges.filter((c) => c.projectId === stalled).map((c) => c.outcome), ["retry"]);
  assert.equal(first.skipped, 1);
  assert.deepEqual((await chargeRows(stalled)).map((r) => [r.status, r.tries, r.mailed]), [
    ["charging", 1, false],
    ["charging", 0, false],
  ], "the second was not attempted: no try counted, nothing failed");
  const payLinks = async () =>
    (await as(stalled, (tx) => listMail(tx, stalled))).filter((m) => m.template === "renewal_due");
  assert.deepEqual(await payLinks(), [], "no pay-link mail for the skipped charge");
  assert.equal(callsWith(OTHER.secretKey, from).length, 2, "the other account answers and is charged");
  assert.deepEqual(
    first.charges.filter((c) => c.projectId === answering).map((c) => c.outcome),
    ["pending", "pending"],
  );
  const opened = t.logs.filter((line) => line.msg === "xendit_breaker_open");
  assert.equal(opened.length, 1);
  assert.deepEqual(
    [opened[0].project_id, opened[0].mode, opened[0].call, opened[0].error],
    [stalled, "sandbox", "renewal charge", "timeout"],
  );

  // Xendit answers again; past the unanswered charge's retry delay, the next pass charges both.
  served.stalled.delete(TEST_SECRET_KEY);
  now = new Date(now.getTime() + 11 * MINUTE);
  from = served.requests.length;
  const second = await scheduler.pass();
  assert.equal(second.skipped, 0);
  assert.equal(callsWith(TEST_SECRET_KEY, from).length, 2);
  assert.deepEqual((await chargeRows(stalled)).map((r) => [r.status, r.tries, r.mailed]), [
    ["pending", 2, false],
    ["pending", 1, false],
  ]);
  assert.deepEqual(await payLinks(), [], "no pay-link mail");

  // The four charges are stale now: the stalled account's reconciliation asks once and skips the other.
  served.stalled.add(TEST_SECRET_KEY);
  now = new Date(now.getTime() + 20 * MINUTE);
  from = served.requests.length;
  const third = await scheduler.pass();
  served.stalled.delete(TEST_SECRET_KEY);
  assert.deepEqual(callsWith(TEST_SECRET_KEY, from).map((r) => r.method), ["GET"], "one question");
  assert.equal(third.skipped, 1);
  assert.equal(callsWith(OTHER.secretKey, from).length, 2, "the other account's charges are asked about");
  assert.deepEqual(
    t.logs.filter((line) => line.msg === "xendit_breaker_open").map((line) => line.call),
    ["renewal charge", "reconcile charge"],
  );
});

Deno.test("Xendit breaker — an answer the pass cannot read is logged as an error, opens nothing, and ends in the pay-link mail after three tries", async () => {
  const p = await shopWithLinkedPayers(
    { secretKey: TEST_SECRET_KEY, callbackToken: TEST_CALLBACK_TOKEN },
    ["garbled-0@example.com", "garbled-1@example.com"],
  );
  // Something in front of Xendit answers 200 with a page: every charge's answer is unreadable.
  let calls = 0;
  const garbled = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => {
    if (request.method === "POST") calls++; // charges (reconciliation's questions are GETs)
    return new Response("<html>maintenance</html>", { headers: { "content-type": "application/json" } });
  });
  t.deps.config.xendit.baseUrl = `http://127.0.0.1:${garbled.addr.port}`;
  const errors = () => t.logs.filter((line) => line.msg === "renewal_charge_error" && line.project_id === p);
  const opened = () => t.logs.filter((line) => line.msg === "xendit_breaker_open" && line.project_id === p);
  try {
    let now = new Date();
    const scheduler = new BillingScheduler(t.deps, { clock: () => now });
    const outcomes = async () => (await scheduler.pass()).charges.filter((c) => c.projectId === p);
    for (let pass = 1; pass <= 3; pass++) {
      const before = calls;
      assert.deepEqual((await outcomes()).map((c) => c.outcome), ["retry", "retry"], `pass ${pass}`);
      assert.equal(calls - before, 2, "both charges asked: a bug of ours does not open the breaker");
      assert.equal(errors().length, 2 * pass);
      now = new Date(now.getTime() + 11 * MINUTE);
    }
    assert.deepEqual(opened(), []);
    assert.match(JSON.stringify(errors()[0].error), /SyntaxError/, "the error itself, with its stack");
    assert.deepEqual(
      (await outcomes()).map((c) => c.outcome),
      ["mailed", "mailed"],
      "given up after three tries",
    );
    assert.deepEqual((await chargeRows(p)).map((r) => [r.status, r.tries, r.failure_code, r.mailed]), [
      ["failed", 3, "NO_ANSWER", true],
      ["failed", 3, "NO_ANSWER", true],
    ]);
  } finally {
    t.deps.config.xendit.baseUrl = served.url;
    await garbled.shutdown();
  }
});

Deno.test("Xendit breaker — a refused API key opens it: one charge asked (retried, not declined), the other held back; both go out once fixed", async () => {
  const keys = { secretKey: TEST_SECRET_KEY, callbackToken: TEST_CALLBACK_TOKEN };
  const p = await shopWithLinkedPayers(keys, ["key-refused-0@example.com", "key-refused-1@example.com"]);
  const useKey = async (secretKey: string) => {
    const sealed = await sealXenditKeys(t.deps.masterKeys.payments, p, "sandbox", { ...keys, secretKey });
    await as(p, (tx) => setXenditKeys(tx, p, "sandbox", sealed));
  };
  // A key the simulator does not know, as after a rotation: 401 INVALID_API_KEY.
  const revoked = "xnd_development_rotated_away_0123456789";
  let now = new Date();
  const scheduler = new BillingScheduler(t.deps, { clock: () => now });
  await useKey(revoked);
  let from = served.requests.length;
  const first = await scheduler.pass();
  assert.deepEqual(callsWith(revoked, from).map((r) => r.path), ["/payment_requests"], "one call");
  assert.deepEqual(first.charges.filter((c) => c.projectId === p).map((c) => c.outcome), ["retry"]);
  assert.equal(first.skipped, 1, "the other is held back: never sent");
  assert.deepEqual((await chargeRows(p)).map((r) => [r.status, r.tries, r.failure_code, r.mailed]), [
    ["charging", 1, null, false],
    ["charging", 0, null, false],
  ], "no decline recorded; the held-back one not even tried");
  const payLinks = (await as(p, (tx) => listMail(tx, p))).filter((m) => m.template === "renewal_due");
  assert.deepEqual(payLinks, [], "no pay-link mail");
  const opened = t.logs.filter((line) => line.msg === "xendit_breaker_open" && line.project_id === p);
  assert.deepEqual(opened.map((line) => [line.call, line.reason, line.status, line.error]), [
    ["renewal charge", "credentials_refused", 401, "INVALID_API_KEY"],
  ]);
  const refused = t.logs.filter((line) =>
    line.msg === "xendit_charge_credentials_refused" && line.project_id === p
  );
  assert.deepEqual(
    refused.map((line) => [line.level, line.status]),
    [["error", 401]],
    "logged once, as an error",
  );
  assert.ok(!JSON.stringify(t.logs).includes(revoked), "never the key");

  // The keys fixed, past the retry delay: both charges go out.
  await useKey(TEST_SECRET_KEY);
  now = new Date(now.getTime() + 11 * MINUTE);
  from = served.requests.length;
  const second = await scheduler.pass();
  assert.equal(second.skipped, 0);
  assert.equal(callsWith(TEST_SECRET_KEY, from).filter((r) => r.path === "/payment_requests").length, 2);
  assert.deepEqual((await chargeRows(p)).map((r) => [r.status, r.failure_code]), [
    ["pending", null],
    ["pending", null],
  ]);
});
