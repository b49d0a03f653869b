/**
 * The unmodified MCP TypeScript SDK against Astapa and the example MCP server: ClientCredentialsProvider
 * discovers the resource's metadata, gets a token from Astapa with scope + resource, and calls tools; the
 * example server refuses missing scopes, tokens for other resources and expired tokens with the right challenge.
 */
import assert from "node:assert/strict";
// @ts-types="@modelcontextprotocol/sdk/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/client/streamableHttp"
import {
  StreamableHTTPClientTransport,
  StreamableHTTPError,
} from "@modelcontextprotocol/sdk/client/streamableHttp.js";
// @ts-types="@modelcontextprotocol/sdk/client/auth-extensions"
import { ClientCredentialsProvider } from "@modelcontextprotocol/sdk/client/auth-extensions.js";
import { notesServer } from "@/examples/mcp-server/server.ts";
import { clientAccessToken } from "@/lib/tokens/access_tokens.ts";
import { testApp } from "../helpers/app.ts";
import { type SeededMachineClient, seedMachineClient, seedRegistry } from "../helpers/machine_clients.ts";
import { basic, seedProject } from "../helpers/oauth.ts";
import { postForm } from "../helpers/token_client.ts";

const t = await testApp({ listen: true });
const mcpHttp = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => handler(req));
const RESOURCE = `http://127.0.0.1:${mcpHttp.addr.port}/mcp`;
Deno.test.afterAll(async () => {
  await mcpHttp.shutdown();
  await t.close();
});

const project = await seedProject(t.db.sql);
// The server pins the project that registered its resource (issue 17 #7).
const handler = notesServer({ issuer: t.origin, resource: RESOURCE, projectId: project.id });
const OTHER_RESOURCE = "https://other-mcp.example.com";
await seedRegistry(t.db.sql, project.id, {
  resources: [RESOURCE, OTHER_RESOURCE],
  scopes: ["notes:read", "notes:write"],
});
const writer = await seedMachineClient(t.db.sql, project.id, {
  name: "Writer agent",
  scopes: ["notes:read", "notes:write"],
  resources: [RESOURCE],
});
const reader = await seedMachineClient(t.db.sql, project.id, {
  name: "Reader agent",
  scopes: ["notes:read"],
  resources: [RESOURCE, OTHER_RESOURCE],
});

async function connect(client: SeededMachineClient, scope: string): Promise<Client> {
  const provider = new ClientCredentialsProvider({
    clientId: client.clientId,
    clientSecret: client.secret,
    scope,
    expectedIssuer: t.origin, // credentials go to Astapa only, whatever a server's metadata says
  });
  const mcp = new Client({ name: "astapa-test-agent", version: "1.0.0" });
  await mcp.connect(new StreamableHTTPClientTransport(new URL(RESOURCE), { authProvider: provider }));
  return mcp;
}

const text = (result: Awaited<ReturnType<Client["callTool"]>>) =>
  (result.content as { type: string; text: string }[])[0].text;

Deno.test("MCP SDK — ClientCredentialsProvider gets a token from Astapa and calls the example server's tools", async () => {
  const mcp = await connect(writer, "notes:read notes:write");
  try {
    const tools = await mcp.listTools();
    assert.deepEqual(tools.tools.map((tool) => tool.name).sort(), ["add_note", "list_notes"]);
    assert.equal(
      text(await mcp.callTool({ name: "add_note", arguments: { text: "hello" } })),
      "Saved note 1.",
    );
    assert.deepEqual(JSON.parse(text(await mcp.callTool({ name: "list_notes", arguments: {} }))), ["hello"]);
  } finally {
    await mcp.close();
  }
});

Deno.test("MCP SDK — a client lacking the scope gets 403 insufficient_scope (and cannot upscope)", async () => {
  const mcp = await connect(reader, "notes:read");
  try {
    assert.deepEqual(JSON.parse(text(await mcp.callTool({ name: "list_notes", arguments: {} }))), []);
    const refused = await mcp.callTool({ name: "add_note", arguments: { text: "nope" } }).then(
      () => assert.fail("add_note should be refused"),
      (error: unknown) => error,
    );
    assert.ok(refused instanceof StreamableHTTPError, String(refused));
    assert.equal(refused.code, 403);
  } finally {
    await mcp.close();
  }
});

