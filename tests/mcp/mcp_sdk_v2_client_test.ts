/**
 * The MCP TypeScript SDK's v2 client package (`@modelcontextprotocol/client`, the 2026-07-28 revision),
 * unmodified, against Astapa and the example MCP server (v2 server package): its ClientCredentialsProvider
 * discovers the resource's metadata, gets a token from Astapa with scope and resource, and calls tools. The 1.x
 * client runs the same path in mcp_sdk_client_credentials_test.ts. A machine client allowed fewer scopes than
 * the challenge names is given its own (RFC 6749 §3.3 narrowing) rather than refused; the person's paths are
 * in mcp_sdk_v2_interactive_test.ts.
 */
import assert from "node:assert/strict";
import {
  Client,
  ClientCredentialsProvider,
  StreamableHTTPClientTransport,
} from "@modelcontextprotocol/client";
import { notesServer } from "@/examples/mcp-server/server.ts";
import { testApp } from "../helpers/app.ts";
import { type SeededMachineClient, seedMachineClient, seedRegistry } from "../helpers/machine_clients.ts";
import { seedProject } from "../helpers/oauth.ts";

const t = await testApp({ listen: true });
const mcpHttp = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => handler(req));
const RESOURCE = `http://127.0.0.1:${mcpHttp.addr.port}/mcp`;
Deno.test.afterAll(async () => {
  await mcpHttp.shutdown();
  await t.close();
});

const project = await seedProject(t.db.sql);
const handler = notesServer({ issuer: t.origin, resource: RESOURCE, projectId: project.id });
await seedRegistry(t.db.sql, project.id, { resources: [RESOURCE], scopes: ["notes:read", "notes:write"] });
const writer = await seedMachineClient(t.db.sql, project.id, {
  scopes: ["notes:read", "notes:write"],
  resources: [RESOURCE],
});
const reader = await seedMachineClient(t.db.sql, project.id, {
  scopes: ["notes:read"],
  resources: [RESOURCE],
});

async function connect(client: SeededMachineClient, scope?: string, modern = false): Promise<Client> {
  const provider = new ClientCredentialsProvider({
    clientId: client.clientId,
    clientSecret: client.secret,
    ...(scope ? { scope } : {}),
    expectedIssuer: t.origin,
  });
  // v2 speaks the 2025 protocol unless asked: `auto` probes with server/discover and takes 2026-07-28.
  const mcp = new Client(
    { name: "astapa-test-agent-v2", version: "1.0.0" },
    modern ? { versionNegotiation: { mode: "auto" } } : {},
  );
  await mcp.connect(new StreamableHTTPClientTransport(new URL(RESOURCE), { authProvider: provider }));
  return mcp;
}

const text = (result: Awaited<ReturnType<Client["callTool"]>>) =>
  (result.content as { type: string; text: string }[])[0].text;

Deno.test("MCP SDK v2 — ClientCredentialsProvider gets a token from Astapa and calls the example server's tools", async () => {
  const mcp = await connect(writer, "notes:read notes:write");
  try {
    const tools = await mcp.listTools();
    assert.deepEqual(tools.tools.map((tool) => tool.name).sort(), ["add_note", "list_notes"]);
    assert.equal(
      text(await mcp.callTool({ name: "add_note", arguments: { text: "hello v2" } })),
      "Saved note 1.",
    );
    assert.deepEqual(JSON.parse(text(await mcp.callTool({ name: "list_notes", arguments: {} }))), [
      "hello v2",
    ]);
  } finally {
    await mcp.close();
  }
});

Deno.test("MCP SDK v2 — a machine client allowed fewer scopes than the challenge names connects with its own; writing is 403", async () => {
  // No scope configured: v2 asks what the 401 names (notes:read notes:write); Astapa narrows to notes:read.
  const mcp = await connect(reader, undefined, true);
  try {
    assert.equal(mcp.getNegotiatedProtocolVersion(), "2026-07-28");
    assert.deepEqual(JSON.parse(text(await mcp.callTool({ name: "list_notes", arguments: {} }))), []);
    const refused = await mcp.callTool({ name: "add_note", arguments: { text: "nope" } }).then(
      () => assert.fail("add_note should be refused"),
      (error: unknown) => error,
    );
    assert.match(String(refused), /403|insufficient_scope/, String(refused));
  } finally {
    await mcp.close();
  }
});
