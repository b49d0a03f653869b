/**
 * Every endpoint that takes an id, called with another project's credentials: 404 (never 403, which would
 * confirm the id exists) and nothing changes. RLS does the filtering; these tests call the real routes.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { testApp } from "../helpers/app.ts";
import { basic } from "../helpers/oauth.ts";
import { seedShop } from "../helpers/payments.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const victim = await seedShop(t.db.sql, { email: "victim@example.com" });
const attacker = await seedShop(t.db.sql, { email: "attacker@example.com" });
const asAttacker = { authorization: basic(attacker.project.clientId, attacker.project.secret) };

async function snapshot() {
  return await asApp(t.db.sql, victim.project.id, async (tx) => ({
    claims: (await tx`select api.token_claims(${victim.project.id}, ${victim.userId}) as c`)[0].c,
    plans: (await tx`select count(*)::int as n from astapa.plans`)[0].n,
    checkouts: (await tx`select count(*)::int as n from astapa.checkouts`)[0].n,
  }));
}

Deno.test("isolation — another project's user, plan or subscription is simply not there", async () => {
  const before = await snapshot();
  const json = { "content-type": "application/json" };
  const calls: [string, string, unknown?][] = [
    ["GET", `/api/platform/users/${victim.userId}/claims`],
    ["PATCH", `/api/platform/users/${victim.userId}/claims`, { plan: "pro", role: "admin" }],
    ["GET", `/api/platform/users/${victim.userId}/subscription`],
    ["GET", `/api/platform/users?email=victim@example.com`],
  ];
  for (const [method, path, body] of calls) {
    const res = await t.app.request(path, {
      method,
      headers: { ...asAttacker, ...(body ? json : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const answer = await res.json();
    assert.ok(
      res.status === 404 || (res.status === 200 && JSON.stringify(answer).indexOf(victim.userId) < 0),
      `${method} ${path} → ${res.status} ${JSON.stringify(answer)}`,
    );
    assert.ok(!JSON.stringify(answer).includes("victim@example.com"), `${method} ${path} leaks the email`);
  }
  const checkout = await t.app.request("/api/platform/checkout", {
    method: "POST",
    headers: { ...asAttacker, ...json },
    body: JSON.stringify({ user: victim.userId, plan: "pro" }),
  });
  assert.equal(checkout.status, 404, "a checkout for another project's user");
  await checkout.body?.cancel();
  assert.deepEqual(await snapshot(), before, "nothing changed in the victim's project");
});

Deno.test("isolation — the attacker's own requests still work (the 404s above are not a broken API)", async () => {
  const own = await t.app.request(`/api/platform/users/${attacker.userId}/claims`, { headers: asAttacker });
  assert.equal(own.status, 200);
  await own.body?.cancel();
});
