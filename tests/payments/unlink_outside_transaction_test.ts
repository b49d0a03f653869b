/**
 * Unlinking a method holds no transaction while Xendit is asked (lib/payments/linked_methods.ts): the real
 * xendit-node client talks to the simulator through a gate that can hold the expire call. While it is held the
 * method's row can be locked with NOWAIT and no connection sits idle in a transaction; Xendit's
 * payment_method.expired callback arriving meanwhile records the unlink once, as the actor who asked; a second
 * unlink meanwhile ends it once too; a refusal leaves the method linked and chargeable. An unlink that stalled
 * (its instance died after the mark, or Xendit gave no answer) is finished by the billing pass once the window
 * has passed — never earlier — with the same outcomes; one a claim marked, by the next pass (ended even when
 * Xendit refuses).
 */
import assert from "node:assert/strict";
import { loadConfig } from "@/config.ts";
import { asApp } from "@/db/client.ts";
import { setXenditKeys } from "@/db/payments.ts";
import { updateProjectSettings } from "@/db/project_settings.ts";
import { sealXenditKeys } from "@/lib/payments/accounts.ts";
import { requestMethodUnlink } from "@/db/linked_methods.ts";
import { BillingScheduler } from "@/lib/payments/billing_scheduler.ts";
import { linkMethod } from "@/lib/payments/linked_methods.ts";
import { finishStalledUnlinks, UNLINK_STALE_SECONDS } from "@/lib/payments/stalled_unlinks.ts";
import { ChargeError } from "@/lib/payments/xendit.ts";
import { XenditBreaker } from "@/lib/payments/xendit_breaker.ts";
import { rows } from "../helpers/db.ts";
import { testApp } from "../helpers/app.ts";
import { basic } from "../helpers/oauth.ts";
import { seedShop, type Shop } from "../helpers/payments.ts";
import { waitFor } from "../helpers/wait.ts";
import { serveSimulator, TEST_CALLBACK_TOKEN, TEST_SECRET_KEY } from "../helpers/xendit.ts";

/**
 * How the next expire call is held: before Xendit sees it, after Xendit did it (its answer held), refused, or
 * answered 503 without reaching Xendit.
 */
type Hold = "before" | "after" | "refuse" | "unavailable";
type Gate = { hold: Hold; reached: PromiseWithResolvers<void>; release: PromiseWithResolvers<void> };

const served = serveSimulator();
let gate: Gate | null = null;
const gates: Gate[] = [];
/** Xendit as the client sees it: the simulator, except for the one expire call the gate holds. */
const front = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (request) => {
  const url = new URL(request.url);
  const body = request.method === "GET" ? undefined : await request.arrayBuffer();
  const headers = new Headers(request.headers);
  headers.delete("host");
  headers.delete("content-length");
  const forward = async () => {
    const answer = await fetch(`${served.url}${url.pathname}${url.search}`, {
      method: request.method,
      headers,
      body,
    });
    return new Response(await answer.arrayBuffer(), { status: answer.status, headers: answer.headers });
  };
  const held = url.pathname.endsWith("/expire") ? gate : null;
  if (!held) return await forward();
  gate = null; // only the first expire call is held
  const answer = held.hold === "after" ? await forward() : null;
  held.reached.resolve();
  await held.release.promise;
  if (held.hold === "refuse") {
    // Xendit's no to the request — not to our key, which a 401 or another 403 would be (still under way then).
    return Response.json({ error_code: "CHANNEL_NOT_ACTIVATED", message: "The channel is not activated." }, {
      status: 403,
    });
  }
  if (held.hold === "unavailable") {
    return Response.json({ error_code: "SERVER_ERROR", message: "Try again later." }, { status: 503 });
  }
  return answer ?? await forward();
});
const t = await testApp({ listen: true, env: { XENDIT_BASE_URL: `http://127.0.0.1:${front.addr.port}` } });
served.sim.accounts.get(TEST_SECRET_KEY)!.webhookUrl = `${t.origin}/api/webhooks/xendit`;
Deno.test.afterAll(async () => {
  for (const held of gates) held.release.resolve(); // a failed test's held call answers, so the server can stop
  await front.shutdown();
  await served.close();
  await t.close();
});

