/**
 * The offline sandbox's linked methods across instances (issue 23 item 6): two Astapa instances on one database,
 * each with its own built-in simulator on its own address. A customer links DANA through instance A, approves it
 * on instance B's simulator page, and B's renewal pass charges the method through B's simulator — the method
 * lives in Postgres (astapa.sandbox_payment_methods), not in A's memory, so every instance agrees on it; an
 * approval sent to both instances at once activates it once. A card tokenised by the sandbox's Xendit.js with the
 * project's simulator public key on A is linked through B.
 */
import assert from "node:assert/strict";
import type { Hono } from "hono";
import { asApp } from "@/db/client.ts";
import { assignPlan, currentSubscription } from "@/db/plans.ts";
import { updateProjectSettings } from "@/db/project_settings.ts";
import { createApp } from "@/lib/app.ts";
import { createDeps } from "@/lib/deps.ts";
import { BillingScheduler } from "@/lib/payments/billing_scheduler.ts";
import { linkMethod } from "@/lib/payments/linked_methods.ts";
import { cardTokenizer } from "@/lib/payments/card_link.ts";
import { PaymentEventWorker } from "@/lib/payments/worker.ts";
import { deriveMasterKeys } from "@/lib/tokens/master_key.ts";
import { TEST_MASTER_KEY, testApp } from "../helpers/app.ts";
import { rows, testEnv } from "../helpers/db.ts";
import { seedShop } from "../helpers/payments.ts";
import { waitFor } from "../helpers/wait.ts";

const a = await testApp({ listen: true });
// Instance B: the same database and keys, its own listener, so its simulator answers at its own address.
const holder: { app?: Hono } = {};
const bServer = Deno.serve(
  { hostname: "127.0.0.1", port: 0, onListen: () => {} },
  (request) => holder.app!.fetch(request),
);
const bOrigin = `http://127.0.0.1:${bServer.addr.port}`;
const bDeps = await createDeps({
  config: { ...a.config, baseUrl: bOrigin },
  sql: a.db.sql,
  masterKeys: await deriveMasterKeys(TEST_MASTER_KEY),
  assets: { clientScript: testEnv("ASTAPA_TEST_CLIENT_SCRIPT") },
});
holder.app = await createApp(bDeps) as unknown as Hono;
const worker = new PaymentEventWorker(a.db.sql, { receiptBaseUrl: a.origin });
await worker.start();
Deno.test.afterAll(async () => {
  await worker.stop();
  bDeps.close();
  await bServer.shutdown();
  await a.close();
});

const DAY = 86_400_000;

