/** /api/platform/resources, /scopes and /dynamic-clients: the project's own credentials manage them. */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { seedMachineClient } from "../helpers/machine_clients.ts";
import { basic, seedProject } from "../helpers/oauth.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const project = await seedProject(t.db.sql);
const other = await seedProject(t.db.sql);
const auth = { authorization: basic(project.clientId, project.secret) };
const otherAuth = { authorization: basic(other.clientId, other.secret) };

const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = auth) => {
  const res = await t.app.request(path, {
    method,
    headers: { ...headers, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { res, body: res.status === 204 ? null : await res.json() };
};

Deno.test("resources API — register (canonical, unique deployment-wide), list, remove", async () => {
  const added = await call("POST", "/api/platform/resources", {
    uri: "https://MCP.example.com/",
    name: "Notes",
  });
  assert.equal(added.res.status, 201, JSON.stringify(added.body));
  assert.equal(added.body.uri, "https://mcp.example.com");
  assert.equal(added.body.name, "Notes");
  const taken = await call("POST", "/api/platform/resources", { uri: "https://mcp.example.com" }, otherAuth);
  assert.equal(taken.res.status, 409, "another project cannot claim it");
  const bad = await call("POST", "/api/platform/resources", { uri: "https://x.example/#f" });
  assert.equal(bad.res.status, 400);
  assert.equal(bad.body.error, "validation_failed");
  const http = await call("POST", "/api/platform/resources", { uri: "http://x.example/mcp" });
  assert.equal(http.res.status, 400, "http only on loopback");

  assert.deepEqual((await call("GET", "/api/platform/resources")).body.map((r: { uri: string }) => r.uri), [
    "https://mcp.example.com",
  ]);
  assert.deepEqual((await call("GET", "/api/platform/resources", undefined, otherAuth)).body, []);
  const foreign = await call(
    "DELETE",
    "/api/platform/resources?uri=https://mcp.example.com",
    undefined,
    otherAuth,
  );
  assert.equal(foreign.res.status, 404);
  const removed = await call(
    "DELETE",
    `/api/platform/resources?${new URLSearchParams({ uri: "https://mcp.example.com/" })}`,
  );
  assert.equal(removed.res.status, 204);
  assert.deepEqual((await call("GET", "/api/platform/resources")).body, []);
  assert.equal((await call("DELETE", "/api/platform/resources")).res.status, 400, "uri is required");
});

Deno.test("scopes API — declare (and redescribe), list, withdraw; machine clients may not manage them", async () => {
  const declared = await call("POST", "/api/platform/scopes", { name: "notes:read", description: "Read" });
  assert.equal(declared.res.status, 200, JSON.stringify(declared.body));
  assert.deepEqual(declared.body, { name: "notes:read", description: "Read" });
  await call("POST", "/api/platform/scopes", { name: "notes:read", description: "Read notes" });
  assert.deepEqual((await call("GET", "/api/platform/scopes")).body, [{
    name: "notes:read",
    description: "Read notes",
  }]);
  const reserved = await call("POST", "/api/platform/scopes", { name: "openid" });
  assert.equal(reserved.res.status, 400);
  assert.equal(
    (await call("DELETE", "/api/platform/scopes/notes%3Aread", undefined, otherAuth)).res.status,
    404,
  );
  const machine = await seedMachineClient(t.db.sql, project.id);
  const refused = await call("GET", "/api/platform/scopes", undefined, {
    authorization: basic(machine.clientId, machine.secret),
  });
  assert.equal(refused.res.status, 403);
  assert.equal((await call("DELETE", "/api/platform/scopes/notes%3Aread")).res.status, 204);
  assert.deepEqual((await call("GET", "/api/platform/scopes")).body, []);
  assert.equal((await call("GET", "/api/platform/scopes", undefined, {})).res.status, 401);
});

Deno.test("dynamic-clients API — the per-project switches, off by default", async () => {
  const off = { enabled: false, client_metadata_documents: false };
  assert.deepEqual((await call("GET", "/api/platform/dynamic-clients")).body, off);
  const on = await call("PUT", "/api/platform/dynamic-clients", { enabled: true });
  assert.equal(on.res.status, 200);
  assert.deepEqual(on.body, { enabled: true, client_metadata_documents: false });
  assert.deepEqual((await call("GET", "/api/platform/dynamic-clients")).body, {
    enabled: true,
    client_metadata_documents: false,
  });
  assert.deepEqual((await call("GET", "/api/platform/dynamic-clients", undefined, otherAuth)).body, off);
  assert.equal((await call("PUT", "/api/platform/dynamic-clients", { enabled: "yes" })).res.status, 400);
  assert.equal((await call("PUT", "/api/platform/dynamic-clients", {})).res.status, 400);
  // The metadata-document switch sits beside it; setting one leaves the other as it was.
  assert.deepEqual(
    (await call("PUT", "/api/platform/dynamic-clients", { client_metadata_documents: true })).body,
    {
      enabled: true,
      client_metadata_documents: true,
    },
  );
  assert.deepEqual((await call("PUT", "/api/platform/dynamic-clients", { enabled: false })).body, {
    enabled: false,
    client_metadata_documents: true,
  });
  assert.equal((await call("PUT", "/api/platform/dynamic-clients", { enabled: true }, {})).res.status, 401);
});
