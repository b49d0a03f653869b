/**
 * /api/platform/webhook-endpoints: the project's own credentials add several endpoints (each secret shown
 * once, each with an optional description), read, change, rotate, test and remove each by id, filter the
 * delivery log by endpoint; refusals are catalogue errors that change nothing (a sixth test event in a minute
 * is 429); the deprecated singular route is the oldest endpoint.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { seedMachineClient } from "../helpers/machine_clients.ts";
import { basic, seedProject, seedUser } from "../helpers/oauth.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const { sql } = t.db;
const ENDPOINTS = "/api/platform/webhook-endpoints";
const DELIVERIES = "/api/platform/webhook-deliveries";
const UNKNOWN = "wep_aaaaaaaaaaaaaaaaaaaaaaaa";

const as = (p: { clientId: string; secret: string }) => ({ authorization: basic(p.clientId, p.secret) });

async function call(method: string, path: string, headers: Record<string, string>, body?: unknown) {
  const res = await t.app.request(path, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { res, body: res.status === 204 ? null : await res.json() };
}

const rows = async (projectId: string) =>
  (await sql`select public_id, url, all_events, events, enabled, secret_sealed from astapa.webhook_endpoints
             where project_id = ${projectId} order by id`).map((r) => ({ ...r }));

Deno.test("webhook-endpoints API — add two (201, each its secret once), list, read, patch, rotate, delete", async () => {
  const project = await seedProject(sql);
  const auth = as(project);
  assert.deepEqual((await call("GET", ENDPOINTS, auth)).body, { data: [] });

  const a = await call("POST", ENDPOINTS, auth, { url: "https://a.example/hooks" });
  assert.equal(a.res.status, 201, JSON.stringify(a.body));
  assert.equal(a.res.headers.get("cache-control"), "no-store");
  assert.match(a.body.id, /^wep_[a-z2-7]{24}$/);
  assert.match(a.body.secret, /^whsec_/);
  assert.equal(a.body.events, "*");
  const b = await call("POST", ENDPOINTS, auth, { url: "https://b.example/hooks", events: ["user.created"] });
  assert.equal(b.res.status, 201);
  assert.notEqual(b.body.id, a.body.id);
  assert.notEqual(b.body.secret, a.body.secret, "each endpoint has its own secret");

  const listed = await call("GET", ENDPOINTS, auth);
  assert.deepEqual(listed.body.data.map((e: { id: string; url: string }) => [e.id, e.url]), [
    [a.body.id, "https://a.example/hooks"],
    [b.body.id, "https://b.example/hooks"],
  ]);
  assert.ok(
    listed.body.data.every((e: { secret?: string }) => e.secret === undefined),
    "reads never carry it",
  );
  const read = await call("GET", `${ENDPOINTS}/${b.body.id}`, auth);
  assert.deepEqual([read.res.status, read.body.events, read.body.secret], [200, ["user.created"], undefined]);

  const paused = await call("PATCH", `${ENDPOINTS}/${b.body.id}`, auth, { enabled: false, events: "*" });
  assert.equal(paused.res.status, 200, JSON.stringify(paused.body));
  assert.deepEqual([paused.body.enabled, paused.body.events], [false, "*"]);
  assert.equal((await call("GET", `${ENDPOINTS}/${a.body.id}`, auth)).body.enabled, true, "A is untouched");

  const before = await rows(project.id);
  const rotated = await call("POST", `${ENDPOINTS}/${b.body.id}/rotate-secret`, auth);
  assert.equal(rotated.res.status, 200);
  assert.match(rotated.body.secret, /^whsec_/);
  const after = await rows(project.id);
  assert.deepEqual(after[0].secret_sealed, before[0].secret_sealed, "A keeps its secret");
  assert.notDeepEqual(after[1].secret_sealed, before[1].secret_sealed);

  assert.equal((await call("DELETE", `${ENDPOINTS}/${a.body.id}`, auth)).res.status, 204);
  assert.deepEqual((await call("GET", ENDPOINTS, auth)).body.data.map((e: { id: string }) => e.id), [
    b.body.id,
  ]);
  const gone = await call("GET", `${ENDPOINTS}/${a.body.id}`, auth);
  assert.deepEqual([gone.res.status, gone.body.error], [404, "not_found"]);
});

Deno.test("webhook-endpoints API — unknown, malformed and another project's ids are not_found, and change nothing", async () => {
  const [mine, theirs] = [await seedProject(sql), await seedProject(sql)];
  const own = await call("POST", ENDPOINTS, as(mine), { url: "https://mine.example/hooks" });
  await call("POST", ENDPOINTS, as(theirs), { url: "https://theirs.example/hooks" });
  const before = await rows(mine.id);
  for (const id of [own.body.id, UNKNOWN, "not-an-id", "wep_%27%3B--"]) {
    const requests = [
      ["GET", `${ENDPOINTS}/${id}`, undefined],
      ["PATCH", `${ENDPOINTS}/${id}`, { enabled: false }],
      ["DELETE", `${ENDPOINTS}/${id}`, undefined],
      ["POST", `${ENDPOINTS}/${id}/rotate-secret`, undefined],
      ["POST", `${ENDPOINTS}/${id}/test`, undefined],
      ["GET", `${DELIVERIES}?endpoint_id=${id}`, undefined],
    ] as const;
    for (const [method, path, body] of requests) {
      const refused = await call(method, path, as(theirs), body);
      const label = `${method} ${path}: ${JSON.stringify(refused.body)}`;
      if (path.startsWith(DELIVERIES) && !/^wep_[a-z2-7]{24}$/.test(id)) {
        assert.deepEqual([refused.res.status, refused.body.error], [400, "validation_failed"], label);
        assert.ok(refused.body.fields.endpoint_id, label);
      } else {
        assert.deepEqual([refused.res.status, refused.body.error], [404, "not_found"], label);
        assert.equal(typeof refused.body.error_description, "string", label);
      }
    }
  }
  assert.deepEqual(await rows(mine.id), before);
  const queued =
    await sql`select count(*)::int as n from astapa.webhook_deliveries where project_id = ${mine.id}`;
  assert.equal(queued[0].n, 0, "no test event queued for the other project's endpoint");
});

Deno.test("webhook-endpoints API — bad input is validation_failed with fields; the 17th is webhook_endpoint_limit", async () => {
  const project = await seedProject(sql);
  const auth = as(project);
  const cases: [string, string, unknown, string, RegExp][] = [
    ["POST", ENDPOINTS, { url: "http://app.example/hooks" }, "url", /absolute https URL/],
    [
      "POST",
      ENDPOINTS,
      { url: "https://app.example/h", events: ["user.exploded"] },
      "events",
      /one or more of/,
    ],
    ["POST", ENDPOINTS, { url: "https://app.example/h", events: [] }, "events", /one or more of/],
    ["POST", ENDPOINTS, {}, "url", /./],
    ["POST", ENDPOINTS, { url: "https://app.example/h", secret: "whsec_mine" }, "(body)", /secret/],
  ];
  for (const [method, path, body, field, message] of cases) {
    const label = `${method} ${JSON.stringify(body)}`;
    const refused = await call(method, path, auth, body);
    assert.deepEqual([refused.res.status, refused.body.error], [400, "validation_failed"], label);
    assert.match(
      refused.body.fields?.[field]?.join(" ") ?? "",
      message,
      `${label}: ${JSON.stringify(refused.body)}`,
    );
  }
  assert.deepEqual(await rows(project.id), []);

  const first = await call("POST", ENDPOINTS, auth, { url: "https://app.example/0" });
  for (const [body, field] of [[{}, "(body)"], [{ events: ["user.created", "*"] }, "events"]] as const) {
    const refused = await call("PATCH", `${ENDPOINTS}/${first.body.id}`, auth, body);
    assert.deepEqual([refused.res.status, refused.body.error], [400, "validation_failed"]);
    assert.ok(refused.body.fields[field], JSON.stringify(refused.body));
  }

  for (let i = 1; i < 16; i++) {
    assert.equal((await call("POST", ENDPOINTS, auth, { url: `https://app.example/${i}` })).res.status, 201);
  }
  const full = await call("POST", ENDPOINTS, auth, { url: "https://app.example/16" });
  assert.equal(full.res.status, 409);
  assert.deepEqual(Object.keys(full.body).sort(), ["error", "error_description"]);
  assert.equal(full.body.error, "webhook_endpoint_limit");
  assert.match(full.body.error_description, /16 webhook endpoints/);
  assert.equal((await rows(project.id)).length, 16);
});

Deno.test("webhook-endpoints API — the singular route is the oldest endpoint; the log filters by endpoint", async () => {
  const project = await seedProject(sql);
  const auth = as(project);
  const oldest = await call("PUT", "/api/platform/webhook-endpoint", auth, {
    url: "https://one.example/hooks",
  });
  assert.equal(oldest.res.status, 201);
  const newer = await call("POST", ENDPOINTS, auth, { url: "https://two.example/hooks" });
  const singular = await call("GET", "/api/platform/webhook-endpoint", auth);
  assert.deepEqual([singular.body.id, singular.body.url], [oldest.body.id, "https://one.example/hooks"]);
  const replaced = await call("PUT", "/api/platform/webhook-endpoint", auth, {
    url: "https://one.example/v2",
  });
  assert.deepEqual([replaced.res.status, replaced.body.id], [200, oldest.body.id], "PUT replaces the oldest");
  assert.equal(
    (await call("GET", `${ENDPOINTS}/${newer.body.id}`, auth)).body.url,
    "https://two.example/hooks",
  );

  await seedUser(sql, project.id, "filtered@example.com");
  const all = await call("GET", DELIVERIES, auth);
  assert.equal(all.body.deliveries.length, 2);
  const one = await call("GET", `${DELIVERIES}?endpoint_id=${newer.body.id}`, auth);
  assert.equal(one.res.status, 200, JSON.stringify(one.body));
  assert.deepEqual(
    one.body.deliveries.map((
      d: { endpoint_id: string; endpoint_url: string },
    ) => [d.endpoint_id, d.endpoint_url]),
    [[newer.body.id, "https://two.example/hooks"]],
  );

  assert.equal((await call("DELETE", "/api/platform/webhook-endpoint", auth)).res.status, 204);
  const next = await call("GET", "/api/platform/webhook-endpoint", auth);
  assert.equal(next.body.id, newer.body.id, "the next oldest is the singular endpoint now");
  const kept = await call("GET", DELIVERIES, auth);
  assert.deepEqual(
    kept.body.deliveries.map((d: { endpoint_id: string | null; endpoint_url: string }) => d.endpoint_id)
      .sort(),
    [newer.body.id, null].sort(),
    "the removed endpoint's delivery stays in the log",
  );
});

Deno.test("webhook-endpoints API — a machine client is refused (403) and changes nothing", async () => {
  const project = await seedProject(sql);
  const created = await call("POST", ENDPOINTS, as(project), { url: "https://app.example/hooks" });
  const before = await rows(project.id);
  const agent = as(await seedMachineClient(sql, project.id));
  for (
    const [method, path, body] of [
      ["GET", ENDPOINTS, undefined],
      ["POST", ENDPOINTS, { url: "https://evil.example/" }],
      ["PATCH", `${ENDPOINTS}/${created.body.id}`, { url: "https://evil.example/" }],
      ["DELETE", `${ENDPOINTS}/${created.body.id}`, undefined],
      ["POST", `${ENDPOINTS}/${created.body.id}/rotate-secret`, undefined],
    ] as const
  ) {
    const refused = await call(method, path, agent, body);
    assert.deepEqual(
      [refused.res.status, refused.body.error],
      [403, "unauthorized_client"],
      `${method} ${path}`,
    );
  }
  assert.deepEqual(await rows(project.id), before);
});

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
