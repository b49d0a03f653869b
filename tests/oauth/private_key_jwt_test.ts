/**
 * private_key_jwt (RFC 7523 §2.2): a machine client given public keys and a self-registered client that
 * registered jwks authenticate with signed client assertions. Replays (on one instance or across three),
 * wrong audiences, foreign keys, HS256, far-off expiry and mixed methods are each invalid_client or
 * invalid_request, audited where a project is known, never a 5xx.
 */
import assert from "node:assert/strict";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { createApp } from "@/lib/app.ts";
import { createDeps } from "@/lib/deps.ts";
import { deriveMasterKeys } from "@/lib/tokens/master_key.ts";
import { TEST_MASTER_KEY, testApp } from "../helpers/app.ts";
import { seedMachineClient, seedRegistry } from "../helpers/machine_clients.ts";
import { basic, issueCode, pkcePair, seedProject, seedUser } from "../helpers/oauth.ts";
import { claimsOf, postForm, postJson } from "../helpers/token_client.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const { sql } = t.db;
const RESOURCE = "https://notes.example/mcp";
const project = await seedProject(sql, { settings: { dynamic_clients: true } });
await seedRegistry(sql, project.id, { resources: [RESOURCE], scopes: ["notes:read"] });
const machine = await seedMachineClient(sql, project.id, { scopes: ["notes:read"], resources: [RESOURCE] });
const TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/** A client's key host (jwks_uri): each path serves what `served` holds; `fetches` counts requests. */
const served = new Map<string, unknown>();
let fetches = 0;
const jwksHost = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
  fetches++;
  const body = served.get(new URL(req.url).pathname);
  return body === undefined ? new Response("", { status: 404 }) : Response.json(body);
});
Deno.test.afterAll(() => jwksHost.shutdown());
const JWKS_HOST = `http://127.0.0.1:${jwksHost.addr.port}`;
t.deps.clientMetadataFetch = { allowHttp: true, allowPrivate: true, timeoutMs: 2000 };

async function signingKey(alg: "ES256" | "RS256" = "ES256") {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk: JWK = { ...await exportJWK(publicKey), kid: crypto.randomUUID(), alg, use: "sig" };
  return { jwk, privateKey, alg };
}
type Key = Awaited<ReturnType<typeof signingKey>>;

/** A client assertion as RFC 7523 §3 spells it; `claims` overrides any member. */
function assertion(key: Key, clientId: string, claims: Record<string, unknown> = {}) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    iss: clientId,
    sub: clientId,
    aud: t.origin,
    jti: crypto.randomUUID(),
    exp: now + 60,
    ...claims,
  })
    .setProtectedHeader({ alg: key.alg, kid: key.jwk.kid })
    .sign(key.privateKey);
}

const projectAuth = { authorization: basic(project.clientId, project.secret) };
const machineKey = await signingKey();
const keysSet = await t.app.request(`/api/platform/machine-clients/${machine.clientId}/jwks`, {
  method: "PUT",
  headers: { ...projectAuth, "content-type": "application/json" },
  body: JSON.stringify({ jwks: { keys: [machineKey.jwk] } }),
});
assert.equal(keysSet.status, 200, await keysSet.clone().text());

const credentials = (jwt: string) => ({
  grant_type: "client_credentials",
  resource: RESOURCE,
  client_assertion_type: TYPE,
  client_assertion: jwt,
});

const refusals = async () =>
  (await sql`select target, details ->> 'reason' as reason from astapa.audit_log
             where action = 'client.assertion_refused' order by id`).map((r) => ({ ...r }));

