/**
 * SQL tests for an SSO connection's attribute mapping and group roles (db/api/sso_group_roles.sql, the mapping in
 * api.put_sso_connection / api.put_saml_sso_connection, the role in api.sign_in_with_sso, migration 4293): the
 * shared ordering (astapa.highest_organization_role), each function's happy path and errors, the role across
 * sign-ins (promoted, demoted, member with no mapped group), owners untouched, SCIM's precedence, the groups a
 * pending sign-in keeps, and the group roles' policies as the owner project, another project and none.
 */
import assert from "node:assert/strict";
import { asApp, type Tx } from "@/db/client.ts";
import { appValue, rejectsAs, seedProject, seedUser } from "../helpers/identity.ts";
import { testDatabase } from "../helpers/db.ts";
import { sha256 } from "@/lib/secrets.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

type Json = Record<string, unknown>;
const a = await seedProject(db.sql, {
  name: "A",
  settings: { initiate_login_uri: "https://app.example/start" },
});
const b = await seedProject(db.sql, { name: "B" });
const call = <T = Json>(
  project: string | null,
  query: (tx: Tx) => PromiseLike<readonly Record<string, unknown>[]>,
) => appValue<T>(db.sql, project, query);
const sealed = "c2VhbGVkLXNlY3JldA";
const CERT = "MII" + "A".repeat(600) + "==";
await call(a.id, (tx) => tx`select api.set_organization_role('support', 'Support', '{tickets:read}')`);
await call(a.id, (tx) => tx`select api.set_organization_role('auditor', 'Auditor', '{a:1,b:2}')`);
await call(a.id, (tx) => tx`select api.set_organization_role('billing', 'Billing', '{c:1,d:2}')`);

async function orgWithDomain(slug: string, project = a.id): Promise<string> {
  const org = await call(project, (tx) => tx`select api.create_organization(${slug}, ${slug}, null)`);
  await call(project, (tx) => tx`select api.add_organization_domain(${org.id as string}, ${slug + ".test"})`);
  await call(
    project,
    (tx) => tx`select api.verify_organization_domain(${org.id as string}, ${slug + ".test"})`,
  );
  return org.id as string;
}

const putOidc = (org: string, mapping: Json | null, roles: Json | null, project = a.id) =>
  call(
    project,
    (tx) =>
      tx`select api.put_sso_connection(${org}, 'https://idp.example', 'client-1', ${sealed}, null, null,
           ${mapping === null ? null : tx.json(mapping as never)}, ${
        roles === null ? null : tx.json(roles as never)
      })`,
  );
const signIn = (connection: string, email: string, groups: string[] | null, subject = email) =>
  call(
    a.id,
    (tx) => tx`select api.sign_in_with_sso(${connection}, ${subject}, ${email}, true, ${groups})`,
  );
const roleOf = async (org: string, user: string) =>
  (await db.sql`select role from astapa.organization_memberships where organization_id = ${org}
                and user_id = ${user}`)[0]?.role ?? null;

Deno.test("astapa.highest_organization_role — admin, then the project's roles by permissions and key, then member; never owner", async () => {
  const highest = (roles: string[]) =>
    call<string | null>(a.id, (tx) => tx`select astapa.highest_organization_role(${a.id}, ${roles})`);
  assert.equal(await highest(["member", "support", "admin"]), "admin");
  assert.equal(await highest(["member", "support", "auditor"]), "auditor", "more permissions first");
  assert.equal(await highest(["billing", "auditor"]), "auditor", "equal counts: by key");
  assert.equal(await highest(["member", "support"]), "support");
  assert.equal(await highest(["member"]), "member");
  assert.equal(await highest(["owner", "member"]), "member", "owner is never an IdP's to give");
  assert.equal(await highest([]), null);
});

