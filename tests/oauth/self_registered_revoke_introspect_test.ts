/**
 * Revocation (RFC 7009) and introspection (RFC 7662) for clients no project owns (issue 26, second round):
 * a self-registered (dcl_…) or metadata-document (URL) client revokes its own grant — a public one with its
 * client_id alone — without naming a resource; it introspects its own tokens only when it authenticates (a
 * public client is 401 invalid_client); another client's tokens are inactive to it and untouched by it.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { seedMachineClient, seedRegistry } from "../helpers/machine_clients.ts";
import { basic, pkcePair, seedProject } from "../helpers/oauth.ts";
import { postForm } from "../helpers/token_client.ts";
import {
  authorizationResponse,
  hostedForm,
  mergeCookies,
  seedPasswordUser,
} from "../helpers/dynamic_clients.ts";

const t = await testApp();
const documents = new Map<string, string>();
const host = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
  const body = documents.get(new URL(req.url).pathname);
  return body === undefined ? new Response("not found", { status: 404 }) : new Response(body, {
    headers: { "content-type": "application/json", "cache-control": "max-age=3600" },
  });
});
Deno.test.afterAll(async () => {
  await host.shutdown();
  await t.close();
});
t.deps.clientMetadataFetch = { allowHttp: true, allowPrivate: true, timeoutMs: 1000 };

const NOTES = "https://revoke-notes.example/mcp";
const project = await seedProject(t.db.sql, {
  name: "Notes",
  settings: { dynamic_clients: true, client_metadata_documents: true },
});
await seedRegistry(t.db.sql, project.id, { resources: [NOTES], scopes: ["notes:read"] });
const PASSWORD = "correct horse battery";
await seedPasswordUser(t.db.sql, project.id, "ayu@example.com", PASSWORD);
const REDIRECT = "http://127.0.0.1:8976/callback";

async function register(method: "none" | "client_secret_basic") {
  const res = await t.app.request("/api/platform/register", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      client_name: `Agent (${method})`,
      redirect_uris: [REDIRECT],
      token_endpoint_auth_method: method,
      grant_types: ["authorization_code", "refresh_token"],
    }),
  });
  assert.equal(res.status, 201);
  return await res.json() as { client_id: string; client_secret?: string };
}
const publicDcl = await register("none");
const confidentialDcl = await register("client_secret_basic");
const cimd = `http://127.0.0.1:${host.addr.port}/agent.json`;
documents.set(
  "/agent.json",
  JSON.stringify({
    client_id: cimd,
    client_name: "Document agent",
    redirect_uris: [REDIRECT],
    grant_types: ["authorization_code", "refresh_token"],
    token_endpoint_auth_method: "none",
  }),
);

type Client = { client_id: string; client_secret?: string };
const auth = (client: Client): [Record<string, string>, Record<string, string>] =>
  client.client_secret
    ? [{}, { authorization: basic(client.client_id, client.client_secret) }]
    : [{ client_id: client.client_id }, {}];

/** Signs the person in for `client` and redeems the code: its access and refresh tokens. */
async function tokensFor(client: Client) {
  const pkce = await pkcePair();
  const params = new URLSearchParams({
    response_type: "code",
    client_id: client.client_id,
    redirect_uri: REDIRECT,
    state: "st",
    code_challenge: pkce.challenge,
    code_challenge_method: "S256",
    resource: NOTES,
    scope: "notes:read offline_access",
  });
  const page = await t.app.request(`/auth/login?${params}`, { headers: { accept: "text/html" } });
  assert.equal(page.status, 200);
  const form = hostedForm({ html: await page.text(), cookie: mergeCookies("", page) });
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
  const code = authorizationResponse(posted, REDIRECT).code!;
  const [fields, headers] = auth(client);
  const redeemed = await postForm(t, "/api/platform/token", {
    grant_type: "authorization_code",
    code,
    code_verifier: pkce.verifier,
    redirect_uri: REDIRECT,
    resource: NOTES,
    ...fields,
  }, headers);
  assert.equal(redeemed.res.status, 200, JSON.stringify(redeemed.body));
  return redeemed.body as { access_token: string; refresh_token: string };
}

const call = (path: string, client: Client, token: string, hint?: string) => {
  const [fields, headers] = auth(client);
  return postForm(t, path, { token, ...(hint ? { token_type_hint: hint } : {}), ...fields }, headers);
};
const refresh = (client: Client, refreshToken: string) => {
  const [fields, headers] = auth(client);
  return postForm(t, "/api/platform/token", {
    grant_type: "refresh_token",
    refresh_token: refreshToken,
    resource: NOTES,
    ...fields,
  }, headers);
};

Deno.test("self-registered revocation — a public dcl_ client revokes its refresh token with its client_id alone", async () => {
  const tokens = await tokensFor(publicDcl);
  const other = await tokensFor(confidentialDcl);
  // Another client's token: 200 (RFC 7009 §2.2) and nothing revoked.
  const foreign = await call("/api/platform/revoke", publicDcl, other.refresh_token);
  assert.equal(foreign.res.status, 200);
  assert.equal((await refresh(confidentialDcl, other.refresh_token)).res.status, 200, "untouched");

  const revoked = await call("/api/platform/revoke", publicDcl, tokens.refresh_token);
  assert.equal(revoked.res.status, 200);
  assert.equal(revoked.res.headers.get("cache-control"), "no-store");
  const after = await refresh(publicDcl, tokens.refresh_token);
  assert.equal(after.res.status, 400);
  assert.equal(after.body.error, "invalid_grant");
});

