/**
 * The MCP TypeScript SDK's v2 client (`@modelcontextprotocol/client`, the 2026-07-28 revision), unmodified, on
 * the paths a person takes, against Astapa and the example server (v2 server package): its 401 handling
 * discovers the metadata, registers (RFC 7591) or — with `clientMetadataUrl` — uses its https metadata document
 * URL as client_id (CIMD), sends the person to the hosted login with PKCE and `resource`, checks `iss` on the way
 * back (RFC 9207), redeems the code and calls tools. The test's "browser" signs in over real HTTP. The 1.x
 * client runs the same paths in mcp_sdk_interactive_test.ts and mcp_sdk_client_metadata_test.ts.
 */
import assert from "node:assert/strict";
import { decodeJwt } from "jose";
import {
  auth,
  Client,
  type OAuthClientMetadata,
  type OAuthClientProvider,
  type OAuthDiscoveryState,
  type StoredOAuthClientInformation,
  type StoredOAuthTokens,
  StreamableHTTPClientTransport,
  UnauthorizedError,
} from "@modelcontextprotocol/client";
import { notesServer } from "@/examples/mcp-server/server.ts";
import { testApp } from "../helpers/app.ts";
import { seedRegistry } from "../helpers/machine_clients.ts";
import { seedProject } from "../helpers/oauth.ts";
import {
  authorizationResponse,
  hostedForm,
  mergeCookies,
  seedPasswordUser,
} from "../helpers/dynamic_clients.ts";

const fixtures = new URL("../webhooks/fixtures/", import.meta.url);
const cert = await Deno.readTextFile(new URL("hooks.example.test.pem", fixtures));
const key = await Deno.readTextFile(new URL("hooks.example.test.key", fixtures));

const t = await testApp({ listen: true });
const mcpHttp = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => handler(req));
const RESOURCE = `http://127.0.0.1:${mcpHttp.addr.port}/mcp`;
/** The same notepad whose 401 names only the least scope, so its tools step up (the 2026-07-28 way). */
const leastHttp = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => least(req));
const LEAST_RESOURCE = `http://127.0.0.1:${leastHttp.addr.port}/mcp`;
/** Never listened on: the test reads the code from the redirect the hosted login answers with. */
const REDIRECT_URL = "http://127.0.0.1:53683/callback";
const documentHost = Deno.serve(
  { hostname: "127.0.0.1", port: 0, cert, key, onListen: () => {} },
  (): Response =>
    Response.json({
      client_id: METADATA_URL,
      client_name: "Notes agent v2 (CIMD)",
      redirect_uris: [REDIRECT_URL],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    }, { headers: { "cache-control": "max-age=600" } }),
);
const METADATA_URL: string = `https://hooks.example.test:${documentHost.addr.port}/oauth/v2-client.json`;
Deno.test.afterAll(async () => {
  await mcpHttp.shutdown();
  await leastHttp.shutdown();
  await documentHost.shutdown();
  await t.close();
});
// The metadata document's host is in no DNS: the test's own fetch setting resolves it to loopback.
t.deps.clientMetadataFetch = {
  allowPrivate: true,
  caCerts: [cert],
  resolve: (host, type) =>
    Promise.resolve(host === "hooks.example.test" && type === "A" ? ["127.0.0.1"] : []),
};

const project = await seedProject(t.db.sql, {
  name: "Notes",
  settings: { dynamic_clients: true, client_metadata_documents: true },
});
const handler = notesServer({ issuer: t.origin, resource: RESOURCE, projectId: project.id });
const least = notesServer({
  issuer: t.origin,
  resource: LEAST_RESOURCE,
  projectId: project.id,
  challengeScopes: ["notes:read"],
});
await seedRegistry(t.db.sql, project.id, {
  resources: [RESOURCE, LEAST_RESOURCE],
  scopes: ["notes:read", "notes:write"],
});
const userId = await seedPasswordUser(t.db.sql, project.id, "ayu@example.com", "correct horse battery");

