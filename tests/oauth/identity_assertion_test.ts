/**
 * Enterprise-managed authorization (issue 26 item 8): a project trusts an enterprise IdP (issuer + JWKS, by
 * its own API); a client presenting that IdP's identity assertion (ID-JAG) with the jwt-bearer grant gets an
 * access token for the person it names, bound to the asserted resource and scope. Every bad assertion — replayed,
 * untrusted issuer, wrong key, wrong type or audience, another client, too long-lived, wider scope, another
 * resource, an unknown person, another project's IdP — is a precise RFC error, audited, never a 5xx.
 */
import assert from "node:assert/strict";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { testApp } from "../helpers/app.ts";
import { seedRegistry } from "../helpers/machine_clients.ts";
import { basic, seedProject, seedUser } from "../helpers/oauth.ts";
import { claimsOf, postForm } from "../helpers/token_client.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

const IDP = "https://idp.acme.example";
const RESOURCE = "https://jag-notes.example/mcp";
const project = await seedProject(t.db.sql, { name: "Notes" });
const other = await seedProject(t.db.sql, { name: "Other" });
await seedRegistry(t.db.sql, project.id, { resources: [RESOURCE], scopes: ["notes:read", "notes:write"] });
const userId = await seedUser(t.db.sql, project.id, "ayu@acme.example");
const auth = { authorization: basic(project.clientId, project.secret) };
const otherAuth = { authorization: basic(other.clientId, other.secret) };

const idpKeys = await generateKeyPair("ES256", { extractable: true });
const strangerKeys = await generateKeyPair("ES256", { extractable: true });
const publicJwk = { ...await exportJWK(idpKeys.publicKey), kid: "idp-1", alg: "ES256", use: "sig" };

const put = await t.app.request("/api/platform/identity-providers", {
  method: "PUT",
  headers: { "content-type": "application/json", ...auth },
  body: JSON.stringify({ issuer: IDP, jwks: { keys: [publicJwk] } }),
});
assert.equal(put.status, 200, await put.clone().text());

type Overrides = {
  claims?: Record<string, unknown>;
  typ?: string;
  key?: CryptoKey;
  issuer?: string;
  lifetime?: number;
};

let serial = 0;
function idJag(o: Overrides = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    client_id: project.clientId,
    email: "ayu@acme.example",
    resource: RESOURCE,
    scope: "notes:read notes:write",
    ...o.claims,
  })
    .setProtectedHeader({ alg: "ES256", kid: "idp-1", typ: o.typ ?? "oauth-id-jag+jwt" })
    .setIssuer(o.issuer ?? IDP)
    .setSubject("00u-ayu")
    .setAudience(t.origin)
    .setJti(`jag-${++serial}`)
    .setIssuedAt(now)
    .setExpirationTime(now + (o.lifetime ?? 300))
    .sign(o.key ?? idpKeys.privateKey);
}

const grant = (assertion: string, extra: Record<string, string> = {}, headers = auth) =>
  postForm(t, "/api/platform/token", {
    grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer",
    assertion,
    ...extra,
  }, headers);

Deno.test("ID-JAG — the metadata lists the jwt-bearer grant; the project lists its trusted IdP", async () => {
  const metadata = await (await t.app.request("/.well-known/oauth-authorization-server")).json();
  assert.ok(metadata.grant_types_supported.includes("urn:ietf:params:oauth:grant-type:jwt-bearer"));
  const list = await t.app.request("/api/platform/identity-providers", { headers: auth });
  assert.deepEqual((await list.json()).map((i: { issuer: string }) => i.issuer), [IDP]);
  const none = await t.app.request("/api/platform/identity-providers", { headers: otherAuth });
  assert.deepEqual(await none.json(), []);
});

Deno.test("ID-JAG — a trusted IdP's assertion gets the person a token for the asserted resource; a replay is refused", async () => {
  const assertion = await idJag();
  const { res, body } = await grant(assertion, { scope: "notes:read" });
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.equal(body.refresh_token, undefined, "no refresh token: the next assertion gets the next token");
  const claims = claimsOf(body.access_token);
  assert.equal(claims.sub, userId);
  assert.equal(claims.aud, RESOURCE);
  assert.equal(claims.scope, "notes:read", "narrowed as requested");
  assert.equal(claims.client_id, project.clientId);
  const [accepted] = await t.db.sql`select details ->> 'issuer' as issuer from astapa.audit_log
    where project_id = ${project.id} and action = 'identity_assertion.accepted'`;
  assert.equal(accepted.issuer, IDP);

  const replay = await grant(assertion);
  assert.equal(replay.res.status, 400);
  assert.equal(replay.body.error, "invalid_grant");
  assert.match(replay.body.error_description, /already used/);
});

