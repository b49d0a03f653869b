/**
 * The unmodified MCP TypeScript SDK (1.x) with `clientMetadataUrl`: it reads Astapa's
 * `client_id_metadata_document_supported`, skips registration and uses its https metadata URL as client_id;
 * Astapa fetches the document (TLS, through the SSRF guard pinned to the address it resolved), shows its name
 * and host on the consent, and the SDK redeems the code and calls tools. The document is served over https by
 * a local host whose name (hooks.example.test, in no DNS) the test's own fetch setting resolves to loopback.
 */
import assert from "node:assert/strict";
import { decodeJwt } from "jose";
// @ts-types="@modelcontextprotocol/sdk/client/index"
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
// @ts-types="@modelcontextprotocol/sdk/client/streamableHttp"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
// @ts-types="@modelcontextprotocol/sdk/client/auth"
import { type OAuthClientProvider, UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";
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

const fixtures = new URL("../webhooks/fixtures/", import.meta.url);
const cert = await Deno.readTextFile(new URL("hooks.example.test.pem", fixtures));
const key = await Deno.readTextFile(new URL("hooks.example.test.key", fixtures));

const t = await testApp({ listen: true });
const mcpHttp = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => handler(req));
const RESOURCE = `http://127.0.0.1:${mcpHttp.addr.port}/mcp`;
const REDIRECT_URL = "http://127.0.0.1:53682/callback";
let documentFetches = 0;
const documentHost = Deno.serve(
  { hostname: "127.0.0.1", port: 0, cert, key, onListen: () => {} },
  (): Response => {
    documentFetches++;
    return Response.json({
      client_id: METADATA_URL,
      client_name: "Notes agent (CIMD)",
      redirect_uris: [REDIRECT_URL],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    }, { headers: { "cache-control": "max-age=600" } });
  },
);
const METADATA_URL: string = `https://hooks.example.test:${documentHost.addr.port}/oauth/client.json`;
Deno.test.afterAll(async () => {
  await mcpHttp.shutdown();
  await documentHost.shutdown();
  await t.close();
});
t.deps.clientMetadataFetch = {
  allowPrivate: true,
  caCerts: [cert],
  resolve: (host, type) =>
    Promise.resolve(host === "hooks.example.test" && type === "A" ? ["127.0.0.1"] : []),
};

const project = await seedProject(t.db.sql, { name: "Notes", settings: { client_metadata_documents: true } });
const handler = notesServer({ issuer: t.origin, resource: RESOURCE, projectId: project.id });
await seedRegistry(t.db.sql, project.id, { resources: [RESOURCE], scopes: ["notes:read", "notes:write"] });
const userId = await seedPasswordUser(t.db.sql, project.id, "ayu@example.com", "correct horse battery");