/** Holds the next expire call; `reached` once Xendit's call is held, `release` lets it answer. */
function holdExpire(hold: Hold): Gate {
  gate = { hold, reached: Promise.withResolvers(), release: Promise.withResolvers() };
  gates.push(gate);
  return gate;
}

/** A shop with its own sandbox keys and linking on, and its user's OVO, approved at Xendit and active here. */
async function activeOvo(email: string): Promise<{ shop: Shop; methodId: string; providerId: string }> {
  const shop = await seedShop(t.db.sql, { email });
  const p = shop.project.id;
  const sealed = await sealXenditKeys(t.deps.masterKeys.payments, p, "sandbox", {
    secretKey: TEST_SECRET_KEY,
    callbackToken: TEST_CALLBACK_TOKEN,
  });
  await asApp(t.db.sql, p, async (tx) => {
    await setXenditKeys(tx, p, "sandbox", sealed);
    await updateProjectSettings(tx, p, { linked_methods: { enabled: true } });
  });
  const { method, authUrl } = await linkMethod(t.deps, p, shop.userId, {
    channel: "OVO",
    mobileNumber: "+6281234567890",
    successUrl: `${t.origin}/linked`,
    failureUrl: `${t.origin}/not-linked`,
  });
  const approved = await fetch(`${authUrl}/approve`, { method: "POST", redirect: "manual" });
  await approved.body?.cancel();
  const status = async () =>
    (await asApp(
      t.db.sql,
      p,
      (tx) => tx`select status from astapa.linked_methods where public_id = ${method.method_id}`,
    ))[0]
      .status;
  await waitFor(async () => await status() === "active", "the activation");
  return { shop, methodId: method.method_id, providerId: method.provider_id! };
}

const methodRow = async (shop: Shop, methodId: string) =>
  (await asApp(t.db.sql, shop.project.id, async (tx) =>
    rows(
      await tx`select status, unlink_requested_at is not null as marked, unlink_actor
               from astapa.linked_methods where public_id = ${methodId}`,
    )))[0];

/** The method's audit trail after its activation: action and actor, oldest first. */
const audited = async (shop: Shop, methodId: string) =>
  (await asApp(t.db.sql, shop.project.id, async (tx) =>
    rows(
      await tx`select action, actor from astapa.audit_log where target = ${"linked_method:" + methodId}
               and action <> 'billing.method_active' order by id`,
    ))).map((r) => `${r.action} ${r.actor}`);

/** DELETE over the Platform API (actor api), not awaited. */
function unlink(shop: Shop, methodId: string) {
  return fetch(`${t.origin}/api/platform/users/${shop.userId}/linked-methods/${methodId}`, {
    method: "DELETE",
    headers: { authorization: basic(shop.project.clientId, shop.project.secret) },
  }).then(async (res) => ({ status: res.status, json: await res.json() }));
}

/** Backends of this database idle in a transaction open for a while (a request's brief ones do not count). */
const idleInTransaction = async () =>
  (await t.db.sql`select count(*)::int as n from pg_catalog.pg_stat_activity
                  where datname = current_database() and state like 'idle in transaction%'
                    and pg_catalog.now() - xact_start > interval '200 milliseconds'
                    and pid <> pg_catalog.pg_backend_pid()`)[0].n as number;

