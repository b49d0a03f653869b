/**
 * "Require DPoP" (RFC 9449 §5, §7), decided once at client authentication for every grant and kind of client:
 * a project's switch (settings.dpop.required, GET/PATCH /api/platform/dpop-settings) and a machine client's
 * dpop_bound_access_tokens mark. Without a proof every token request is 400 invalid_dpop_proof before its grant
 * touches anything — a code, a refresh token, a device code, an assertion, a subject token — also after the
 * verified-client cache knew the client and for a machine client authenticating with private_key_jwt.
 */
import assert from "node:assert/strict";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { testApp } from "../helpers/app.ts";
import { seedMachineClient, seedRegistry } from "../helpers/machine_clients.ts";
import { basic, issueCode, seedProject, seedUser } from "../helpers/oauth.ts";
import { claimsOf, postForm } from "../helpers/token_client.ts";
import { proof, proofKey } from "../helpers/dpop.ts";
import type { SeededProject } from "../helpers/identity.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const { sql } = t.db;
const TOKEN = "/api/platform/token";
const HTU = `${t.origin}${TOKEN}`;
const NOTES = "https://strict-notes.example/mcp";
const CALENDAR = "https://strict-calendar.example/api";
const key = await proofKey();

async function dpopSettings(p: SeededProject, method: "GET" | "PATCH", body?: unknown) {
  const res = await t.app.request("/api/platform/dpop-settings", {
    method,
    headers: { authorization: basic(p.clientId, p.secret), "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { res, body: await res.json() };
}

const token = (params: Record<string, string>, auth: { clientId: string; secret: string }, dpop?: string) =>
  postForm(t, TOKEN, params, {
    authorization: basic(auth.clientId, auth.secret),
    ...(dpop ? { dpop } : {}),
  });

function refusedForDpop(answer: { res: Response; body: Record<string, string> }) {
  assert.equal(answer.res.status, 400, JSON.stringify(answer.body));
  assert.equal(answer.body.error, "invalid_dpop_proof");
}

Deno.test("GET/PATCH /api/platform/dpop-settings — off by default, turned on and off, validated, audited", async () => {
  const project = await seedProject(sql, { name: "Switch" });
  const read = await dpopSettings(project, "GET");
  assert.equal(read.res.status, 200);
  assert.equal(read.res.headers.get("cache-control"), "no-store");
  assert.deepEqual(read.body, { required: false });
  for (const bad of [{}, { required: "yes" }, { required: true, nonce: true }]) {
    const refused = await dpopSettings(project, "PATCH", bad);
    assert.equal(refused.res.status, 400, JSON.stringify(refused.body));
  }
  assert.deepEqual((await dpopSettings(project, "PATCH", { required: true })).body, { required: true });
  assert.deepEqual((await dpopSettings(project, "GET")).body, { required: true });
  const [row] = await sql`select settings -> 'dpop' as dpop from astapa.projects where id = ${project.id}`;
  assert.deepEqual(row.dpop, { required: true });
  assert.deepEqual((await dpopSettings(project, "PATCH", { required: false })).body, { required: false });
  const [off] = await sql`select settings ? 'dpop' as stored from astapa.projects where id = ${project.id}`;
  assert.equal(off.stored, false, "off is the default: no setting left behind");
  const audited = await sql`select details from astapa.audit_log
    where project_id = ${project.id} and action = 'project.settings' order by id`;
  assert.deepEqual(audited.map((a) => a.details), [{ dpop: { required: true } }, { dpop: null }]);
});

Deno.test("DPoP required — the project's own client: a code and a refresh token without a proof are refused and left as they were", async () => {
  const project = await seedProject(sql, { name: "Strict app" });
  const user = await seedUser(sql, project.id, "ayu@example.com");
  const signedIn = await token({
    grant_type: "authorization_code",
    code: await issueCode(sql, project, { userId: user, scope: "openid offline_access" }),
    redirect_uri: project.redirectUri,
  }, project);
  assert.equal(signedIn.res.status, 200, JSON.stringify(signedIn.body));
  await dpopSettings(project, "PATCH", { required: true });

  const code = await issueCode(sql, project, { userId: user });
  const redeem = { grant_type: "authorization_code", code, redirect_uri: project.redirectUri };
  refusedForDpop(await token(redeem, project));
  const proved = await token(redeem, project, await proof(key, { htu: HTU }));
  assert.equal(proved.res.status, 200, `the code survived the refusal: ${JSON.stringify(proved.body)}`);
  assert.equal(proved.body.token_type, "DPoP");
  assert.deepEqual(claimsOf(proved.body.access_token).cnf, { jkt: key.jkt });

  const refresh = { grant_type: "refresh_token", refresh_token: signedIn.body.refresh_token };
  refusedForDpop(await token(refresh, project));
  const [unused] = await sql`select count(*)::int as n from astapa.refresh_tokens
    where project_id = ${project.id} and used_at is not null`;
  assert.equal(unused.n, 0, "nothing rotated");
  const rotated = await token(refresh, project, await proof(key, { htu: HTU }));
  assert.equal(rotated.res.status, 200, JSON.stringify(rotated.body));
  assert.equal(rotated.body.token_type, "DPoP");

  await dpopSettings(project, "PATCH", { required: false });
  const relaxed = await token({
    grant_type: "refresh_token",
    refresh_token: rotated.body.refresh_token,
  }, project);
  assert.equal(relaxed.res.status, 200, "a confidential client's refresh tokens are not bound to the key");
  assert.equal(relaxed.body.token_type, "Bearer");
});

Deno.test("DPoP required — client_credentials, device code and jwt-bearer are refused before their grant looks at anything", async () => {
  const project = await seedProject(sql, {
    name: "Strict grants",
    settings: { client_credentials_scopes: [] },
  });
  const machine = await seedMachineClient(sql, project.id);
  const credentials = { grant_type: "client_credentials" };
  // Answered once without a proof: the verified-client cache now holds the machine client and its grant.
  assert.equal((await token(credentials, machine)).res.status, 200);
  await dpopSettings(project, "PATCH", { required: true });
  refusedForDpop(await token(credentials, machine));
  refusedForDpop(await token(credentials, project));
  const proved = await token(credentials, machine, await proof(key, { htu: HTU }));
  assert.equal(proved.res.status, 200, JSON.stringify(proved.body));
  assert.equal(proved.body.token_type, "DPoP");

  // Not a real device code or assertion: refused as invalid_dpop_proof, not as what the grant would say.
  const device = { grant_type: "urn:ietf:params:oauth:grant-type:device_code", device_code: "not-a-code" };
  const jwtBearer = { grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion: "not.a.jwt" };
  refusedForDpop(await token(device, project));
  refusedForDpop(await token(jwtBearer, project));
  await dpopSettings(project, "PATCH", { required: false });
  assert.notEqual((await token(device, project)).body.error, "invalid_dpop_proof");
  assert.equal((await token(jwtBearer, project)).body.error, "invalid_grant");
});

Deno.test("DPoP required — a DPoP-bound machine client's token exchange needs a proof; the exchanged token is bound", async () => {
  const project = await seedProject(sql, { name: "Strict suite" });
  await seedRegistry(sql, project.id, { resources: [NOTES, CALENDAR], scopes: ["notes:read", "cal:read"] });
  const user = await seedUser(sql, project.id, "budi@example.com");
  const server = await seedMachineClient(sql, project.id, { name: "Notes MCP", dpopBoundAccessTokens: true });
  const policy = await t.app.request("/api/platform/token-exchange", {
    method: "PUT",
    headers: { authorization: basic(project.clientId, project.secret), "content-type": "application/json" },
    body: JSON.stringify({ actor: server.clientId, resource: CALENDAR }),
  });
  assert.equal(policy.status, 200, await policy.text());
  const person = await token({
    grant_type: "authorization_code",
    code: await issueCode(sql, project, { userId: user, scope: "notes:read cal:read", resource: NOTES }),
    redirect_uri: project.redirectUri,
    resource: NOTES,
  }, project);
  assert.equal(person.res.status, 200, JSON.stringify(person.body));
  const exchange = {
    grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
    subject_token: person.body.access_token,
    subject_token_type: "urn:ietf:params:oauth:token-type:access_token",
    resource: CALENDAR,
  };
  refusedForDpop(await token(exchange, server));
  const [audited] = await sql`select count(*)::int as n from astapa.audit_log
    where project_id = ${project.id} and action like 'token.exchange%'`;
  assert.equal(audited.n, 0, "the exchange never ran");
  const proved = await token(exchange, server, await proof(key, { htu: HTU }));
  assert.equal(proved.res.status, 200, JSON.stringify(proved.body));
  assert.equal(proved.body.token_type, "DPoP");
  assert.deepEqual(claimsOf(proved.body.access_token).cnf, { jkt: key.jkt });
  const [exchanged] = await sql`select count(*)::int as n from astapa.audit_log
    where project_id = ${project.id} and action = 'token.exchanged'`;
  assert.equal(exchanged.n, 1, "audited once it ran");
});

Deno.test("DPoP required — a machine client authenticating with private_key_jwt is refused without a proof", async () => {
  const project = await seedProject(sql, { name: "Strict signer" });
  const machine = await seedMachineClient(sql, project.id);
  const { publicKey, privateKey } = await generateKeyPair("ES256", { extractable: true });
  const jwk = { ...await exportJWK(publicKey), kid: "signer-1", alg: "ES256", use: "sig" };
  const put = await t.app.request(`/api/platform/machine-clients/${machine.clientId}/jwks`, {
    method: "PUT",
    headers: { authorization: basic(project.clientId, project.secret), "content-type": "application/json" },
    body: JSON.stringify({ jwks: { keys: [jwk] } }),
  });
  assert.equal(put.status, 200, await put.text());
  const asserted = async (dpop?: string) => {
    const now = Math.floor(Date.now() / 1000);
    const assertion = await new SignJWT({
      iss: machine.clientId,
      sub: machine.clientId,
      aud: t.origin,
      jti: crypto.randomUUID(),
      exp: now + 60,
    }).setProtectedHeader({ alg: "ES256", kid: "signer-1" }).sign(privateKey);
    return await postForm(t, TOKEN, {
      grant_type: "client_credentials",
      client_id: machine.clientId,
      client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
      client_assertion: assertion,
    }, dpop ? { dpop } : {});
  };
  assert.equal((await asserted()).res.status, 200);
  await dpopSettings(project, "PATCH", { required: true });
  refusedForDpop(await asserted());
  const proved = await asserted(await proof(key, { htu: HTU }));
  assert.equal(proved.res.status, 200, JSON.stringify(proved.body));
  assert.equal(proved.body.token_type, "DPoP");
});

Deno.test("DPoP required — another project's clients are untouched", async () => {
  const strict = await seedProject(sql, { name: "Strict neighbour", settings: { dpop: { required: true } } });
  const relaxed = await seedProject(sql, { name: "Relaxed" });
  const user = await seedUser(sql, relaxed.id, "citra@example.com");
  const issued = await token({
    grant_type: "authorization_code",
    code: await issueCode(sql, relaxed, { userId: user }),
    redirect_uri: relaxed.redirectUri,
  }, relaxed);
  assert.equal(issued.res.status, 200, JSON.stringify(issued.body));
  assert.equal(issued.body.token_type, "Bearer");
  refusedForDpop(await token({ grant_type: "client_credentials" }, strict));
});
