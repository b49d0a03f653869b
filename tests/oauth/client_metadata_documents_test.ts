/**
 * Client ID Metadata Documents (issue 26 item 1) through the real app and hosted login: a client whose id is
 * the URL of its metadata signs a person in once the project's switch is on; the consent shows the document's
 * name and the URL's host; and every bad document (redirecting, slow, huge, private, another client_id,
 * redirect URIs changed between fetches) is a precise invalid_client, audited, never a 5xx. The document host
 * is a local http server, allowed only through the test's own fetch setting (deps.clientMetadataFetch).
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { seedRegistry } from "../helpers/machine_clients.ts";
import { pkcePair, seedProject } from "../helpers/oauth.ts";
import { claimsOf, postForm } from "../helpers/token_client.ts";
import {
  authorizationResponse,
  hostedForm,
  mergeCookies,
  seedPasswordUser,
} from "../helpers/dynamic_clients.ts";
import { CACHE_SECONDS, cacheSeconds } from "@/lib/oauth/client_metadata_document.ts";

const t = await testApp();

/** The document host: each path answers what `documents` holds for it; `hits` counts fetches. */
const documents = new Map<string, (req: Request) => Response | Promise<Response>>();
const hits = new Map<string, number>();
const host = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
  const path = new URL(req.url).pathname;
  hits.set(path, (hits.get(path) ?? 0) + 1);
  return documents.get(path)?.(req) ?? new Response("not found", { status: 404 });
});
const HOST = `127.0.0.1:${host.addr.port}`;
Deno.test.afterAll(async () => {
  await host.shutdown();
  await t.close();
});
t.deps.clientMetadataFetch = { allowHttp: true, allowPrivate: true, timeoutMs: 1000 };

const NOTES = "https://cimd-notes.example/mcp";
const CLOSED = "https://cimd-closed.example/mcp";
const open = await seedProject(t.db.sql, { name: "Notes", settings: { client_metadata_documents: true } });
await seedRegistry(t.db.sql, open.id, { resources: [NOTES], scopes: ["notes:read"] });
const closed = await seedProject(t.db.sql, { name: "Closed", settings: { dynamic_clients: true } });
await seedRegistry(t.db.sql, closed.id, { resources: [CLOSED], scopes: ["notes:read"] });
const PASSWORD = "correct horse battery";
await seedPasswordUser(t.db.sql, open.id, "ayu@example.com", PASSWORD);
const REDIRECT = "http://127.0.0.1:8976/callback";

let serial = 0;
/** Publishes a document at a fresh path; returns its URL (the client id). */
function publish(
  make: (clientId: string) => Record<string, unknown>,
  headers: Record<string, string> = { "cache-control": "max-age=3600" },
): string {
  const path = `/clients/${++serial}.json`;
  const clientId = `http://${HOST}${path}`;
  const body = JSON.stringify(make(clientId));
  documents.set(
    path,
    () => new Response(body, { headers: { "content-type": "application/json", ...headers } }),
  );
  return clientId;
}

const goodDocument = (clientId: string) => ({
  client_id: clientId,
  client_name: "Notes Agent",
  redirect_uris: [REDIRECT],
  grant_types: ["authorization_code", "refresh_token"],
  token_endpoint_auth_method: "none",
});

async function authorize(clientId: string, resource = NOTES, redirectUri = REDIRECT) {
  const pkce = await pkcePair();
  const params = new URLSearchParams({
    response_type: "code",
    client_id: clientId,
    redirect_uri: redirectUri,
    state: "st",
    code_challenge: pkce.challenge,
    code_challenge_method: "S256",
    resource,
    scope: "notes:read offline_access",
  });
  const res = await t.app.request(`/auth/login?${params}`, { headers: { accept: "text/html" } });
  return { res, verifier: pkce.verifier };
}

async function signIn(clientId: string) {
  const { res, verifier } = await authorize(clientId);
  assert.equal(res.status, 200);
  const form = hostedForm({ html: await res.text(), cookie: mergeCookies("", res) });
  const posted = await t.app.request(form.action, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: form.cookie },
    body: new URLSearchParams({
      request: form.request,
      csrf: form.csrf,
      email: "ayu@example.com",
      password: PASSWORD,
    }),
  });
  const back = authorizationResponse(posted, REDIRECT);
  assert.ok(back.code, `a code, not ${back.error}: ${back.errorDescription}`);
  return { code: back.code!, verifier, html: form.html };
}