Deno.test("unlink — while Xendit holds the expire call, no row lock or transaction is held; its expiry callback is the unlink", async () => {
  const { shop, methodId, providerId } = await activeOvo("unlink-held@example.com");
  const held = holdExpire("after");
  const answer = unlink(shop, methodId);
  await held.reached.promise;

  // Xendit's payment_method.expired callback comes before its answer: applied at once, as the unlink (its own
  // transaction locks the row while it applies, so it is waited for before the row is tried).
  await served.sim.webhooks.idle();
  // Xendit expired it and has not answered yet: the method's row is free, and no transaction waits on Xendit.
  const locked = await asApp(
    t.db.sql,
    shop.project.id,
    async (tx) =>
      rows(
        await tx`select public_id from astapa.linked_methods where public_id = ${methodId} for update nowait`,
      ),
  );
  assert.equal(locked.length, 1, "locked at once (NOWAIT)");

  assert.equal(served.sim.paymentMethods.get(providerId)?.status, "EXPIRED");
  assert.deepEqual(await methodRow(shop, methodId), { status: "expired", marked: true, unlink_actor: "api" });
  assert.equal(await idleInTransaction(), 0, "no connection idles in a transaction across the call");

  held.release.resolve();
  const done = await answer;
  assert.equal(done.status, 200, JSON.stringify(done.json));
  assert.equal(done.json.status, "expired");
  assert.deepEqual(
    await audited(shop, methodId),
    ["billing.method_unlinked api"],
    "one unlink, by its actor",
  );
});

Deno.test("unlink — a second unlink while the first waits on Xendit: both answer expired, one unlink audited", async () => {
  const { shop, methodId, providerId } = await activeOvo("unlink-twice@example.com");
  const held = holdExpire("before");
  const first = unlink(shop, methodId);
  await held.reached.promise;
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(await idleInTransaction(), 0, "no connection idles in a transaction across the call");
  // Not queued behind the first: Xendit expires it for this one, and the first then hears "already expired".
  const second = await unlink(shop, methodId);
  assert.equal(second.status, 200, JSON.stringify(second.json));
  assert.equal(second.json.status, "expired");
  held.release.resolve();
  const firstDone = await first;
  assert.equal(firstDone.status, 200, JSON.stringify(firstDone.json));
  assert.equal(firstDone.json.status, "expired");
  await served.sim.webhooks.idle();
  assert.equal(served.sim.paymentMethods.get(providerId)?.status, "EXPIRED");
  assert.deepEqual(await audited(shop, methodId), ["billing.method_unlinked api"]);
});

Deno.test("unlink — Xendit refuses: 502, the method stays linked and chargeable, nothing audited", async () => {
  const { shop, methodId, providerId } = await activeOvo("unlink-refused@example.com");
  const held = holdExpire("refuse");
  const answer = unlink(shop, methodId);
  await held.reached.promise;
  assert.deepEqual(await methodRow(shop, methodId), { status: "active", marked: true, unlink_actor: "api" });
  held.release.resolve();
  const refused = await answer;
  assert.equal(refused.status, 502, JSON.stringify(refused.json));
  assert.deepEqual(refused.json, {
    error: "payment_provider_error",
    error_description:
      "The payment provider refused to unlink the payment method, so it stays linked. Try again shortly.",
  });
  assert.deepEqual(await methodRow(shop, methodId), { status: "active", marked: false, unlink_actor: null });
  assert.equal(served.sim.paymentMethods.get(providerId)?.status, "ACTIVE");
  assert.deepEqual(await audited(shop, methodId), []);

  // Unlinking again, once Xendit agrees, ends it.
  const again = await unlink(shop, methodId);
  assert.equal(again.status, 200, JSON.stringify(again.json));
  assert.equal(again.json.status, "expired");
  assert.deepEqual(await audited(shop, methodId), ["billing.method_unlinked api"]);
});

/** An unlink whose instance died after the mark: the method is marked (by `actor`), and nothing else happened. */
async function diedAfterMark(shop: Shop, methodId: string, actor: string): Promise<Date> {
  const marked = await asApp(
    t.db.sql,
    shop.project.id,
    (tx) => requestMethodUnlink(tx, shop.project.id, shop.userId, methodId),
    { actor },
  );
  return new Date(marked.unlink_requested_at!);
}

/** A billing pass at `at`: what it did with the stalled unlink of `methodId`. */
async function passAt(at: Date, methodId: string) {
  const report = await new BillingScheduler(t.deps).pass(at);
  return (report.unlinks ?? []).filter((u) => u.methodId === methodId).map((u) => u.outcome);
}

const after = (since: Date, seconds: number) => new Date(since.getTime() + seconds * 1000 + 1);

