/**
 * application_type in dynamic registration (OIDC Dynamic Registration §2, RFC 8252): a native app may register
 * loopback, https and private-use scheme redirects (com.example.app:/callback) and gets its code there; a web
 * app https only; without application_type the rule stays https or loopback. SQL holds the same line.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { hostedForm, mergeCookies, seedPasswordUser } from "../helpers/dynamic_clients.ts";
import { seedRegistry } from "../helpers/machine_clients.ts";
import { pkcePair, seedProject } from "../helpers/oauth.ts";
import { postForm, postJson } from "../helpers/token_client.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const NOTES = "https://notes.example/mcp";
const project = await seedProject(t.db.sql, { settings: { dynamic_clients: true } });
await seedRegistry(t.db.sql, project.id, { resources: [NOTES], scopes: ["notes:read"] });
const PASSWORD = "correct horse battery";
await seedPasswordUser(t.db.sql, project.id, "ayu@example.com", PASSWORD);
const APP_REDIRECT = "com.example.notes:/oauth/callback";

const register = (body: Record<string, unknown>) =>
  postJson(t, "/api/platform/register", { token_endpoint_auth_method: "none", ...body } as never);

Deno.test("application_type — native: loopback, https and private-use schemes; web: https only; echoed", async () => {
  const native = await register({
    application_type: "native",
    redirect_uris: [APP_REDIRECT, "http://127.0.0.1:8976/cb", "https://app.example/cb"],
  });
  assert.equal(native.res.status, 201, JSON.stringify(native.body));
  assert.equal(native.body.application_type, "native");
  assert.deepEqual(native.body.redirect_uris, [
    APP_REDIRECT,
    "http://127.0.0.1:8976/cb",
    "https://app.example/cb",
  ]);
  const web = await register({ application_type: "web", redirect_uris: ["https://app.example/cb"] });
  assert.equal(web.res.status, 201);
  assert.equal(web.body.application_type, "web");
  const unsaid = await register({ redirect_uris: ["http://localhost:1234/cb"] });
  assert.equal(unsaid.res.status, 201, "without application_type, loopback stays allowed (MCP clients)");
});

Deno.test("application_type — refusals name the redirect URI and the rule", async () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ application_type: "web", redirect_uris: ["http://127.0.0.1:8976/cb"] }, /web application/],
    [{ application_type: "web", redirect_uris: [APP_REDIRECT] }, /application_type web/],
    [{ redirect_uris: [APP_REDIRECT] }, /https/],
    [{ application_type: "native", redirect_uris: ["javascript:/alert(1)"] }, /private-use scheme/],
    [{ application_type: "native", redirect_uris: ["http://app.example/cb"] }, /private-use scheme/],
    [{ application_type: "native", redirect_uris: ["com.example.notes://host/cb"] }, /private-use scheme/],
  ];
  for (const [body, reason] of cases) {
    const res = await register(body);
    assert.equal(res.res.status, 400, JSON.stringify(body));
    assert.equal(res.body.error, "invalid_redirect_uri", JSON.stringify(body));
    assert.match(res.body.error_description, reason);
  }
  const odd = await register({ application_type: "desktop", redirect_uris: ["https://app.example/cb"] });
  assert.equal(odd.res.status, 400);
  assert.equal(odd.body.error, "invalid_client_metadata");
});

Deno.test("application_type — SQL refuses a private-use scheme for a client that is not native", async () => {
  const insert = (metadata: Record<string, unknown>) =>
    t.db
      .sql`insert into astapa.dynamic_clients (client_id, redirect_uris, token_endpoint_auth_method, metadata)
             values ('dcl_' || repeat('a', 24), ${[APP_REDIRECT]}, 'none', ${
      t.db.sql.json(metadata as never)
    })`;
  await assert.rejects(insert({ application_type: "web" }), /dynamic_clients_redirect_uris_check/);
  await assert.rejects(insert({}), /dynamic_clients_redirect_uris_check/);
  const native = await t.db.sql`
    insert into astapa.dynamic_clients (client_id, redirect_uris, token_endpoint_auth_method, metadata)
    values ('dcl_' || repeat('b', 24), ${[
    APP_REDIRECT,
    "com.example.x:/",
  ]}, 'none', '{"application_type": "native"}')
    returning client_id`;
  assert.equal(native.length, 1);
  await assert.rejects(
    t.db
      .sql`insert into astapa.dynamic_clients (client_id, redirect_uris, token_endpoint_auth_method, metadata)
             values ('dcl_' || repeat('c', 24), ${["com.example.x:/ok", "data:/x"]}, 'none',
                     '{"application_type": "native"}')`,
    /dynamic_clients_redirect_uris_check/,
  );
});

Deno.test("application_type — a native app signs a person in and gets its code at its private-use scheme", async () => {
  const registered = await register({
    application_type: "native",
    client_name: "Notes",
    redirect_uris: [APP_REDIRECT],
  });
  const clientId = registered.body.client_id;
  const pkce = await pkcePair();
  const params = new URLSearchParams({
    response_type: "code",
    client_id: clientId,
    redirect_uri: APP_REDIRECT,
    state: "st",
    code_challenge: pkce.challenge,
    code_challenge_method: "S256",
    resource: NOTES,
    scope: "notes:read",
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
  assert.equal(posted.status, 303);
  const location = posted.headers.get("location")!;
  assert.ok(location.startsWith(`${APP_REDIRECT}?`), location);
  const code = new URL(location).searchParams.get("code")!;
  const tokens = await postForm(t, "/api/platform/token", {
    grant_type: "authorization_code",
    client_id: clientId,
    code,
    code_verifier: pkce.verifier,
    redirect_uri: APP_REDIRECT,
    resource: NOTES,
  });
  assert.equal(tokens.res.status, 200, JSON.stringify(tokens.body));
});
