/**
 * Migration 2050: every user grant names only its project's registered resources and declared scopes (issue 17
 * #7), a failed PKCE check voids the code, the project client's client_credentials resource must be registered,
 * and a refresh token outside the project's current environment introspects as inactive.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { testDatabase } from "../helpers/db.ts";
import { issueCode, pkcePair, seedProject, seedUser } from "../helpers/oauth.ts";
import { rejectsAs } from "../helpers/identity.ts";
import { addResource, declareScope } from "@/db/resources.ts";
import { sha256 } from "@/lib/secrets.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const OWN = "https://own.example/mcp";
const THEIRS = "https://theirs.example/mcp";
const project = await seedProject(db.sql, {
  settings: { client_credentials_scopes: ["jobs"], resources: [OWN, THEIRS] },
});
const other = await seedProject(db.sql);
await asApp(db.sql, project.id, async (tx) => {
  await addResource(tx, OWN);
  await declareScope(tx, "notes:read");
});
await asApp(db.sql, other.id, async (tx) => {
  await addResource(tx, THEIRS);
  await declareScope(tx, "notes:write");
});

/** astapa.assert_grant_target raises what astapa.grant_target_refusal answers. */
const check = (projectId: string | null, scope: string | null, resource: string | null) =>
  asApp(db.sql, projectId, (tx) => tx`select astapa.assert_grant_target(${scope}, ${resource})`);

const refusal = async (projectId: string | null, scope: string | null, resource: string | null) =>
  (await asApp(
    db.sql,
    projectId,
    (tx) => tx`select astapa.grant_target_refusal(${scope}, ${resource}) as r`,
  ))[0].r;

Deno.test("astapa.grant_target_refusal — own resources, declared and OpenID scopes pass", async () => {
  assert.equal(await refusal(project.id, "openid email profile offline_access notes:read", OWN), null);
  assert.equal(await refusal(project.id, null, null), null);
  assert.equal(await refusal(project.id, "", null), null);
  assert.equal(
    await refusal(project.id, " openid  offline_access ", null),
    null,
    "extra spaces are no scope",
  );
  assert.equal(await refusal(null, "openid email phone", null), null, "OpenID scopes alone need no project");
  await check(project.id, "openid notes:read", OWN);
});

Deno.test("astapa.grant_target_refusal — another project's resource or scope, or none at all, is refused", async () => {
  assert.deepEqual(await refusal(project.id, "openid notes:write", OWN), {
    sqlstate: "AS4S0",
    message: "not a scope this project declares: notes:write",
  });
  await rejectsAs(check(project.id, null, THEIRS), "invalid_target");
  await rejectsAs(check(project.id, null, "https://anything.example"), "invalid_target");
  await rejectsAs(check(project.id, "openid notes:write", null), "invalid_scope", /notes:write/);
  await rejectsAs(
    check(project.id, "admin:all billing:refund", OWN),
    "invalid_scope",
    /admin:all billing:refund/,
  );
  await rejectsAs(check(null, null, OWN), "invalid_target"); // no project: nothing is anyone's
  await rejectsAs(check(null, "openid notes:read", null), "invalid_scope", /notes:read/);
  await rejectsAs(check(other.id, null, OWN), "invalid_target");
});

const requestClient = (clientId: string, scope: string | null, resource: string | null) =>
  asApp(db.sql, null, async (tx) => {
    const [row] = await tx`select api.authorization_request_client(${clientId}, ${scope}, ${resource}) as c,
      current_setting('astapa.project_id', true) as chosen`;
    return row;
  });

Deno.test("api.authorization_request_client — the client, its project's refusal, and no project left chosen", async () => {
  const allowed = await requestClient(project.clientId, "openid notes:read", OWN);
  assert.equal(allowed.c.project_id, project.id);
  assert.ok(Array.isArray(allowed.c.redirect_uris));
  assert.equal(allowed.c.refusal, null);
  assert.equal(allowed.chosen, "");
  const theirs = await requestClient(project.clientId, null, THEIRS);
  assert.deepEqual(theirs.c.refusal, {
    sqlstate: "AS4T0",
    message: "the resource is not one this project registered",
  });
  // The other project's own scope is its own: the check runs under the client's project, not the caller's.
  assert.equal((await requestClient(other.clientId, "notes:write", THEIRS)).c.refusal, null);
  assert.equal((await requestClient("cid_" + "a".repeat(24), null, null)).c, null);
  assert.equal((await requestClient("not-a-client-id", "openid", null)).c, null);
  await rejectsAs(
    asApp(
      db.sql,
      project.id,
      (tx) => tx`select api.authorization_request_client(${project.clientId}, null, null)`,
    ),
    "forbidden",
  );
});

