/**
 * SQL tests for organizations (db/api/organizations.sql, issue 28 item 1): organizations, memberships and roles,
 * each function's happy path and errors, every policy as the owner project, another project and none, and the
 * last owner's race.
 */
import assert from "node:assert/strict";
import { asApp, type Tx } from "@/db/client.ts";
import { appValue, rejectsAs, seedProject, seedUser } from "../helpers/identity.ts";
import { testDatabase } from "../helpers/db.ts";
import { lockRace } from "../helpers/lock_race.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

type Json = Record<string, unknown>;
const a = await seedProject(db.sql, { name: "A" });
const b = await seedProject(db.sql, { name: "B" });

const call = <T = Json>(
  project: string,
  query: (tx: Tx) => PromiseLike<readonly Record<string, unknown>[]>,
) => appValue<T>(db.sql, project, query);
const count = (project: string | null, table: string, where = "true") =>
  appValue<number>(
    db.sql,
    project,
    (tx) => tx.unsafe(`select count(*)::int from astapa.${table} where ${where}`),
  );
const eventsOf = (project: string, type: string) => count(project, "events", `type = '${type}'`);

async function organization(project: string, slug: string, owner: string | null = null): Promise<string> {
  const org = await call(
    project,
    (tx) => tx`select api.create_organization(${slug.toUpperCase()}, ${slug}, ${owner})`,
  );
  return org.id as string;
}

Deno.test("api.create_organization / get / list / update / delete — happy path, emitted and audited", async () => {
  const owner = await seedUser(db.sql, a.id, "owner@acme.example");
  const created = await call(
    a.id,
    (tx) => tx`select api.create_organization('Acme', 'acme', ${owner}, '{"tier": "gold"}')`,
  );
  assert.match(created.id as string, /^org_[a-z2-7]{24}$/);
  assert.equal(created.members, 1);
  const got = await call(a.id, (tx) => tx`select api.get_organization('acme')`);
  assert.equal(got.id, created.id);
  assert.equal(got.members, 1);
  assert.deepEqual(got.domains, []);
  assert.deepEqual(got.metadata, { tier: "gold" });
  const listed = await call<Json[]>(a.id, (tx) => tx`select api.list_organizations('acm')`);
  assert.deepEqual(listed.map((o) => o.slug), ["acme"]);
  assert.deepEqual(await call(a.id, (tx) => tx`select api.list_organizations('zzz')`), []);
  const updated = await call(
    a.id,
    (tx) =>
      tx`select api.update_organization(${created.id as string}, '{"name": "Acme Ltd", "slug": "acme-ltd"}')`,
  );
  assert.equal(updated.name, "Acme Ltd");
  assert.equal(updated.slug, "acme-ltd");
  assert.equal(await eventsOf(a.id, "organization.created"), 1);
  assert.equal(await eventsOf(a.id, "organization.updated"), 1);
  assert.equal(
    await count(a.id, "audit_log", `action = 'membership.created' and target = '${created.id}'`),
    1,
  );
  await call(a.id, (tx) => tx`select api.delete_organization(${created.id as string})`);
  assert.equal(await call(a.id, (tx) => tx`select api.get_organization(${created.id as string})`), null);
  assert.equal(await count(a.id, "organization_memberships", `organization_id = '${created.id}'`), 0);
  assert.equal(await eventsOf(a.id, "organization.deleted"), 1);
  assert.equal(await count(a.id, "audit_log", `action = 'organization.deleted'`), 1);
});