async function tokenFor(client: SeededMachineClient, extra: Record<string, string>): Promise<string> {
  const { res, body } = await postForm(t, "/api/platform/token", {
    grant_type: "client_credentials",
    ...extra,
  }, {
    authorization: basic(client.clientId, client.secret),
  });
  assert.equal(res.status, 200, JSON.stringify(body));
  return body.access_token;
}

const callTool = (token: string | null, name = "list_notes") =>
  fetch(RESOURCE, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name, arguments: {} } }),
  });

const challenge = (res: Response) => res.headers.get("www-authenticate") ?? "";

Deno.test("example server — 401 without a token names its scope and points at its RFC 9728 metadata, which points at Astapa", async () => {
  const res = await callTool(null);
  assert.equal(res.status, 401);
  // A bare challenge (RFC 6750 §3.1: no error code without credentials) naming the scope to ask for, so a
  // client does not fall back to the whole scopes_supported.
  assert.match(challenge(res), /^Bearer scope="notes:read notes:write", resource_metadata="/);
  const metadataUrl = /resource_metadata="([^"]+)"/.exec(challenge(res))?.[1];
  await res.body?.cancel();
  assert.equal(metadataUrl, `http://127.0.0.1:${mcpHttp.addr.port}/.well-known/oauth-protected-resource/mcp`);
  const metadata = await (await fetch(metadataUrl!)).json();
  assert.deepEqual(metadata.authorization_servers, [t.origin]);
  assert.equal(metadata.resource, RESOURCE);
  assert.deepEqual(metadata.scopes_supported, ["notes:read", "notes:write"]);
  const discovery = await (await fetch(`${t.origin}/.well-known/oauth-authorization-server`)).json();
  assert.ok(discovery.grant_types_supported.includes("client_credentials"));
  assert.deepEqual(discovery.code_challenge_methods_supported, ["S256"]);
  assert.deepEqual(
    discovery.token_endpoint_auth_methods_supported,
    ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"],
    "what the token endpoint accepts (none: dynamically registered public clients; private_key_jwt: RFC 7523), " +
      "no more",
  );
  assert.equal(discovery.registration_endpoint, `${t.origin}/api/platform/register`);
});

Deno.test("example server — a token for another resource, or a machine token without one, is invalid_token", async () => {
  for (const extra of [{ resource: OTHER_RESOURCE }, {}] as Record<string, string>[]) {
    const token = await tokenFor(reader, { scope: "notes:read", ...extra });
    const res = await callTool(token);
    assert.equal(res.status, 401, JSON.stringify(extra));
    assert.match(challenge(res), /^Bearer error="invalid_token"/);
    assert.match(challenge(res), /resource_metadata="/);
    assert.equal((await res.json()).error, "invalid_token");
  }
});

Deno.test("example server — an expired token is invalid_token; a missing scope names the one to ask for", async () => {
  const expired = await clientAccessToken(
    { project_id: project.id, scope: "notes:read", resource: RESOURCE, access_ttl: 300 },
    {
      issuer: t.origin,
      clientId: reader.clientId,
      key: await t.deps.keys.active(),
      now: nowSeconds() - 3600,
    },
  );
  const stale = await callTool(expired);
  assert.equal(stale.status, 401);
  assert.match(challenge(stale), /error="invalid_token"/);
  await stale.body?.cancel();

  const readOnly = await tokenFor(reader, { scope: "notes:read", resource: RESOURCE });
  const res = await callTool(readOnly, "add_note");
  assert.equal(res.status, 403);
  assert.match(challenge(res), /error="insufficient_scope"/);
  // The scope to step up to: what the token has plus what the tool needs.
  assert.match(challenge(res), /scope="notes:read notes:write"/);
  assert.equal((await res.json()).error, "insufficient_scope");
  const allowed = await callTool(readOnly, "list_notes");
  assert.equal(allowed.status, 200);
  await allowed.body?.cancel();
});

Deno.test("example server — a token for this resource but of another project is invalid_token", async () => {
  // Astapa no longer issues one (tests/oauth/cross_tenant_audience_test.ts); the server refuses it anyway.
  const foreign = await clientAccessToken(
    { project_id: "proj_someoneelse", scope: "notes:read notes:write", resource: RESOURCE, access_ttl: 300 },
    { issuer: t.origin, clientId: reader.clientId, key: await t.deps.keys.active() },
  );
  const res = await callTool(foreign, "list_notes");
  assert.equal(res.status, 401);
  assert.match(challenge(res), /error="invalid_token"/);
  await res.body?.cancel();
});

const nowSeconds = () => Math.floor(Date.now() / 1000);
