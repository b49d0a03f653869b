/**
 * Agents' shared state across three Astapa instances on one Postgres (issue 26, second round): each instance
 * has its own app, dependencies and connection pool, so only the database is shared. A client metadata
 * document fetched by one instance is served from the shared cache by the others (fetched once); the
 * per-address fetch limit counts fetches made through any instance; and a client assertion's `jti` used on one
 * instance is a replay on the others.
 */
import assert from "node:assert/strict";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import type { Hono } from "hono";
import { createPool, type Sql } from "@/db/client.ts";
import { createApp } from "@/lib/app.ts";
import type { AppEnv } from "@/lib/app_env.ts";
import { createDeps } from "@/lib/deps.ts";
import { METADATA_FETCHES } from "@/lib/oauth/metadata_document_clients.ts";
import { deriveMasterKeys } from "@/lib/tokens/master_key.ts";
import { TEST_MASTER_KEY, testApp } from "../helpers/app.ts";
import { seedMachineClient, seedRegistry } from "../helpers/machine_clients.ts";
import { basic, pkcePair, seedProject } from "../helpers/oauth.ts";

const t = await testApp();
const { sql } = t.db;
const fetched = new Map<string, number>();
const host = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
  const path = new URL(req.url).pathname;
  fetched.set(path, (fetched.get(path) ?? 0) + 1);
  return Response.json({
    client_id: req.url,
    client_name: "Agent",
    redirect_uris: [REDIRECT],
    token_endpoint_auth_method: "none",
  }, { headers: { "cache-control": "max-age=3600" } });
});
const FETCH = { allowHttp: true, allowPrivate: true, timeoutMs: 1000 };
t.deps.clientMetadataFetch = FETCH;

// Two more instances, each with its own pool: nothing but Postgres is shared.
const pools: Sql[] = [];
const extra: { close(): void }[] = [];
const instances: Hono<AppEnv>[] = [t.app];
for (let i = 0; i < 2; i++) {
  const pool = createPool(t.db.url, { max: 4, applicationName: `astapa-instance-${i + 2}` });
  pools.push(pool);
  const deps = await createDeps({
    config: t.config,
    sql: pool,
    masterKeys: await deriveMasterKeys(TEST_MASTER_KEY),
    assets: t.deps.assets,
  });
  deps.clientMetadataFetch = FETCH;
  extra.push(deps);
  instances.push(await createApp(deps));
}
Deno.test.afterAll(async () => {
  for (const deps of extra) deps.close();
  for (const pool of pools) await pool.end();
  await host.shutdown();
  await t.close();
});

const NOTES = "https://instances-notes.example/mcp";
const REDIRECT = "http://127.0.0.1:8976/callback";
const project = await seedProject(sql, { name: "Notes", settings: { client_metadata_documents: true } });
await seedRegistry(sql, project.id, { resources: [NOTES], scopes: ["notes:read"] });
const urlClient = (name: string) => `http://127.0.0.1:${host.addr.port}/${name}.json`;

async function authorize(app: Hono<AppEnv>, clientId: string) {
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
  const res = await app.request(`/auth/login?${params}`, { headers: { accept: "text/html" } });
  await res.body?.cancel();
  return res.status;
}

Deno.test("instances — a metadata document fetched by one instance is served to the others from the shared cache", async () => {
  const clientId = urlClient("shared");
  for (const app of instances) assert.equal(await authorize(app, clientId), 200);
  assert.equal(fetched.get("/shared.json"), 1, "fetched once for three instances");
});

Deno.test("instances — the per-address fetch limit counts fetches made through any instance", async () => {
  // Start this address's count from zero (the test above fetched once).
  await sql`delete from astapa.rate_limits where bucket like 'client_metadata_fetch:%'`;
  for (let n = 0; n < METADATA_FETCHES.max; n++) {
    assert.equal(await authorize(instances[n % 3], urlClient(`limit-${n}`)), 200);
  }
  for (const [i, app] of instances.entries()) {
    assert.equal(await authorize(app, urlClient(`over-${i}`)), 429, `instance ${i + 1} refuses`);
    assert.equal(fetched.get(`/over-${i}.json`), undefined, "and fetches nothing");
  }
});

Deno.test("instances — a client assertion used on one instance is a replay on the others", async () => {
  const machine = await seedMachineClient(sql, project.id, { scopes: ["notes:read"], resources: [NOTES] });
  const { publicKey, privateKey } = await generateKeyPair("ES256", { extractable: true });
  const jwk: JWK = { ...await exportJWK(publicKey), kid: "k1", alg: "ES256", use: "sig" };
  const keys = await t.app.request(`/api/platform/machine-clients/${machine.clientId}/jwks`, {
    method: "PUT",
    headers: { authorization: basic(project.clientId, project.secret), "content-type": "application/json" },
    body: JSON.stringify({ jwks: { keys: [jwk] } }),
  });
  assert.equal(keys.status, 200);
  const now = Math.floor(Date.now() / 1000);
  const jwt = await new SignJWT({
    iss: machine.clientId,
    sub: machine.clientId,
    aud: t.origin,
    jti: crypto.randomUUID(),
    exp: now + 60,
  }).setProtectedHeader({ alg: "ES256", kid: "k1" }).sign(privateKey);
  const answers = [];
  for (const app of instances) {
    const res = await app.request("/api/platform/token", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "client_credentials",
        resource: NOTES,
        client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        client_assertion: jwt,
      }),
    });
    const body = await res.json();
    answers.push([res.status, body.error ?? "token"]);
  }
  assert.deepEqual(answers, [[200, "token"], [401, "invalid_client"], [401, "invalid_client"]]);
});