Deno.test("api.create_organization / update — bad name, slug, metadata; taken slug; unknown owner or organization", async () => {
  await organization(a.id, "taken");
  const create = (name: string, slug: string, owner: string | null = null, metadata: unknown = {}) =>
    asApp(
      db.sql,
      a.id,
      (tx) => tx`select api.create_organization(${name}, ${slug}, ${owner}, ${tx.json(metadata as never)})`,
    );
  await rejectsAs(create("", "x"), "validation_failed", /name/);
  await rejectsAs(create("X", "-bad"), "validation_failed", /slug/);
  await rejectsAs(create("X", "Upper"), "validation_failed", /slug/);
  await rejectsAs(create("X", "okay", null, [1]), "validation_failed", /metadata/);
  await rejectsAs(create("X", "taken"), "conflict", /slug taken|has the slug taken/);
  await rejectsAs(create("X", "fresh", "999999999"), "not_found", /User/);
  assert.equal(await call(a.id, (tx) => tx`select api.get_organization('fresh')`), null, "rolled back whole");
  const id = await organization(a.id, "other");
  const update = (patch: Json) =>
    asApp(db.sql, a.id, (tx) => tx`select api.update_organization(${id}, ${tx.json(patch as never)})`);
  await rejectsAs(
    update({ owner: "x" }),
    "validation_failed",
    /Only name, slug, metadata, plan and seat_limit/,
  );
  await rejectsAs(update({ plan: "nope" }), "validation_failed", /plan must be/);
  await rejectsAs(update({ plan: 7 }), "validation_failed", /plan must be/);
  await rejectsAs(update({ seat_limit: 0 }), "validation_failed", /seat_limit/);
  await rejectsAs(update({ seat_limit: 2.5 }), "validation_failed", /seat_limit/);
  await rejectsAs(update({ seat_limit: "3" }), "validation_failed", /seat_limit/);
  await call(a.id, (tx) => tx`select api.create_plan(${a.id}, '{"key": "team", "name": "Team"}')`);
  await rejectsAs(
    update({ plan: "team" }),
    "validation_failed",
    /Plan team is a personal plan: an organization takes a team plan/,
  );
  await call(a.id, (tx) => tx`select api.set_plan_seats(${a.id}, 'team', 'per_seat')`);
  await call(b.id, (tx) => tx`select api.create_plan(${b.id}, '{"key": "b-only", "name": "B"}')`);
  await rejectsAs(update({ plan: "b-only" }), "validation_failed", /plan must be/); // another project's plan
  const planned = await call(
    a.id,
    (tx) => tx`select api.update_organization(${id}, '{"plan": "team", "seat_limit": 2}')`,
  );
  assert.equal(planned.plan, "team");
  assert.equal(planned.seat_limit, 2);
  const [first, second] = [
    await seedUser(db.sql, a.id, "s1@acme.example"),
    await seedUser(db.sql, a.id, "s2@acme.example"),
  ];
  await call(a.id, (tx) => tx`select api.add_organization_member(${id}, ${first})`);
  await call(a.id, (tx) => tx`select api.add_organization_member(${id}, ${second})`);
  await rejectsAs(update({ seat_limit: 1 }), "conflict", /2 members, more than 1 seats/);
  const cleared = await call(
    a.id,
    (tx) => tx`select api.update_organization(${id}, '{"plan": null, "seat_limit": null}')`,
  );
  assert.equal(cleared.plan, null);
  assert.equal(cleared.seat_limit, null);
  await rejectsAs(update({ slug: "taken" }), "conflict");
  await rejectsAs(update({ name: 5 }), "validation_failed");
  await rejectsAs(
    asApp(db.sql, a.id, (tx) => tx`select api.update_organization('org_aaaaaaaaaaaaaaaaaaaaaaaa', '{}')`),
    "not_found",
  );
  await rejectsAs(
    asApp(db.sql, a.id, (tx) => tx`select api.delete_organization('org_aaaaaaaaaaaaaaaaaaaaaaaa')`),
    "not_found",
  );
});

Deno.test("organizations — an organization of project A is invisible and untouchable from project B and from no project", async () => {
  const owner = await seedUser(db.sql, a.id, "iso@acme.example");
  const id = await organization(a.id, "isolated", owner);
  await call(a.id, (tx) => tx`select api.set_organization_role('iso_role', 'Iso', '{x:read}')`);
  await call(a.id, (tx) => tx`select api.add_organization_domain(${id}, 'iso.example')`);
  await call(
    a.id,
    (tx) =>
      tx`select api.invite_to_organization(${id}, 'new@iso.example', 'member', sha256('iso-token'::bytea))`,
  );
  const tables = [
    "organizations",
    "organization_roles",
    "organization_memberships",
    "organization_invitations",
    "organization_domains",
  ];
  for (const table of tables) {
    assert.ok(await count(a.id, table) > 0, `${table}: project A reads its rows`);
    assert.equal(await count(b.id, table), 0, `${table}: project B reads none`);
    assert.equal(await count(null, table), 0, `${table}: no project reads none`);
    for (const project of [b.id, null]) {
      const touched = await asApp(db.sql, project, async (tx) => {
        const updated = await tx.unsafe(`update astapa.${table} set created_at = now() returning 1`);
        const deleted = await tx.unsafe(`delete from astapa.${table} returning 1`);
        return updated.length + deleted.length;
      });
      assert.equal(touched, 0, `${table}: ${project ?? "no project"} changes nothing`);
    }
  }
  await assert.rejects(
    asApp(db.sql, b.id, (tx) =>
      tx`insert into astapa.organizations (project_id, id, name, slug)
         values (${a.id}, 'org_bbbbbbbbbbbbbbbbbbbbbbbb', 'Sneaky', 'sneaky')`),
    /row-level security/,
  );
  assert.equal(await call(b.id, (tx) => tx`select api.get_organization(${id})`), null);
  assert.deepEqual(await call(b.id, (tx) => tx`select api.list_organizations()`), []);
  await rejectsAs(
    asApp(db.sql, b.id, (tx) => tx`select api.add_organization_member(${id}, ${owner})`),
    "not_found",
  );
  await rejectsAs(asApp(db.sql, b.id, (tx) => tx`select api.delete_organization(${id})`), "not_found");
  assert.equal(await count(a.id, "organizations", `id = '${id}'`), 1);
});

