/**
 * DPoP end to end with oauth4webapi's DPoP handle, unmodified, against a served Astapa: a public
 * self-registered (dcl_) client gets a DPoP-bound access token and a refresh token bound to the same key
 * (RFC 9449 §5.0), refreshes with it and reads userinfo with `Authorization: DPoP` and an `ath` proof. Then the
 * attacks: another key or no proof on that refresh token, a dpop_bound_access_tokens client without a proof,
 * the bound token as Bearer, a userinfo proof without ath, replayed or made with another key.
 */
import assert from "node:assert/strict";
import * as oauth from "oauth4webapi";
import { asApp } from "@/db/client.ts";
import { testApp } from "../helpers/app.ts";
import { seedRegistry } from "../helpers/machine_clients.ts";
import { basic, pkcePair, seedProject, seedUser } from "../helpers/oauth.ts";
import { claimsOf, postForm } from "../helpers/token_client.ts";
import { proof, proofKey } from "../helpers/dpop.ts";
import { randomSecret, sha256 } from "@/lib/secrets.ts";
import { calculateJwkThumbprint, exportJWK } from "jose";

const t = await testApp({ listen: true });
Deno.test.afterAll(() => t.close());
const { sql } = t.db;
const NOTES = "https://notes.example/mcp";
const REDIRECT = "http://127.0.0.1:8976/callback";
const TOKEN = "/api/platform/token";
const USERINFO = "/api/platform/userinfo";
const project = await seedProject(sql, { name: "Notes", settings: { dynamic_clients: true } });
await seedRegistry(sql, project.id, { resources: [NOTES], scopes: ["notes:read"] });
const user = await seedUser(sql, project.id, "ayu@example.com");
const insecure = { [oauth.allowInsecureRequests]: true };
const issuer = new URL(t.origin);
const as = await oauth.processDiscoveryResponse(
  issuer,
  await oauth.discoveryRequest(issuer, { algorithm: "oauth2", ...insecure }),
);

async function registerPublicClient(extra: Record<string, unknown> = {}): Promise<string> {
  const res = await t.app.request("/api/platform/register", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      redirect_uris: [REDIRECT],
      token_endpoint_auth_method: "none",
      grant_types: ["authorization_code", "refresh_token"],
      ...extra,
    }),
  });
  const body = await res.json();
  assert.equal(res.status, 201, JSON.stringify(body));
  return body.client_id;
}

/** A code for the client, as the hosted login issues it after the person consented, and its PKCE verifier. */
async function codeFor(clientId: string) {
  const pkce = await pkcePair();
  const code = randomSecret();
  await asApp(sql, project.id, async (tx) => {
    await tx`select api.issue_authorization_code(${await sha256(code)}, ${clientId}, ${user}, ${REDIRECT},
      'notes:read', ${NOTES}, ${pkce.challenge}, 'S256', null, now())`;
  });
  return { code, verifier: pkce.verifier };
}

/** Signs in through oauth4webapi with its DPoP handle; returns the tokens and the handle's key thumbprint. */
async function signIn(clientId: string) {
  const client: oauth.Client = { client_id: clientId, token_endpoint_auth_method: "none" };
  const keyPair = await oauth.generateKeyPair("ES256");
  const DPoP = oauth.DPoP(client, keyPair);
  const { code, verifier } = await codeFor(clientId);
  const callback = oauth.validateAuthResponse(
    as,
    client,
    new URL(`${REDIRECT}?${new URLSearchParams({ code, state: "st", iss: as.issuer })}`),
    "st",
  );
  const res = await oauth.authorizationCodeGrantRequest(
    as,
    client,
    oauth.None(),
    callback,
    REDIRECT,
    verifier,
    {
      DPoP,
      additionalParameters: { resource: NOTES },
      ...insecure,
    },
  );
  const tokens = await oauth.processAuthorizationCodeResponse(as, client, res);
  const jkt = await calculateJwkThumbprint(await exportJWK(keyPair.publicKey));
  return { client, DPoP, tokens, jkt };
}