Deno.test("api.put_sso_connection — attribute_mapping and group_roles: saved, answered, kept, replaced, audited; errors", async () => {
  const org = await orgWithDomain("mapsave");
  const saved = await putOidc(org, { email: "mail", groups: "roles" }, {
    Engineering: "admin",
    "Help Desk": "support",
  });
  assert.deepEqual(saved.attribute_mapping, { email: "mail", groups: "roles" });
  assert.deepEqual(saved.group_roles, { Engineering: "admin", "Help Desk": "support" });
  const kept = await putOidc(org, null, null);
  assert.deepEqual([kept.attribute_mapping, kept.group_roles], [saved.attribute_mapping, saved.group_roles]);
  const replaced = await putOidc(org, { given_name: "first", email: null }, {});
  assert.deepEqual([replaced.attribute_mapping, replaced.group_roles], [{ given_name: "first" }, {}]);
  const [audit] = await db.sql`select details from astapa.audit_log where project_id = ${a.id}
    and action = 'sso_connection.updated' order by id desc limit 1`;
  assert.deepEqual([audit.details.attribute_mapping, audit.details.group_roles], [
    { given_name: "first" },
    {},
  ]);
  for (
    const [mapping, roles, message] of [
      [{ mail: "x" }, null, /names email, given_name, family_name and groups only/],
      [[], null, /names email/],
      [{ email: 3 }, null, /attribute_mapping.email is an attribute name/],
      [{ email: " mail" }, null, /attribute_mapping.email must be 1 to 256/],
      [{ email: "a\u0001b" }, null, /attribute_mapping.email must be/],
      [{ groups: "g".repeat(257) }, null, /attribute_mapping.groups must be/],
      [null, { Eng: "owner" }, /owner is not mapped/],
      [null, { Eng: "nobody" }, /Role nobody is neither/],
      [null, { Eng: 1 }, /maps to a role key/],
      [null, { "": "admin" }, /group_roles group must be/],
      [null, { "x\ny": "admin" }, /group_roles group must be/],
      [null, ["admin"], /an object/],
      [null, Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`g${i}`, "member"])), /at most 100/],
    ] as [Json | null, Json | null, RegExp][]
  ) {
    await rejectsAs(putOidc(org, mapping, roles), "validation_failed", message);
  }
  // A role another project defined is none of this project's.
  const otherOrg = await orgWithDomain("mapother", b.id);
  await rejectsAs(putOidc(otherOrg, null, { Eng: "support" }, b.id), "validation_failed", /Role support/);
  // The table's checks hold whoever writes.
  await assert.rejects(
    db.sql`update astapa.sso_connections set email_attribute = ' x' where organization_id = ${org}`,
    /sso_connections_email_attribute_check/,
  );
});

Deno.test("api.put_sso_connection, api.set_sso_connection_mapping — OpenID Connect claim names may be paths, without empty parts; SAML names are names", async () => {
  const org = await orgWithDomain("mappaths");
  const paths = {
    email: "https://example.com/claims/email",
    given_name: "profile.name.given",
    groups: "resource_access.app.roles",
  };
  assert.deepEqual((await putOidc(org, paths, null)).attribute_mapping, paths);
  for (const bad of [".roles", "roles.", "realm_access..roles", "a" + ".a".repeat(16)]) {
    await rejectsAs(
      putOidc(org, { groups: bad }, null),
      "validation_failed",
      /attribute_mapping.groups: a claim path has no empty part/,
    );
  }
  assert.deepEqual((await putOidc(org, { groups: "a" + ".a".repeat(15) }, null)).attribute_mapping, {
    groups: "a" + ".a".repeat(15),
  });
  await rejectsAs(
    call(
      a.id,
      (tx) => tx`select api.set_sso_connection_mapping(${org}, ${tx.json({ email: "mail." })}, null)`,
    ),
    "validation_failed",
    /attribute_mapping.email: a claim path/,
  );
  // A SAML attribute name is never a path: whatever its dots, it is saved as it is.
  const saml = await orgWithDomain("mapsamldots");
  const made = await call(
    a.id,
    (tx) =>
      tx`select api.put_saml_sso_connection(${saml}, 'https://idp.example/saml', 'https://idp.example/sso', ${[
        CERT,
      ]}, null, null, attribute_mapping => ${tx.json({ groups: "memberOf." })})`,
  );
  assert.deepEqual(made.attribute_mapping, { groups: "memberOf." });
});

Deno.test("api.put_saml_sso_connection, api.set_sso_connection_mapping — the mapping on SAML; a protocol switch drops attribute names only", async () => {
  const org = await orgWithDomain("mapswitch");
  const saml = await call(
    a.id,
    (tx) =>
      tx`select api.put_saml_sso_connection(${org}, 'https://idp.example/saml', 'https://idp.example/sso', ${[
        CERT,
      ]},
           null, null, attribute_mapping => ${tx.json({ email: "urn:oid:0.9.2342.19200300.100.1.3" })},
           group_roles => ${tx.json({ "cn=eng,ou=groups": "admin" })})`,
  );
  assert.deepEqual(saml.attribute_mapping, { email: "urn:oid:0.9.2342.19200300.100.1.3" });
  const oidc = await putOidc(org, null, null);
  assert.deepEqual([oidc.attribute_mapping, oidc.group_roles], [{}, { "cn=eng,ou=groups": "admin" }]);
  const set = (project: string, organization: string, mapping: Json | null, roles: Json | null) =>
    call(
      project,
      (tx) =>
        tx`select api.set_sso_connection_mapping(${organization}, ${
          mapping === null ? null : tx.json(mapping as never)
        }, ${roles === null ? null : tx.json(roles as never)})`,
    );
  const mapped = await set(a.id, org, { family_name: "sn" }, null);
  assert.deepEqual([mapped.attribute_mapping, mapped.group_roles], [{ family_name: "sn" }, {
    "cn=eng,ou=groups": "admin",
  }]);
  assert.equal(mapped.issuer, "https://idp.example", "nothing else changes");
  await rejectsAs(set(a.id, org, null, { x: "owner" }), "validation_failed", /owner/);
  await rejectsAs(set(a.id, await orgWithDomain("mapnone"), {}, null), "not_found", /no SSO connection/);
  await rejectsAs(set(b.id, org, {}, null), "not_found");
});