Deno.test("memberships — add, change role, remove, leave; emitted and audited; bad role, unknown or duplicate member", async () => {
  const owner = await seedUser(db.sql, a.id, "m-owner@acme.example");
  const dev = await seedUser(db.sql, a.id, "m-dev@acme.example");
  const other = await seedUser(db.sql, b.id, "m-other@acme.example");
  const id = await organization(a.id, "members", owner);
  const added = await call(a.id, (tx) => tx`select api.add_organization_member(${id}, ${dev})`);
  assert.equal(added.role, "member");
  assert.equal(added.email, "m-dev@acme.example");
  await rejectsAs(
    asApp(db.sql, a.id, (tx) => tx`select api.add_organization_member(${id}, ${dev})`),
    "conflict",
  );
  await rejectsAs(
    asApp(db.sql, a.id, (tx) => tx`select api.add_organization_member(${id}, ${other})`),
    "not_found",
  );
  await rejectsAs(
    asApp(db.sql, a.id, async (tx) => {
      const stranger =
        await tx`select (api.create_user(${a.id}, 'm-stranger@acme.example') ->> 'id')::bigint as id`;
      return tx`select api.add_organization_member(${id}, ${stranger[0].id}, 'wizard')`;
    }),
    "validation_failed",
    /wizard/,
  );
  const promoted = await call(
    a.id,
    (tx) => tx`select api.set_organization_member_role(${id}, ${dev}, 'admin')`,
  );
  assert.equal(promoted.role, "admin");
  await rejectsAs(
    asApp(db.sql, a.id, (tx) => tx`select api.set_organization_member_role(${id}, ${other}, 'admin')`),
    "not_found",
  );
  const members = await call<Json[]>(a.id, (tx) => tx`select api.list_organization_members(${id})`);
  assert.deepEqual(members.map((m) => [m.user_id, m.role]), [[owner, "owner"], [dev, "admin"]]);
  await call(a.id, (tx) => tx`select api.remove_organization_member(${id}, ${dev}, true)`);
  await rejectsAs(
    asApp(db.sql, a.id, (tx) => tx`select api.remove_organization_member(${id}, ${dev})`),
    "not_found",
  );
  assert.equal(
    await count(a.id, "audit_log", `action = 'membership.deleted' and details ->> 'reason' = 'left'`),
    1,
  );
  assert.equal(
    await count(
      a.id,
      "events",
      `type = 'membership.updated' and data -> 'membership' ->> 'user_id' = '${dev}'`,
    ),
    1,
  );
  assert.equal(
    await count(
      a.id,
      "events",
      `type = 'membership.deleted' and data -> 'membership' ->> 'user_id' = '${dev}'`,
    ),
    1,
  );
});

Deno.test("memberships — the last owner can neither leave, be removed nor be demoted; ownership transfers", async () => {
  const owner = await seedUser(db.sql, a.id, "t-owner@acme.example");
  const heir = await seedUser(db.sql, a.id, "t-heir@acme.example");
  const outsider = await seedUser(db.sql, a.id, "t-out@acme.example");
  const id = await organization(a.id, "transfer", owner);
  await call(a.id, (tx) => tx`select api.add_organization_member(${id}, ${heir})`);
  await rejectsAs(
    asApp(db.sql, a.id, (tx) => tx`select api.remove_organization_member(${id}, ${owner}, true)`),
    "conflict",
    /at least one owner/,
  );
  await rejectsAs(
    asApp(db.sql, a.id, (tx) => tx`select api.set_organization_member_role(${id}, ${owner}, 'member')`),
    "conflict",
  );
  await rejectsAs(
    asApp(db.sql, a.id, (tx) => tx`select api.transfer_organization_ownership(${id}, ${heir}, ${owner})`),
    "conflict",
    /not an owner/,
  );
  await rejectsAs(
    asApp(db.sql, a.id, (tx) => tx`select api.transfer_organization_ownership(${id}, ${owner}, ${outsider})`),
    "not_found",
    /invite them first/,
  );
  await rejectsAs(
    asApp(db.sql, a.id, (tx) => tx`select api.transfer_organization_ownership(${id}, ${owner}, ${owner})`),
    "validation_failed",
  );
  const after = await call<Json[]>(
    a.id,
    (tx) => tx`select api.transfer_organization_ownership(${id}, ${owner}, ${heir})`,
  );
  assert.deepEqual(after.map((m) => [m.user_id, m.role]), [[owner, "admin"], [heir, "owner"]]);
  await call(a.id, (tx) => tx`select api.remove_organization_member(${id}, ${owner}, true)`);
  assert.equal(
    await count(a.id, "audit_log", `action = 'membership.updated' and details ->> 'reason' = 'transfer'`),
    2,
  );
});