/** The method as the Platform API lists it. */
async function listed(shop: Shop, methodId: string) {
  const res = await fetch(`${t.origin}/api/platform/users/${shop.userId}/linked-methods`, {
    headers: { authorization: basic(shop.project.clientId, shop.project.secret) },
  });
  const body = await res.json();
  return body.linked_methods.find((m: { method_id: string }) => m.method_id === methodId);
}

Deno.test("unlink — one that died after its mark is shown as under way, and finished by the billing pass once the window has passed", async () => {
  const { shop, methodId, providerId } = await activeOvo("unlink-stalled@example.com");
  const since = await diedAfterMark(shop, methodId, `user:${shop.userId}`);
  const shown = await listed(shop, methodId);
  assert.equal(shown?.status, "active");
  assert.equal(Date.parse(shown?.unlink_requested_at), since.getTime(), "the Platform API shows the unlink");

  // Within the window the unlink may still be waiting on Xendit: the pass leaves it alone.
  assert.deepEqual(await passAt(after(since, UNLINK_STALE_SECONDS - 60), methodId), []);
  assert.equal(served.sim.paymentMethods.get(providerId)?.status, "ACTIVE");
  assert.deepEqual(await methodRow(shop, methodId), {
    status: "active",
    marked: true,
    unlink_actor: `user:${shop.userId}`,
  });

  // Past it, the pass does what the customer asked: expired at Xendit, ended here, audited as them.
  assert.deepEqual(await passAt(after(since, UNLINK_STALE_SECONDS), methodId), ["unlinked"]);
  assert.equal(served.sim.paymentMethods.get(providerId)?.status, "EXPIRED");
  await served.sim.webhooks.idle();
  assert.equal((await methodRow(shop, methodId)).status, "expired");
  assert.equal(await listed(shop, methodId), undefined, "listed no more");
  assert.deepEqual(await audited(shop, methodId), [`billing.method_unlinked user:${shop.userId}`]);
  assert.deepEqual(await passAt(after(since, 10 * UNLINK_STALE_SECONDS), methodId), [], "nothing left to do");
});

Deno.test("unlink — the billing pass finds a stalled unlink refused by Xendit: the mark is cleared, linked and chargeable", async () => {
  const { shop, methodId, providerId } = await activeOvo("unlink-stalled-refused@example.com");
  const since = await diedAfterMark(shop, methodId, "api");
  const held = holdExpire("refuse");
  held.release.resolve();
  assert.deepEqual(await passAt(after(since, UNLINK_STALE_SECONDS), methodId), ["kept"]);
  assert.deepEqual(await methodRow(shop, methodId), { status: "active", marked: false, unlink_actor: null });
  assert.equal(served.sim.paymentMethods.get(providerId)?.status, "ACTIVE");
  assert.equal((await listed(shop, methodId))?.unlink_requested_at, null);
  assert.deepEqual(await audited(shop, methodId), []);
});

Deno.test("unlink — a stalled unlink Xendit again does not answer stays marked and is tried a window later", async () => {
  const { shop, methodId, providerId } = await activeOvo("unlink-stalled-unanswered@example.com");
  const since = await diedAfterMark(shop, methodId, "api");
  const held = holdExpire("unavailable");
  held.release.resolve();
  const tried = after(since, UNLINK_STALE_SECONDS);
  assert.deepEqual(await passAt(tried, methodId), ["retry"]);
  assert.deepEqual(await methodRow(shop, methodId), { status: "active", marked: true, unlink_actor: "api" });
  assert.equal(
    served.sim.paymentMethods.get(providerId)?.status,
    "ACTIVE",
    "no answer, and Xendit did nothing",
  );
  assert.deepEqual(
    await passAt(after(tried, UNLINK_STALE_SECONDS - 60), methodId),
    [],
    "not before a window",
  );
  assert.deepEqual(await passAt(after(tried, UNLINK_STALE_SECONDS), methodId), ["unlinked"]);
  assert.equal(served.sim.paymentMethods.get(providerId)?.status, "EXPIRED");
  await served.sim.webhooks.idle();
  assert.deepEqual(await audited(shop, methodId), ["billing.method_unlinked api"]);
});

