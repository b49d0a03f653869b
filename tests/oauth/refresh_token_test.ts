import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { issueCode, seedProject, seedUser } from "../helpers/oauth.ts";
import { claimsOf, credentials, postForm, postJson } from "../helpers/token_client.ts";
import { asApp } from "@/db/client.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const TOKEN = "/api/platform/token";

async function signIn(project: Awaited<ReturnType<typeof seedProject>>, userId: string, scope = "") {
  const code = await issueCode(t.db.sql, project, { userId, scope });
  const { body } = await postJson(t, TOKEN, {
    grant_type: "authorization_code",
    code,
    redirect_uri: project.redirectUri,
    ...credentials(project),
  });
  return body as { access_token: string; refresh_token: string };
}

const refresh = (project: Awaited<ReturnType<typeof seedProject>>, token: string, extra = {}) =>
  postForm(t, TOKEN, {
    grant_type: "refresh_token",
    refresh_token: token,
    ...credentials(project),
    ...extra,
  });

Deno.test("refresh_token — rotates on every use and carries fresh claims", async () => {
  const project = await seedProject(t.db.sql);
  const userId = await seedUser(t.db.sql, project.id);
  const first = await signIn(project, userId);
  assert.deepEqual(claimsOf(first.access_token).custom_claims, { plan: "free", feature_flags: [] });

  await asApp(
    t.db.sql,
    project.id,
    async (tx) => {
      await tx`select api.create_plan(${project.id}, '{"key": "pro", "name": "Pro"}')`;
      await tx`select api.set_user_claims(${project.id}, ${userId},
         ${tx.json({ plan: "pro", role: "admin", feature_flags: ["beta_dashboard"] })})`;
    },
  );

  const { res, body } = await refresh(project, first.refresh_token);
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.notEqual(body.refresh_token, first.refresh_token);
  assert.equal(body.expires_in, 3600);
  assert.deepEqual(claimsOf(body.access_token).custom_claims, {
    plan: "pro",
    role: "admin",
    feature_flags: ["beta_dashboard"],
  });
  const next = await refresh(project, body.refresh_token);
  assert.equal(next.res.status, 200, "the successor works in turn");
});

Deno.test("refresh_token — 20 concurrent refreshes of one token agree on one successor, nobody is logged out", async () => {
  const project = await seedProject(t.db.sql);
  const userId = await seedUser(t.db.sql, project.id);
  const { refresh_token } = await signIn(project, userId);
  const results = await Promise.all(Array.from({ length: 20 }, () => refresh(project, refresh_token)));
  for (const { res, body } of results) assert.equal(res.status, 200, JSON.stringify(body));
  const successors = new Set(results.map(({ body }) => body.refresh_token));
  assert.equal(successors.size, 1, "exactly one successor");
  const [row] = await t.db.sql`select count(*)::int as live, count(revoked_at)::int as revoked
                               from astapa.refresh_tokens where project_id = ${project.id}`;
  assert.deepEqual({ ...row }, { live: 2, revoked: 0 });
  const [successor] = successors;
  assert.equal((await refresh(project, successor)).res.status, 200, "the shared successor still works");
});

Deno.test("refresh_token — reuse after the grace window revokes the whole family", async () => {
  const project = await seedProject(t.db.sql, { settings: { refresh_grace_seconds: 0 } });
  const userId = await seedUser(t.db.sql, project.id);
  const { refresh_token } = await signIn(project, userId);
  const rotated = await refresh(project, refresh_token);
  assert.equal(rotated.res.status, 200);

  const reused = await refresh(project, refresh_token);
  assert.equal(reused.res.status, 400);
  assert.equal(reused.body.error, "invalid_grant");
  assert.match(reused.body.error_description, /already used/);
  const successor = await refresh(project, rotated.body.refresh_token);
  assert.equal(successor.body.error, "invalid_grant", "the thief's successor is dead too");
  const [row] = await t.db.sql`select count(*) filter (where revoked_reason = 'reuse_detected')::int as n
                               from astapa.refresh_tokens where project_id = ${project.id}`;
  assert.equal(row.n, 2);
});

Deno.test("refresh_token — the grace window does not outlive itself", async () => {
  const project = await seedProject(t.db.sql);
  const userId = await seedUser(t.db.sql, project.id);
  const { refresh_token } = await signIn(project, userId);
  assert.equal((await refresh(project, refresh_token)).res.status, 200);
  await t.db.sql`update astapa.refresh_tokens set used_at = now() - interval '11 seconds'
                 where project_id = ${project.id} and used_at is not null`;
  const late = await refresh(project, refresh_token);
  assert.equal(late.body.error, "invalid_grant");
});

Deno.test("refresh_token — bound to its client; scope may narrow but never grow", async () => {
  const project = await seedProject(t.db.sql);
  const other = await seedProject(t.db.sql);
  const userId = await seedUser(t.db.sql, project.id);
  const { refresh_token } = await signIn(project, userId, "openid email");
  const stolen = await refresh(other, refresh_token);
  assert.equal(stolen.body.error, "invalid_grant");
  const grown = await refresh(project, refresh_token, { scope: "openid email admin" });
  assert.equal(grown.body.error, "invalid_scope");
  const narrowed = await refresh(project, refresh_token, { scope: "email" });
  assert.equal(narrowed.res.status, 200);
  assert.equal(narrowed.body.scope, "email");
  assert.equal(narrowed.body.id_token, undefined, "no openid, no ID token");
});

Deno.test("refresh_token — a disabled user can no longer refresh", async () => {
  const project = await seedProject(t.db.sql);
  const userId = await seedUser(t.db.sql, project.id);
  const { refresh_token } = await signIn(project, userId);
  await t.db.sql`update astapa.users set disabled = true where id = ${userId}`;
  assert.equal((await refresh(project, refresh_token)).body.error, "invalid_grant");
});