Deno.test("private_key_jwt — a machine client's signed assertion gets a token; its replay is invalid_client, audited", async () => {
  const jwt = await assertion(machineKey, machine.clientId);
  const first = await postForm(t, "/api/platform/token", credentials(jwt));
  assert.equal(first.res.status, 200, JSON.stringify(first.body));
  assert.equal(claimsOf(first.body.access_token).client_id, machine.clientId);
  assert.equal(claimsOf(first.body.access_token).aud, RESOURCE);

  const replay = await postForm(t, "/api/platform/token", credentials(jwt));
  assert.equal(replay.res.status, 401);
  assert.equal(replay.body.error, "invalid_client");
  assert.match(replay.body.error_description, /already used/);
  const audited = await refusals();
  assert.equal(audited.at(-1)?.target, machine.clientId);
  assert.match(String(audited.at(-1)?.reason), /already used/);
  // The secret still works beside the keys.
  const withSecret = await postForm(t, "/api/platform/token", { grant_type: "client_credentials" }, {
    authorization: basic(machine.clientId, machine.secret),
  });
  assert.equal(withSecret.res.status, 200);
});

Deno.test("private_key_jwt — wrong audience, foreign key, HS256, far expiry, missing jti, other sub: each invalid_client", async () => {
  const stranger = await signingKey();
  const hmac = await new SignJWT({
    iss: machine.clientId,
    sub: machine.clientId,
    aud: t.origin,
    jti: crypto.randomUUID(),
    exp: Math.floor(Date.now() / 1000) + 60,
  }).setProtectedHeader({ alg: "HS256" }).sign(new TextEncoder().encode("a shared secret of 32 bytes!!!!!"));
  const cases: [string, string, RegExp][] = [
    ["audience", await assertion(machineKey, machine.clientId, { aud: "https://elsewhere.example" }), /aud/],
    ["foreign key", await assertion({ ...stranger, jwk: machineKey.jwk }, machine.clientId), /signature/],
    ["HS256", hmac, /signed with/],
    [
      "far expiry",
      await assertion(machineKey, machine.clientId, { exp: Math.floor(Date.now() / 1000) + 3600 }),
      /within/,
    ],
    ["no jti", await assertion(machineKey, machine.clientId, { jti: undefined }), /jti/],
    [
      "expired",
      await assertion(machineKey, machine.clientId, { exp: Math.floor(Date.now() / 1000) - 120 }),
      /expired/,
    ],
    ["iss differs", await assertion(machineKey, machine.clientId, { iss: "mcl_someoneelse" }), /iss/],
  ];
  for (const [name, jwt, reason] of cases) {
    const res = await postForm(t, "/api/platform/token", credentials(jwt));
    assert.equal(res.res.status, 401, `${name}: ${JSON.stringify(res.body)}`);
    assert.equal(res.body.error, "invalid_client", name);
    assert.match(res.body.error_description, reason, name);
  }
  assert.ok((await refusals()).length >= cases.length, "every refusal is audited in the client's project");
  // A client with no keys, and garbage instead of a JWT.
  const other = await seedMachineClient(sql, project.id);
  const unknown = await postForm(
    t,
    "/api/platform/token",
    credentials(await assertion(machineKey, other.clientId)),
  );
  assert.equal(unknown.res.status, 401);
  assert.equal(unknown.body.error, "invalid_client");
  const garbage = await postForm(t, "/api/platform/token", credentials("not-a-jwt"));
  assert.equal(garbage.res.status, 401);
  assert.equal(garbage.body.error, "invalid_client");
});

Deno.test("private_key_jwt — an assertion beside a secret, or of another type, is invalid_request", async () => {
  const jwt = await assertion(machineKey, machine.clientId);
  const both = await postForm(t, "/api/platform/token", credentials(jwt), {
    authorization: basic(machine.clientId, machine.secret),
  });
  assert.equal(both.res.status, 400);
  assert.equal(both.body.error, "invalid_request");
  const wrongType = await postForm(t, "/api/platform/token", {
    ...credentials(jwt),
    client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:saml2-bearer",
  });
  assert.equal(wrongType.res.status, 400);
  assert.equal(wrongType.body.error, "invalid_request");
  const otherId = await postForm(t, "/api/platform/token", {
    ...credentials(jwt),
    client_id: project.clientId,
  });
  assert.equal(otherId.res.status, 401);
  assert.equal(otherId.body.error, "invalid_client");
});