Deno.test("ID-JAG attacks — each bad assertion is a precise error, audited, never a 5xx", async () => {
  const cases: [string, () => Promise<Awaited<ReturnType<typeof grant>>>, string, RegExp][] = [
    [
      "untrusted issuer",
      async () => grant(await idJag({ issuer: "https://evil.example" })),
      "invalid_grant",
      /not an identity provider this project trusts/,
    ],
    [
      "wrong key",
      async () => grant(await idJag({ key: strangerKeys.privateKey })),
      "invalid_grant",
      /signature does not verify/,
    ],
    ["wrong type", async () => grant(await idJag({ typ: "JWT" })), "invalid_grant", /typ/],
    [
      "another client",
      async () => grant(await idJag({ claims: { client_id: other.clientId } })),
      "invalid_grant",
      /another client/,
    ],
    [
      "too long-lived",
      async () => grant(await idJag({ lifetime: 3600 })),
      "invalid_grant",
      /within 10 minutes/,
    ],
    [
      "unknown person",
      async () => grant(await idJag({ claims: { email: "nobody@acme.example" } })),
      "invalid_grant",
      /no user of this project/,
    ],
    ["no email", async () => grant(await idJag({ claims: { email: undefined } })), "invalid_grant", /email/],
    [
      "wider scope",
      async () => grant(await idJag({ claims: { scope: "notes:read" } }), { scope: "notes:write" }),
      "invalid_scope",
      /exceeds/,
    ],
    [
      "another resource",
      async () => grant(await idJag(), { resource: "https://elsewhere.example/mcp" }),
      "invalid_target",
      /differs/,
    ],
    [
      "another project's IdP",
      async () => grant(await idJag({ claims: { client_id: other.clientId } }), {}, otherAuth),
      "invalid_grant",
      /not an identity provider/,
    ],
    ["not a JWT", () => grant("not-a-jwt"), "invalid_grant", /not a JWT/],
  ];
  for (const [name, send, error, description] of cases) {
    const { res, body } = await send();
    assert.equal(res.status, 400, `${name}: ${JSON.stringify(body)}`);
    assert.equal(body.error, error, name);
    assert.match(body.error_description, description, name);
  }
  const refused = await t.db.sql`select count(*)::int as n from astapa.audit_log
    where action = 'identity_assertion.refused'`;
  assert.ok(refused[0].n >= cases.length, "every refusal audited");
  const missing = await postForm(t, "/api/platform/token", {
    grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer",
  }, auth);
  assert.equal(missing.res.status, 400);
  assert.equal(missing.body.error, "invalid_request");
  const badClient = await grant(await idJag(), {}, { authorization: basic(project.clientId, "wrong") });
  assert.equal(badClient.res.status, 401);
  assert.equal(badClient.body.error, "invalid_client");
});

Deno.test("ID-JAG — an IdP the project stops trusting is refused at once; bad IdP input is a 400", async () => {
  const bad = await t.app.request("/api/platform/identity-providers", {
    method: "PUT",
    headers: { "content-type": "application/json", ...auth },
    body: JSON.stringify({ issuer: "https://idp2.example", jwks: { keys: [{ kty: "oct", k: "c2VjcmV0" }] } }),
  });
  assert.equal(bad.status, 400);
  await bad.body?.cancel();
  const removed = await t.app.request(`/api/platform/identity-providers?issuer=${encodeURIComponent(IDP)}`, {
    method: "DELETE",
    headers: auth,
  });
  assert.equal(removed.status, 204);
  const { res, body } = await grant(await idJag());
  assert.equal(res.status, 400);
  assert.match(body.error_description, /not an identity provider this project trusts/);
  const again = await t.app.request(`/api/platform/identity-providers?issuer=${encodeURIComponent(IDP)}`, {
    method: "DELETE",
    headers: auth,
  });
  assert.equal(again.status, 404);
  await again.body?.cancel();
});