/** The token request that redeems a fresh code of the client by hand (a public client: client_id alone). */
async function freshRedemption(clientId: string) {
  const { code, verifier } = await codeFor(clientId);
  return {
    grant_type: "authorization_code",
    code,
    code_verifier: verifier,
    redirect_uri: REDIRECT,
    client_id: clientId,
    resource: NOTES,
  };
}

/** Redeems a fresh code of the client, with `headers`. */
async function redeemFresh(clientId: string, headers: Record<string, string> = {}) {
  return await postForm(t, TOKEN, await freshRedemption(clientId), headers);
}

const refreshRows = (clientId: string) =>
  sql`select dpop_jkt, used_at from astapa.refresh_tokens where project_id = ${project.id}
      and client_id = ${clientId} order by id`;

Deno.test("DPoP public client — oauth4webapi gets bound tokens, refreshes and reads userinfo with its key", async () => {
  const clientId = await registerPublicClient();
  const { client, DPoP, tokens, jkt } = await signIn(clientId);
  assert.equal(tokens.token_type, "dpop");
  assert.deepEqual(claimsOf(tokens.access_token).cnf, { jkt });
  assert.deepEqual((await refreshRows(clientId)).map((r) => r.dpop_jkt), [jkt], "the refresh token is bound");

  const refreshed = await oauth.processRefreshTokenResponse(
    as,
    client,
    await oauth.refreshTokenGrantRequest(as, client, oauth.None(), tokens.refresh_token!, {
      DPoP,
      additionalParameters: { resource: NOTES },
      ...insecure,
    }),
  );
  assert.equal(refreshed.token_type, "dpop");
  assert.deepEqual(claimsOf(refreshed.access_token).cnf, { jkt });
  assert.deepEqual(
    (await refreshRows(clientId)).map((r) => r.dpop_jkt),
    [jkt, jkt],
    "the successor stays bound",
  );

  const info = await oauth.processUserInfoResponse(
    as,
    client,
    user,
    await oauth.userInfoRequest(as, client, refreshed.access_token, { DPoP, ...insecure }),
  );
  assert.equal(info.sub, user);
});

Deno.test("DPoP public client — its bound refresh token is refused without a proof or with another key, and nothing rotates", async () => {
  const clientId = await registerPublicClient();
  const { tokens } = await signIn(clientId);
  const body = {
    grant_type: "refresh_token",
    refresh_token: tokens.refresh_token!,
    client_id: clientId,
    resource: NOTES,
  };
  const bare = await postForm(t, TOKEN, body);
  assert.equal(bare.res.status, 400, JSON.stringify(bare.body));
  assert.equal(bare.body.error, "invalid_grant");
  const thief = await proofKey();
  const stolen = await postForm(t, TOKEN, body, { dpop: await proof(thief, { htu: `${t.origin}${TOKEN}` }) });
  assert.equal(stolen.res.status, 400, JSON.stringify(stolen.body));
  assert.equal(stolen.body.error, "invalid_grant");
  assert.match(stolen.body.error_description, /bound to a DPoP key/);
  const rows = await refreshRows(clientId);
  assert.equal(rows.length, 1, "no successor was made");
  assert.equal(rows[0].used_at, null, "the token was not used up: its owner can still refresh");
});

Deno.test("DPoP public client — dpop_bound_access_tokens: a token request without a proof is invalid_dpop_proof, the code survives", async () => {
  const register = await t.app.request("/api/platform/register", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      redirect_uris: [REDIRECT],
      token_endpoint_auth_method: "none",
      dpop_bound_access_tokens: true,
    }),
  });
  const registered = await register.json();
  assert.equal(registered.dpop_bound_access_tokens, true, "echoed (RFC 7591 §3.2.1)");
  const { code, verifier } = await codeFor(registered.client_id);
  const body = {
    grant_type: "authorization_code",
    code,
    code_verifier: verifier,
    redirect_uri: REDIRECT,
    client_id: registered.client_id,
    resource: NOTES,
  };
  const bare = await postForm(t, TOKEN, body);
  assert.equal(bare.res.status, 400);
  assert.equal(bare.body.error, "invalid_dpop_proof");
  const key = await proofKey();
  const proved = await postForm(t, TOKEN, body, { dpop: await proof(key, { htu: `${t.origin}${TOKEN}` }) });
  assert.equal(proved.res.status, 200, JSON.stringify(proved.body));
  assert.equal(proved.body.token_type, "DPoP");
});