const redeem = (clientId: string, code: string, verifier: string) =>
  postForm(t, "/api/platform/token", {
    grant_type: "authorization_code",
    client_id: clientId,
    code,
    code_verifier: verifier,
    redirect_uri: REDIRECT,
    resource: NOTES,
  });

async function auditReasons(clientId: string, action: string): Promise<string[]> {
  const rows = await t.db.sql`select details ->> 'reason' as reason from astapa.audit_log
    where project_id = ${open.id} and action = ${action} and target = ${clientId} order by id`;
  return rows.map((r) => r.reason as string);
}

/** The refusal page of an authorization request: never a redirect, never a 5xx; its text. */
async function refusedPage(res: Response): Promise<string> {
  assert.equal(res.headers.get("location"), null);
  assert.equal(res.status, 401);
  return await res.text();
}

Deno.test("CIMD — the metadata says client_id_metadata_document_supported", async () => {
  const res = await t.app.request("/.well-known/oauth-authorization-server");
  assert.equal((await res.json()).client_id_metadata_document_supported, true);
});

Deno.test("CIMD — a URL client signs a person in: consent names the document and the host; tokens carry the URL", async () => {
  const clientId = publish(goodDocument);
  const { code, verifier, html } = await signIn(clientId);
  assert.match(html, /“Notes Agent”/);
  assert.match(html, new RegExp(`class="client-host">${HOST.replace(/\./g, "\\.")}<`));
  const { res, body } = await redeem(clientId, code, verifier);
  assert.equal(res.status, 200, JSON.stringify(body));
  const claims = claimsOf(body.access_token);
  assert.equal(claims.client_id, clientId);
  assert.equal(claims.aud, NOTES);
  assert.equal(claims.project_id, open.id);
  const refreshed = await postForm(t, "/api/platform/token", {
    grant_type: "refresh_token",
    client_id: clientId,
    refresh_token: body.refresh_token,
    resource: NOTES,
  });
  assert.equal(refreshed.res.status, 200, JSON.stringify(refreshed.body));
  // One fetch served the authorization, the redemption and the refresh: the shared cache answered.
  assert.equal(hits.get(new URL(clientId).pathname), 1);
});

Deno.test("CIMD — a project whose switch is off answers unauthorized_client, even with dynamic clients on", async () => {
  const clientId = publish(goodDocument);
  const { res } = await authorize(clientId, CLOSED);
  const back = authorizationResponse(res, REDIRECT);
  assert.equal(back.error, "unauthorized_client");
  assert.match(back.errorDescription!, /metadata document/);
});

Deno.test("CIMD attacks — redirecting, huge, another client_id, secrets, bad redirect URIs: invalid_client, audited", async () => {
  const cases: [string, string, RegExp][] = [];
  const redirecting = `/clients/${++serial}.json`;
  documents.set(
    redirecting,
    () => new Response(null, { status: 302, headers: { location: "http://169.254.169.254/" } }),
  );
  cases.push(["redirect", `http://${HOST}${redirecting}`, /redirects are refused/]);
  cases.push([
    "huge",
    publish((id) => ({ ...goodDocument(id), padding: "x".repeat(6000) })),
    /larger than 5120 bytes/,
  ]);
  cases.push([
    "other id",
    publish(() => goodDocument("https://someone-else.example/client.json")),
    /is not its URL/,
  ]);
  cases.push([
    "secret",
    publish((id) => ({ ...goodDocument(id), token_endpoint_auth_method: "client_secret_basic" })),
    /token_endpoint_auth_method/,
  ]);
  cases.push([
    "secret value",
    publish((id) => ({ ...goodDocument(id), client_secret: "x" })),
    /client_secret/,
  ]);
  cases.push([
    "redirect uri",
    publish((id) => ({ ...goodDocument(id), redirect_uris: ["http://evil.example/cb"] })),
    /redirect_uris\[0\] must use https/,
  ]);
  cases.push(["not json", publish(() => ({})).replace(/\.json$/, ".missing"), /answered 404/]);
  for (const [name, clientId, reason] of cases) {
    const { res } = await authorize(clientId);
    const page = await refusedPage(res);
    assert.match(page, reason, name);
    const audited = await auditReasons(clientId, "client_metadata.refused");
    assert.equal(audited.length, 1, name);
    assert.match(audited[0], reason, name);
  }
});

