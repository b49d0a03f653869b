/**
 * SQL tests for remembered consent (db/api/consents.sql): recorded when a code is issued to a third-party
 * client, widened never narrowed, checked, listed, revoked (refresh tokens end, audited), per project only;
 * and the sweep of registrations never used.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { sha256 } from "@/lib/secrets.ts";
import { testDatabase } from "../helpers/db.ts";
import { appValue, rejectsAs, seedProject, seedUser } from "../helpers/identity.ts";
import { seedRegistry } from "../helpers/machine_clients.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const RESOURCE = "https://consents.example/mcp";
const project = await seedProject(db.sql, { name: "Consents", settings: { dynamic_clients: true } });
const other = await seedProject(db.sql, { name: "Other" });
await seedRegistry(db.sql, project.id, { resources: [RESOURCE], scopes: ["a", "b"] });
const user = await seedUser(db.sql, project.id);
const CLIENT = "dcl_" + "c".repeat(24);
await db.sql`insert into astapa.dynamic_clients (client_id, client_name, redirect_uris, grant_types,
  token_endpoint_auth_method, metadata, registered_from)
  values (${CLIENT}, 'Agent', ${["https://agent.example/cb"]}, ${[
  "authorization_code",
  "refresh_token",
]}, 'none',
          '{}', '127.0.0.1')`;

let codes = 0;
async function issue(clientId: string, scope: string) {
  await asApp(
    db.sql,
    project.id,
    async (tx) =>
      tx`select api.issue_authorization_code(${await sha256(`code-${++codes}`)}, ${clientId}, ${user}::bigint,
      'https://agent.example/cb', ${scope}, ${RESOURCE}, ${"x".repeat(43)}, 'S256', null, null)`,
  );
}
const covers = (scope: string, projectId = project.id) =>
  appValue<boolean>(
    db.sql,
    projectId,
    (tx) => tx`select api.consent_covers(${user}::bigint, ${CLIENT}, ${RESOURCE}, ${scope})`,
  );

Deno.test("remembered consent — a code to a third-party client records it, widened by later grants, never narrowed", async () => {
  assert.equal(await covers("a"), false);
  await issue(CLIENT, "a");
  assert.equal(await covers("a"), true);
  assert.equal(await covers(""), true);
  assert.equal(await covers("a b"), false, "a new scope is asked (incremental)");
  await issue(CLIENT, "b");
  await issue(CLIENT, "a");
  assert.equal(await covers("a b"), true);
  assert.equal(await covers("a", other.id), false, "another project sees nothing");
  const [listed] = await appValue<{ scopes: string[]; client_name: string }[]>(
    db.sql,
    project.id,
    (tx) => tx`select api.user_consents(${user}::bigint)`,
  );
  assert.deepEqual([listed.scopes, listed.client_name], [["a", "b"], "Agent"]);
  assert.deepEqual(
    await appValue(db.sql, other.id, (tx) => tx`select api.user_consents(${user}::bigint)`),
    [],
  );
  const [used] = await db.sql`select last_used_at is not null as used from astapa.dynamic_clients
    where client_id = ${CLIENT}`;
  assert.equal(used.used, true, "the registration is marked used");
  // The project's own client gets no remembered consent (it is not a third party).
  await issue(project.clientId, "a");
  const rows = await db.sql`select client_id from astapa.consents where project_id = ${project.id}`;
  assert.deepEqual(rows.map((r) => r.client_id), [CLIENT]);
  type Listed = { client_id: string; users: number; last_granted_at: string; last_used_at: string };
  const listed3p = () =>
    appValue<Listed[]>(db.sql, project.id, (tx) => tx`select api.project_third_party_clients()`);
  const clients = await listed3p();
  assert.deepEqual(clients.map((c) => [c.client_id, c.users]), [[CLIENT, 1]]);
  assert.equal(clients[0].last_used_at, clients[0].last_granted_at, "no token yet: last used when granted");
  // A refresh token rotated later is a later use (another person's, to leave this one's tokens alone).
  const rotator = await seedUser(db.sql, project.id, "rotator@example.com");
  await db
    .sql`insert into astapa.refresh_tokens (project_id, token_hash, family_id, user_id, client_id, scope,
    resource, expires_at, created_at, used_at) values (${project.id}, ${await sha256("rt-last-use")},
    gen_random_uuid(), ${rotator}, ${CLIENT}, 'a', ${RESOURCE}, now() + interval '1 day',
    now() + interval '1 minute', now() + interval '2 minutes')`;
  const [later] = await listed3p();
  assert.ok(
    Date.parse(later.last_used_at) > Date.parse(later.last_granted_at),
    "the rotation is the last use",
  );
});

Deno.test("api.revoke_consent — forgets it, ends its refresh tokens, audits; not_found when none or another project's", async () => {
  await issue(CLIENT, "a");
  await db
    .sql`insert into astapa.refresh_tokens (project_id, token_hash, family_id, user_id, client_id, scope,
    resource, expires_at) values (${project.id}, ${await sha256("rt-consent")}, gen_random_uuid(), ${user},
    ${CLIENT}, 'a', ${RESOURCE}, now() + interval '1 day')`;
  await rejectsAs(
    asApp(
      db.sql,
      other.id,
      (tx) => tx`select api.revoke_consent(${user}::bigint, ${CLIENT}, ${RESOURCE}, true)`,
    ),
    "not_found",
  );
  const answer = await appValue<{ refresh_tokens_revoked: number }>(
    db.sql,
    project.id,
    (tx) => tx`select api.revoke_consent(${user}::bigint, ${CLIENT}, ${RESOURCE}, false)`,
  );
  assert.equal(answer.refresh_tokens_revoked, 1);
  const [token] = await db.sql`select revoked_reason from astapa.refresh_tokens
    where token_hash = ${await sha256("rt-consent")}`;
  assert.equal(token.revoked_reason, "consent_revoked");
  const [audit] = await db.sql`select target, details ->> 'by' as by from astapa.audit_log
    where project_id = ${project.id} and action = 'consent.revoked'`;
  assert.equal(audit.by, "user");
  // Named like every other entry about a person, so the person's data export finds it.
  assert.equal(audit.target, `user:${user}`);
  assert.equal(await covers("a"), false);
  await rejectsAs(
    asApp(
      db.sql,
      project.id,
      (tx) => tx`select api.revoke_consent(${user}::bigint, ${CLIENT}, ${RESOURCE}, true)`,
    ),
    "not_found",
  );
});

Deno.test("api.sweep_grants — registrations never used for 30 days and metadata documents unused for 30 days go", async () => {
  const stale = "dcl_" + "s".repeat(24);
  const young = "dcl_" + "y".repeat(24);
  for (const [id, age] of [[stale, "31 days"], [young, "29 days"]]) {
    await db.sql`insert into astapa.dynamic_clients (client_id, redirect_uris, grant_types,
      token_endpoint_auth_method, metadata, registered_from, created_at)
      values (${id}, ${["https://agent.example/cb"]}, ${["authorization_code"]}, 'none', '{}', '127.0.0.1',
              now() - ${age}::interval)`;
  }
  await db
    .sql`update astapa.dynamic_clients set created_at = now() - interval '60 days' where client_id = ${CLIENT}`;
  await db.sql`insert into astapa.client_metadata_documents (client_id, document, redirect_uris, fetched_at,
    expires_at, last_used_at) values ('https://old.example/c.json', '{}', ${["https://old.example/cb"]},
    now() - interval '40 days', now() - interval '39 days', now() - interval '31 days')`;
  const swept = await asApp(db.sql, null, async (tx) => (await tx`select api.sweep_grants() as s`)[0].s);
  assert.equal(swept.dynamic_clients, 1);
  assert.equal(swept.client_metadata_documents, 1);
  const left = await db
    .sql`select client_id from astapa.dynamic_clients where client_id in (${stale}, ${young},
    ${CLIENT}) order by client_id`;
  assert.deepEqual(left.map((r) => r.client_id), [CLIENT, young], "a used registration stays, however old");
});
