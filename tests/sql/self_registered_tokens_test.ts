/**
 * SQL tests for revocation and introspection by self-registered clients (db/api/self_registered_tokens.sql):
 * a refresh token is found by hash among the client's own tokens only, outside any project; revocation ends
 * one grant of the client (a family, or the person's tokens for a resource) and nothing else; introspection
 * answers only for the client's own live tokens while the project accepts its kind.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { sha256 } from "@/lib/secrets.ts";
import { testDatabase } from "../helpers/db.ts";
import { appValue, rejectsAs, seedProject, seedUser } from "../helpers/identity.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const RESOURCE = "https://srt.example/mcp";
const project = await seedProject(db.sql, { name: "Tokens", settings: { dynamic_clients: true } });
const closed = await seedProject(db.sql, { name: "Closed" });
const user = await seedUser(db.sql, project.id);
const closedUser = await seedUser(db.sql, closed.id);
const CLIENT = "dcl_" + "s".repeat(24);
const OTHER = "dcl_" + "o".repeat(24);

let serial = 0;
/** A live refresh token of `clientId` in `family`; returns its hash. */
async function seedToken(
  clientId: string,
  family: string,
  { projectId = project.id, userId = user, resource = RESOURCE } = {},
) {
  const hash = await sha256(`srt-${++serial}`);
  await db
    .sql`insert into astapa.refresh_tokens (project_id, token_hash, family_id, user_id, client_id, scope,
    resource, expires_at) values (${projectId}, ${hash}, ${family}, ${userId}, ${clientId}, 'a', ${resource},
    now() + interval '1 day')`;
  return hash;
}
const live = (hash: Uint8Array) =>
  db.sql`select revoked_at is null as live from astapa.refresh_tokens where token_hash = ${hash}`.then((r) =>
    r[0].live as boolean
  );
const projectOf = (clientId: string, hash: Uint8Array) =>
  appValue<string | null>(
    db.sql,
    null,
    (tx) => tx`select api.self_registered_token_project(${clientId}, ${hash})`,
  );
const revoke = (clientId: string, hash: Uint8Array | null, userId: string | null, projectId = project.id) =>
  appValue<number>(
    db.sql,
    projectId,
    (tx) =>
      tx`select api.revoke_self_registered_tokens(${clientId}, ${hash}, ${userId}::bigint, ${RESOURCE})`,
  );
const introspect = (clientId: string, hash: Uint8Array, projectId = project.id) =>
  appValue<Record<string, unknown> | null>(
    db.sql,
    projectId,
    (tx) => tx`select api.introspect_self_registered_refresh_token(${clientId}, ${hash})`,
  );

Deno.test("api.self_registered_token_project — the client's own token only, outside any project", async () => {
  const hash = await seedToken(CLIENT, crypto.randomUUID());
  assert.equal(await projectOf(CLIENT, hash), project.id);
  assert.equal(await projectOf(OTHER, hash), null, "another client's token is not found");
  assert.equal(await projectOf(CLIENT, await sha256("unknown")), null);
  assert.equal(await projectOf(project.clientId, hash), null, "a project's client id is no third party");
  await rejectsAs(
    asApp(db.sql, project.id, (tx) => tx`select api.self_registered_token_project(${CLIENT}, ${hash})`),
    "forbidden",
  );
});

Deno.test("api.revoke_self_registered_tokens — a refresh token's family, or the person's tokens for the resource", async () => {
  const person = await seedUser(db.sql, project.id, "revoked@example.com");
  const family = crypto.randomUUID();
  const mine = { userId: person };
  const [a, b] = [await seedToken(CLIENT, family, mine), await seedToken(CLIENT, family, mine)];
  const elsewhere = await seedToken(CLIENT, crypto.randomUUID(), mine);
  const othersToken = await seedToken(OTHER, crypto.randomUUID(), mine);
  assert.equal(await revoke(OTHER, a, null), 0, "another client revokes nothing of this one");
  assert.equal(await revoke(CLIENT, a, null, closed.id), 0, "another project sees nothing");
  assert.equal(await live(a), true);
  assert.equal(await revoke(CLIENT, a, null), 2);
  assert.deepEqual([await live(a), await live(b), await live(elsewhere)], [false, false, true]);
  // By an access token's grant: this client's tokens for the person and resource, not another client's.
  assert.equal(await revoke(CLIENT, null, person), 1);
  assert.deepEqual([await live(elsewhere), await live(othersToken)], [false, true]);
  const [reason] = await db.sql`select revoked_reason from astapa.refresh_tokens where token_hash = ${a}`;
  assert.equal(reason.revoked_reason, "revoked_by_client");
});

