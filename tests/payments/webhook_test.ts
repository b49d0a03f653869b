/**
 * The Xendit webhook and the worker under abuse: wrong or missing tokens, malformed bodies, duplicates,
 * out-of-order deliveries, unknown ids, and a worker killed mid-batch. Charges go through a project's own
 * (sealed) test keys to a simulator on a loopback port, which calls the app's webhook over HTTP.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { sandboxKeys } from "@/lib/payments/sandbox_accounts.ts";
import { asApp, createPool } from "@/db/client.ts";
import { currentSubscription } from "@/db/plans.ts";
import { setXenditKeys } from "@/db/payments.ts";
import { sealXenditKeys } from "@/lib/payments/accounts.ts";
import { chargeCheckout, openCheckout } from "@/lib/payments/checkout.ts";
import { type AppliedEvent, PaymentEventWorker } from "@/lib/payments/worker.ts";
import { testApp } from "../helpers/app.ts";
import { seedProject } from "../helpers/identity.ts";
import { seedShop, type Shop } from "../helpers/payments.ts";
import { waitFor } from "../helpers/wait.ts";
import { serveSimulator, TEST_CALLBACK_TOKEN, TEST_SECRET_KEY } from "../helpers/xendit.ts";

const served = serveSimulator();
const t = await testApp({ listen: true, env: { XENDIT_BASE_URL: served.url } });
served.sim.accounts.get(TEST_SECRET_KEY)!.webhookUrl = `${t.origin}/api/webhooks/xendit`;
Deno.test.afterAll(async () => {
  await served.close();
  await t.close();
});

async function shopWithKeys(email: string): Promise<Shop> {
  const shop = await seedShop(t.db.sql, { email });
  const sealed = await sealXenditKeys(t.deps.masterKeys.payments, shop.project.id, "sandbox", {
    secretKey: TEST_SECRET_KEY,
    callbackToken: TEST_CALLBACK_TOKEN,
  });
  await asApp(t.db.sql, shop.project.id, (tx) => setXenditKeys(tx, shop.project.id, "sandbox", sealed));
  return shop;
}

async function qrisCharge(shop: Shop) {
  const opened = await openCheckout(t.deps, shop.project.id, { sub: shop.userId, plan: "pro" });
  assert.equal(opened.xendit_account, "project", "the project's own keys are used");
  const charged = await chargeCheckout(t.deps, shop.project.id, opened.checkout_id, { method: "qris" });
  return { checkoutId: charged.checkout_id, prId: charged.payment!.provider_id };
}

function post(body: string, token?: string) {
  return fetch(`${t.origin}/api/webhooks/xendit`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { "x-callback-token": token } : {}) },
    body,
  });
}

const events = (projectId: string) =>
  t.db.sql`select provider_status, outcome, processed_at from astapa.payment_events
           where project_id = ${projectId} order by id`;

const subscription = (shop: Shop) =>
  asApp(t.db.sql, shop.project.id, (tx) => currentSubscription(tx, shop.project.id, shop.userId));

const MONTH_MS = 28 * 86400_000;

Deno.test("webhook — wrong or missing token is 401 and stores nothing; malformed bodies are 400", async () => {
  const shop = await shopWithKeys("abuse@example.com");
  const { prId } = await qrisCharge(shop);
  const body = JSON.stringify(served.sim.callbackBody(prId, "SUCCEEDED"));
  for (const token of [undefined, "wrong", TEST_CALLBACK_TOKEN + "x", ""]) {
    const res = await post(body, token);
    assert.equal(res.status, 401, `token ${token}`);
    await res.body?.cancel();
  }
  // The simulator's own delivery with a wrong token is refused too, and retried until it gives up.
  served.sim.pay(prId, { token: "forged" });
  await served.sim.webhooks.idle();
  assert.ok(served.sim.webhooks.log.filter((l) => l.status === 401).length >= 4);
  for (const bad of ["{not json", "[]", '{"event":"payment.succeeded"}', "null"]) {
    const res = await post(bad, TEST_CALLBACK_TOKEN);
    assert.equal(res.status, 400, bad);
    await res.body?.cancel();
  }
  assert.equal((await events(shop.project.id)).length, 0, "nothing stored");
  assert.equal((await subscription(shop)).plan, "free");
});

Deno.test("webhook — duplicate ×5 is stored once and extends the subscription once", async () => {
  const shop = await shopWithKeys("dup@example.com");
  const worker = new PaymentEventWorker(t.db.sql);
  await worker.start();
  try {
    const { prId } = await qrisCharge(shop);
    served.sim.pay(prId, { times: 5 });
    await served.sim.webhooks.idle();
    await worker.drain();
    const rows = await events(shop.project.id);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].outcome, "paid");
    const state = await subscription(shop);
    assert.equal(state.plan, "pro");
    const paidThrough = new Date(state.subscription!.paid_through!).getTime();
    assert.ok(
      paidThrough > Date.now() + MONTH_MS && paidThrough < Date.now() + 2 * MONTH_MS,
      "one month, not five",
    );
    assert.equal(
      state.history.filter((s) => s.source === "payment").length,
      0,
      "one payment subscription row",
    );
  } finally {
    await worker.stop();
  }
});

Deno.test("worker — a stored callback's notification names its project: applied on that wake-up alone", async () => {
  const [a, b] = [await shopWithKeys("named-a@example.com"), await shopWithKeys("named-b@example.com")];
  const applied: AppliedEvent[] = [];
  // No sweep within the test: after its first pass only the notifications can wake the worker.
  const worker = new PaymentEventWorker(t.db.sql, { sweepMs: 3_600_000, onApplied: (e) => applied.push(e) });
  await worker.start();
  try {
    for (const shop of [a, b]) served.sim.pay((await qrisCharge(shop)).prId);
    await served.sim.webhooks.idle();
    await waitFor(() => Promise.resolve(applied.length >= 2), "both projects' events applied");
    assert.deepEqual(
      applied.map((e) => [e.projectId, e.outcome]).sort(),
      [[a.project.id, "paid"], [b.project.id, "paid"]].sort(),
    );
    assert.equal((await subscription(a)).plan, "pro");
    assert.equal((await subscription(b)).plan, "pro");
  } finally {
    await worker.stop();
  }
});

Deno.test("webhook — out of order: PAID then a late PENDING and FAILED change nothing", async () => {
  const shop = await shopWithKeys("order@example.com");
  const worker = new PaymentEventWorker(t.db.sql);
  await worker.start();
  try {
    const { prId } = await qrisCharge(shop);
    served.sim.pay(prId, { times: 0 }); // paid at the simulator; we deliver ourselves, in our order
    const paid = JSON.stringify(served.sim.callbackBody(prId, "SUCCEEDED"));
    const pending = JSON.stringify(served.sim.callbackBody(prId, "PENDING"));
    const failed = JSON.stringify(served.sim.callbackBody(prId, "FAILED"));
    for (const body of [paid, pending, failed, pending]) {
      const res = await post(body, TEST_CALLBACK_TOKEN);
      assert.equal(res.status, 200);
      await res.body?.cancel();
    }
    await worker.drain();
    const rows = await events(shop.project.id);
    assert.deepEqual(rows.map((r) => [r.provider_status, r.outcome]), [
      ["SUCCEEDED", "paid"],
      ["PENDING", "no_change"],
      ["FAILED", "no_change"],
    ]);
    const state = await subscription(shop);
    assert.equal(state.plan, "pro");
    assert.equal(state.subscription!.status, "active");
  } finally {
    await worker.stop();
  }
});

Deno.test("webhook — unknown ids: an unknown checkout is acknowledged and dropped; an unknown charge changes nothing", async () => {
  const shop = await shopWithKeys("unknown@example.com");
  const { checkoutId, prId } = await qrisCharge(shop);
  const template = served.sim.callbackBody(prId, "SUCCEEDED") as { data: Record<string, unknown> };

  // A checkout id nobody has: the project's token proves nothing (no project is known), so 401…
  const stranger = { ...template, data: { ...template.data, reference_id: "chk_aaaaaaaaaaaaaaaaaaaaaaaa" } };
  const refused = await post(JSON.stringify(stranger), TEST_CALLBACK_TOKEN);
  assert.equal(refused.status, 401);
  await refused.body?.cancel();
  // …while the offline sandbox's own token is acknowledged (202) so its sender stops retrying.
  const sandboxProject = await seedProject(t.db.sql);
  const sandboxToken = (await sandboxKeys(t.deps, sandboxProject.id)).callbackToken;
  const acknowledged = await post(JSON.stringify(stranger), sandboxToken);
  assert.equal(acknowledged.status, 202);
  await acknowledged.body?.cancel();

  // Our checkout, but a payment request id we never made: stored, applied as unknown_payment, no plan change.
  const forged = {
    ...template,
    data: { ...template.data, reference_id: checkoutId, payment_request_id: "pr-forged" },
  };
  const stored = await post(JSON.stringify(forged), TEST_CALLBACK_TOKEN);
  assert.equal(stored.status, 200);
  await stored.body?.cancel();
  const worker = new PaymentEventWorker(t.db.sql);
  await worker.start();
  await worker.stop();
  assert.deepEqual((await events(shop.project.id)).map((r) => r.outcome), ["unknown_payment"]);
  assert.equal((await subscription(shop)).plan, "free");
});

Deno.test("worker — killed mid-batch, then two workers restart: every event applied exactly once", async () => {
  const shops: Shop[] = [];
  for (let i = 0; i < 6; i++) shops.push(await shopWithKeys(`batch${i}@example.com`));
  // No worker runs: the callbacks pile up as a backlog.
  for (const shop of shops) served.sim.pay((await qrisCharge(shop)).prId);
  await served.sim.webhooks.idle();
  for (const shop of shops) assert.equal((await events(shop.project.id)).length, 1);

  // A plain pool, not createPool's: a process that dies retries nothing, while createPool's would run the cut
  // transaction again on a new connection (db/failover.ts), as a live instance should.
  const poolA = postgres(t.db.url, {
    max: 2,
    onnotice: () => {},
    connection: { application_name: "astapa-worker-a" },
  });
  let release: () => void = () => {};
  const stuck = new Promise<void>((resolve) => release = resolve);
  let applied = 0;
  const a = new PaymentEventWorker(poolA, {
    beforeCommit: async () => {
      if (++applied === 3) await stuck; // the third event's transaction stays open…
    },
  });
  const draining = a.start();
  await waitFor(() => Promise.resolve(applied === 3), "worker A to reach its third event");
  // …and the process dies: it starts nothing more (a live worker would go on with other projects), and
  // every connection it had is cut.
  const dying = a.stop().catch(() => {});
  await t.db
    .sql`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'astapa-worker-a'`;
  release();
  await draining.catch(() => {});
  await dying;
  await poolA.end({ timeout: 0 });

  const committed = await t.db
    .sql`select count(*)::int as n from astapa.payment_events where processed_at is not null
                                   and project_id = any(${shops.map((s) => s.project.id)})`;
  assert.equal(committed[0].n, 2, "two events committed before the kill; the third rolled back");

  const b = new PaymentEventWorker(t.db.sql);
  const c = new PaymentEventWorker(createPool(t.db.url, { max: 2 }));
  await Promise.all([b.start(), c.start()]);
  await Promise.all([b.stop(), c.stop()]);
  await c.sql.end();
  for (const shop of shops) {
    const rows = await events(shop.project.id);
    assert.deepEqual(rows.map((r) => r.outcome), ["paid"]);
    const state = await subscription(shop);
    assert.equal(state.plan, "pro");
    const paidThrough = new Date(state.subscription!.paid_through!).getTime();
    assert.ok(paidThrough < Date.now() + 2 * MONTH_MS, "extended once");
    assert.equal(state.history.length, 0, "exactly one subscription change");
  }
});
