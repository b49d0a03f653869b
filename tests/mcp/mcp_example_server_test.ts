/**
 * The example MCP server's own HTTP rules, over real sockets: DNS-rebinding protection (a foreign Host is 403
 * everywhere, a foreign Origin is 403 at the MCP endpoint, no Origin passes), and RFC 9728 metadata listing
 * the resource's own scopes without offline_access (MCP 2026-07-28, SEP-2207). Nothing here reaches Astapa:
 * the checks answer before any token is verified. The SDK clients against Astapa: mcp_sdk_*_test.ts.
 */
import assert from "node:assert/strict";
import { notesServer } from "@/examples/mcp-server/server.ts";

const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => handler(req));
Deno.test.afterAll(() => server.shutdown());
const RESOURCE = `http://127.0.0.1:${server.addr.port}/mcp`;
const handler = notesServer({
  issuer: "http://127.0.0.1:9", // never fetched: every request here is answered before a token is checked
  resource: RESOURCE,
  projectId: "proj_example",
  allowedOrigins: [new URL(RESOURCE).origin, "https://app.example"],
});

/** One HTTP/1.1 request written by hand, so the Host header is the test's (fetch always sends its own). */
async function raw(path: string, headers: Record<string, string>) {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
  try {
    const lines = [`GET ${path} HTTP/1.1`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
    await conn.write(new TextEncoder().encode([...lines, "connection: close", "", ""].join("\r\n")));
    const chunks: Uint8Array[] = [];
    for await (const chunk of conn.readable) chunks.push(chunk);
    const text = new TextDecoder().decode(new Uint8Array(chunks.flatMap((c) => [...c])));
    return { status: Number(text.split(" ")[1]), body: text.slice(text.indexOf("\r\n\r\n") + 4) };
  } finally {
    try {
      conn.close();
    } catch { /* the readable side closed it already */ }
  }
}

const post = (headers: Record<string, string> = {}) =>
  fetch(RESOURCE, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...headers,
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
  });

Deno.test("example MCP server — a foreign Host (DNS rebinding) is 403 at the endpoint and the metadata", async () => {
  const own = `127.0.0.1:${server.addr.port}`;
  for (const path of ["/mcp", "/.well-known/oauth-protected-resource/mcp"]) {
    const foreign = await raw(path, { host: `rebind.attacker.example:${server.addr.port}` });
    assert.equal(foreign.status, 403, path);
    assert.match(foreign.body, /Invalid Host: rebind\.attacker\.example/);
  }
  assert.equal((await raw("/.well-known/oauth-protected-resource/mcp", { host: own })).status, 200);
  assert.equal((await raw("/mcp", { host: own })).status, 401, "its own host gets the usual challenge");
});

Deno.test("example MCP server — a foreign Origin is 403 before any token check; none, or an allowed one, passes", async () => {
  // Origins are compared whole: another port or scheme of an allowed host is another origin.
  const otherPort = `http://127.0.0.1:${server.addr.port === 9 ? 10 : 9}`;
  for (
    const origin of [
      "https://evil.example",
      "null",
      "http://rebind.attacker.example:80",
      otherPort,
      "http://app.example",
      "https://app.example:8443",
      "chrome-extension://abcdef",
    ]
  ) {
    const res = await post({ origin, authorization: "Bearer not-even-checked" });
    assert.equal(res.status, 403, origin);
    assert.equal(res.headers.get("www-authenticate"), null, `${origin}: refused before the bearer check`);
    const body = await res.json();
    assert.equal(body.error.code, -32000, origin);
  }
  for (
    const origin of [
      undefined,
      `http://127.0.0.1:${server.addr.port}`,
      "https://app.example",
      "https://app.example:443",
    ]
  ) {
    const res = await post(origin ? { origin } : {});
    await res.body?.cancel();
    assert.equal(res.status, 401, String(origin));
    assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer /);
  }
});

Deno.test("example MCP server — RFC 9728 metadata lists the tools' scopes and not offline_access (SEP-2207)", async () => {
  const res = await fetch(`http://127.0.0.1:${server.addr.port}/.well-known/oauth-protected-resource/mcp`);
  const metadata = await res.json();
  assert.equal(metadata.resource, RESOURCE);
  assert.deepEqual(metadata.scopes_supported, ["notes:read", "notes:write"]);
  const unauthorized = await post();
  await unauthorized.body?.cancel();
  const challenge = unauthorized.headers.get("www-authenticate") ?? "";
  assert.match(challenge, /scope="notes:read notes:write"/);
  assert.doesNotMatch(challenge, /offline_access/);
});
