/**
 * The unmodified MCP TypeScript SDK's interactive path, headless: the SDK's 401 handling discovers the example
 * server's RFC 9728 metadata and Astapa's metadata, registers itself (RFC 7591), sends the person to the hosted
 * login with PKCE and `resource`; the test signs in there over real HTTP as a browser would; the SDK redeems the
 * code (with `resource` again) and calls tools. The token's audience is the MCP server, and a refresh keeps it.
 */
import assert from "node:assert/strict";
import { decodeJwt } from "jose";
// @ts-types="@modelcontextprotocol/sdk/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/client/streamableHttp"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
// @ts-types="@modelcontextprotocol/sdk/client/auth"
import { auth, type OAuthClientProvider, UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";
// @ts-types="@modelcontextprotocol/sdk/shared/auth"
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from "@modelcontextprotocol/sdk/shared/auth.js";
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

const t = await testApp({ listen: true });
const mcpHttp = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => handler(req));
const RESOURCE = `http://127.0.0.1:${mcpHttp.addr.port}/mcp`;
Deno.test.afterAll(async () => {
  await mcpHttp.shutdown();
  await t.close();
});

const project = await seedProject(t.db.sql, { name: "Notes", settings: { dynamic_clients: true } });
// The server pins the project that registered its resource (issue 17 #7).
const handler = notesServer({ issuer: t.origin, resource: RESOURCE, projectId: project.id });
await seedRegistry(t.db.sql, project.id, { resources: [RESOURCE], scopes: ["notes:read", "notes:write"] });
const userId = await seedPasswordUser(t.db.sql, project.id, "ayu@example.com", "correct horse battery");

/** Never listened on: the test reads the code from the redirect the hosted login answers with. */
const REDIRECT_URL = "http://127.0.0.1:53682/callback";

/** An OAuthClientProvider kept in memory whose "browser" is the hosted login, driven over HTTP. */
class HeadlessBrowserProvider implements OAuthClientProvider {
  information?: OAuthClientInformationMixed;
  saved?: OAuthTokens;
  verifier?: string;
  code?: string;
  signInPage = "";
  readonly redirectUrl = REDIRECT_URL;
  readonly clientMetadata: OAuthClientMetadata = {
    client_name: "Notes agent",
    redirect_uris: [REDIRECT_URL],
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code"],
    token_endpoint_auth_method: "none",
  };
  state() {
    return "state-from-the-agent";
  }
  clientInformation() {
    return this.information;
  }
  saveClientInformation(information: OAuthClientInformationMixed) {
    this.information = information;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    if (!this.verifier) throw new Error("no code verifier saved");
    return this.verifier;
  }
  /** The person's browser: open the authorization URL, sign in, and catch the redirect back. */
  async redirectToAuthorization(url: URL) {
    assert.equal(url.origin, t.origin, "the SDK sends the person to Astapa");
    assert.equal(url.searchParams.get("resource"), RESOURCE);
    assert.equal(url.searchParams.get("code_challenge_method"), "S256");
    const page = await fetch(url, { redirect: "manual" });
    assert.equal(page.status, 200);
    this.signInPage = await page.text();
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
    assert.equal(back.state, "state-from-the-agent");
    assert.equal(back.iss, t.origin);
    this.code = back.code ?? undefined;
  }
}

const text = (result: Awaited<ReturnType<Client["callTool"]>>) =>
  (result.content as { type: string; text: string }[])[0].text;

Deno.test("MCP SDK — interactive: 401 → discovery → DCR → hosted login with PKCE + resource → token → tools", async () => {
  const provider = new HeadlessBrowserProvider();
  const first = new Client({ name: "astapa-interactive-agent", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(RESOURCE), { authProvider: provider });
  // The SDK's 401 handling registers, then "redirects the browser" and stops until the code comes back.
  await assert.rejects(first.connect(transport), UnauthorizedError);
  assert.match(String(provider.information?.client_id), /^dcl_[a-z2-7]{24}$/, "registered dynamically");
  assert.ok(!("client_secret" in (provider.information ?? {})), "a public client gets no secret");
  assert.match(provider.signInPage, /Notes agent/, "the page names the client…");
  assert.match(provider.signInPage, /wants to access/);
  assert.match(provider.signInPage, /not checked by the project/, "…as its own, unverified claim");
  assert.ok(provider.code, "the hosted login redirected back with a code");
  await transport.finishAuth(provider.code!);

  const claims = decodeJwt(provider.saved!.access_token);
  assert.equal(claims.aud, RESOURCE, "audience-bound to the MCP server");
  assert.equal(claims.client_id, provider.information!.client_id);
  assert.equal(claims.project_id, project.id, "the resource's project signed the person in");
  assert.equal(claims.sub, userId);
  assert.equal(claims.iss, t.origin);
  assert.deepEqual(String(claims.scope).split(" ").sort(), ["notes:read", "notes:write"]);
  assert.ok(provider.saved!.refresh_token);

  const mcp = new Client({ name: "astapa-interactive-agent", version: "1.0.0" });
  await mcp.connect(new StreamableHTTPClientTransport(new URL(RESOURCE), { authProvider: provider }));
  try {
    assert.equal(
      text(await mcp.callTool({ name: "add_note", arguments: { text: "from a person" } })),
      "Saved note 1.",
    );
    assert.deepEqual(JSON.parse(text(await mcp.callTool({ name: "list_notes", arguments: {} }))), [
      "from a person",
    ]);
  } finally {
    await mcp.close();
  }

  // The SDK refreshes (sending resource again): a new token, the same audience, the refresh token rotated.
  const before = provider.saved!;
  assert.equal(await auth(provider, { serverUrl: new URL(RESOURCE) }), "AUTHORIZED");
  assert.notEqual(provider.saved!.refresh_token, before.refresh_token);
  const refreshed = decodeJwt(provider.saved!.access_token);
  assert.equal(refreshed.aud, RESOURCE);
  assert.equal(refreshed.project_id, project.id);
  assert.notEqual(refreshed.jti, claims.jti);
  const again = new Client({ name: "astapa-interactive-agent", version: "1.0.0" });
  await again.connect(new StreamableHTTPClientTransport(new URL(RESOURCE), { authProvider: provider }));
  try {
    assert.deepEqual(JSON.parse(text(await again.callTool({ name: "list_notes", arguments: {} }))), [
      "from a person",
    ]);
  } finally {
    await again.close();
  }
});