Deno.test("api.issue_authorization_code — refuses what the project does not own", async () => {
  const user = await seedUser(db.sql, project.id, "issue@example.com");
  await rejectsAs(issueCode(db.sql, project, { userId: user, resource: THEIRS }), "invalid_target");
  await rejectsAs(issueCode(db.sql, project, { userId: user, scope: "notes:write" }), "invalid_scope");
  assert.ok(await issueCode(db.sql, project, { userId: user, scope: "openid notes:read", resource: OWN }));
});

const redeem = (code: string, verifier: string | null, refresh: string) =>
  asApp(
    db.sql,
    project.id,
    async (tx) =>
      (await tx`select api.redeem_authorization_code(${await sha256(code)}, ${project.clientId},
      ${project.redirectUri}, ${verifier}, ${await sha256(refresh)}) as grant`)[0].grant,
  );

Deno.test("api.redeem_authorization_code — a wrong verifier voids the code (the update survives)", async () => {
  const user = await seedUser(db.sql, project.id, "void@example.com");
  const { verifier, challenge } = await pkcePair();
  const code = await issueCode(db.sql, project, { userId: user, codeChallenge: challenge });
  const wrong = await redeem(code, (await pkcePair()).verifier, "void-1");
  assert.equal(wrong.error, "invalid_grant");
  const [row] = await db
    .sql`select redeemed_at is not null as voided, refresh_family from astapa.authorization_codes
    where code_hash = ${await sha256(code)}`;
  assert.deepEqual({ ...row }, { voided: true, refresh_family: null });
  const late = await redeem(code, verifier, "void-2");
  assert.equal(late.error, "invalid_grant");
  assert.match(late.error_description, /void/);
  const [tokens] = await db.sql`select count(*)::int as n from astapa.refresh_tokens
    where token_hash in (${await sha256("void-1")}, ${await sha256("void-2")})`;
  assert.equal(tokens.n, 0);
});

Deno.test("api.redeem_authorization_code / rotate_refresh_token — check the target again", async () => {
  const user = await seedUser(db.sql, project.id, "again@example.com");
  const code = await issueCode(db.sql, project, { userId: user, scope: "notes:read", resource: OWN });
  const { refresh_token_id: lookupId } = await redeem(code, null, "again-1");
  // The project gives the resource up: the sign-in that named it ends at its next refresh.
  await asApp(db.sql, project.id, (tx) => tx`select api.remove_resource(${OWN})`);
  const rotate = asApp(
    db.sql,
    project.id,
    async (tx) =>
      tx`select api.rotate_refresh_token(${await sha256("again-1")}, ${project.clientId},
      ${await sha256("again-2")}, null, null, ${lookupId})`,
  );
  await rejectsAs(rotate, "invalid_target");
  await asApp(db.sql, project.id, (tx) => addResource(tx, OWN));
  const stale = await issueCode(db.sql, project, { userId: user, scope: "notes:read" });
  await asApp(db.sql, project.id, (tx) => tx`select api.remove_scope('notes:read')`);
  await rejectsAs(redeem(stale, null, "again-3"), "invalid_scope");
  await asApp(db.sql, project.id, (tx) => declareScope(tx, "notes:read"));
});

Deno.test("api.client_credentials_grant — a resource in settings must also be registered by the project", async () => {
  const grant = (resource: string) =>
    asApp(db.sql, project.id, (tx) => tx`select api.client_credentials_grant('jobs', ${resource}) as g`);
  await rejectsAs(grant(THEIRS), "invalid_target");
  assert.equal((await grant(OWN))[0].g.resource, OWN);
});

