/** client_credentials for machine clients: their own scopes and resources, every failure its RFC code. */
import assert from "node:assert/strict";
import { createLocalJWKSet, jwtVerify } from "jose";
import { asApp } from "@/db/client.ts";
import { rotateMachineClientSecret, updateMachineClient } from "@/db/machine_clients.ts";
import { testApp } from "../helpers/app.ts";
import { type SeededMachineClient, seedMachineClient, seedRegistry } from "../helpers/machine_clients.ts";
import { basic, issueCode, seedProject, seedUser } from "../helpers/oauth.ts";
import { claimsOf, postForm, postJson } from "../helpers/token_client.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const TOKEN = "/api/platform/token";
const MCP = "https://mcp.example.com";

const project = await seedProject(t.db.sql);
const other = await seedProject(t.db.sql);
await seedRegistry(t.db.sql, project.id, {
  resources: [MCP, "https://api.example.com/v2"],
  scopes: ["notes:read", "notes:write", "admin"],
});
await seedRegistry(t.db.sql, other.id, { resources: ["https://mcp.other.example"], scopes: ["notes:read"] });
const agent = await seedMachineClient(t.db.sql, project.id, {
  name: "Agent",
  scopes: ["notes:read", "notes:write"],
  resources: [MCP],
});

const viaBasic = (client: SeededMachineClient, extra: Record<string, string> = {}) =>
  postForm(t, TOKEN, { grant_type: "client_credentials", ...extra }, {
    authorization: basic(client.clientId, client.secret),
  });
const viaPost = (client: SeededMachineClient, extra: Record<string, string> = {}) =>
  postForm(t, TOKEN, {
    grant_type: "client_credentials",
    client_id: client.clientId,
    client_secret: client.secret,
    ...extra,
  });

Deno.test("machine client — Basic or post: a token whose aud is the resource and whose subject is the client", async () => {
  for (const call of [viaBasic, viaPost]) {
    const { res, body } = await call(agent, { scope: "notes:read", resource: `${MCP}/` });
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.deepEqual(Object.keys(body).sort(), ["access_token", "expires_in", "scope", "token_type"]);
    assert.equal(res.headers.get("cache-control"), "no-store");
    const jwks = createLocalJWKSet(await (await t.app.request("/.well-known/jwks.json")).json());
    const { payload, protectedHeader } = await jwtVerify(body.access_token, jwks, {
      issuer: t.origin,
      audience: MCP,
      typ: "at+jwt",
      algorithms: ["RS256"],
    });
    assert.equal(protectedHeader.typ, "at+jwt");
    assert.equal(payload.sub, agent.clientId);
    assert.equal(payload.client_id, agent.clientId);
    assert.equal(payload.project_id, project.id);
    assert.equal(payload.scope, "notes:read");
    assert.equal(payload.exp! - payload.iat!, body.expires_in);
  }
});

Deno.test("machine client — no scope asked grants all its scopes; no resource means aud is the client", async () => {
  const { body } = await viaBasic(agent);
  assert.equal(body.scope, "notes:read notes:write");
  assert.equal(claimsOf(body.access_token).aud, agent.clientId);
  assert.equal(body.refresh_token, undefined);
});

Deno.test("machine client — its own lifetime overrides the project's", async () => {
  const brief = await seedMachineClient(t.db.sql, project.id, { accessTokenTtl: 300 });
  const { body } = await viaPost(brief);
  assert.equal(body.expires_in, 300);
  assert.equal(body.scope, undefined, "a client without scopes gets a token without scope");
});

Deno.test("machine client — a wider scope is narrowed to the client's, and the response says so (RFC 6749 §3.3)", async () => {
  // What an MCP client asks when a resource's challenge names no scope: its whole scopes_supported.
  const cases: [string, string][] = [
    ["notes:read unknown", "notes:read"],
    ["admin notes:write notes:read", "notes:write notes:read"], // the order asked, less what is not allowed
  ];
  for (const [asked, granted] of cases) {
    const { res, body } = await viaBasic(agent, { scope: asked });
    assert.equal(res.status, 200, asked);
    assert.equal(body.scope, granted, "the response names the narrower scope");
    assert.equal(claimsOf(body.access_token).scope, granted, "and the token carries no more");
  }
});

