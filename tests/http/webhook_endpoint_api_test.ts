/**
 * /api/platform/webhook-endpoint and /api/platform/webhook-deliveries: the project's own credentials manage
 * its one webhook endpoint (secret shown once), pause it, page through deliveries and resend failed ones; every
 * refusal is a catalogue error and changes nothing; a created endpoint receives signed deliveries.
 */
import assert from "node:assert/strict";
import { Webhook } from "standardwebhooks";
import { WebhookWorker } from "@/lib/webhooks/worker.ts";
import { testApp } from "../helpers/app.ts";
import { takeLive } from "../helpers/live_keys.ts";
import { seedMachineClient } from "../helpers/machine_clients.ts";
import { basic, seedProject, seedUser } from "../helpers/oauth.ts";
import { startReceiver } from "../helpers/webhooks.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const { sql } = t.db;
const ENDPOINT = "/api/platform/webhook-endpoint";
const DELIVERIES = "/api/platform/webhook-deliveries";

type Project = Awaited<ReturnType<typeof seedProject>>;
const as = (p: { clientId: string; secret: string }) => ({ authorization: basic(p.clientId, p.secret) });

async function call(method: string, path: string, headers: Record<string, string>, body?: unknown) {
  const res = await t.app.request(path, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  return { res, body: res.status === 204 ? null : await res.json() };
}

const endpointRow = async (projectId: string) =>
  (await sql`select url, all_events, events, enabled, secret_sealed from astapa.webhook_endpoints
             where project_id = ${projectId}`)[0];

Deno.test("webhook-endpoint API — create (201, secret once), read, replace, patch, rotate, delete", async () => {
  const project = await seedProject(sql);
  const auth = as(project);
  const none = await call("GET", ENDPOINT, auth);
  assert.equal(none.res.status, 404);
  assert.equal(none.body.error, "not_found");
  assert.equal(none.body.error_description, "This project has no webhook endpoint.");

  const created = await call("PUT", ENDPOINT, auth, { url: "https://app.example/hooks" });
  assert.equal(created.res.status, 201, JSON.stringify(created.body));
  assert.equal(created.res.headers.get("cache-control"), "no-store");
  assert.match(created.body.secret, /^whsec_/);
  assert.equal(created.body.events, "*", "a new endpoint without events receives every type");
  assert.equal(created.body.enabled, true);

  const read = await call("GET", ENDPOINT, auth);
  assert.equal(read.res.status, 200);
  assert.equal(read.body.secret, undefined, "reads never carry the secret");
  assert.equal(read.body.url, "https://app.example/hooks");

  const sealedBefore = (await endpointRow(project.id)).secret_sealed;
  const replaced = await call("PUT", ENDPOINT, auth, {
    url: "https://app.example/v2",
    events: ["user.created", "payment.succeeded"],
  });
  assert.equal(replaced.res.status, 200);
  assert.equal(replaced.body.secret, undefined, "replacing keeps the secret, so none is shown");
  assert.deepEqual(replaced.body.events, ["user.created", "payment.succeeded"]);
  assert.deepEqual((await endpointRow(project.id)).secret_sealed, sealedBefore);

  const paused = await call("PATCH", ENDPOINT, auth, { enabled: false, events: "*" });
  assert.equal(paused.res.status, 200, JSON.stringify(paused.body));
  assert.deepEqual([paused.body.enabled, paused.body.events, paused.body.url], [
    false,
    "*",
    "https://app.example/v2",
  ]);
  const moved = await call("PATCH", ENDPOINT, auth, { url: "https://app.example/v3", enabled: true });
  assert.deepEqual([moved.body.url, moved.body.enabled], ["https://app.example/v3", true]);

  const rotated = await call("POST", `${ENDPOINT}/rotate-secret`, auth);
  assert.equal(rotated.res.status, 200);
  assert.match(rotated.body.secret, /^whsec_/);
  assert.notEqual(rotated.body.secret, created.body.secret);
  assert.notDeepEqual((await endpointRow(project.id)).secret_sealed, sealedBefore);

  assert.equal((await call("DELETE", ENDPOINT, auth)).res.status, 204);
  assert.equal((await call("GET", ENDPOINT, auth)).res.status, 404);
  for (const [method, path] of [["DELETE", ENDPOINT], ["POST", `${ENDPOINT}/rotate-secret`]]) {
    const gone = await call(method, path, auth);
    assert.equal(gone.res.status, 404, `${method} ${path}`);
    assert.equal(gone.body.error, "not_found");
  }
  assert.equal((await call("PATCH", ENDPOINT, auth, { enabled: true })).res.status, 404);
});

Deno.test("webhook-endpoint API — another project's client sees and changes only its own", async () => {
  const [mine, theirs] = [await seedProject(sql), await seedProject(sql)];
  await call("PUT", ENDPOINT, as(mine), { url: "https://mine.example/hooks" });
  const before = await endpointRow(mine.id);
  assert.equal((await call("GET", ENDPOINT, as(theirs))).res.status, 404);
  assert.equal((await call("PATCH", ENDPOINT, as(theirs), { enabled: false })).res.status, 404);
  assert.equal((await call("POST", `${ENDPOINT}/rotate-secret`, as(theirs))).res.status, 404);
  assert.equal((await call("DELETE", ENDPOINT, as(theirs))).res.status, 404);
  const own = await call("PUT", ENDPOINT, as(theirs), { url: "https://theirs.example/hooks" });
  assert.equal(own.res.status, 201, "their PUT creates their own endpoint");
  assert.deepEqual(await endpointRow(mine.id), before);
});

Deno.test("webhook-endpoint API — wrong callers: none 401, wrong secret 401, machine and self-registered 403", async () => {
  const project = await seedProject(sql);
  await call("PUT", ENDPOINT, as(project), { url: "https://app.example/hooks" });
  const before = await endpointRow(project.id);
  const none = await call("PUT", ENDPOINT, {}, { url: "https://evil.example/" });
  assert.equal(none.res.status, 401);
  assert.equal(none.body.error, "invalid_client");
  assert.match(none.res.headers.get("www-authenticate") ?? "", /^Basic /);
  const wrong = await call("GET", ENDPOINT, { authorization: basic(project.clientId, "nope") });
  assert.equal(wrong.body.error, "invalid_client");
  const agent = await seedMachineClient(sql, project.id);
  const registered = await (await t.app.request("/api/platform/register", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      client_name: "Agent",
      redirect_uris: ["http://127.0.0.1:8976/callback"],
      token_endpoint_auth_method: "client_secret_basic",
    }),
  })).json();
  const callers = [as(agent), { authorization: basic(registered.client_id, registered.client_secret) }];
  for (const headers of callers) {
    for (
      const [method, path, body] of [
        ["GET", ENDPOINT, undefined],
        ["PUT", ENDPOINT, { url: "https://evil.example/" }],
        ["PATCH", ENDPOINT, { enabled: false }],
        ["DELETE", ENDPOINT, undefined],
        ["POST", `${ENDPOINT}/rotate-secret`, undefined],
        ["GET", DELIVERIES, undefined],
      ] as const
    ) {
      const refused = await call(method, path, headers, body);
      assert.equal(refused.res.status, 403, `${method} ${path}`);
      assert.equal(refused.body.error, "unauthorized_client");
    }
  }
  assert.deepEqual(await endpointRow(project.id), before);
});