Deno.test("api.sign_in_with_sso — the highest mapped group's role: promoted, then demoted to member; audited with reason sso", async () => {
  const org = await orgWithDomain("grp");
  const c = await putOidc(org, null, { Engineering: "admin", Support: "support", "id-7": "auditor" });
  const first = await signIn(c.id as string, "wulan@grp.test", ["Support", "Unmapped"]);
  assert.equal(await roleOf(org, first.user_id as string), "support", "a new member takes the mapped role");
  await signIn(c.id as string, "wulan@grp.test", ["Support", "Engineering"]);
  assert.equal(await roleOf(org, first.user_id as string), "admin", "promoted");
  await signIn(c.id as string, "wulan@grp.test", ["id-7", "support"]);
  assert.equal(await roleOf(org, first.user_id as string), "auditor", "exact match: support ≠ Support");
  await signIn(c.id as string, "wulan@grp.test", []);
  assert.equal(await roleOf(org, first.user_id as string), "member", "no mapped group: member");
  await signIn(c.id as string, "wulan@grp.test", null);
  assert.equal(await roleOf(org, first.user_id as string), "member");
  const events = await db.sql`select type, data from astapa.events where project_id = ${a.id}
    and type like 'membership.%' and data -> 'membership' ->> 'user_id' = ${first
    .user_id as string} order by id`;
  assert.deepEqual(events.map((e) => `${e.type}:${e.data.membership.role}:${e.data.reason}`), [
    "membership.created:support:sso",
    "membership.updated:admin:sso",
    "membership.updated:auditor:sso",
    "membership.updated:member:sso",
  ]);
  const [audit] = await db.sql`select details from astapa.audit_log where project_id = ${a.id}
    and action = 'user.sso_sign_in' and target = ${"user:" + first.user_id} order by id desc limit 1`;
  assert.deepEqual([audit.details.group_role, audit.details.previous_role], ["member", "member"]);
  await rejectsAs(
    signIn(c.id as string, "wulan@grp.test", Array.from({ length: 201 }, (_, i) => `g${i}`)),
    "validation_failed",
    /more than 200 groups/,
  );
});

Deno.test("api.sign_in_with_sso — owners keep their role; a connection without group roles changes none (as before)", async () => {
  const org = await orgWithDomain("own");
  const c = await putOidc(org, null, { Engineering: "admin" });
  const boss = await seedUser(db.sql, a.id, "boss@own.test", { verified: true });
  await call(a.id, (tx) => tx`select api.add_organization_member(${org}, ${boss}, 'owner')`);
  await signIn(c.id as string, "boss@own.test", []);
  await signIn(c.id as string, "boss@own.test", ["Engineering"]);
  assert.equal(await roleOf(org, boss), "owner", "never demoted nor changed by groups");
  // Without group roles: a hand-set role stays, whatever groups arrive; a new member is a member.
  const plain = await orgWithDomain("plain");
  const p = await putOidc(plain, null, null);
  const dewi = await signIn(p.id as string, "dewi@plain.test", ["Engineering"]);
  assert.equal(await roleOf(plain, dewi.user_id as string), "member");
  await call(
    a.id,
    (tx) => tx`select api.set_organization_member_role(${plain}, ${dewi.user_id as string}, 'admin')`,
  );
  await signIn(p.id as string, "dewi@plain.test", []);
  assert.equal(await roleOf(plain, dewi.user_id as string), "admin");
  assert.equal(
    await call<string | null>(
      a.id,
      (tx) =>
        tx`select astapa.sso_group_role(c, '{Engineering}') from astapa.sso_connections c where c.id = ${p
          .id as string}`,
    ),
    null,
  );
});