Deno.test("private_key_jwt — three instances given one assertion at once: exactly one token", async () => {
  const instances = [t.app];
  const extra: { close(): void }[] = [];
  for (let i = 0; i < 2; i++) {
    const deps = await createDeps({
      config: t.config,
      sql: t.db.sql,
      masterKeys: await deriveMasterKeys(TEST_MASTER_KEY),
      assets: t.deps.assets,
    });
    extra.push(deps);
    instances.push(await createApp(deps));
  }
  try {
    const jwt = await assertion(machineKey, machine.clientId);
    const statuses = await Promise.all(
      instances.map(async (app) =>
        (await app.request("/api/platform/token", {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams(credentials(jwt)),
        })).status
      ),
    );
    assert.deepEqual(statuses.toSorted(), [200, 401, 401]);
  } finally {
    for (const deps of extra) deps.close();
  }
});

Deno.test("private_key_jwt — a self-registered client with jwks gets no secret and redeems its code with an assertion", async () => {
  const key = await signingKey("RS256");
  const registered = await postJson(t, "/api/platform/register", {
    client_name: "Keyed agent",
    redirect_uris: ["http://127.0.0.1:7777/callback"],
    token_endpoint_auth_method: "private_key_jwt",
    jwks: { keys: [key.jwk] },
  } as never);
  assert.equal(registered.res.status, 201, JSON.stringify(registered.body));
  assert.equal(registered.body.client_secret, undefined);
  assert.deepEqual(registered.body.jwks.keys[0].kid, key.jwk.kid);
  const clientId: string = registered.body.client_id;

  const user = await seedUser(sql, project.id, "keyed@example.com");
  const pkce = await pkcePair();
  const code = await issueCode(sql, { ...project, clientId }, {
    userId: user,
    resource: RESOURCE,
    codeChallenge: pkce.challenge,
    redirectUri: "http://127.0.0.1:7777/callback",
  });
  const redeem = (extra: Record<string, string>) =>
    postForm(t, "/api/platform/token", {
      grant_type: "authorization_code",
      code,
      code_verifier: pkce.verifier,
      redirect_uri: "http://127.0.0.1:7777/callback",
      resource: RESOURCE,
      ...extra,
    });
  const bare = await redeem({ client_id: clientId });
  assert.equal(bare.res.status, 401, "a private_key_jwt client may not present itself as public");
  assert.equal(bare.body.error, "invalid_client");
  const foreign = await redeem({
    client_assertion_type: TYPE,
    client_assertion: await assertion(machineKey, clientId),
  });
  assert.equal(foreign.res.status, 401);
  assert.match(foreign.body.error_description, /kid|signature/);
  const audited = await refusals();
  assert.equal(audited.at(-1)?.target, clientId, "audited in the project of the resource named");

  const jwt = await assertion(key, clientId, { aud: `${t.origin}/api/platform/token` });
  const tokens = await redeem({ client_assertion_type: TYPE, client_assertion: jwt });
  assert.equal(tokens.res.status, 200, JSON.stringify(tokens.body));
  assert.equal(claimsOf(tokens.body.access_token).client_id, clientId);
  const refreshed = await postForm(t, "/api/platform/token", {
    grant_type: "refresh_token",
    refresh_token: tokens.body.refresh_token,
    resource: RESOURCE,
    client_assertion_type: TYPE,
    client_assertion: jwt,
  });
  assert.equal(refreshed.res.status, 401, "the same assertion twice is a replay");
  const fresh = await postForm(t, "/api/platform/token", {
    grant_type: "refresh_token",
    refresh_token: tokens.body.refresh_token,
    resource: RESOURCE,
    client_assertion_type: TYPE,
    client_assertion: await assertion(key, clientId),
  });
  assert.equal(fresh.res.status, 200, JSON.stringify(fresh.body));
});