Deno.test("machine client — no allowed scope asked invalid_scope, wrong resource invalid_target", async () => {
  const cases: [Record<string, string>, string][] = [
    [{ scope: "admin" }, "invalid_scope"], // declared for the project, not allowed for this client
    [{ scope: "admin unknown" }, "invalid_scope"],
    [{ resource: "https://api.example.com/v2" }, "invalid_target"], // the project's, not this client's
    [{ resource: "https://mcp.other.example" }, "invalid_target"], // another project's
    [{ resource: "https://mcp.example.com/other" }, "invalid_target"],
    [{ resource: "relative/path" }, "invalid_target"],
  ];
  for (const [extra, error] of cases) {
    const { res, body } = await viaBasic(agent, extra);
    assert.equal(res.status, 400, JSON.stringify(extra));
    assert.equal(body.error, error, JSON.stringify(extra));
    assert.equal(typeof body.error_description, "string");
  }
});

Deno.test("machine client — disabled is invalid_client; enabling again works", async () => {
  const paused = await seedMachineClient(t.db.sql, project.id, { scopes: ["notes:read"] });
  await asApp(t.db.sql, project.id, (tx) => updateMachineClient(tx, paused.clientId, { enabled: false }));
  const { res, body } = await viaBasic(paused);
  assert.equal(res.status, 401);
  assert.equal(body.error, "invalid_client");
  assert.match(body.error_description, /disabled/);
  assert.match(res.headers.get("www-authenticate") ?? "", /^Basic /);
  await asApp(t.db.sql, project.id, (tx) => updateMachineClient(tx, paused.clientId, { enabled: true }));
  assert.equal((await viaBasic(paused)).res.status, 200);
});

Deno.test("machine client — a rotated secret stops working at once", async () => {
  const rotating = await seedMachineClient(t.db.sql, project.id);
  const rotated = await asApp(t.db.sql, project.id, (tx) => rotateMachineClientSecret(tx, rotating.clientId));
  const old = await viaBasic(rotating);
  assert.equal(old.res.status, 401);
  assert.equal(old.body.error, "invalid_client");
  assert.equal((await viaBasic({ ...rotating, secret: rotated.client_secret })).res.status, 200);
});

Deno.test("machine client — user grants are unauthorized_client; revocation is a no-op for it", async () => {
  const user = await seedUser(t.db.sql, project.id);
  const code = await issueCode(t.db.sql, project, { userId: user });
  const { res, body } = await postJson(t, TOKEN, {
    grant_type: "authorization_code",
    code,
    redirect_uri: project.redirectUri,
  }, { authorization: basic(agent.clientId, agent.secret) });
  assert.equal(res.status, 400);
  assert.equal(body.error, "unauthorized_client");
  const refreshed = await viaBasic(agent, { grant_type: "refresh_token", refresh_token: "x" });
  assert.equal(refreshed.body.error, "unauthorized_client");
  const revoked = await postForm(t, "/api/platform/revoke", { token: "anything" }, {
    authorization: basic(agent.clientId, agent.secret),
  });
  assert.equal(revoked.res.status, 200);
});

Deno.test("machine client — introspection by a machine client of its project sees its tokens", async () => {
  const { body } = await viaBasic(agent, { resource: MCP });
  const seen = await postForm(t, "/api/platform/introspect", { token: body.access_token }, {
    authorization: basic(agent.clientId, agent.secret),
  });
  assert.equal(seen.body.active, true);
  assert.equal(seen.body.aud, MCP);
  const outsider = await seedMachineClient(t.db.sql, other.id);
  const hidden = await postForm(t, "/api/platform/introspect", { token: body.access_token }, {
    authorization: basic(outsider.clientId, outsider.secret),
  });
  assert.deepEqual(hidden.body, { active: false });
});

Deno.test("machine client — brute force on a machine client id locks it like a project client", async () => {
  const victim = await seedMachineClient(t.db.sql, project.id);
  for (let i = 0; i < 10; i++) {
    assert.equal((await viaPost({ ...victim, secret: `guess-${i}` })).res.status, 401);
  }
  const locked = await viaPost(victim);
  assert.equal(locked.res.status, 429);
  assert.equal(locked.body.error, "rate_limited");
  await t.db.sql`delete from astapa.rate_limits where bucket like ${`client_auth:client:${victim.clientId}`}`;
});