Deno.test("astapa.sso_group_role — an organization whose SCIM directory maps groups takes roles from SCIM only", async () => {
  const org = await orgWithDomain("scimfirst");
  const c = await putOidc(org, null, { Engineering: "admin" });
  const roleFor = (groups: string[]) =>
    call<string | null>(
      a.id,
      (tx) =>
        tx`select astapa.sso_group_role(c, ${groups}) from astapa.sso_connections c where c.id = ${c
          .id as string}`,
    );
  assert.equal(await roleFor(["Engineering"]), "admin");
  assert.equal(await roleFor(["Other"]), "member");
  const dir =
    (await call(a.id, async (tx) => tx`select api.enable_scim_directory(${org}, ${await sha256("s")})`))
      .id as string;
  const group = await call(
    a.id,
    (tx) =>
      tx`select api.scim_create_group(${dir}, ${
        tx.json({ displayName: "Staff", externalId: null, members: [] })
      })`,
  );
  assert.equal(await roleFor(["Engineering"]), "admin", "an unmapped SCIM group changes nothing");
  await call(a.id, (tx) => tx`select api.map_scim_group(${org}, ${group.id as string}, 'support')`);
  assert.equal(await roleFor(["Engineering"]), null, "SCIM maps groups: sign-ins decide no role");
  const nia = await signIn(c.id as string, "nia@scimfirst.test", ["Engineering"]);
  assert.equal(await roleOf(org, nia.user_id as string), "member");
  await call(
    a.id,
    (tx) => tx`select api.set_organization_member_role(${org}, ${nia.user_id as string}, 'support')`,
  );
  await signIn(c.id as string, "nia@scimfirst.test", ["Engineering"]);
  assert.equal(await roleOf(org, nia.user_id as string), "support", "SCIM's (or a hand-set) role stays");
});

Deno.test("api.delete_organization_role — refused while an SSO group role maps it", async () => {
  await call(a.id, (tx) => tx`select api.set_organization_role('temp', 'Temp', '{}')`);
  const org = await orgWithDomain("delrole");
  await putOidc(org, null, { Temps: "temp" });
  await rejectsAs(
    call(a.id, (tx) => tx`select api.delete_organization_role('temp')`),
    "conflict",
    /SSO group roles hold role temp/,
  );
  await putOidc(org, null, {});
  await call(a.id, (tx) => tx`select api.delete_organization_role('temp')`);
});

Deno.test("api.record/use_sso_pending_sign_in — the groups are kept for the sign-in the app starts; more than 200 refused", async () => {
  const org = await call(a.id, (tx) => tx`select api.create_organization('pend', 'pend', null)`);
  const c = await call(
    a.id,
    (tx) =>
      tx`select api.put_saml_sso_connection(${org
        .id as string}, 'https://idp.example/saml', 'https://idp.example/sso',
           ${[CERT]}, null, null, idp_initiated => true)`,
  );
  const record = (hash: Uint8Array, groups: string[] | null) =>
    call(
      a.id,
      (tx) =>
        tx`select api.record_sso_pending_sign_in(${c.id as string}, ${hash}, 'subject-1', 'x@pend.test',
             ${tx.json({})}, null, null, ${groups})`,
    );
  await record(new Uint8Array(32).fill(1), ["Engineering", "Support"]);
  const used = await call(
    a.id,
    (tx) => tx`select api.use_sso_pending_sign_in(${new Uint8Array(32).fill(1)})`,
  );
  assert.deepEqual(used.groups, ["Engineering", "Support"]);
  await record(new Uint8Array(32).fill(2), null);
  const none = await call(
    a.id,
    (tx) => tx`select api.use_sso_pending_sign_in(${new Uint8Array(32).fill(2)})`,
  );
  assert.deepEqual(none.groups, []);
  await rejectsAs(
    record(new Uint8Array(32).fill(3), Array.from({ length: 201 }, (_, i) => `g${i}`)),
    "validation_failed",
  );
});

Deno.test("sso_group_roles — project A's group roles are invisible and untouchable from project B and from no project", async () => {
  const org = await orgWithDomain("isogrp");
  const c = await putOidc(org, null, { Engineering: "admin" });
  const count = (project: string | null) =>
    call<number>(project, (tx) => tx`select count(*)::int from astapa.sso_group_roles`);
  const before = await count(a.id);
  assert.ok(before > 0);
  for (const project of [b.id, null]) {
    assert.equal(await count(project), 0);
    const deleted = await asApp(db.sql, project, (tx) => tx`delete from astapa.sso_group_roles returning 1`);
    assert.equal(deleted.length, 0);
  }
  await assert.rejects(
    asApp(
      db.sql,
      b.id,
      (tx) =>
        tx`insert into astapa.sso_group_roles (project_id, connection_id, idp_group, role)
           values (${a.id}, ${c.id as string}, 'Sneaky', 'admin')`,
    ),
    /row-level security/,
  );
  assert.equal(await count(a.id), before);
  const [rls] = await db.sql`select relrowsecurity and relforcerowsecurity as forced from pg_class
    where oid = 'astapa.sso_group_roles'::regclass`;
  assert.equal(rls.forced, true);
});