Deno.test("webhook-endpoint API — bad input is validation_failed with fields, and changes nothing", async () => {
  const project = await seedProject(sql);
  const auth = as(project);
  await call("PUT", ENDPOINT, auth, { url: "https://app.example/hooks", events: ["user.created"] });
  const before = await endpointRow(project.id);
  const cases: [string, unknown, string, RegExp][] = [
    [
      "PUT",
      { url: "https://app.example/h", events: ["user.exploded"] },
      "events",
      /one or more of user\.created/,
    ],
    ["PUT", { url: "https://app.example/h", events: ["*", "user.created"] }, "events", /send it alone/],
    ["PUT", { url: "https://app.example/h", events: [] }, "events", /one or more of/],
    ["PUT", { url: "https://app.example/h", events: "all" }, "events", /"\*" \(every type/],
    ["PUT", { url: "http://app.example/hooks" }, "url", /absolute https URL/],
    ["PUT", { url: "not a url" }, "url", /absolute https URL/],
    ["PUT", {}, "url", /./],
    ["PUT", { url: "https://app.example/h", enabled_events: ["*"] }, "(body)", /enabled_events/],
    ["PUT", { url: "x".repeat(5000) }, "url", /./],
    ["PATCH", { events: ["user.created", "*"] }, "events", /send it alone/],
    ["PATCH", { url: "http://app.example/h", enabled: false }, "url", /absolute https URL/],
    ["PATCH", { enabled: "no" }, "enabled", /./],
    ["PATCH", {}, "(body)", /at least one of url, events and enabled/],
  ];
  for (const [method, body, field, message] of cases) {
    const label = `${method} ${JSON.stringify(body).slice(0, 80)}`;
    const refused = await call(method, ENDPOINT, auth, body);
    assert.equal(refused.res.status, 400, label);
    assert.equal(refused.body.error, "validation_failed", label);
    assert.match(
      refused.body.fields?.[field]?.join(" ") ?? "",
      message,
      `${label}: ${JSON.stringify(refused.body)}`,
    );
  }
  const notJson = await call("PUT", ENDPOINT, auth, "{");
  assert.equal(notJson.body.error, "invalid_json");
  const form = await t.app.request(ENDPOINT, {
    method: "PUT",
    headers: { ...auth, "content-type": "application/x-www-form-urlencoded" },
    body: "url=https://app.example/h",
  });
  assert.equal(form.status, 415);
  const huge = await call("PUT", ENDPOINT, auth, { url: "https://app.example/h", pad: "x".repeat(2 ** 21) });
  assert.equal(huge.res.status, 413);
  assert.equal(huge.body.error, "payload_too_large");
  const deep = await call("PUT", ENDPOINT, auth, `{"url": ${"[".repeat(100_000)}${"]".repeat(100_000)}}`);
  assert.equal(deep.res.status, 400);
  assert.deepEqual(await endpointRow(project.id), before);
});

Deno.test("webhook-endpoint API — a production project's URL must reach a public address (SSRF)", async () => {
  const live: Project = await seedProject(sql);
  await takeLive(sql, live.id);
  const auth = as(live);
  for (
    const url of [
      "https://10.0.0.7/hooks",
      "https://127.0.0.1/hooks",
      "https://[::1]/h",
      "https://169.254.169.254/",
    ]
  ) {
    const refused = await call("PUT", ENDPOINT, auth, { url });
    assert.equal(refused.res.status, 400, url);
    assert.match(
      refused.body.fields.url[0],
      /A production webhook must reach a public address: .*internal address/,
    );
  }
  assert.equal(await endpointRow(live.id), undefined, "nothing was created");
  const created = await call("PUT", ENDPOINT, auth, { url: "https://93.184.215.14/hooks" });
  assert.equal(created.res.status, 201, JSON.stringify(created.body));
  const moved = await call("PATCH", ENDPOINT, auth, { url: "https://192.168.1.10/hooks" });
  assert.match(moved.body.fields.url[0], /public address/);
  assert.equal((await endpointRow(live.id)).url, "https://93.184.215.14/hooks");
  // A sandbox project may point at a receiver on this machine while developing.
  const sandbox = await seedProject(sql);
  assert.equal(
    (await call("PUT", ENDPOINT, as(sandbox), { url: "http://127.0.0.1:9/hooks" })).res.status,
    201,
  );
});

Deno.test("webhook-endpoint API — a created endpoint receives a signed delivery; the log pages; resend", async () => {
  const project = await seedProject(sql);
  const auth = as(project);
  const receiver = startReceiver();
  const worker = new WebhookWorker({
    sql,
    sealing: t.deps.masterKeys.sealing,
    backoffSeconds: () => 0,
    maxAttempts: 1,
  });
  await worker.start();
  try {
    const created = await call("PUT", ENDPOINT, auth, { url: receiver.url, events: ["user.created"] });
    assert.equal(created.res.status, 201);
    await seedUser(sql, project.id, "hooked@example.com");
    await receiver.waitFor(1);
    const [request] = receiver.received;
    const verified = new Webhook(created.body.secret).verify(
      request.body,
      Object.fromEntries(request.headers),
    ) as { type: string; data: { user: { email: string } } };
    assert.equal(verified.type, "user.created");
    assert.equal(verified.data.user.email, "hooked@example.com");

    // The receiver now fails: the one attempt allowed leaves the delivery failed, to be resent.
    receiver.respond = () => 500;
    await seedUser(sql, project.id, "refused@example.com");
    await receiver.waitFor(2);
    await worker.settle();
    const page = await call("GET", `${DELIVERIES}?limit=1`, auth);
    assert.equal(page.res.status, 200, JSON.stringify(page.body));
    assert.equal(page.body.deliveries.length, 1);
    const [failed] = page.body.deliveries;
    assert.deepEqual([failed.status, failed.last_status, failed.event_type], ["failed", 500, "user.created"]);
    const older = await call("GET", `${DELIVERIES}?before=${page.body.older}`, auth);
    assert.deepEqual(older.body.deliveries.map((d: { status: string }) => d.status), ["delivered"]);
    assert.equal(older.body.older, null);

    receiver.respond = () => 200;
    const resent = await call("POST", `${DELIVERIES}/${failed.id}/resend`, auth);
    assert.equal(resent.res.status, 200, JSON.stringify(resent.body));
    assert.equal(resent.body.status, "pending");
    await receiver.waitFor(3);
    const again = await call("POST", `${DELIVERIES}/${older.body.deliveries[0].id}/resend`, auth);
    assert.equal(again.res.status, 409, "only a failed delivery can be resent");
    assert.equal(again.body.error, "conflict");
    assert.equal((await call("POST", `${DELIVERIES}/abc/resend`, auth)).res.status, 404);
    const bad = await call("GET", `${DELIVERIES}?limit=1000`, auth);
    assert.equal(bad.body.error, "validation_failed");
    assert.ok(bad.body.fields.limit);
  } finally {
    await worker.stop();
    await receiver.close();
  }
});