Deno.test("private_key_jwt — registration refuses private keys, bad jwks_uri, the method without keys; ignores keys for other methods", async () => {
  const key = await signingKey();
  const { privateKey } = await generateKeyPair("ES256", { extractable: true });
  served.set("/private.json", { keys: [await exportJWK(privateKey)] });
  const base = { redirect_uris: ["http://127.0.0.1:7777/callback"] };
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ["private key", {
      token_endpoint_auth_method: "private_key_jwt",
      jwks: { keys: [await exportJWK(privateKey)] },
    }, /public/],
    [
      "jwks and jwks_uri",
      { token_endpoint_auth_method: "private_key_jwt", jwks: { keys: [key.jwk] }, jwks_uri: JWKS_HOST },
      /both/,
    ],
    ["jwks_uri not https", {
      token_endpoint_auth_method: "private_key_jwt",
      jwks_uri: "ftp://agent.example/jwks",
    }, /jwks_uri cannot be used: jwks_uri must be https/],
    ["jwks_uri serving a private key", {
      token_endpoint_auth_method: "private_key_jwt",
      jwks_uri: `${JWKS_HOST}/private.json`,
    }, /jwks_uri cannot be used: .*public/],
    ["jwks_uri not found", {
      token_endpoint_auth_method: "private_key_jwt",
      jwks_uri: `${JWKS_HOST}/missing.json`,
    }, /jwks_uri cannot be used/],
    ["no keys", { token_endpoint_auth_method: "private_key_jwt" }, /needs/],
    ["symmetric", {
      token_endpoint_auth_method: "private_key_jwt",
      jwks: { keys: [{ kty: "oct", k: "abc" }] },
    }, /public/],
    ["broken key", {
      token_endpoint_auth_method: "private_key_jwt",
      jwks: { keys: [{ kty: "EC", crv: "P-256", x: "AA", y: "AA" }] },
    }, /not a valid/],
  ];
  const ignored = await postJson(
    t,
    "/api/platform/register",
    { ...base, jwks: { keys: [key.jwk] } } as never,
  );
  assert.equal(ignored.res.status, 201, "keys without private_key_jwt are ignored (RFC 7591 §2)");
  assert.equal(ignored.body.jwks, undefined);
  for (const [name, body, reason] of cases) {
    const res = await postJson(t, "/api/platform/register", { ...base, ...body } as never);
    assert.equal(res.res.status, 400, name);
    assert.equal(res.body.error, "invalid_client_metadata", name);
    assert.match(res.body.error_description, reason, name);
  }
});

Deno.test("private_key_jwt — machine-client keys: private keys refused (400), DELETE removes them, discovery lists the method", async () => {
  const path = `/api/platform/machine-clients/${machine.clientId}/jwks`;
  const { privateKey } = await generateKeyPair("ES256", { extractable: true });
  const bad = await t.app.request(path, {
    method: "PUT",
    headers: { ...projectAuth, "content-type": "application/json" },
    body: JSON.stringify({ jwks: { keys: [await exportJWK(privateKey)] } }),
  });
  assert.equal(bad.status, 400);
  assert.equal((await bad.json()).error, "validation_failed");
  const client = await seedMachineClient(sql, project.id);
  const key = await signingKey();
  const clientPath = `/api/platform/machine-clients/${client.clientId}/jwks`;
  const put = await t.app.request(clientPath, {
    method: "PUT",
    headers: { ...projectAuth, "content-type": "application/json" },
    body: JSON.stringify({ jwks: { keys: [key.jwk] } }),
  });
  assert.equal((await put.json()).jwks.keys[0].kid, key.jwk.kid);
  const ok = await postForm(t, "/api/platform/token", credentials(await assertion(key, client.clientId)));
  assert.equal(ok.res.status, 400, "authenticated: the grant itself decides (no resource of its own)");
  assert.equal(ok.body.error, "invalid_target");
  const removed = await t.app.request(clientPath, { method: "DELETE", headers: projectAuth });
  assert.equal((await removed.json()).jwks, undefined);
  const after = await postForm(t, "/api/platform/token", credentials(await assertion(key, client.clientId)));
  assert.equal(after.res.status, 401);
  const metadata = await (await t.app.request("/.well-known/oauth-authorization-server")).json();
  assert.ok(metadata.token_endpoint_auth_methods_supported.includes("private_key_jwt"));
  assert.ok(metadata.token_endpoint_auth_signing_alg_values_supported.includes("ES256"));
  assert.ok(
    !metadata.token_endpoint_auth_signing_alg_values_supported.some((a: string) => a.startsWith("HS")),
  );
});

