/**
 * The per-address limit on Client ID Metadata Document fetches (issue 26, second round): every cache miss is
 * counted for the requesting address in Postgres, so one caller cannot make Astapa fetch URLs at will. Past
 * the limit the hosted login shows a 429 page and the token endpoint answers 429 `rate_limited` with
 * Retry-After, audited; a document still fresh in the shared cache needs no fetch and keeps working.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { seedRegistry } from "../helpers/machine_clients.ts";
import { pkcePair, seedProject } from "../helpers/oauth.ts";
import { postForm } from "../helpers/token_client.ts";
import { METADATA_FETCHES } from "@/lib/oauth/metadata_document_clients.ts";

const t = await testApp();
let fetches = 0;
const host = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
  fetches++;
  const clientId = req.url;
  return Response.json({
    client_id: clientId,
    client_name: "Agent",
    redirect_uris: [REDIRECT],
    token_endpoint_auth_method: "none",
  }, { headers: { "cache-control": "max-age=3600" } });
});
Deno.test.afterAll(async () => {
  await host.shutdown();
  await t.close();
});
t.deps.clientMetadataFetch = { allowHttp: true, allowPrivate: true, timeoutMs: 1000 };

const NOTES = "https://fetch-limit.example/mcp";
const project = await seedProject(t.db.sql, { name: "Notes", settings: { client_metadata_documents: true } });
await seedRegistry(t.db.sql, project.id, { resources: [NOTES], scopes: ["notes:read"] });
const REDIRECT = "http://127.0.0.1:8976/callback";
const urlClient = (n: number) => `http://127.0.0.1:${host.addr.port}/clients/${n}.json`;

async function authorize(clientId: string) {
  const params = new URLSearchParams({
    response_type: "code",
    client_id: clientId,
    redirect_uri: REDIRECT,
    state: "st",
    code_challenge: (await pkcePair()).challenge,
    code_challenge_method: "S256",
    resource: NOTES,
    scope: "notes:read",
  });
  return await t.app.request(`/auth/login?${params}`, { headers: { accept: "text/html" } });
}

Deno.test("CIMD fetch limit — past the per-address limit: a 429 page, 429 rate_limited JSON, audited; cached ones still work", async () => {
  for (let n = 1; n <= METADATA_FETCHES.max; n++) {
    const page = await authorize(urlClient(n));
    assert.equal(page.status, 200, `fetch ${n} is within the limit`);
    await page.body?.cancel();
  }
  assert.equal(fetches, METADATA_FETCHES.max);

  const refused = await authorize(urlClient(1000));
  assert.equal(refused.status, 429);
  assert.match(await refused.text(), /Too many client metadata documents/);
  const token = await postForm(t, "/api/platform/token", {
    grant_type: "authorization_code",
    client_id: urlClient(1001),
    code: "x",
    code_verifier: "x".repeat(43),
    redirect_uri: REDIRECT,
    resource: NOTES,
  });
  assert.equal(token.res.status, 429);
  assert.equal(token.body.error, "rate_limited");
  assert.match(token.body.error_description, /Too many client metadata documents/);
  assert.ok(Number(token.res.headers.get("retry-after")) > 0);
  assert.equal(fetches, METADATA_FETCHES.max, "nothing fetched past the limit");

  // A document already in the shared cache needs no fetch: still served.
  const cached = await authorize(urlClient(1));
  assert.equal(cached.status, 200);
  await cached.body?.cancel();

  const audited = await t.db.sql`select target, details ->> 'reason' as reason from astapa.audit_log
    where action = 'client_metadata.refused' and project_id = ${project.id}`;
  assert.ok(audited.some((row) => row.target === urlClient(1000) && /too many/.test(row.reason)));
});
