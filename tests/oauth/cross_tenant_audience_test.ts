/**
 * Issue 17 #7, tried as the attacker did: project A's own client asks for project B's protected resource, for
 * scopes A never declared and for an arbitrary audience. Every grant refuses: the authorization request
 * (redirect with invalid_target / invalid_scope), and SQL again at code issuance, redemption, refresh and
 * client_credentials.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { addResource, declareScope, removeScope } from "@/db/resources.ts";
import { testApp } from "../helpers/app.ts";
import { issueCode, seedProject } from "../helpers/oauth.ts";
import { rejectsAs } from "../helpers/identity.ts";
import { seedPasswordUser } from "../helpers/dynamic_clients.ts";
import { submitForm } from "../helpers/login.ts";
import { claimsOf, credentials, postForm } from "../helpers/token_client.ts";
import { randomSecret, sha256 } from "@/lib/secrets.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const TOKEN = "/api/platform/token";
const A_NOTES = "https://notes.a.example/mcp";
const B_NOTES = "https://notes.b.example/mcp";
const BANK = "https://api.any-bank.example";

const a = await seedProject(t.db.sql, {
  name: "A",
  redirectUri: "https://a.example/callback",
  settings: { client_credentials_scopes: ["notes:read"], resources: [A_NOTES, B_NOTES] },
});
const b = await seedProject(t.db.sql, { name: "B", redirectUri: "https://b.example/callback" });
await asApp(t.db.sql, a.id, async (tx) => {
  await addResource(tx, A_NOTES);
  await declareScope(tx, "notes:read");
});
await asApp(t.db.sql, b.id, async (tx) => {
  await addResource(tx, B_NOTES);
  await declareScope(tx, "notes:write");
});
const alice = await seedPasswordUser(t.db.sql, a.id, "alice@a.example", "correct horse battery");

const authorize = (params: Record<string, string>) =>
  t.app.request(
    `/auth/login?${new URLSearchParams({ client_id: a.clientId, redirect_uri: a.redirectUri, ...params })}`,
  );

Deno.test("cross-tenant — A's client asking for B's resource, undeclared scopes or any audience is sent back", async () => {
  const cases: [Record<string, string>, string, RegExp][] = [
    [{ resource: B_NOTES, scope: "notes:read" }, "invalid_target", /not one this project registered/],
    [{ resource: "https://NOTES.b.example/mcp" }, "invalid_target", /registered/], // a case variant of B's
    [{ resource: BANK }, "invalid_target", /registered/],
    [{ scope: "openid admin:all billing:refund" }, "invalid_scope", /admin:all billing:refund/],
    [{ scope: "notes:write" }, "invalid_scope", /notes:write/], // B's scope, not A's
  ];
  for (const [params, error, description] of cases) {
    const res = await authorize({ state: "s", ...params });
    assert.equal(res.status, 303, JSON.stringify(params));
    const location = new URL(res.headers.get("location")!);
    assert.equal(`${location.origin}${location.pathname}`, a.redirectUri);
    assert.equal(location.searchParams.get("error"), error, JSON.stringify(params));
    assert.match(location.searchParams.get("error_description") ?? "", description);
    assert.equal(location.searchParams.get("state"), "s");
    assert.equal(location.searchParams.get("iss"), t.origin);
  }
});

Deno.test("cross-tenant — A's own resource, declared scope and the OpenID scopes still work end to end", async () => {
  const signedIn = await submitForm(t, a, "/auth/login", {
    email: "alice@a.example",
    password: "correct horse battery",
  }, { resource: A_NOTES, scope: "openid email profile offline_access notes:read" });
  assert.equal(signedIn.status, 303);
  const code = new URL(signedIn.headers.get("location")!).searchParams.get("code");
  assert.ok(code);
  const { res, body } = await postForm(t, TOKEN, {
    grant_type: "authorization_code",
    code,
    redirect_uri: a.redirectUri,
    ...credentials(a),
  });
  assert.equal(res.status, 200, JSON.stringify(body));
  const claims = claimsOf(body.access_token);
  assert.equal(claims.aud, A_NOTES);
  assert.equal(claims.project_id, a.id);
  assert.equal(claims.scope, "openid email profile offline_access notes:read");
});

Deno.test("cross-tenant — SQL refuses to issue a code for B's resource or an undeclared scope", async () => {
  await rejectsAs(issueCode(t.db.sql, a, { userId: alice, resource: B_NOTES }), "invalid_target");
  await rejectsAs(issueCode(t.db.sql, a, { userId: alice, resource: BANK }), "invalid_target");
  await rejectsAs(issueCode(t.db.sql, a, { userId: alice, scope: "openid admin:all" }), "invalid_scope");
});

Deno.test("cross-tenant — redemption checks again: a scope withdrawn after the code was issued is refused", async () => {
  const project = await seedProject(t.db.sql);
  await asApp(t.db.sql, project.id, (tx) => declareScope(tx, "reports:read"));
  const user = await seedPasswordUser(t.db.sql, project.id, "bo@p.example", "correct horse battery");
  const code = await issueCode(t.db.sql, project, { userId: user, scope: "openid reports:read" });
  await asApp(t.db.sql, project.id, (tx) => removeScope(tx, "reports:read"));
  const { res, body } = await postForm(t, TOKEN, {
    grant_type: "authorization_code",
    code,
    redirect_uri: project.redirectUri,
    ...credentials(project),
  });
  assert.equal(res.status, 400);
  assert.equal(body.error, "invalid_scope");
  assert.match(body.error_description, /reports:read/);
});

/** A refresh token as the attack left it before this fix: A's family naming B's resource or admin:all. */
async function legacyRefreshToken(scope: string, resource: string | null): Promise<string> {
  const token = randomSecret();
  await t.db.sql`
    insert into astapa.refresh_tokens (project_id, token_hash, family_id, user_id, client_id, scope, resource,
                                       auth_time, expires_at)
    values (${a.id}, ${await sha256(
    token,
  )}, gen_random_uuid(), ${alice}, ${a.clientId}, ${scope}, ${resource},
            now(), now() + interval '1 day')`;
  return token;
}

