/**
 * SQL tests for SCIM Groups mapped to organization roles (db/api/scim_groups.sql) and the two membership functions
 * the organizations area and SCIM share (astapa.set_membership_role, astapa.remove_membership): each function's
 * happy path and errors, the highest mapped role, owners untouched, and every policy as the owner project, another
 * project and none.
 */
import assert from "node:assert/strict";
import { asApp, type Tx } from "@/db/client.ts";
import { appValue, rejectsAs, seedProject, seedUser } from "../helpers/identity.ts";
import { testDatabase } from "../helpers/db.ts";
import { sha256 } from "@/lib/secrets.ts";
import { issueCode, lookupIdOf } from "../helpers/oauth.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

type Json = Record<string, unknown>;
const a = await seedProject(db.sql, { name: "A" });
const b = await seedProject(db.sql, { name: "B" });
const call = <T = Json>(
  project: string | null,
  query: (tx: Tx) => PromiseLike<readonly Record<string, unknown>[]>,
) => appValue<T>(db.sql, project, query);

async function orgWithDomain(project: string, slug: string, domain: string): Promise<string> {
  const org = await call(project, (tx) => tx`select api.create_organization(${slug}, ${slug}, null)`);
  await call(project, (tx) => tx`select api.add_organization_domain(${org.id as string}, ${domain})`);
  await call(project, (tx) => tx`select api.verify_organization_domain(${org.id as string}, ${domain})`);
  return org.id as string;
}

const acme = await orgWithDomain(a.id, "acme", "acme.test");
const other = await orgWithDomain(b.id, "other", "other.test");
const [hashA, hashB] = [await sha256("a"), await sha256("b")];
const dirA = (await call(a.id, (tx) => tx`select api.enable_scim_directory(${acme}, ${hashA})`)).id as string;
const dirB = (await call(b.id, (tx) => tx`select api.enable_scim_directory(${other}, ${hashB})`))
  .id as string;
await call(a.id, (tx) => tx`select api.set_organization_role('support', 'Support', '{tickets:read}')`);
await call(a.id, (tx) => tx`select api.set_organization_role('auditor', 'Auditor', '{a:1,b:2}')`);

async function person(userName: string, project = a.id, dir = dirA) {
  const resource = {
    userName,
    externalId: null,
    givenName: null,
    familyName: null,
    displayName: null,
    emails: [],
  };
  const r = await call(
    project,
    (tx) => tx`select api.scim_create_user(${dir}, ${tx.json({ ...resource, active: true })})`,
  );
  const [u] = await db.sql`select id::text from astapa.users where project_id = ${project}
                           and email_lower = lower(${userName})`;
  return { resource: r.id as string, user: u.id as string };
}
const group = (name: string, members: string[] = [], project = a.id, dir = dirA) =>
  call(
    project,
    (tx) =>
      tx`select api.scim_create_group(${dir}, ${tx.json({ displayName: name, externalId: null, members })})`,
  );
const change = (id: string, steps: Json[], project = a.id, dir = dirA) =>
  call(project, (tx) => tx`select api.scim_change_group(${dir}, ${id}, ${tx.json(steps as never)})`);
const map = (id: string, role: string | null, project = a.id, org = acme) =>
  call(project, (tx) => tx`select api.map_scim_group(${org}, ${id}, ${role})`);
const roleOf = async (user: string, org = acme) =>
  (await db.sql`select role from astapa.organization_memberships where organization_id = ${org}
                and user_id = ${user}`)[0]?.role ?? null;

Deno.test("api.scim_create/get/list_groups — created unmapped, members of the directory only; errors", async () => {
  const p = await person("p1@acme.test");
  const g = await group("Readers", [p.resource]);
  assert.deepEqual((g.members as Json[]).map((m) => [m.value, m.display]), [[p.resource, "p1@acme.test"]]);
  assert.equal(await roleOf(p.user), "member", "an unmapped group changes nothing");
  const got = await call(a.id, (tx) => tx`select api.scim_get_group(${dirA}, ${g.id as string}, false)`);
  assert.equal(got.members, undefined);
  const listed = await call(
    a.id,
    (tx) => tx`select api.scim_list_groups(${dirA}, 'displayName', 'READERS', 1, 10)`,
  );
  assert.deepEqual([listed.total, (listed.resources as Json[])[0].id], [1, g.id]);
  const [audit] = await db.sql`select details from astapa.audit_log where project_id = ${a.id}
                               and action = 'scim.group_created'`;
  assert.deepEqual([audit.details.display_name, audit.details.members], ["Readers", 1]);

  const foreign = await person("f@other.test", b.id, dirB);
  await rejectsAs(group("Bad", [foreign.resource]), "validation_failed", /is not a User of this directory/);
  await rejectsAs(group("Bad", ["not-a-uuid"]), "validation_failed", /not-a-uuid is not a User/);
  await rejectsAs(group("readers"), "conflict", /already a Group/);
  await rejectsAs(group(" "), "validation_failed", /displayName/);
  await rejectsAs(
    call(a.id, (tx) => tx`select api.scim_list_groups(${dirA}, 'members', 'x', 1, 10)`),
    "validation_failed",
  );
  await rejectsAs(call(a.id, (tx) => tx`select api.scim_get_group(${dirA}, 'x; drop table')`), "not_found");
  await rejectsAs(call(b.id, (tx) => tx`select api.scim_get_group(${dirB}, ${g.id as string})`), "not_found");
  await rejectsAs(call(a.id, (tx) => tx`select api.scim_get_group(${dirB}, ${g.id as string})`), "not_found");
});

