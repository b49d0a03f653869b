/**
 * SQL tests for the one rule on links Astapa follows for an app (astapa.is_app_url, db/api/payments.sql): the
 * checkout's success and failure URLs (api.create_checkout) and an upgrade's success URL (api.change_plan)
 * accept and refuse exactly the same URLs.
 */
import assert from "node:assert/strict";
import { asApp, type Tx } from "@/db/client.ts";
import { createCheckout } from "@/db/payments.ts";
import { changePlan } from "@/db/plan_changes.ts";
import { assignPlan, createPlan } from "@/db/plans.ts";
import { testDatabase } from "../helpers/db.ts";
import { rejectsAs } from "../helpers/identity.ts";
import { seedShop } from "../helpers/payments.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const as = <T>(projectId: string | null, work: (tx: Tx) => Promise<T>) => asApp(db.sql, projectId, work);

// The shop's redirect URI is https://shop.example/callback.
const accepted = [
  "https://shop.example/thanks",
  "https://SHOP.example/thanks?x=1#done",
  "https://shop.example",
  `https://shop.example/${"a".repeat(1970)}`,
];
const refused = [
  "https://evil.example/",
  "http://shop.example/thanks",
  "https://shop.example:8443/thanks",
  "https://shop.example.evil.example/",
  "https://shop.example@evil.example/",
  "javascript:alert(1)",
  "//shop.example/thanks",
  "",
  `https://shop.example/${"a".repeat(2000)}`,
];

Deno.test("astapa.is_app_url — the origin of a registered redirect URI, at most 2,000 characters", async () => {
  const shop = await seedShop(db.sql, { email: "urls-rule@example.com" });
  const p = shop.project.id;
  for (const [urls, expected] of [[accepted, true], [refused, false]] as const) {
    for (const url of urls) {
      const [row] = await as(p, (tx) => tx`select astapa.is_app_url(${p}, ${url}) as ok`);
      assert.equal(row.ok, expected, url.slice(0, 60));
    }
  }
});

Deno.test("api.create_checkout — success_url and failure_url follow astapa.is_app_url (DETAIL names the field)", async () => {
  const shop = await seedShop(db.sql, { email: "urls-checkout@example.com" });
  const p = shop.project.id;
  const create = (urls: Record<string, unknown>) =>
    as(
      p,
      (tx) => createCheckout(tx, p, { sub: shop.userId, plan: "pro", xendit_account: "simulator", ...urls }),
    );
  for (const url of accepted) {
    const checkout = await create({ success_url: url, failure_url: url });
    assert.deepEqual([checkout.success_url, checkout.failure_url], [url, url]);
  }
  for (const url of refused) {
    await rejectsAs(create({ success_url: url }), "validation_failed", /success_url/);
    await rejectsAs(create({ failure_url: url }), "validation_failed", /failure_url/);
  }
  await rejectsAs(create({ success_url: null }), "validation_failed", /success_url/);
  assert.equal((await create({})).success_url, null, "no URL is fine");
});

Deno.test("api.change_plan — an upgrade's success_url follows astapa.is_app_url", async () => {
  const shop = await seedShop(db.sql, { email: "urls-change@example.com" });
  const p = shop.project.id;
  await as(p, (tx) => createPlan(tx, p, { key: "team", name: "Team", price_idr: 300_000 }));
  const now = new Date();
  await as(p, (tx) =>
    assignPlan(tx, p, shop.userId, "pro", "payment", {
      start: new Date(now.getTime() - 10 * 86_400_000).toISOString(),
      end: new Date(now.getTime() + 20 * 86_400_000).toISOString(),
    }));
  const upgrade = (successUrl: string) =>
    as(p, (tx) => changePlan(tx, p, shop.userId, "team", "simulator", { successUrl, now }));
  for (const url of refused) {
    await rejectsAs(upgrade(url), "validation_failed", /success_url/);
  }
  const answer = await upgrade(accepted[1]);
  assert.equal(answer.checkout?.success_url, accepted[1]);
});
