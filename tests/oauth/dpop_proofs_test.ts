/**
 * DPoP proofs at the token endpoint (RFC 9449 §4.3, §5): a good proof binds the access token (cnf.jkt,
 * token_type DPoP); every malformed, stale, replayed or forged proof is 400 invalid_dpop_proof and issues
 * nothing — a code redeemed with a refused proof is still redeemable.
 */
import assert from "node:assert/strict";
import { exportJWK, generateKeyPair } from "jose";
import { testApp } from "../helpers/app.ts";
import { seedMachineClient } from "../helpers/machine_clients.ts";
import { basic, issueCode, seedProject, seedUser } from "../helpers/oauth.ts";
import { claimsOf, credentials, postForm } from "../helpers/token_client.ts";
import { proof, proofKey, symmetricProof, unsignedProof } from "../helpers/dpop.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const TOKEN = "/api/platform/token";
const HTU = `${t.origin}${TOKEN}`;
const project = await seedProject(t.db.sql);
const agent = await seedMachineClient(t.db.sql, project.id);
const key = await proofKey();

const machineToken = (headers: Record<string, string> | [string, string][]) =>
  t.app.request(TOKEN, {
    method: "POST",
    headers: [
      ["content-type", "application/x-www-form-urlencoded"],
      ["authorization", basic(agent.clientId, agent.secret)],
      ...(Array.isArray(headers) ? headers : Object.entries(headers)),
    ],
    body: "grant_type=client_credentials",
  });

async function refused(res: Response, described: RegExp) {
  const body = await res.json();
  assert.equal(res.status, 400, JSON.stringify(body));
  assert.equal(body.error, "invalid_dpop_proof");
  assert.match(body.error_description, described);
}

Deno.test("DPoP token request — a good proof binds the access token to its key (cnf.jkt, token_type DPoP)", async () => {
  const res = await machineToken({ dpop: await proof(key, { htu: HTU }) });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.equal(body.token_type, "DPoP");
  assert.deepEqual(claimsOf(body.access_token).cnf, { jkt: key.jkt });

  const plain = await machineToken({});
  const bearer = await plain.json();
  assert.equal(bearer.token_type, "Bearer", "without a proof nothing changes");
  assert.equal(claimsOf(bearer.access_token).cnf, undefined);
});

Deno.test("DPoP token request — htu is compared after normalization, without query and fragment (§4.3)", async () => {
  const origin = new URL(t.origin);
  const variant = `${origin.protocol}//${origin.host.toUpperCase()}${TOKEN}?x=1#f`;
  const res = await machineToken({ dpop: await proof(key, { htu: variant }) });
  assert.equal(res.status, 200, await res.text());
});

Deno.test("DPoP token request — wrong htm or htu is refused", async () => {
  await refused(await machineToken({ dpop: await proof(key, { htu: HTU, htm: "GET" }) }), /htm/);
  await refused(
    await machineToken({ dpop: await proof(key, { htu: `${t.origin}/api/platform/introspect` }) }),
    /htu/,
  );
  await refused(
    await machineToken({ dpop: await proof(key, { htu: "https://evil.example/api/platform/token" }) }),
    /htu/,
  );
});

Deno.test("DPoP token request — an old or future iat is refused", async () => {
  const now = Math.floor(Date.now() / 1000);
  await refused(await machineToken({ dpop: await proof(key, { htu: HTU, iat: now - 120 }) }), /iat/);
  await refused(await machineToken({ dpop: await proof(key, { htu: HTU, iat: now + 120 }) }), /iat/);
});

Deno.test("DPoP token request — a replayed proof (same jti) is refused, recorded in Postgres", async () => {
  const once = await proof(key, { htu: HTU });
  assert.equal((await machineToken({ dpop: once })).status, 200);
  await refused(await machineToken({ dpop: once }), /used before/);
  const [row] = await t.db
    .sql`select count(*)::int as n from astapa.dpop_proofs where project_id = ${project.id}
                                 and expires_at > now()`;
  assert.ok(row.n >= 1, "the proof is remembered until it expires");
});

Deno.test("DPoP token request — a missing jti, a wrong typ, a private key in jwk are refused", async () => {
  await refused(await machineToken({ dpop: await proof(key, { htu: HTU, jti: null }) }), /jti/);
  await refused(await machineToken({ dpop: await proof(key, { htu: HTU, typ: "JWT" }) }), /typ/);
  const { privateKey } = await generateKeyPair("ES256", { extractable: true });
  const privateJwk = await exportJWK(privateKey);
  assert.ok(privateJwk.d, "the JWK carries the private part");
  await refused(
    await machineToken({ dpop: await proof({ ...key, privateKey }, { htu: HTU, jwk: privateJwk }) }),
    /public key/,
  );
});