Deno.test("api.map_scim_group, api.scim_change_group — the highest mapped role wins; member when in none", async () => {
  const p = await person("p2@acme.test");
  const admins = await group("Admins 2");
  const support = await group("Support 2");
  const auditors = await group("Auditors 2");
  await map(admins.id as string, "admin");
  await map(support.id as string, "support");
  await map(auditors.id as string, "auditor");
  await change(support.id as string, [{ op: "add", ids: [p.resource] }]);
  assert.equal(await roleOf(p.user), "support");
  // More permissions rank higher among the project's own roles.
  await change(auditors.id as string, [{ op: "add", ids: [p.resource] }]);
  assert.equal(await roleOf(p.user), "auditor");
  await change(admins.id as string, [{ op: "replace", ids: [p.resource] }]);
  assert.equal(await roleOf(p.user), "admin");
  const mapped = await call<string>(
    a.id,
    (tx) => tx`select astapa.scim_mapped_role(${a.id}, ${dirA}, ${p.user})`,
  );
  assert.equal(mapped, "admin");
  await change(admins.id as string, [{ op: "remove_all" }]);
  await change(auditors.id as string, [{ op: "remove", ids: [p.resource.toUpperCase()] }]);
  assert.equal(await roleOf(p.user), "support");
  await map(support.id as string, null);
  assert.equal(await roleOf(p.user), "member");
  const events = await db.sql`select data from astapa.events where project_id = ${a.id}
                              and type = 'membership.updated' order by id`;
  const mine = events.map((e) => e.data).filter((d) => d.membership.user_id === p.user);
  assert.deepEqual(mine.map((d) => `${d.membership.role}:${d.reason}`), [
    "support:scim",
    "auditor:scim",
    "admin:scim",
    "auditor:scim",
    "support:scim",
    "member:scim",
  ]);

  // Steps in order: a rename and an externalId; a repeat changes and audits nothing.
  const renamed = await change(admins.id as string, [{ op: "displayName", value: "Root" }, {
    op: "externalId",
    value: "x1",
  }]);
  assert.deepEqual([renamed.displayName, renamed.externalId], ["Root", "x1"]);
  const count = async () =>
    Number(
      (await db.sql`select count(*) from astapa.audit_log where action = 'scim.group_updated'`)[0].count,
    );
  const before = await count();
  await change(admins.id as string, [{ op: "displayName", value: "Root" }]);
  assert.equal(await count(), before);

  await rejectsAs(
    change(admins.id as string, [{ op: "rename" }]),
    "validation_failed",
    /Unknown group change/,
  );
  await rejectsAs(change(admins.id as string, [{ op: "displayName", value: "Support 2" }]), "conflict");
  await rejectsAs(
    change(admins.id as string, [{ op: "add", ids: Array.from({ length: 1001 }, () => p.resource) }]),
    "validation_failed",
    /at most 1000/,
  );
  await rejectsAs(map(admins.id as string, "owner"), "validation_failed", /owner is not mapped/);
  await rejectsAs(map(admins.id as string, "nobody"), "validation_failed");
  await rejectsAs(map("00000000-0000-0000-0000-000000000000", "admin"), "not_found");
  await rejectsAs(map(admins.id as string, "admin", b.id, other), "not_found");
  await rejectsAs(
    call(a.id, (tx) => tx`select api.delete_organization_role('auditor')`),
    "conflict",
    /SCIM groups/,
  );
  const listed = await call<Json[]>(a.id, (tx) => tx`select api.list_scim_groups('acme')`);
  assert.ok(listed.some((g) => g.display_name === "Root" && g.role === "admin"));
  await rejectsAs(call(b.id, (tx) => tx`select api.list_scim_groups('acme')`), "not_found");
});

Deno.test("astapa.scim_sync_roles — owners untouched; api.scim_delete_group hands members back; organizations without an owner", async () => {
  const owner = await person("owner3@acme.test");
  const p = await person("p3@acme.test");
  await call(a.id, (tx) => tx`select api.set_organization_member_role(${acme}, ${owner.user}, 'owner')`);
  const g = await group("Admins 3", [owner.resource, p.resource]);
  await map(g.id as string, "admin");
  assert.deepEqual([await roleOf(owner.user), await roleOf(p.user)], ["owner", "admin"]);
  await call(a.id, (tx) => tx`select api.scim_delete_group(${dirA}, ${g.id as string})`);
  assert.deepEqual([await roleOf(owner.user), await roleOf(p.user)], ["owner", "member"]);
  const [audit] = await db.sql`select details from astapa.audit_log where action = 'scim.group_deleted'
                               and details ->> 'group' = ${g.id as string}`;
  assert.deepEqual([audit.details.role, audit.details.members, audit.details.roles_changed], ["admin", 2, 1]);
  await rejectsAs(
    call(a.id, (tx) => tx`select api.scim_delete_group(${dirA}, ${g.id as string})`),
    "not_found",
  );
  // The last owner cannot be demoted through set_membership_role (the Platform API's path too).
  await rejectsAs(
    call(a.id, (tx) => tx`select api.set_organization_member_role(${acme}, ${owner.user}, 'member')`),
    "conflict",
  );
});