Deno.test("sandbox linked methods — linked through A, approved on B, charged by B's pass: one method, one charge", async () => {
  const shop = await seedShop(a.db.sql, { email: "two-instances@example.com" });
  const p = shop.project.id;
  const paidThrough = new Date(Date.now() + 5 * DAY);
  await asApp(a.db.sql, p, async (tx) => {
    await updateProjectSettings(tx, p, { linked_methods: { enabled: true } });
    await assignPlan(tx, p, shop.userId, "pro", "payment", {
      start: new Date(paidThrough.getTime() - 30 * DAY).toISOString(),
      end: paidThrough.toISOString(),
    });
  });
  const { method, authUrl } = await linkMethod(a.deps, p, shop.userId, {
    channel: "DANA",
    successUrl: `${a.origin}/billing/account?notice=linked`,
    failureUrl: `${a.origin}/billing/account?notice=link_failed`,
  });
  assert.ok(authUrl.startsWith(`${a.origin}/sandbox/xendit/web/payment_methods/pm-`), authUrl);
  assert.equal(a.deps.xenditSandbox.paymentMethods.size > 0, true);
  assert.equal(bDeps.xenditSandbox.paymentMethods.size, 0, "B's simulator has not seen it in memory");

  // The customer's approval reaches both instances at once (a double click across a load balancer).
  const path = new URL(authUrl).pathname;
  const approvals = await Promise.all(
    [a.origin, bOrigin].map((origin) =>
      fetch(`${origin}${path}/approve`, { method: "POST", redirect: "manual" })
    ),
  );
  for (const response of approvals) await response.body?.cancel();
  assert.deepEqual(approvals.map((r) => r.status).sort(), [303, 409], "approved once");
  await waitFor(
    async () =>
      rows(
        await asApp(
          a.db.sql,
          p,
          (tx) =>
            tx`select 1 from astapa.linked_methods where public_id = ${method.method_id} and status = 'active'`,
        ),
      ).length > 0,
    "the activation callback",
  );
  const page = await fetch(`${bOrigin}${path}`);
  assert.match(await page.text(), /Status: ACTIVE/, "B's simulator shows the method A made");

  // B's pass charges the method through B's own simulator.
  const scheduler = new BillingScheduler(bDeps, { clock: () => new Date(paidThrough.getTime() - 5 * DAY) });
  const report = await scheduler.pass();
  // Made in this pass (its callback, applied before the pass ends, may be reported paid too).
  assert.deepEqual(
    report.charges.filter((c) => c.projectId === p && c.outcome !== "paid").map((c) => c.outcome),
    ["pending"],
  );
  const next = new Date(paidThrough);
  next.setUTCMonth(next.getUTCMonth() + 1);
  await waitFor(async () => {
    const sub = (await asApp(a.db.sql, p, (tx) => currentSubscription(tx, p, shop.userId))).subscription;
    return new Date(sub?.paid_through ?? 0).getTime() === next.getTime();
  }, "the renewal paid through B's simulator");
  const charges = rows(
    await asApp(
      a.db.sql,
      p,
      (tx) =>
        tx`select record ->> 'paymentMethodId' as pm, status from astapa.sandbox_charges
         where kind = 'payment_request'`,
    ),
  );
  assert.deepEqual(
    charges,
    [{ pm: method.provider_id, status: "SUCCEEDED" }],
    "one charge, to the linked method",
  );
});

Deno.test("sandbox linked methods — a card tokenised with the project's simulator public key on A, linked through B", async () => {
  const shop = await seedShop(a.db.sql, { email: "sandbox-card@example.com" });
  const p = shop.project.id;
  await asApp(
    a.db.sql,
    p,
    (tx) => updateProjectSettings(tx, p, { linked_methods: { enabled: true, cards: true } }),
  );
  const tokenizer = (await cardTokenizer(a.deps, p, "sandbox"))!;
  assert.equal(tokenizer.scriptUrl, `${a.origin}/sandbox/xendit/js/v3/xendit.min.js`);
  assert.deepEqual(tokenizer.origins, [a.origin], "the sandbox's Xendit is this origin");
  assert.match(await (await fetch(tokenizer.scriptUrl)).text(), /createPaymentMethod/);
  // What the island's Xendit.js does in the browser.
  const made = await fetch(`${a.origin}/sandbox/xendit/v2/payment_methods`, {
    method: "POST",
    headers: {
      authorization: `Basic ${btoa(`${tokenizer.publicKey}:`)}`,
      "content-type": "application/json",
    },
    body: JSON.stringify({
      type: "CARD",
      reusability: "MULTIPLE_USE",
      card: {
        currency: "IDR",
        channel_properties: {
          success_return_url: `${a.origin}/billing/account?notice=linked`,
          failure_return_url: `${a.origin}/billing/account?notice=link_failed`,
          cardonfile_type: "RECURRING",
        },
        card_information: {
          card_number: "5200000000001096",
          expiry_month: "11",
          expiry_year: "2031",
          cvv: "456",
        },
      },
    }),
  });
  assert.equal(made.status, 201);
  const pm = await made.json() as { id: string };
  const { method, authUrl } = await linkMethod(bDeps, p, shop.userId, {
    channel: "CARD",
    cardPaymentMethodId: pm.id,
    successUrl: `${bOrigin}/billing/account?notice=linked`,
    failureUrl: `${bOrigin}/billing/account?notice=link_failed`,
  });
  assert.equal(method.label, "MASTERCARD •••• 1096");
  const approved = await fetch(`${authUrl}/approve`, { method: "POST", redirect: "manual" });
  await approved.body?.cancel();
  await waitFor(
    async () =>
      rows(
        await asApp(a.db.sql, p, (tx) =>
          tx`select 1 from astapa.linked_methods where public_id = ${method.method_id} and status = 'active'`),
      ).length === 1,
    "the card to be active",
  );
});