Deno.test("DPoP token request — alg none and HS256 are refused", async () => {
  await refused(await machineToken({ dpop: unsignedProof(key, HTU) }), /alg/);
  await refused(await machineToken({ dpop: await symmetricProof(HTU) }), /alg/);
});

Deno.test("DPoP token request — a proof signed by another key than its jwk is refused", async () => {
  const other = await proofKey();
  await refused(
    await machineToken({ dpop: await proof(other, { htu: HTU, jwk: key.publicJwk }) }),
    /signature/,
  );
});

Deno.test("DPoP token request — two DPoP headers are refused", async () => {
  const res = await machineToken([
    ["dpop", await proof(key, { htu: HTU })],
    ["dpop", await proof(key, { htu: HTU })],
  ]);
  await refused(res, /exactly one DPoP header/);
});

Deno.test("DPoP token request — a code redeemed with a replayed proof stays redeemable (the statement rolls back)", async () => {
  const user = await seedUser(t.db.sql, project.id, "replay@example.com");
  const code = await issueCode(t.db.sql, project, { userId: user });
  const used = await proof(key, { htu: HTU });
  assert.equal((await machineToken({ dpop: used })).status, 200);
  const body = {
    grant_type: "authorization_code",
    code,
    redirect_uri: project.redirectUri,
    ...credentials(project),
  };
  const replayed = await postForm(t, TOKEN, body, { dpop: used });
  assert.equal(replayed.res.status, 400);
  assert.equal(replayed.body.error, "invalid_dpop_proof");
  const again = await postForm(t, TOKEN, body, { dpop: await proof(key, { htu: HTU }) });
  assert.equal(again.res.status, 200, JSON.stringify(again.body));
  assert.equal(again.body.token_type, "DPoP");
  assert.deepEqual(claimsOf(again.body.access_token).cnf, { jkt: key.jkt });
  const [row] = await t.db.sql`select dpop_jkt from astapa.refresh_tokens where project_id = ${project.id}
                                 and user_id = ${user}`;
  assert.equal(row.dpop_jkt, null, "a confidential client's refresh token is not bound (RFC 9449 §5.0)");
  const refreshed = await postForm(t, TOKEN, {
    grant_type: "refresh_token",
    refresh_token: again.body.refresh_token,
    ...credentials(project),
  });
  assert.equal(refreshed.res.status, 200, "refreshed without a proof");
  assert.equal(refreshed.body.token_type, "Bearer");
});

Deno.test("DPoP discovery — dpop_signing_alg_values_supported lists asymmetric algorithms only", async () => {
  const res = await t.app.request("/.well-known/oauth-authorization-server");
  const metadata = await res.json();
  assert.deepEqual(metadata.dpop_signing_alg_values_supported, ["ES256", "RS256", "PS256", "EdDSA"]);
});

Deno.test("DPoP machine client — dpop_bound_access_tokens through the Platform API: no proof, no token", async () => {
  const api = (method: string, path: string, body?: unknown) =>
    t.app.request(`/api/platform/machine-clients${path}`, {
      method,
      headers: { authorization: basic(project.clientId, project.secret), "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const created = await api("POST", "", { name: "Strict agent", dpop_bound_access_tokens: true });
  const strict = await created.json();
  assert.equal(created.status, 201, JSON.stringify(strict));
  assert.equal(strict.dpop_bound_access_tokens, true);
  const tokenFor = (headers: Record<string, string>) =>
    postForm(t, TOKEN, { grant_type: "client_credentials" }, {
      authorization: basic(strict.client_id, strict.client_secret),
      ...headers,
    });
  const bare = await tokenFor({});
  assert.equal(bare.res.status, 400);
  assert.equal(bare.body.error, "invalid_dpop_proof");
  const proved = await tokenFor({ dpop: await proof(key, { htu: HTU }) });
  assert.equal(proved.res.status, 200, JSON.stringify(proved.body));
  assert.equal(proved.body.token_type, "DPoP");
  assert.equal(
    (await tokenFor({})).body.error,
    "invalid_dpop_proof",
    "not answered from the verified-client cache",
  );

  const relaxed = await api("PATCH", `/${strict.client_id}`, { dpop_bound_access_tokens: false });
  assert.equal((await relaxed.json()).dpop_bound_access_tokens, false);
  const plain = await tokenFor({});
  assert.equal(plain.res.status, 200, JSON.stringify(plain.body));
  assert.equal(plain.body.token_type, "Bearer");
  const [audited] = await t.db.sql`select count(*)::int as n from astapa.audit_log
    where project_id = ${project.id} and action = 'machine_client.update' and target = ${strict.client_id}`;
  assert.ok(audited.n >= 2, "both changes are audited");
});