Deno.test("DPoP userinfo — the bound token as Bearer, without a proof, without ath, with another key or replayed is 401", async () => {
  const clientId = await registerPublicClient();
  const { tokens, jkt } = await signIn(clientId);
  const token = tokens.access_token;
  const htu = `${t.origin}${USERINFO}`;
  const get = (authorization: string, dpop?: string) =>
    t.app.request(USERINFO, { headers: { authorization, ...(dpop ? { dpop } : {}) } });
  const challenge = async (res: Response) => {
    assert.equal(res.status, 401, await res.text());
    return res.headers.get("www-authenticate") ?? "";
  };

  assert.match(await challenge(await get(`Bearer ${token}`)), /^DPoP error="invalid_token"/);
  assert.match(await challenge(await get(`DPoP ${token}`)), /^DPoP error="invalid_dpop_proof"/);
  // A proof without ath is tied to no token (and this key is not the token's either: ath is checked first).
  const holder = await proofKey();
  const unbound = await challenge(await get(`DPoP ${token}`, await proof(holder, { htm: "GET", htu })));
  assert.match(unbound, /^DPoP error="invalid_dpop_proof", error_description="[^"]*ath/);
  const otherKey = await challenge(
    await get(`DPoP ${token}`, await proof(holder, { htm: "GET", htu, accessToken: token })),
  );
  assert.match(otherKey, /^DPoP error="invalid_token"/, "a proof by a key other than cnf.jkt's");
  assert.notEqual(holder.jkt, jkt);
});