Deno.test("memberships — two owners leaving at once: one leaves, the other stays owner (the organization's lock)", async () => {
  const first = await seedUser(db.sql, a.id, "race-1@acme.example");
  const second = await seedUser(db.sql, a.id, "race-2@acme.example");
  const id = await organization(a.id, "owner-race", first);
  await call(a.id, (tx) => tx`select api.add_organization_member(${id}, ${second}, 'owner')`);
  const [one, two] = await lockRace(
    db.sql,
    a.id,
    (tx) => tx`select api.remove_organization_member(${id}, ${first}, true)`,
    () => asApp(db.sql, a.id, (tx) => tx`select api.remove_organization_member(${id}, ${second}, true)`),
  );
  assert.equal(one.status, "fulfilled");
  assert.equal(two.status, "rejected");
  if (two.status === "rejected") {
    await rejectsAs(Promise.reject(two.reason), "conflict", /at least one owner/);
  }
  const members = await call<Json[]>(a.id, (tx) => tx`select api.list_organization_members(${id})`);
  assert.deepEqual(members.map((m) => [m.user_id, m.role]), [[second, "owner"]]);
});

Deno.test("roles — project-defined roles with permissions; built-in ones get permissions; a role in use stays", async () => {
  const p = await seedProject(db.sql, { name: "Roles" });
  const user = await seedUser(db.sql, p.id, "r@roles.example");
  const roles = await call<Json[]>(
    p.id,
    (tx) =>
      tx`select api.set_organization_role('billing', 'Billing', '{invoices:read,invoices:pay,invoices:read}')`,
  );
  assert.deepEqual(roles.map((r) => [r.key, r.built_in, r.permissions]), [
    ["admin", true, []],
    ["billing", false, ["invoices:pay", "invoices:read"]],
    ["member", true, []],
    ["owner", true, []],
  ]);
  await call(p.id, (tx) => tx`select api.set_organization_role('admin', 'Admin', '{members:manage}')`);
  const id = await organization(p.id, "roles", user);
  const second = await seedUser(db.sql, p.id, "r2@roles.example");
  const membership = await call(
    p.id,
    (tx) => tx`select api.add_organization_member(${id}, ${second}, 'billing')`,
  );
  assert.deepEqual(membership.permissions, ["invoices:pay", "invoices:read"]);
  await rejectsAs(
    asApp(db.sql, p.id, (tx) => tx`select api.delete_organization_role('billing')`),
    "conflict",
  );
  await rejectsAs(
    asApp(db.sql, p.id, (tx) => tx`select api.delete_organization_role('nobody')`),
    "not_found",
  );
  await rejectsAs(
    asApp(db.sql, p.id, (tx) => tx`select api.set_organization_role('Bad Key', 'X', '{}')`),
    "validation_failed",
  );
  await rejectsAs(
    asApp(db.sql, p.id, (tx) => tx`select api.set_organization_role('ok', 'X', '{"has space"}')`),
    "validation_failed",
    /permissions/,
  );
  await call(p.id, (tx) => tx`select api.set_organization_member_role(${id}, ${second}, 'member')`);
  await call(p.id, (tx) => tx`select api.delete_organization_role('billing')`);
  await call(p.id, (tx) => tx`select api.delete_organization_role('admin')`);
  const left = await call<Json[]>(p.id, (tx) => tx`select api.list_organization_roles()`);
  assert.deepEqual(left.map((r) => [r.key, r.permissions]), [["admin", []], ["member", []], ["owner", []]]);
  assert.deepEqual(
    (await call<Json[]>(a.id, (tx) => tx`select api.list_organization_roles()`)).find((r) =>
      r.key === "billing"
    ),
    undefined,
    "another project's roles are its own",
  );
  assert.equal(await count(p.id, "audit_log", `action = 'organization_role.deleted'`), 2);
});