Deno.test("api.introspect_self_registered_refresh_token — own live tokens while the project accepts the client", async () => {
  const hash = await seedToken(CLIENT, crypto.randomUUID());
  const info = await introspect(CLIENT, hash);
  assert.equal(info?.active, true);
  assert.equal(info?.client_id, CLIENT);
  assert.equal(await introspect(OTHER, hash), null, "another client's token is not active to it");
  assert.equal(await introspect(CLIENT, hash, closed.id), null, "another project's");
  // A project that does not accept dynamic clients: its tokens are not active.
  const closedHash = await seedToken(CLIENT, crypto.randomUUID(), {
    projectId: closed.id,
    userId: closedUser,
  });
  assert.equal(await introspect(CLIENT, closedHash, closed.id), null);
  await revoke(CLIENT, hash, null);
  assert.equal(await introspect(CLIENT, hash), null, "revoked");
});

Deno.test("astapa.dynamic_client_allowed, api.access_token_active and api.introspect_refresh_token — a client kind the project turned off is not active", async () => {
  const active = (projectId: string, userId: string | null, clientId: string) =>
    appValue<boolean>(
      db.sql,
      projectId,
      (tx) => tx`select api.access_token_active(${userId}::bigint, ${clientId})`,
    );
  const refreshInfo = (projectId: string, hash: Uint8Array) =>
    appValue<Record<string, unknown> | null>(
      db.sql,
      projectId,
      (tx) => tx`select api.introspect_refresh_token(${hash})`,
    );
  const DOCUMENT = "https://agent.example/client.json";
  // The project accepts dynamic clients but not metadata documents; `closed` accepts neither.
  const kindAllowed = (projectId: string, clientId: string) =>
    appValue<boolean>(db.sql, projectId, (tx) => tx`select astapa.dynamic_client_allowed(${clientId})`);
  assert.deepEqual(
    [await kindAllowed(project.id, CLIENT), await kindAllowed(project.id, DOCUMENT)],
    [true, false],
  );
  assert.deepEqual(
    [await kindAllowed(closed.id, CLIENT), await kindAllowed(closed.id, "mcl_machine")],
    [false, true],
  );
  assert.equal(await active(project.id, user, CLIENT), true);
  assert.equal(await active(project.id, null, "mcl_machine"), true, "a machine token has no person");
  assert.equal(await active(project.id, user, DOCUMENT), false);
  assert.equal(await active(closed.id, closedUser, CLIENT), false);
  assert.equal(await active(closed.id, closedUser, "own-client"), true, "the project's own clients go on");

  const open = await seedToken(CLIENT, crypto.randomUUID());
  assert.equal((await refreshInfo(project.id, open))?.active, true);
  const stopped = await seedToken(CLIENT, crypto.randomUUID(), { projectId: closed.id, userId: closedUser });
  assert.equal(
    await refreshInfo(closed.id, stopped),
    null,
    "the project's own introspection sees it stopped",
  );
  const byDocument = await seedToken(DOCUMENT, crypto.randomUUID());
  assert.equal(await refreshInfo(project.id, byDocument), null);

  // A disabled person's tokens end with them, whatever the client.
  const disabled = await seedUser(db.sql, project.id, "disabled@example.com");
  await db.sql`update astapa.users set disabled = true where id = ${disabled}`;
  assert.equal(await active(project.id, disabled, CLIENT), false);
});

Deno.test("api.user_info — no claims for a token of a client kind the project turned off (as introspection)", async () => {
  const info = (projectId: string, userId: string, clientId: string) =>
    appValue<Record<string, unknown> | null>(
      db.sql,
      projectId,
      (tx) => tx`select api.user_info(${userId}::bigint, ${clientId}, ${"openid"})`,
    );
  assert.equal((await info(project.id, user, CLIENT))?.sub, String(user), "dynamic clients accepted");
  assert.equal(await info(project.id, user, "https://agent.example/client.json"), null, "documents are not");
  assert.equal(await info(closed.id, closedUser, CLIENT), null, "dynamic clients switched off");
  assert.equal((await info(closed.id, closedUser, "own-client"))?.sub, String(closedUser));
});