Deno.test("cross-tenant — a refresh never carries B's resource or an undeclared scope forward", async () => {
  const cases: [string, string | null, string][] = [
    ["notes:read", B_NOTES, "invalid_target"],
    ["openid", BANK, "invalid_target"],
    ["openid admin:all", null, "invalid_scope"],
  ];
  for (const [scope, resource, error] of cases) {
    const refreshToken = await legacyRefreshToken(scope, resource);
    const { res, body } = await postForm(t, TOKEN, {
      grant_type: "refresh_token",
      refresh_token: refreshToken,
      ...credentials(a),
    });
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal(body.error, error, `${scope} ${resource}`);
    assert.equal(body.access_token, undefined);
  }
  const fine = await legacyRefreshToken("openid notes:read", A_NOTES);
  const { res, body } = await postForm(t, TOKEN, {
    grant_type: "refresh_token",
    refresh_token: fine,
    ...credentials(a),
  });
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.equal(claimsOf(body.access_token).aud, A_NOTES);
});

Deno.test("cross-tenant — client_credentials: settings naming B's resource do not make it A's audience", async () => {
  const grant = (resource: string) =>
    postForm(t, TOKEN, {
      grant_type: "client_credentials",
      scope: "notes:read",
      resource,
      ...credentials(a),
    });
  const stolen = await grant(B_NOTES);
  assert.equal(stolen.res.status, 400);
  assert.equal(stolen.body.error, "invalid_target");
  const own = await grant(A_NOTES);
  assert.equal(own.res.status, 200, JSON.stringify(own.body));
  assert.equal(claimsOf(own.body.access_token).aud, A_NOTES);
});
