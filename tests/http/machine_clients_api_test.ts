/** /api/platform/machine-clients: the project's own credentials manage its machine clients. */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { seedMachineClient, seedRegistry } from "../helpers/machine_clients.ts";
import { basic, seedProject } from "../helpers/oauth.ts";
import { postForm } from "../helpers/token_client.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const project = await seedProject(t.db.sql);
const other = await seedProject(t.db.sql);
await seedRegistry(t.db.sql, project.id, { resources: ["https://mcp.example.com"], scopes: ["notes:read"] });
const BASE = "/api/platform/machine-clients";
const auth = { authorization: basic(project.clientId, project.secret) };

const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = auth) => {
  const res = await t.app.request(path, {
    method,
    headers: { ...headers, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { res, body: res.status === 204 ? null : await res.json() };
};

Deno.test("machine-clients API — create (201, secret once), list, read, update, rotate, delete", async () => {
  const created = await call("POST", BASE, {
    name: "Agent",
    scopes: ["notes:read"],
    resources: ["https://mcp.example.com/"],
    access_token_ttl: 900,
  });
  assert.equal(created.res.status, 201, JSON.stringify(created.body));
  assert.equal(created.res.headers.get("cache-control"), "no-store");
  const { client_id: id, client_secret: secret } = created.body;
  assert.deepEqual(created.body.resources, ["https://mcp.example.com"]);
  const token = await postForm(t, "/api/platform/token", {
    grant_type: "client_credentials",
    resource: "https://mcp.example.com",
  }, { authorization: basic(id, secret) });
  assert.equal(token.res.status, 200, JSON.stringify(token.body));
  assert.equal(token.body.expires_in, 900);

  const listed = await call("GET", BASE);
  assert.deepEqual(listed.body.map((c: { client_id: string }) => c.client_id), [id]);
  assert.equal(listed.body[0].client_secret, undefined, "secrets are never listed");
  assert.equal((await call("GET", `${BASE}/${id}`)).body.name, "Agent");

  const disabled = await call("PATCH", `${BASE}/${id}`, { enabled: false, access_token_ttl: 0 });
  assert.equal(disabled.res.status, 200);
  assert.equal(disabled.body.enabled, false);
  assert.equal(disabled.body.access_token_ttl, undefined);

  const rotated = await call("POST", `${BASE}/${id}/rotate-secret`);
  assert.equal(rotated.res.status, 200);
  assert.notEqual(rotated.body.client_secret, secret);

  assert.equal((await call("DELETE", `${BASE}/${id}`)).res.status, 204);
  assert.equal((await call("GET", `${BASE}/${id}`)).res.status, 404);
});

Deno.test("machine-clients API — refusals: no credentials 401, machine client 403, another project's client 404", async () => {
  const none = await call("GET", BASE, undefined, {});
  assert.equal(none.res.status, 401);
  assert.match(none.res.headers.get("www-authenticate") ?? "", /^Basic /);
  const wrong = await call("GET", BASE, undefined, { authorization: basic(project.clientId, "nope") });
  assert.equal(wrong.body.error, "invalid_client");
  const agent = await seedMachineClient(t.db.sql, project.id);
  const asAgent = await call("GET", BASE, undefined, { authorization: basic(agent.clientId, agent.secret) });
  assert.equal(asAgent.res.status, 403);
  const foreign = await seedMachineClient(t.db.sql, other.id);
  assert.equal((await call("GET", `${BASE}/${foreign.clientId}`)).res.status, 404);
  assert.equal((await call("PATCH", `${BASE}/${foreign.clientId}`, { enabled: false })).res.status, 404);
  assert.equal((await call("DELETE", `${BASE}/${foreign.clientId}`)).res.status, 404);
});

Deno.test("machine-clients API — invalid bodies are validation_failed with fields", async () => {
  const cases: [unknown, string][] = [
    [{}, "name"],
    [{ name: "x", resources: ["not a uri"] }, "resources.0"],
    [{ name: "x", access_token_ttl: 5 }, "access_token_ttl"],
    [{ name: "x", scopes: ["undeclared"] }, "(sql)"],
  ];
  for (const [body, field] of cases) {
    const { res, body: answer } = await call("POST", BASE, body);
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal(answer.error, "validation_failed");
    if (field !== "(sql)") assert.ok(answer.fields?.[field], `${field}: ${JSON.stringify(answer)}`);
    else assert.match(answer.error_description, /not declared/);
  }
});