Deno.test("scim group roles — in the next token: redemption carries the mapped role, a refresh the one after", async () => {
  const p = await person("p6@acme.test");
  const g = await group("Support 6", [p.resource]);
  await map(g.id as string, "support");
  const code = await issueCode(db.sql, a, { userId: p.user, organization: "acme" });
  const [codeHash, refreshHash] = [await sha256(code), await sha256("refresh-6")];
  const granted = await call(
    a.id,
    (tx) =>
      tx`select api.redeem_authorization_code(${codeHash}, ${a.clientId}, ${a.redirectUri}, null, ${refreshHash})`,
  );
  const claims = granted.organization as Json;
  assert.deepEqual([claims.org_role, claims.org_permissions], ["support", ["tickets:read"]]);
  await change(g.id as string, [{ op: "remove", ids: [p.resource] }]);
  const [next, lookupId] = [await sha256("refresh-7"), await lookupIdOf(db.sql, "refresh-6")];
  const refreshed = await call(
    a.id,
    (tx) =>
      tx`select api.rotate_refresh_token(${refreshHash}, ${a.clientId}, ${next}, null, null, ${lookupId})`,
  );
  assert.deepEqual([
    (refreshed.organization as Json).org_role,
    (refreshed.organization as Json).org_permissions,
  ], [
    "member",
    [],
  ]);
});

Deno.test("astapa.remove_membership — one removal for the Platform API and SCIM: event, audit, departure", async () => {
  const org = await call(a.id, (tx) => tx`select api.create_organization('Shared', 'shared', null)`);
  const u = await seedUser(db.sql, a.id, "shared@acme.test", { verified: true });
  await call(a.id, (tx) => tx`select api.add_organization_member(${org.id as string}, ${u}, 'member')`);
  const removed = await call(
    a.id,
    (tx) =>
      tx`select to_jsonb(astapa.remove_membership(astapa.lock_organization(${org
        .id as string}), ${u}, 'scim'))`,
  );
  assert.equal(removed.role, "member");
  const [departure] = await db.sql`select reason from astapa.organization_departures
                                   where organization_id = ${org.id as string} and user_id = ${u}`;
  assert.equal(departure.reason, "removed");
  const [event] = await db.sql`select data from astapa.events where type = 'membership.deleted'
                               and data -> 'membership' ->> 'organization_id' = ${org.id as string}`;
  assert.equal(event.data.reason, "scim");
  const none = await call(
    a.id,
    (tx) =>
      tx`select (astapa.remove_membership(astapa.lock_organization(${org
        .id as string}), ${u}, 'left')).user_id`,
  );
  assert.equal(none, null);
  await rejectsAs(
    call(a.id, (tx) => tx`select api.remove_organization_member(${org.id as string}, ${u})`),
    "not_found",
  );
  // The Platform API's removal keeps its last-owner refusal, and rolls the removal back with it.
  await call(a.id, (tx) => tx`select api.add_organization_member(${org.id as string}, ${u}, 'owner')`);
  await rejectsAs(
    call(a.id, (tx) => tx`select api.remove_organization_member(${org.id as string}, ${u})`),
    "conflict",
  );
  assert.equal(await roleOf(u, org.id as string), "owner");
});

Deno.test("scim group policies — a project sees and changes its own groups and members only; no project sees none", async () => {
  const p = await person("p5@acme.test");
  await group("Policy", [p.resource]);
  const counts = (project: string | null) =>
    asApp(db.sql, project, async (tx) => {
      const [row] = await tx`select (select count(*) from astapa.scim_groups)::int as groups,
        (select count(*) from astapa.scim_group_members)::int as members`;
      return { ...row };
    });
  const own = await counts(a.id);
  assert.ok(own.groups >= 1 && own.members >= 1);
  assert.deepEqual(await counts(b.id), { groups: 0, members: 0 });
  assert.deepEqual(await counts(null), { groups: 0, members: 0 });
  const changed = await asApp(db.sql, b.id, async (tx) => {
    const updated = await tx`update astapa.scim_groups set role = 'admin' where directory_id = ${dirA}`;
    const deleted = await tx`delete from astapa.scim_group_members where project_id = ${a.id}`;
    return updated.count + deleted.count;
  });
  assert.equal(changed, 0);
  await assert.rejects(
    asApp(
      db.sql,
      b.id,
      (tx) =>
        tx`insert into astapa.scim_groups (project_id, directory_id, display_name) values (${a.id}, ${dirA}, 'x')`,
    ),
    /row-level security/,
  );
});
