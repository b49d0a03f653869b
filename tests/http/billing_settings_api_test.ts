/**
 * The Platform API's billing settings and the receipts' user filter (issue 23): a project's client reads and
 * changes its linked-method switches and billing days through the dashboard's setter (audited), bad values
 * are 400 with the reason and change nothing, and `GET /api/platform/receipts?user=` lists one user's only.
 * The publishable Xendit keys are read and set there too (the portal's card form then uses them); the secret
 * key is never answered nor accepted, and only the project's own client reaches either.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { basic, seedProject, seedUser } from "../helpers/oauth.ts";
import type { SeededProject } from "../helpers/identity.ts";
import { seedShop } from "../helpers/payments.ts";
import { paidCheckout } from "../helpers/paid_checkouts.ts";
import { seedMachineClient } from "../helpers/machine_clients.ts";
import { asApp } from "@/db/client.ts";
import { setXenditKeys } from "@/db/payments.ts";
import { sealXenditKeys } from "@/lib/payments/accounts.ts";
import { cardTokenizer } from "@/lib/payments/card_link.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

async function call(method: string, path: string, p: SeededProject, body?: unknown) {
  const res = await t.app.request(path, {
    method,
    headers: {
      authorization: basic(p.clientId, p.secret),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { res, body: await res.json() };
}

Deno.test("GET/PATCH /api/platform/billing-settings — defaults, a merged change, refusals that change nothing", async () => {
  const project = await seedProject(t.db.sql, { name: "Settings shop" });
  const neighbour = await seedProject(t.db.sql, { name: "Neighbour" });
  const defaults = {
    linked_methods: {
      enabled: false,
      shopeepay: false,
      gopay_recurring: false,
      direct_debit: false,
      cards: false,
    },
    xendit_public_keys: { sandbox: null, production: null },
    billing_grace_days: 3,
    billing_renewal_notice_days: 7,
    billing_trial_reminder_days: 3,
    billing_refund_duplicates: false,
  };
  const read = await call("GET", "/api/platform/billing-settings", project);
  assert.equal(read.res.status, 200);
  assert.equal(read.res.headers.get("cache-control"), "no-store");
  assert.deepEqual(read.body, defaults);

  const first = await call("PATCH", "/api/platform/billing-settings", project, {
    linked_methods: { enabled: true },
    billing_grace_days: 5,
  });
  assert.equal(first.res.status, 200, JSON.stringify(first.body));
  const second = await call("PATCH", "/api/platform/billing-settings", project, {
    linked_methods: { gopay_recurring: true },
    billing_renewal_notice_days: 10,
  });
  const changed = {
    linked_methods: {
      enabled: true,
      shopeepay: false,
      gopay_recurring: true,
      direct_debit: false,
      cards: false,
    },
    xendit_public_keys: { sandbox: null, production: null },
    billing_grace_days: 5,
    billing_renewal_notice_days: 10,
    billing_trial_reminder_days: 3,
    billing_refund_duplicates: false,
  };
  assert.deepEqual(second.body, changed);

  for (
    const body of [
      { billing_grace_days: 400 },
      { billing_grace_days: 2.5 },
      { billing_refund_duplicates: "yes" },
      { linked_methods: { ovo: true } },
      { passkeys: true },
      {},
      [],
    ]
  ) {
    const refused = await call("PATCH", "/api/platform/billing-settings", project, body);
    assert.equal(refused.res.status, 400, JSON.stringify(body));
    assert.equal(refused.body.error, "validation_failed");
  }
  assert.deepEqual((await call("GET", "/api/platform/billing-settings", project)).body, changed);
  // The neighbour's client sees and changes only its own.
  assert.deepEqual((await call("GET", "/api/platform/billing-settings", neighbour)).body, defaults);

  const audited = await t.db.sql`select actor, details from astapa.audit_log
                                 where project_id = ${project.id} and action = 'project.settings' order by id`;
  assert.equal(audited.length, 2);
  assert.deepEqual(audited[1].details, {
    linked_methods: { enabled: true, gopay_recurring: true },
    billing_renewal_notice_days: 10,
  });

  const anonymous = await t.app.request("/api/platform/billing-settings");
  assert.equal(anonymous.status, 401);
  await anonymous.body?.cancel();
});

Deno.test("PATCH /api/platform/billing-settings — xendit_public_keys: set per environment, checked with the field, audited, what the card form uses", async () => {
  const shop = await seedShop(t.db.sql, { email: "public-keys-api@example.com" });
  const project = shop.project;
  const secretKey = "xnd_development_api_secret_0123456789";
  await asApp(t.db.sql, project.id, async (tx) =>
    setXenditKeys(
      tx,
      project.id,
      "sandbox",
      await sealXenditKeys(t.deps.masterKeys.payments, project.id, "sandbox", {
        secretKey,
        callbackToken: "api-callback-token-0123",
      }),
    ));
  const key = "xnd_public_development_apiKey_0123";
  const path = "/api/platform/billing-settings";
  const stored = async () => (await call("GET", path, project)).body.xendit_public_keys;
  const auditCount = async () =>
    Number(
      (await t.db.sql`select count(*) as n from astapa.audit_log
                           where project_id = ${project.id} and action = 'xendit_keys.set'`)[0].n,
    );
  const auditedBefore = await auditCount();

  // Card linking set up without the dashboard: the switch and the key in one change.
  const set = await call("PATCH", path, project, {
    linked_methods: { enabled: true, cards: true },
    xendit_public_keys: { sandbox: key },
  });
  assert.equal(set.res.status, 200, JSON.stringify(set.body));
  assert.deepEqual(set.body.xendit_public_keys, { sandbox: key, production: null });
  assert.deepEqual([set.body.linked_methods.enabled, set.body.linked_methods.cards], [true, true]);
  assert.ok(!JSON.stringify(set.body).includes(secretKey), "never the secret key");
  assert.deepEqual(await stored(), { sandbox: key, production: null });
  // The portal's card form hands Xendit.js exactly this key.
  assert.equal((await cardTokenizer(t.deps, project.id, "sandbox"))?.publicKey, key);
  const [audit] = await t.db.sql`select actor, details from astapa.audit_log
                                 where project_id = ${project.id} and action = 'xendit_keys.set' order by id desc limit 1`;
  assert.deepEqual({ ...audit }, { actor: "api", details: { environment: "sandbox", public_key: key } });

  const refusals: [unknown, string][] = [
    [
      { xendit_public_keys: { sandbox: "xnd_development_api_secret_0123456789" } },
      "xendit_public_keys.sandbox",
    ],
    [{ xendit_public_keys: { sandbox: "xnd_public_production_live_0123" } }, "xendit_public_keys.sandbox"],
    // Validation comes before the missing production secret key, so the field is named, not a 409.
    [
      { xendit_public_keys: { production: "xnd_public_development_test_0123" } },
      "xendit_public_keys.production",
    ],
    // Xendit.js gets the key in the page: nothing but Xendit's alphabet may reach it.
    [{ xendit_public_keys: { sandbox: 'xnd_public_development_a"><script>' } }, "xendit_public_keys.sandbox"],
    [
      { xendit_public_keys: { sandbox: `xnd_public_development_${"a".repeat(300)}` } },
      "xendit_public_keys.sandbox",
    ],
    [{ xendit_public_keys: { sandbox: 5 } }, "xendit_public_keys.sandbox"],
    // The secret key and callback token cannot be set here, under any name.
    [{ xendit_public_keys: { secret_key: secretKey } }, "xendit_public_keys"],
    [{ xendit_public_keys: { sandbox: key, callback_token: "x".repeat(20) } }, "xendit_public_keys"],
    [{ secret_key: secretKey }, "(body)"],
    [{ xendit_public_keys: {} }, "xendit_public_keys"],
    [{ xendit_public_keys: null }, "xendit_public_keys"],
  ];
  for (const [body, field] of refusals) {
    const refused = await call("PATCH", path, project, body);
    assert.equal(refused.res.status, 400, JSON.stringify(body));
    assert.equal(refused.body.error, "validation_failed");
    assert.ok(
      refused.body.fields?.[field],
      `${JSON.stringify(body)} names ${field}: ${JSON.stringify(refused.body)}`,
    );
  }
  const noSecret = await call("PATCH", path, project, {
    xendit_public_keys: { production: "xnd_public_production_live_0123" },
  });
  assert.equal(noSecret.res.status, 409);
  assert.equal(noSecret.body.error, "conflict");
  assert.deepEqual(await stored(), { sandbox: key, production: null }, "refusals change nothing");
  assert.equal(await auditCount(), auditedBefore + 1);

  // Sending back what GET answered stores nothing (and is no 409 for the unset production key).
  const again = await call("PATCH", path, project, { xendit_public_keys: await stored() });
  assert.equal(again.res.status, 200, JSON.stringify(again.body));
  assert.equal(await auditCount(), auditedBefore + 1);

  // Only the project's own client: a machine client, another project's client and no client change nothing.
  const machine = await seedMachineClient(t.db.sql, project.id);
  const neighbour = await seedProject(t.db.sql, { name: "Keys neighbour" });
  for (
    const [who, authorization, status] of [
      ["machine client", basic(machine.clientId, machine.secret), 403],
      ["no credential", undefined, 401],
    ] as const
  ) {
    for (const method of ["GET", "PATCH"]) {
      const res = await t.app.request(path, {
        method,
        headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
        body: method === "PATCH" ? JSON.stringify({ xendit_public_keys: { sandbox: null } }) : undefined,
      });
      assert.equal(res.status, status, `${who} ${method}`);
      assert.ok(!(await res.text()).includes(key), `${who} ${method} reads no key`);
    }
  }
  assert.deepEqual((await call("GET", path, neighbour)).body.xendit_public_keys, {
    sandbox: null,
    production: null,
  });
  const foreign = await call("PATCH", path, neighbour, { xendit_public_keys: { sandbox: key } });
  assert.equal(foreign.res.status, 409, "the neighbour has no sandbox secret key of its own");
  assert.deepEqual(await stored(), { sandbox: key, production: null });
  assert.equal(await auditCount(), auditedBefore + 1);

  const removed = await call("PATCH", path, project, { xendit_public_keys: { sandbox: null } });
  assert.deepEqual(removed.body.xendit_public_keys, { sandbox: null, production: null });
  assert.equal(await cardTokenizer(t.deps, project.id, "sandbox"), null, "no key, no card form");
});

Deno.test("GET /api/platform/receipts?user= — one user's receipts; a bad sub is 400", async () => {
  const shop = await seedShop(t.db.sql, { email: "receipts-one@example.com" });
  const p = shop.project.id;
  const other = await seedUser(t.db.sql, p, "receipts-two@example.com");
  await paidCheckout(t.db.sql, p, shop.userId);
  await paidCheckout(t.db.sql, p, other);
  await paidCheckout(t.db.sql, p, other);

  const all = await call("GET", "/api/platform/receipts", shop.project);
  assert.equal(all.body.receipts.length, 3);
  const theirs = await call("GET", `/api/platform/receipts?user=${other}`, shop.project);
  assert.equal(theirs.res.status, 200);
  assert.deepEqual(theirs.body.receipts.map((r: { sub: string }) => r.sub), [other, other]);
  const paged = await call(
    "GET",
    `/api/platform/receipts?user=${other}&limit=1&before=${theirs.body.receipts[0].receipt_id}`,
    shop.project,
  );
  assert.deepEqual(paged.body.receipts.map((r: { receipt_id: string }) => r.receipt_id), [
    theirs.body.receipts[1].receipt_id,
  ]);
  assert.deepEqual((await call("GET", "/api/platform/receipts?user=999999", shop.project)).body.receipts, []);
  for (const bad of ["abc", "0", "99999999999999999999"]) {
    const refused = await call("GET", `/api/platform/receipts?user=${bad}`, shop.project);
    assert.equal(refused.res.status, 400, bad);
  }
  // Another project's client never sees these, filter or not.
  const neighbour = await seedProject(t.db.sql, { name: "Receipts neighbour" });
  assert.deepEqual((await call("GET", `/api/platform/receipts?user=${other}`, neighbour)).body.receipts, []);
});

Deno.test("PATCH /api/platform/billing-settings — billing_refund_duplicates: on, read back, audited; null turns it off again", async () => {
  const project = await seedProject(t.db.sql, { name: "Duplicate refunds shop" });
  const path = "/api/platform/billing-settings";
  const on = await call("PATCH", path, project, { billing_refund_duplicates: true });
  assert.equal(on.res.status, 200, JSON.stringify(on.body));
  assert.equal(on.body.billing_refund_duplicates, true);
  assert.equal((await call("GET", path, project)).body.billing_refund_duplicates, true);
  const off = await call("PATCH", path, project, { billing_refund_duplicates: null });
  assert.equal(off.body.billing_refund_duplicates, false);
  const audited = await t.db.sql`select details from astapa.audit_log
                                 where project_id = ${project.id} and action = 'project.settings' order by id`;
  assert.deepEqual(audited.map((a) => a.details), [
    { billing_refund_duplicates: true },
    { billing_refund_duplicates: null },
  ]);
});
