/**
 * Allowed origins on the hosted checkout (issue 17 item 4): the project's own web app may drive its checkout
 * from an allowed origin (CORS naming that origin, never credentials); any other site's change is refused and
 * changes nothing; Astapa's own pages are unaffected.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { getCheckout } from "@/db/payments.ts";
import { updateProjectSettings } from "@/db/project_settings.ts";
import { testApp } from "../helpers/app.ts";
import { basic } from "../helpers/oauth.ts";
import { seedShop, type Shop } from "../helpers/payments.ts";
import { postJson } from "../helpers/token_client.ts";

const t = await testApp({ listen: true }); // the offline sandbox's simulator is called over HTTP
Deno.test.afterAll(() => t.close());

const SHOP = "https://shop.example";
const EVIL = "https://evil.example";

async function openCheckout(shop: Shop): Promise<string> {
  const { res, body } = await postJson(t, "/api/platform/checkout", { user: shop.userId, plan: "pro" }, {
    authorization: basic(shop.project.clientId, shop.project.secret),
  });
  assert.equal(res.status, 201, JSON.stringify(body));
  return body.checkout_id;
}

const choose = (id: string, origin: string) =>
  t.app.request(`/billing/checkout/${id}/method`, {
    method: "POST",
    headers: { origin, "content-type": "application/json" },
    body: JSON.stringify({ method: "qris" }),
  });
const paymentOf = async (shop: Shop, id: string) =>
  (await asApp(t.db.sql, shop.project.id, (tx) => getCheckout(tx, shop.project.id, id)))?.payment ?? null;

Deno.test("checkout CORS — an allowed origin gets its own origin back (no credentials); others get nothing", async () => {
  const shop = await seedShop(t.db.sql, { email: "cors@example.com" });
  await asApp(
    t.db.sql,
    shop.project.id,
    (tx) => updateProjectSettings(tx, shop.project.id, { allowed_origins: [SHOP] }),
  );
  const id = await openCheckout(shop);
  const preflight = (origin: string) =>
    t.app.request(`/billing/checkout/${id}/method`, {
      method: "OPTIONS",
      headers: {
        origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
      },
    });
  const ok = await preflight(SHOP);
  assert.equal(ok.status, 204);
  assert.equal(ok.headers.get("access-control-allow-origin"), SHOP);
  assert.equal(ok.headers.get("access-control-allow-credentials"), null);
  const refused = await preflight(EVIL);
  assert.equal(refused.status, 403);
  assert.equal(refused.headers.get("access-control-allow-origin"), null);
  await refused.body?.cancel();

  const read = await t.app.request(`/billing/checkout/${id}`, {
    headers: { origin: EVIL, accept: "application/json" },
  });
  assert.equal(read.headers.get("access-control-allow-origin"), null, "a foreign page cannot read it");
  await read.body?.cancel();

  const foreign = await choose(id, EVIL);
  assert.equal(foreign.status, 403);
  assert.match((await foreign.json()).error_description, /allowed origins/);
  assert.equal(await paymentOf(shop, id), null, "the refused call changed nothing");

  const allowed = await choose(id, SHOP);
  assert.equal(allowed.status, 200);
  assert.equal(allowed.headers.get("access-control-allow-origin"), SHOP);
  assert.match(allowed.headers.get("vary") ?? "", /Origin/);
  assert.equal((await allowed.json()).payment.method, "qris");
});

Deno.test("checkout CORS — without allowed origins only Astapa's own pages may post; its own origin always may", async () => {
  const shop = await seedShop(t.db.sql, { email: "plain@example.com" });
  const id = await openCheckout(shop);
  const foreign = await choose(id, SHOP);
  assert.equal(foreign.status, 403);
  await foreign.body?.cancel();
  assert.equal(await paymentOf(shop, id), null);
  const own = await choose(id, new URL(t.origin).origin);
  assert.equal(own.status, 200);
  assert.equal(own.headers.get("access-control-allow-origin"), null, "same origin needs no CORS");
  await own.body?.cancel();
});