Deno.test("unlink — a stalled unlink waits while the pass's breaker is open for its account: no call, no try stamped", async () => {
  const { shop, methodId, providerId } = await activeOvo("unlink-stalled-breaker@example.com");
  const since = await diedAfterMark(shop, methodId, "api");
  const attempted = async () =>
    (await asApp(t.db.sql, shop.project.id, async (tx) =>
      rows(
        await tx`select unlink_attempted_at from astapa.linked_methods where public_id = ${methodId}`,
      )))[0].unlink_attempted_at;
  const before = await attempted();
  // Earlier in the pass a call with this account went unanswered.
  const breaker = new XenditBreaker();
  const ref = { projectId: shop.project.id, environment: "sandbox" as const, account: "project" as const };
  breaker.failed(ref, new ChargeError("Xendit did not answer in time.", "timeout", null), "renewal charge");
  const at = after(since, UNLINK_STALE_SECONDS);
  assert.deepEqual(await finishStalledUnlinks(t.deps, shop.project.id, at, breaker), []);
  assert.equal(breaker.skipped, 1);
  assert.deepEqual(await attempted(), before, "the claim was rolled back");
  assert.equal(served.sim.paymentMethods.get(providerId)?.status, "ACTIVE", "Xendit was not asked");
  // The next pass, with a new breaker, finishes it.
  assert.deepEqual(
    (await finishStalledUnlinks(t.deps, shop.project.id, at)).map((u) => u.outcome),
    ["unlinked"],
  );
});

Deno.test("unlink — a claim's unlink is taken by the next pass, not a window later; Xendit's refusal ends it all the same", async () => {
  const { shop, methodId, providerId } = await activeOvo("unlink-claimed@example.com");
  await asApp(
    t.db.sql,
    shop.project.id,
    (tx) => tx`select astapa.claim_unproven_account(${shop.project.id}, ${shop.userId}, 'email')`,
  );
  assert.deepEqual(await methodRow(shop, methodId), {
    status: "active",
    marked: true,
    unlink_actor: "claim",
  });
  const held = holdExpire("refuse");
  held.release.resolve();
  assert.deepEqual(await passAt(new Date(), methodId), ["unlinked"]);
  await held.reached.promise;
  // Nobody the account belongs to asked to keep it: ended here, though Xendit still lists it (nothing charges it).
  assert.deepEqual(await methodRow(shop, methodId), {
    status: "expired",
    marked: true,
    unlink_actor: "claim",
  });
  assert.equal(served.sim.paymentMethods.get(providerId)?.status, "ACTIVE");
  assert.deepEqual(await audited(shop, methodId), ["billing.method_unlinked claim"]);
});

Deno.test("unlink — the window outlasts the longest deadline a call to Xendit may have (XENDIT_TIMEOUT_MS)", () => {
  // The longest deadline the configuration accepts, and the first it refuses.
  const longest = loadConfig({ XENDIT_TIMEOUT_MS: "600000" }).xendit.timeoutMs;
  assert.throws(() => loadConfig({ XENDIT_TIMEOUT_MS: String(longest + 1) }), /XENDIT_TIMEOUT_MS/);
  assert.ok(
    longest < UNLINK_STALE_SECONDS * 1000,
    "an unlink still waiting on Xendit is never taken as stalled",
  );
});

Deno.test("unlink — Xendit answers with a server error: 502 saying so (not 'the charge'), the method stays marked", async () => {
  const { shop, methodId, providerId } = await activeOvo("unlink-server-error@example.com");
  const held = holdExpire("unavailable");
  held.release.resolve();
  const answered = await unlink(shop, methodId);
  assert.equal(answered.status, 502, JSON.stringify(answered.json));
  assert.deepEqual(answered.json, {
    error: "payment_provider_error",
    error_description: "The payment provider answered the unlink with an error. The payment method is not " +
      "charged meanwhile; try again shortly.",
  });
  assert.deepEqual(await methodRow(shop, methodId), { status: "active", marked: true, unlink_actor: "api" });
  assert.equal(served.sim.paymentMethods.get(providerId)?.status, "ACTIVE");
});