Deno.test("CIMD attacks — a document that does not answer in time is refused, not waited for", async () => {
  const path = `/clients/${++serial}.json`;
  const never = Promise.withResolvers<void>();
  documents.set(path, async () => {
    await never.promise;
    return new Response("{}");
  });
  const { res } = await authorize(`http://${HOST}${path}`);
  assert.match(await refusedPage(res), /did not answer within 1 s/);
  never.resolve();
});

Deno.test("CIMD attacks — private addresses are refused unless the deployment allows them", async () => {
  const clientId = publish(goodDocument);
  t.deps.clientMetadataFetch = { allowHttp: true, allowPrivate: false };
  try {
    const { res } = await authorize(clientId);
    assert.match(await refusedPage(res), /internal address/);
  } finally {
    t.deps.clientMetadataFetch = { allowHttp: true, allowPrivate: true, timeoutMs: 1000 };
  }
  assert.equal(hits.get(new URL(clientId).pathname), undefined);
  // https is required without the test's own setting.
  t.deps.clientMetadataFetch = { allowPrivate: true };
  try {
    const { res } = await authorize(clientId);
    assert.match(await refusedPage(res), /client_id must be https/);
  } finally {
    t.deps.clientMetadataFetch = { allowHttp: true, allowPrivate: true, timeoutMs: 1000 };
  }
});

Deno.test("CIMD attacks — redirect URIs changed between fetches: audited; the old one neither authorizes nor redeems", async () => {
  const path = `/clients/${++serial}.json`;
  const clientId = `http://${HOST}${path}`;
  let redirects = [REDIRECT];
  documents.set(path, () => Response.json({ ...goodDocument(clientId), redirect_uris: redirects }));
  const { code, verifier } = await signIn(clientId);
  redirects = ["http://127.0.0.1:8977/elsewhere"];
  // The cached copy expires (as its headers would let it), so the next use fetches the changed document.
  await t.db.sql`update astapa.client_metadata_documents set expires_at = now() - interval '1 second',
    fetched_at = now() - interval '1 hour' where client_id = ${clientId}`;
  const { res, body } = await redeem(clientId, code, verifier);
  assert.equal(res.status, 400);
  assert.equal(body.error, "invalid_grant");
  assert.match(body.error_description, /no longer lists this redirect_uri/);
  const [changed] = await auditReasons(clientId, "client_metadata.redirect_uris_changed");
  assert.match(changed, /8976\/callback -> .*8977\/elsewhere/);
  const again = await authorize(clientId);
  assert.equal(again.res.headers.get("location"), null);
  assert.ok(again.res.status >= 400 && again.res.status < 500);
  await again.res.body?.cancel();
});

Deno.test("CIMD cache — Cache-Control and Expires decide, within bounds", () => {
  const now = Date.UTC(2026, 0, 1);
  assert.equal(cacheSeconds({ "cache-control": "max-age=7200" }, now), 7200);
  assert.equal(cacheSeconds({ "cache-control": "public, max-age=5" }, now), CACHE_SECONDS.min);
  assert.equal(cacheSeconds({ "cache-control": "max-age=999999999" }, now), CACHE_SECONDS.max);
  assert.equal(cacheSeconds({ "cache-control": "no-store" }, now), CACHE_SECONDS.min);
  assert.equal(cacheSeconds({ expires: new Date(now + 1800_000).toUTCString() }, now), 1800);
  assert.equal(cacheSeconds({}, now), CACHE_SECONDS.fallback);
});

Deno.test("CIMD cache — a no-store document is kept for the minimum only, in the shared table", async () => {
  const clientId = publish(goodDocument, { "cache-control": "no-store" });
  const { res } = await authorize(clientId);
  assert.equal(res.status, 200);
  await res.body?.cancel();
  const [row] = await t.db.sql`select extract(epoch from expires_at - fetched_at)::int as seconds
    from astapa.client_metadata_documents where client_id = ${clientId}`;
  assert.equal(row.seconds, CACHE_SECONDS.min);
});