Deno.test("private_key_jwt — a self-registered client's keys at a jwks_uri: fetched at registration, again on rotation", async () => {
  const first = await signingKey();
  served.set("/agent-keys.json", { keys: [first.jwk] });
  const registered = await postJson(t, "/api/platform/register", {
    client_name: "Rotating agent",
    redirect_uris: ["http://127.0.0.1:7777/callback"],
    token_endpoint_auth_method: "private_key_jwt",
    jwks_uri: `${JWKS_HOST}/agent-keys.json`,
  } as never);
  assert.equal(registered.res.status, 201, JSON.stringify(registered.body));
  assert.equal(registered.body.jwks_uri, `${JWKS_HOST}/agent-keys.json`);
  assert.equal(
    registered.body.jwks,
    undefined,
    "the answer echoes the URI, not the server's copy of the keys",
  );
  assert.equal(registered.body.jwks_fetched_at, undefined);
  const clientId: string = registered.body.client_id;
  const user = await seedUser(sql, project.id, `rotating-${clientId}@example.com`);
  const tokensWith = async (key: Key) => {
    const pkce = await pkcePair();
    const code = await issueCode(sql, { ...project, clientId }, {
      userId: user,
      resource: RESOURCE,
      codeChallenge: pkce.challenge,
      redirectUri: "http://127.0.0.1:7777/callback",
    });
    return await postForm(t, "/api/platform/token", {
      grant_type: "authorization_code",
      code,
      code_verifier: pkce.verifier,
      redirect_uri: "http://127.0.0.1:7777/callback",
      resource: RESOURCE,
      client_assertion_type: TYPE,
      client_assertion: await assertion(key, clientId),
    });
  };
  const fetchesAfterRegistration = fetches;
  assert.equal((await tokensWith(first)).res.status, 200, "the fetched key signs");
  assert.equal(fetches, fetchesAfterRegistration, "a fresh set with the kid: no fetch");

  // The client rotates: the URI now serves only a new key. Within a minute of the last fetch an unknown kid
  // does not make Astapa fetch again (a flood of made-up kids cannot turn it into a fetcher)…
  const second = await signingKey();
  served.set("/agent-keys.json", { keys: [second.jwk] });
  const tooSoon = await tokensWith(second);
  assert.equal(tooSoon.res.status, 401);
  assert.equal(fetches, fetchesAfterRegistration);
  // …past it, the unknown kid fetches the set again, and the new key works.
  const age = async (seconds: number) =>
    await sql`update astapa.dynamic_clients
              set metadata = metadata || jsonb_build_object('jwks_fetched_at', now() - make_interval(secs => ${seconds}))
              where client_id = ${clientId}`;
  await age(120);
  const rotated = await tokensWith(second);
  assert.equal(rotated.res.status, 200, JSON.stringify(rotated.body));
  assert.equal(fetches, fetchesAfterRegistration + 1);
  // The old key, gone from the URI, is refused once the stored set is over an hour old (fetched again).
  await age(3700);
  const old = await tokensWith(first);
  assert.equal(old.res.status, 401);
  assert.equal(old.body.error, "invalid_client");
  // An unreachable URI: the stored set answers for a day, then is no longer trusted.
  served.delete("/agent-keys.json");
  await age(7200);
  assert.equal((await tokensWith(second)).res.status, 200, "a host outage does not lock the client out");
  await age(90000);
  const stale = await tokensWith(second);
  assert.equal(stale.res.status, 401);
  assert.match(stale.body.error_description, /jwks_uri could not be fetched/);
});
