import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { issueCode, seedProject, seedUser } from "../helpers/oauth.ts";
import { credentials, postForm, postJson } from "../helpers/token_client.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const project = await seedProject(t.db.sql, { settings: { client_credentials_scopes: ["jobs"] } });
const other = await seedProject(t.db.sql);

async function signIn(userId: string) {
  const code = await issueCode(t.db.sql, project, { userId });
  const { body } = await postJson(t, "/api/platform/token", {
    grant_type: "authorization_code",
    code,
    redirect_uri: project.redirectUri,
    ...credentials(project),
  });
  return body as { access_token: string; refresh_token: string };
}
const refreshWith = (token: string) =>
  postForm(t, "/api/platform/token", {
    grant_type: "refresh_token",
    refresh_token: token,
    ...credentials(project),
  });

Deno.test("revoke — a refresh token signs the user out everywhere: every refresh token dies", async () => {
  const userId = await seedUser(t.db.sql, project.id, "revoke-1@example.com");
  const [laptop, phone] = [await signIn(userId), await signIn(userId)];
  const { res, body } = await postForm(t, "/api/platform/revoke", {
    token: laptop.refresh_token,
    ...credentials(project),
  });
  assert.equal(res.status, 200);
  assert.equal(body, "");
  assert.equal((await refreshWith(laptop.refresh_token)).body.error, "invalid_grant");
  assert.equal((await refreshWith(phone.refresh_token)).body.error, "invalid_grant");
});

Deno.test("revoke — an access token works as the handle too (JSON body)", async () => {
  const userId = await seedUser(t.db.sql, project.id, "revoke-2@example.com");
  const session = await signIn(userId);
  const { res } = await postJson(t, "/api/platform/revoke", {
    token: session.access_token,
    ...credentials(project),
  });
  assert.equal(res.status, 200);
  assert.equal((await refreshWith(session.refresh_token)).body.error, "invalid_grant");
});

Deno.test("revoke — unknown tokens get 200; another project's client cannot revoke our users", async () => {
  assert.equal(
    (await postForm(t, "/api/platform/revoke", { token: "nonsense", ...credentials(project) })).res.status,
    200,
  );
  const userId = await seedUser(t.db.sql, project.id, "revoke-3@example.com");
  const session = await signIn(userId);
  const foreign = await postForm(t, "/api/platform/revoke", {
    token: session.refresh_token,
    ...credentials(other),
  });
  assert.equal(foreign.res.status, 200);
  assert.equal((await refreshWith(session.refresh_token)).res.status, 200, "still signed in");
});

Deno.test("revoke — needs client authentication and a token", async () => {
  const anonymous = await postForm(t, "/api/platform/revoke", { token: "x" });
  assert.equal(anonymous.res.status, 401);
  assert.equal(anonymous.body.error, "invalid_client");
  const missing = await postForm(t, "/api/platform/revoke", credentials(project));
  assert.equal(missing.body.error, "invalid_request");
});

Deno.test("introspect — live refresh and access tokens are active with their claims", async () => {
  const userId = await seedUser(t.db.sql, project.id, "introspect@example.com");
  const session = await signIn(userId);
  const refresh = await postForm(t, "/api/platform/introspect", {
    token: session.refresh_token,
    ...credentials(project),
  });
  assert.equal(refresh.body.active, true);
  assert.equal(refresh.body.token_type, "refresh_token");
  assert.equal(refresh.body.sub, userId);
  assert.equal(refresh.body.client_id, project.clientId);

  const access = await postForm(t, "/api/platform/introspect", {
    token: session.access_token,
    ...credentials(project),
  });
  assert.equal(access.body.active, true);
  assert.equal(access.body.token_type, "access_token");
  assert.equal(access.body.sub, userId);
  assert.deepEqual(access.body.custom_claims, { plan: "free", feature_flags: [] });
  assert.equal(access.res.headers.get("cache-control"), "no-store");
});

Deno.test("introspect — everything else is exactly {active: false}", async () => {
  const userId = await seedUser(t.db.sql, project.id, "inactive@example.com");
  const session = await signIn(userId);
  const inactive = [
    ["garbage", "not-a-token", project],
    ["another project asks", session.access_token, other],
    ["another project asks (refresh)", session.refresh_token, other],
  ] as const;
  for (const [name, token, client] of inactive) {
    const { body } = await postForm(t, "/api/platform/introspect", { token, ...credentials(client) });
    assert.deepEqual(body, { active: false }, name);
  }
  await postForm(t, "/api/platform/revoke", { token: session.refresh_token, ...credentials(project) });
  const revoked = await postForm(t, "/api/platform/introspect", {
    token: session.refresh_token,
    ...credentials(project),
  });
  assert.deepEqual(revoked.body, { active: false }, "revoked");
  await t.db.sql`update astapa.users set disabled = true where id = ${userId}`;
  const disabled = await postForm(t, "/api/platform/introspect", {
    token: session.access_token,
    ...credentials(project),
  });
  assert.deepEqual(disabled.body, { active: false }, "disabled user");
});

Deno.test("userinfo — the current user for a Bearer token; 401 with a challenge otherwise", async () => {
  const userId = await seedUser(t.db.sql, project.id, "me@example.com", { verified: true });
  const session = await signIn(userId);
  const res = await t.app.request("/api/platform/userinfo", {
    headers: { authorization: `Bearer ${session.access_token}` },
  });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), {
    sub: userId,
    email: "me@example.com",
    email_verified: true,
    project_id: project.id,
    custom_claims: { plan: "free", feature_flags: [] },
  });

  const none = await t.app.request("/api/platform/userinfo");
  assert.equal(none.status, 401);
  assert.match(none.headers.get("www-authenticate") ?? "", /^Bearer realm="astapa"$/);
  const bad = await t.app.request("/api/platform/userinfo", {
    headers: { authorization: "Bearer abc.def.ghi" },
  });
  assert.equal(bad.status, 401);
  assert.equal((await bad.json()).error, "invalid_token");
  assert.match(bad.headers.get("www-authenticate") ?? "", /error="invalid_token"/);

  const machine = await postForm(t, "/api/platform/token", {
    grant_type: "client_credentials",
    ...credentials(project),
  });
  const forMachine = await t.app.request("/api/platform/userinfo", {
    headers: { authorization: `Bearer ${machine.body.access_token}` },
  });
  assert.equal(forMachine.status, 401, "a machine token has no user");
});