/** A v2 OAuthClientProvider kept in memory whose "browser" is the hosted login, driven over HTTP. */
class HeadlessBrowserProvider implements OAuthClientProvider {
  information?: StoredOAuthClientInformation;
  saved?: StoredOAuthTokens;
  discovery?: OAuthDiscoveryState;
  verifier?: string;
  /** The redirect back to the client: code, state and iss. */
  callback?: URLSearchParams;
  signInPage = "";
  readonly redirectUrl = REDIRECT_URL;
  readonly clientMetadata: OAuthClientMetadata;
  constructor(name: string, readonly clientMetadataUrl?: string, readonly resource = RESOURCE) {
    this.clientMetadata = {
      client_name: name,
      redirect_uris: [REDIRECT_URL],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  }
  state() {
    return "v2-state";
  }
  clientInformation() {
    return this.information;
  }
  saveClientInformation(information: StoredOAuthClientInformation) {
    this.information = information;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: StoredOAuthTokens) {
    this.saved = tokens;
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    if (!this.verifier) throw new Error("no code verifier saved");
    return this.verifier;
  }
  saveDiscoveryState(state: OAuthDiscoveryState) {
    this.discovery = state;
  }
  discoveryState() {
    return this.discovery;
  }
  /** The person's browser: open the authorization URL, sign in, and catch the redirect back. */
  async redirectToAuthorization(url: URL) {
    assert.equal(url.origin, t.origin, "the SDK sends the person to Astapa");
    assert.equal(url.searchParams.get("resource"), this.resource);
    assert.equal(url.searchParams.get("code_challenge_method"), "S256");
    const page = await fetch(url, { redirect: "manual" });
    this.signInPage = await page.text();
    assert.equal(page.status, 200, `${page.headers.get("location")} ${this.signInPage.slice(0, 300)}`);
    const form = hostedForm({ html: this.signInPage, cookie: mergeCookies("", page) });
    const posted = await fetch(new URL(form.action, t.origin), {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: form.cookie, origin: t.origin },
      body: new URLSearchParams({
        request: form.request,
        csrf: form.csrf,
        email: "ayu@example.com",
        password: "correct horse battery",
      }),
    });
    await posted.body?.cancel();
    const back = authorizationResponse(posted, REDIRECT_URL);
    assert.equal(back.state, "v2-state");
    assert.equal(back.iss, t.origin);
    this.callback = new URLSearchParams({ code: back.code!, state: back.state!, iss: back.iss! });
  }
}

/** v2 speaks the 2025 protocol unless asked: `auto` probes with server/discover and takes 2026-07-28. */
const MODERN = { versionNegotiation: { mode: "auto" as const } };

const text = (result: Awaited<ReturnType<Client["callTool"]>>) =>
  (result.content as { type: string; text: string }[])[0].text;

/** Connects, is sent to sign in, finishes with the callback; the provider then holds the person's tokens. */
async function signIn(provider: HeadlessBrowserProvider) {
  const first = new Client({ name: "astapa-v2-agent", version: "1.0.0" }, MODERN);
  const transport = new StreamableHTTPClientTransport(new URL(provider.resource), { authProvider: provider });
  await assert.rejects(first.connect(transport), UnauthorizedError);
  assert.ok(provider.callback, "the hosted login redirected back with a code");
  await transport.finishAuth(provider.callback!);
  return decodeJwt(provider.saved!.access_token);
}

async function withClient<T>(provider: HeadlessBrowserProvider, use: (mcp: Client) => Promise<T>) {
  const mcp = new Client({ name: "astapa-v2-agent", version: "1.0.0" }, MODERN);
  await mcp.connect(new StreamableHTTPClientTransport(new URL(RESOURCE), { authProvider: provider }));
  try {
    return await use(mcp);
  } finally {
    await mcp.close();
  }
}

Deno.test("MCP SDK v2 — interactive: 401 → discovery → DCR → hosted login with PKCE + resource → token → tools", async () => {
  const provider = new HeadlessBrowserProvider("Notes agent v2");
  const claims = await signIn(provider);
  assert.match(String(provider.information?.client_id), /^dcl_[a-z2-7]{24}$/, "registered dynamically");
  assert.match(provider.signInPage, /Notes agent v2/, "the page names the client");
  assert.match(provider.signInPage, /not checked by the project/, "…as its own, unverified claim");
  assert.equal(claims.aud, RESOURCE, "audience-bound to the MCP server");
  assert.equal(claims.client_id, provider.information!.client_id);
  assert.equal(claims.project_id, project.id);
  assert.equal(claims.sub, userId);
  // The challenge's scope, and offline_access: v2 adds it when Astapa's metadata lists it (1.x does not).
  assert.deepEqual(String(claims.scope).split(" ").sort(), ["notes:read", "notes:write", "offline_access"]);
  assert.ok(provider.saved!.refresh_token);

  await withClient(provider, async (mcp) => {
    assert.equal(mcp.getNegotiatedProtocolVersion(), "2026-07-28", "the v2 server's modern leg answered");
    assert.equal(
      text(await mcp.callTool({ name: "add_note", arguments: { text: "v2 person" } })),
      "Saved note 1.",
    );
    assert.deepEqual(JSON.parse(text(await mcp.callTool({ name: "list_notes", arguments: {} }))), [
      "v2 person",
    ]);
  });

  // The SDK refreshes (sending resource again): a new token for the same audience, the refresh token rotated.
  const before = provider.saved!;
  assert.equal(await auth(provider, { serverUrl: new URL(RESOURCE) }), "AUTHORIZED");
  assert.notEqual(provider.saved!.refresh_token, before.refresh_token);
  const refreshed = decodeJwt(provider.saved!.access_token);
  assert.equal(refreshed.aud, RESOURCE);
  assert.notEqual(refreshed.jti, claims.jti);
  await withClient(provider, async (mcp) => {
    assert.deepEqual(JSON.parse(text(await mcp.callTool({ name: "list_notes", arguments: {} }))), [
      "v2 person",
    ]);
  });
});