/** An in-memory provider with clientMetadataUrl; its "browser" drives the hosted login over HTTP. */
class MetadataUrlProvider implements OAuthClientProvider {
  information?: OAuthClientInformationMixed;
  saved?: OAuthTokens;
  verifier?: string;
  code?: string;
  signInPage = "";
  /** Scopes asked in each authorization, in order (the first one may be narrowed, as a cautious client does). */
  asked: string[] = [];
  constructor(private narrowFirstTo?: string) {}
  readonly redirectUrl = REDIRECT_URL;
  readonly clientMetadataUrl = METADATA_URL;
  readonly clientMetadata: OAuthClientMetadata = {
    client_name: "Notes agent (CIMD)",
    redirect_uris: [REDIRECT_URL],
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code"],
    token_endpoint_auth_method: "none",
  };
  state() {
    return "cimd-state";
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
  async redirectToAuthorization(url: URL) {
    assert.equal(url.searchParams.get("client_id"), METADATA_URL);
    if (this.narrowFirstTo && this.asked.length === 0) url.searchParams.set("scope", this.narrowFirstTo);
    this.asked.push(url.searchParams.get("scope") ?? "");
    const page = await fetch(url, { redirect: "manual" });
    this.signInPage = await page.text();
    assert.equal(page.status, 200, this.signInPage.slice(0, 500));
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
    assert.equal(back.state, "cimd-state");
    this.code = back.code ?? undefined;
  }
}

const text = (result: Awaited<ReturnType<Client["callTool"]>>) =>
  (result.content as { type: string; text: string }[])[0].text;

Deno.test("MCP SDK — clientMetadataUrl: no registration, the URL is the client_id, the consent shows its host", async () => {
  const provider = new MetadataUrlProvider();
  const first = new Client({ name: "astapa-cimd-agent", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(RESOURCE), { authProvider: provider });
  await assert.rejects(first.connect(transport), UnauthorizedError);
  assert.equal(provider.information?.client_id, METADATA_URL, "the SDK used its URL, not registration");
  assert.match(provider.signInPage, /Notes agent \(CIMD\)/);
  assert.match(
    provider.signInPage,
    new RegExp(`class="client-host">hooks\\.example\\.test:${documentHost.addr.port}<`),
  );
  assert.ok(provider.code);
  await transport.finishAuth(provider.code!);
  const claims = decodeJwt(provider.saved!.access_token);
  assert.equal(claims.client_id, METADATA_URL);
  assert.equal(claims.aud, RESOURCE);
  assert.equal(claims.sub, userId);
  assert.equal(documentFetches, 1, "the token request used the cached document");

  const mcp = new Client({ name: "astapa-cimd-agent", version: "1.0.0" });
  await mcp.connect(new StreamableHTTPClientTransport(new URL(RESOURCE), { authProvider: provider }));
  try {
    assert.equal(
      text(await mcp.callTool({ name: "add_note", arguments: { text: "via CIMD" } })),
      "Saved note 1.",
    );
  } finally {
    await mcp.close();
  }
});

Deno.test("MCP SDK — scope step-up: 403 insufficient_scope names the held and needed scopes; the SDK signs in for them", async () => {
  const provider = new MetadataUrlProvider("notes:read");
  const first = new Client({ name: "astapa-cimd-agent", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(RESOURCE), { authProvider: provider });
  await assert.rejects(first.connect(transport), UnauthorizedError);
  await transport.finishAuth(provider.code!);
  assert.equal(decodeJwt(provider.saved!.access_token).scope, "notes:read");

  const reader = new Client({ name: "astapa-cimd-agent", version: "1.0.0" });
  const readerTransport = new StreamableHTTPClientTransport(new URL(RESOURCE), { authProvider: provider });
  await reader.connect(readerTransport);
  try {
    // The 1.x SDK reads the challenge and first tries its refresh token, which cannot widen the scope (a
    // refresh never does), so it gives up with the 403; it keeps the challenge's scope for the next sign-in.
    await assert.rejects(
      reader.callTool({ name: "add_note", arguments: { text: "needs write" } }),
      (error: Error) => /403/.test(error.message),
    );
    // The client drops its narrow tokens; the SDK's next 401 authorizes with the scope the challenge named.
    provider.saved = undefined;
    await assert.rejects(
      reader.callTool({ name: "add_note", arguments: { text: "needs write" } }),
      UnauthorizedError,
    );
    assert.deepEqual(provider.asked, ["notes:read", "notes:read notes:write"]);
    await readerTransport.finishAuth(provider.code!);
  } finally {
    await reader.close();
  }
  assert.equal(decodeJwt(provider.saved!.access_token).scope, "notes:read notes:write");
  const writer = new Client({ name: "astapa-cimd-agent", version: "1.0.0" });
  await writer.connect(new StreamableHTTPClientTransport(new URL(RESOURCE), { authProvider: provider }));
  try {
    assert.match(
      text(await writer.callTool({ name: "add_note", arguments: { text: "stepped up" } })),
      /^Saved note/,
    );
  } finally {
    await writer.close();
  }
});