Deno.test("DPoP userinfo — a token that is not bound is refused under the DPoP scheme", async () => {
  const clientId = await registerPublicClient();
  const issued = await redeemFresh(clientId);
  assert.equal(issued.body.token_type, "Bearer");
  const token = issued.body.access_token;
  const key = await proofKey();
  const dpop = await proof(key, { htm: "GET", htu: `${t.origin}${USERINFO}`, accessToken: token });
  const res = await t.app.request(USERINFO, { headers: { authorization: `DPoP ${token}`, dpop } });
  assert.equal(res.status, 401);
  assert.match(res.headers.get("www-authenticate") ?? "", /^DPoP error="invalid_token"/);
  const bearer = await t.app.request(USERINFO, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(bearer.status, 200, "as Bearer it works as before");
});

Deno.test("DPoP userinfo — a replayed proof is refused; introspection shows cnf", async () => {
  const clientId = await registerPublicClient();
  const keyPair = await proofKey();
  const issued = await redeemFresh(clientId, { dpop: await proof(keyPair, { htu: `${t.origin}${TOKEN}` }) });
  assert.equal(issued.res.status, 200, JSON.stringify(issued.body));
  const token = issued.body.access_token;
  const once = await proof(keyPair, { htm: "GET", htu: `${t.origin}${USERINFO}`, accessToken: token });
  const get = () => t.app.request(USERINFO, { headers: { authorization: `DPoP ${token}`, dpop: once } });
  assert.equal((await get()).status, 200);
  const replay = await get();
  assert.equal(replay.status, 401);
  assert.match(replay.headers.get("www-authenticate") ?? "", /^DPoP error="invalid_dpop_proof"/);

  const introspected = await postForm(t, "/api/platform/introspect", { token }, {
    authorization: basic(project.clientId, project.secret),
  });
  assert.equal(introspected.body.active, true, JSON.stringify(introspected.body));
  assert.deepEqual(introspected.body.cnf, { jkt: keyPair.jkt });
  assert.equal(introspected.body.token_type, "DPoP", "RFC 9449 §6.2");
  // The refresh token issued with it is bound to the same key (§5), and says so.
  const refresh = await postForm(t, "/api/platform/introspect", { token: issued.body.refresh_token }, {
    authorization: basic(project.clientId, project.secret),
  });
  assert.equal(refresh.body.token_type, "refresh_token");
  assert.deepEqual(refresh.body.cnf, { jkt: keyPair.jkt });
  const plain = await redeemFresh(clientId);
  const unbound = await postForm(t, "/api/platform/introspect", { token: plain.body.access_token }, {
    authorization: basic(project.clientId, project.secret),
  });
  assert.equal(unbound.body.token_type, "access_token");
  assert.equal(unbound.body.cnf, undefined);
  const unboundRefresh = await postForm(t, "/api/platform/introspect", { token: plain.body.refresh_token }, {
    authorization: basic(project.clientId, project.secret),
  });
  assert.equal(unboundRefresh.body.active, true);
  assert.equal(unboundRefresh.body.cnf, undefined);
});

/** Turns the project's "require DPoP" switch on or off through the Platform API. */
async function requireDpop(required: boolean) {
  const res = await t.app.request("/api/platform/dpop-settings", {
    method: "PATCH",
    headers: { authorization: basic(project.clientId, project.secret), "content-type": "application/json" },
    body: JSON.stringify({ required }),
  });
  assert.deepEqual(await res.json(), { required });
}

Deno.test("DPoP required by the project — a self-registered client without a proof is refused and its code survives; a bound refresh token stays bound once the switch is off", async () => {
  const clientId = await registerPublicClient();
  const { tokens } = await signIn(clientId);
  const htu = `${t.origin}${TOKEN}`;
  await requireDpop(true);
  try {
    const body = await freshRedemption(clientId);
    const bare = await postForm(t, TOKEN, body);
    assert.equal(bare.res.status, 400, JSON.stringify(bare.body));
    assert.equal(bare.body.error, "invalid_dpop_proof");
    assert.match(bare.body.error_description, /project requires DPoP/);
    const proved = await postForm(t, TOKEN, body, { dpop: await proof(await proofKey(), { htu }) });
    assert.equal(proved.res.status, 200, JSON.stringify(proved.body));
    assert.equal(proved.body.token_type, "DPoP");
  } finally {
    await requireDpop(false);
  }
  const plain = await redeemFresh(clientId);
  assert.equal(plain.res.status, 200, JSON.stringify(plain.body));
  assert.equal(plain.body.token_type, "Bearer", "off again: Bearer as before");
  const refresh = await postForm(t, TOKEN, {
    grant_type: "refresh_token",
    refresh_token: tokens.refresh_token!,
    client_id: clientId,
    resource: NOTES,
  });
  assert.equal(refresh.res.status, 400, JSON.stringify(refresh.body));
  assert.match(refresh.body.error_description, /bound to a DPoP key/, "still bound to its key");
});

Deno.test("DPoP public client — its bound refresh token is revoked without a proof (RFC 7009 needs none), and is then dead for its own key too", async () => {
  const clientId = await registerPublicClient();
  const { client, DPoP, tokens } = await signIn(clientId);
  const revoked = await postForm(t, "/api/platform/revoke", {
    token: tokens.refresh_token!,
    client_id: clientId,
  });
  assert.equal(revoked.res.status, 200, JSON.stringify(revoked.body));
  const [row] = await sql`select revoked_at from astapa.refresh_tokens where project_id = ${project.id}
    and client_id = ${clientId}`;
  assert.notEqual(row.revoked_at, null);
  const refresh = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), tokens.refresh_token!, {
    DPoP,
    additionalParameters: { resource: NOTES },
    ...insecure,
  });
  assert.equal(refresh.status, 400);
  assert.equal((await refresh.json()).error, "invalid_grant");
});
