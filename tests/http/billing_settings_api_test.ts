/**
 * The Platform API's billing settings and the receipts' user filter (issue 23): a project's client reads and
 * changes its linked-method switches and billing days through the dashboard's setter (audited), bad values
 * are 400 with the reason and change nothing, and `GET /api/platform/receipts?user=` lists one user's only.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { basic, seedProject, seedUser } from "../helpers/oauth.ts";
import type { SeededProject } from "../helpers/identity.ts";
import { seedShop } from "../helpers/payments.ts";
import { paidCheckout } from "../helpers/paid_checkouts.ts";

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
    linked_methods: { enabled: false, shopeepay: false, gopay_recurring: false },
    billing_grace_days: 3,
    billing_renewal_notice_days: 7,
    billing_trial_reminder_days: 3,
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
    linked_methods: { enabled: true, shopeepay: false, gopay_recurring: true },
    billing_grace_days: 5,
    billing_renewal_notice_days: 10,
    billing_trial_reminder_days: 3,
  };
  assert.deepEqual(second.body, changed);

  for (
    const body of [
      { billing_grace_days: 400 },
      { billing_grace_days: 2.5 },
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