Deno.test("api.introspect_refresh_token — a sandbox user's token is inactive once the project is live", async () => {
  const user = await seedUser(db.sql, project.id, "sandbox@example.com");
  const code = await issueCode(db.sql, project, { userId: user });
  const { refresh_token_id: lookupId } = await redeem(code, null, "sandbox-1");
  const introspect = () =>
    asApp(
      db.sql,
      project.id,
      async (tx) =>
        (await tx`select api.introspect_refresh_token(${await sha256("sandbox-1")}, ${lookupId}) as r`)[0].r,
    );
  assert.equal((await introspect()).active, true);
  await db.sql`update astapa.projects set mode = 'production' where id = ${project.id}`;
  try {
    assert.equal(await introspect(), null);
  } finally {
    await db.sql`update astapa.projects set mode = 'sandbox' where id = ${project.id}`;
  }
});

Deno.test("api.client_credentials_grant — a wider scope is narrowed to the allowed one; none of it allowed is invalid_scope", async () => {
  const grant = (scope: string | null) =>
    asApp(db.sql, project.id, (tx) => tx`select api.client_credentials_grant(${scope}, null) as g`)
      .then((r) => r[0].g);
  const allowed = (await grant(null)).scope;
  assert.equal(typeof allowed, "string", "no scope asked: every allowed scope");
  assert.equal((await grant(`admin:all ${allowed}`)).scope, allowed);
  await rejectsAs(grant("admin:all"), "invalid_scope", /none of the requested scopes/);
});

Deno.test("api.authorization_client — the project a client id names, seen only for that lookup; null when none; AS403 once a project is set", async () => {
  const lookUp = (clientId: string | null) =>
    asApp(db.sql, null, async (tx) => {
      const [row] = await tx`select api.authorization_client(${clientId}) as c,
        current_setting('astapa.lookup_client_id', true) as lookup,
        (select count(*)::int from astapa.projects) as visible`;
      return row;
    });
  const found = await lookUp(project.clientId);
  const [stored] = await db.sql`select id, name, mode, redirect_uris, settings from astapa.projects
    where id = ${project.id}`;
  assert.deepEqual(found.c, {
    project_id: stored.id,
    name: stored.name,
    mode: stored.mode,
    redirect_uris: stored.redirect_uris,
    settings: stored.settings,
  });
  assert.deepEqual([found.lookup, found.visible], ["", 0], "the owner-only lookup is switched off again");
  assert.equal((await lookUp(other.clientId)).c.project_id, other.id);
  assert.equal((await lookUp("cid_" + "a".repeat(24))).c, null, "well formed, unknown");
  assert.equal((await lookUp("not-a-client-id")).c, null);
  assert.equal((await lookUp(null)).c, null);
  await rejectsAs(
    asApp(db.sql, project.id, (tx) => tx`select api.authorization_client(${other.clientId})`),
    "forbidden",
    /before a project is chosen/,
  );
});

Deno.test("api.refresh_token_owner — the user of a refresh token, live or not, by lookup id and hash; null otherwise or in another project", async () => {
  const user = await seedUser(db.sql, project.id, "owner@example.com");
  const code = await issueCode(db.sql, project, { userId: user });
  const { refresh_token_id: lookupId } = await redeem(code, null, "owner-1");
  const hash = await sha256("owner-1");
  const owner = (projectId: string, tokenHash: Uint8Array, lookup: string | null) =>
    asApp(
      db.sql,
      projectId,
      async (tx) =>
        (await tx`select api.refresh_token_owner(${tokenHash}, ${lookup}::uuid) as owner`)[0].owner,
    );

  assert.equal(String(await owner(project.id, hash, lookupId)), user);
  assert.equal(await owner(project.id, await sha256("owner-2"), lookupId), null, "the wrong secret");
  assert.equal(await owner(project.id, hash, crypto.randomUUID()), null, "another lookup id");
  assert.equal(
    await owner(project.id, hash, null),
    null,
    "a token with a lookup id is not found by hash alone",
  );
  assert.equal(await owner(other.id, hash, lookupId), null, "another project does not find it");

  await db.sql`update astapa.refresh_tokens set revoked_at = now() where lookup_id = ${lookupId}::uuid`;
  assert.equal(String(await owner(project.id, hash, lookupId)), user, "revoked: still its user's");
  await db.sql`update astapa.refresh_tokens set lookup_id = null where lookup_id = ${lookupId}::uuid`;
  assert.equal(
    String(await owner(project.id, hash, null)),
    user,
    "a token from before lookup ids, by its hash",
  );
  assert.equal(await owner(other.id, hash, null), null);
});