Deno.test("self-registered revocation — an access token revokes the refresh tokens of its grant", async () => {
  const tokens = await tokensFor(publicDcl);
  assert.equal((await call("/api/platform/revoke", publicDcl, tokens.access_token)).res.status, 200);
  assert.equal((await refresh(publicDcl, tokens.refresh_token)).body.error, "invalid_grant");
  // An unknown token is 200 as well.
  assert.equal((await call("/api/platform/revoke", publicDcl, "not-a-token")).res.status, 200);
});

Deno.test("metadata-document revocation — a CIMD client revokes its refresh token by URL client_id", async () => {
  const tokens = await tokensFor({ client_id: cimd });
  assert.equal(
    (await call("/api/platform/revoke", { client_id: cimd }, tokens.refresh_token)).res.status,
    200,
  );
  assert.equal((await refresh({ client_id: cimd }, tokens.refresh_token)).body.error, "invalid_grant");
});

Deno.test("self-registered introspection — an authenticated client sees its own tokens, not another's", async () => {
  const own = await tokensFor(confidentialDcl);
  const other = await tokensFor(publicDcl);
  const refreshInfo = await call("/api/platform/introspect", confidentialDcl, own.refresh_token);
  assert.equal(refreshInfo.res.status, 200);
  assert.equal(refreshInfo.body.active, true);
  assert.equal(refreshInfo.body.token_type, "refresh_token");
  assert.equal(refreshInfo.body.client_id, confidentialDcl.client_id);
  assert.equal(refreshInfo.body.project_id, project.id);
  const accessInfo = await call("/api/platform/introspect", confidentialDcl, own.access_token);
  assert.equal(accessInfo.body.active, true);
  assert.equal(accessInfo.body.aud, NOTES);
  for (const token of [other.refresh_token, other.access_token, "unknown"]) {
    const res = await call("/api/platform/introspect", confidentialDcl, token);
    assert.deepEqual(res.body, { active: false });
  }
  // Revoked: inactive.
  await call("/api/platform/revoke", confidentialDcl, own.refresh_token);
  assert.deepEqual((await call("/api/platform/introspect", confidentialDcl, own.refresh_token)).body, {
    active: false,
  });
});

Deno.test("self-registered introspection — a public client (dcl_ or CIMD) is 401 invalid_client (RFC 7662 §2.1)", async () => {
  const tokens = await tokensFor(publicDcl);
  for (const client of [publicDcl, { client_id: cimd }]) {
    const res = await call("/api/platform/introspect", client, tokens.access_token);
    assert.equal(res.res.status, 401);
    assert.equal(res.body.error, "invalid_client");
    assert.match(res.res.headers.get("www-authenticate") ?? "", /^Basic /);
  }
  // A wrong secret is refused too.
  const wrong = await call("/api/platform/introspect", { ...confidentialDcl, client_secret: "wrong" }, "x");
  assert.equal(wrong.res.status, 401);
});

Deno.test("introspection and /userinfo — a project that turns dynamic clients off stops their tokens; revoking still works (issue 26)", async () => {
  const own = await tokensFor(confidentialDcl);
  const other = await tokensFor(publicDcl);
  const userinfo = (token: string) =>
    t.app.request("/api/platform/userinfo", { headers: { authorization: `Bearer ${token}` } });
  assert.equal((await userinfo(own.access_token)).status, 200);
  const machine = await seedMachineClient(t.db.sql, project.id, {
    scopes: ["notes:read"],
    resources: [NOTES],
  });
  const asMachine = (token: string) =>
    postForm(t, "/api/platform/introspect", { token }, {
      authorization: basic(machine.clientId, machine.secret),
    });
  assert.equal((await call("/api/platform/introspect", confidentialDcl, own.access_token)).body.active, true);
  assert.equal((await asMachine(own.access_token)).body.active, true);
  assert.equal((await asMachine(own.refresh_token)).body.active, true);
  await t.db.sql`update astapa.projects set settings = settings || '{"dynamic_clients": false}'::jsonb
    where id = ${project.id}`;
  try {
    // Neither the client itself nor the project's resource server may take the token as live any more.
    for (const token of [own.access_token, own.refresh_token]) {
      assert.deepEqual((await call("/api/platform/introspect", confidentialDcl, token)).body, {
        active: false,
      });
      assert.deepEqual((await asMachine(token)).body, { active: false });
    }
    // /userinfo refuses the access token as introspection calls it inactive: 401 invalid_token.
    const refused = await userinfo(own.access_token);
    assert.equal(refused.status, 401);
    assert.match(refused.headers.get("www-authenticate") ?? "", /error="invalid_token"/);
    assert.equal((await refused.json()).error, "invalid_token");
    // The client may still end its grant (RFC 7009): a switched-off kind is no reason to keep tokens alive.
    assert.equal((await call("/api/platform/revoke", publicDcl, other.refresh_token)).res.status, 200);
  } finally {
    await t.db.sql`update astapa.projects set settings = settings || '{"dynamic_clients": true}'::jsonb
      where id = ${project.id}`;
  }
  // Switched back on, the grant (never revoked) is live again: the switch stops tokens, it does not revoke them.
  assert.equal((await asMachine(own.access_token)).body.active, true);
  assert.equal((await userinfo(own.access_token)).status, 200);
  assert.equal(
    (await refresh(publicDcl, other.refresh_token)).body.error,
    "invalid_grant",
    "revoked while off",
  );
});
