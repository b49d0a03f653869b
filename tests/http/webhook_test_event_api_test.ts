/**
 * POST /api/platform/webhook-endpoints/{id}/test and the endpoints' description: 202 with the queued
 * webhook.test delivery (listed in the log), 429 past five a minute per endpoint, and description set,
 * changed and refused as validation_failed with fields through the API.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { basic, seedProject } from "../helpers/oauth.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const { sql } = t.db;
const ENDPOINTS = "/api/platform/webhook-endpoints";

const as = (p: { clientId: string; secret: string }) => ({ authorization: basic(p.clientId, p.secret) });

async function call(method: string, path: string, headers: Record<string, string>, body?: unknown) {
  const res = await t.app.request(path, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { res, body: await res.json() };
}

Deno.test("webhook-endpoints API — test: 202 with the webhook.test delivery, to that endpoint only, in the log", async () => {
  const project = await seedProject(sql);
  const auth = as(project);
  const target = await call("POST", ENDPOINTS, auth, {
    url: "https://a.example/hooks",
    events: ["user.created"],
  });
  const other = await call("POST", ENDPOINTS, auth, { url: "https://b.example/hooks" });
  await call("PATCH", `${ENDPOINTS}/${target.body.id}`, auth, { enabled: false });

  const sent = await call("POST", `${ENDPOINTS}/${target.body.id}/test`, auth);
  assert.equal(sent.res.status, 202, JSON.stringify(sent.body));
  assert.equal(sent.res.headers.get("cache-control"), "no-store");
  assert.match(sent.body.id, /^[1-9]\d*$/);
  assert.deepEqual(
    [sent.body.event_type, sent.body.endpoint_id, sent.body.status],
    ["webhook.test", target.body.id, "pending"],
  );
  const others = await call("GET", `/api/platform/webhook-deliveries?endpoint_id=${other.body.id}`, auth);
  assert.deepEqual([others.res.status, others.body.deliveries], [200, []], "not to the all-events endpoint");
  const all = await call("GET", "/api/platform/webhook-deliveries", auth);
  assert.deepEqual(
    all.body.deliveries.map((d: { id: string; endpoint_id: string }) => [d.id, d.endpoint_id]),
    [[sent.body.id, target.body.id]],
  );
});

Deno.test("webhook-endpoints API — test: the sixth in a minute is 429 rate_limited with Retry-After", async () => {
  const project = await seedProject(sql);
  const auth = as(project);
  const endpoint = await call("POST", ENDPOINTS, auth, { url: "https://a.example/hooks" });
  for (let sent = 0; sent < 5; sent++) {
    assert.equal((await call("POST", `${ENDPOINTS}/${endpoint.body.id}/test`, auth)).res.status, 202);
  }
  const refused = await call("POST", `${ENDPOINTS}/${endpoint.body.id}/test`, auth);
  assert.deepEqual([refused.res.status, refused.body.error], [429, "rate_limited"]);
  assert.match(refused.body.error_description, /Five test events a minute/);
  assert.match(refused.res.headers.get("retry-after") ?? "", /^[1-9]\d*$/);
  const [{ n }] =
    await sql`select count(*)::int as n from astapa.webhook_deliveries where project_id = ${project.id}`;
  assert.equal(n, 5);
});

Deno.test("webhook-endpoints API — description: set on POST, changed and removed on PATCH, over 200 refused", async () => {
  const project = await seedProject(sql);
  const auth = as(project);
  const created = await call("POST", ENDPOINTS, auth, {
    url: "https://a.example/hooks",
    description: "Billing",
  });
  assert.equal(created.res.status, 201, JSON.stringify(created.body));
  assert.equal(created.body.description, "Billing");
  const one = `${ENDPOINTS}/${created.body.id}`;
  assert.equal((await call("PATCH", one, auth, { description: "CRM" })).body.description, "CRM");
  assert.equal((await call("PATCH", one, auth, { enabled: false })).body.description, "CRM", "kept");
  assert.equal((await call("PATCH", one, auth, { description: null })).body.description, null);
  const tooLong = await call("PATCH", one, auth, { description: "x".repeat(201) });
  assert.deepEqual(
    [tooLong.res.status, tooLong.body.error],
    [400, "validation_failed"],
    JSON.stringify(tooLong.body),
  );
  assert.ok(tooLong.body.fields.description);
  const refusedCreate = await call("POST", ENDPOINTS, auth, {
    url: "https://b.example/hooks",
    description: 7,
  });
  assert.deepEqual([refusedCreate.res.status, refusedCreate.body.error], [400, "validation_failed"]);
  assert.equal((await call("GET", one, auth)).body.description, null);
});