Deno.test("MCP SDK v2 — clientMetadataUrl: no registration, the URL is the client_id, the consent shows its host", async () => {
  const provider = new HeadlessBrowserProvider("Notes agent v2 (CIMD)", METADATA_URL);
  const claims = await signIn(provider);
  assert.equal(provider.information?.client_id, METADATA_URL, "the SDK used its URL, not registration");
  assert.match(provider.signInPage, /Notes agent v2 \(CIMD\)/);
  assert.match(
    provider.signInPage,
    new RegExp(`class="client-host">hooks\\.example\\.test:${documentHost.addr.port}<`),
  );
  assert.equal(claims.client_id, METADATA_URL);
  assert.equal(claims.aud, RESOURCE);
  assert.equal(claims.sub, userId);
  await withClient(provider, async (mcp) => {
    assert.equal(
      text(await mcp.callTool({ name: "add_note", arguments: { text: "v2 CIMD" } })),
      "Saved note 1.",
    );
    assert.deepEqual(JSON.parse(text(await mcp.callTool({ name: "list_notes", arguments: {} }))), [
      "v2 CIMD",
    ]);
  });
});

Deno.test("MCP SDK v2 — step-up past a dynamic registration's scope: 403 insufficient_scope → consent → wider token", async () => {
  const provider = new HeadlessBrowserProvider("Stepping agent v2", undefined, LEAST_RESOURCE);
  const claims = await signIn(provider);
  const registered = provider.information as StoredOAuthClientInformation & { scope?: string };
  // Both SDK generations register with the first challenge's scope (v2 adds offline_access).
  assert.equal(registered.scope, "notes:read offline_access");
  assert.equal(claims.scope, "notes:read offline_access");

  const mcp = new Client({ name: "astapa-v2-agent", version: "1.0.0" }, MODERN);
  const transport = new StreamableHTTPClientTransport(new URL(LEAST_RESOURCE), { authProvider: provider });
  await mcp.connect(transport);
  try {
    assert.equal(text(await mcp.callTool({ name: "list_notes", arguments: {} })), "[]");
    // add_note needs notes:write: the server's 403 names the held scopes plus it; the SDK asks for exactly that
    // (past its registration) and sends the person to sign in again, where the page names what is asked.
    provider.callback = undefined;
    await assert.rejects(
      mcp.callTool({ name: "add_note", arguments: { text: "widened" } }),
      UnauthorizedError,
    );
    assert.ok(provider.callback, "Astapa issued a code for the wider scope (no invalid_scope)");
    assert.match(provider.signInPage, /It asks for:.*notes:write/s);
    await transport.finishAuth(provider.callback!);
    const widened = decodeJwt(provider.saved!.access_token);
    assert.deepEqual(String(widened.scope).split(" ").sort(), [
      "notes:read",
      "notes:write",
      "offline_access",
    ]);
    assert.equal(widened.client_id, registered.client_id, "the same registration, not a new one");
    assert.equal(
      text(await mcp.callTool({ name: "add_note", arguments: { text: "widened" } })),
      "Saved note 1.",
    );
  } finally {
    await mcp.close();
  }
  const [{ scopes }] = await t.db.sql`
    select scopes from astapa.consents where client_id = ${registered.client_id}`;
  assert.deepEqual(scopes, ["notes:read", "notes:write", "offline_access"], "the consent widened too");
});
