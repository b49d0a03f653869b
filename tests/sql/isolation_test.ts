/**
 * Cross-project isolation by RLS, not by queries: every tenant table is read, written and deleted from as the
 * owning project, another project and no project, with queries that forget `where project_id` on purpose.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { rejectsAs, seedProject, seedUser } from "../helpers/identity.ts";
import { rows, testDatabase } from "../helpers/db.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const a = await seedProject(db.sql, { name: "A" });
const b = await seedProject(db.sql, { name: "B" });
const userA = await seedUser(db.sql, a.id, "same@example.com");
const userB = await seedUser(db.sql, b.id, "same@example.com");
for (const [project, user] of [[a.id, userA], [b.id, userB]]) {
  await asApp(db.sql, project, async (tx) => {
    await tx`select api.set_user_claims(${project}, ${user}, '{"role": "member"}')`;
    await tx`insert into astapa.identities (project_id, provider, subject, user_id)
             values (${project}, 'github', ${"gh-" + user}, ${user})`;
    const [account] =
      await tx`select api.create_account(${`dev-${project}@example.com`}, null) ->> 'id' as id`;
    await tx`select api.add_member(${project}, ${account.id}, 'owner')`;
    await tx`select api.create_plan(${project}, '{"key": "pro", "name": "Pro"}')`;
    await tx`select api.set_webhook_endpoint(${project}, 'https://hooks.example/in', ${new Uint8Array(40)})`;
    await tx`select api.assign_plan(${project}, ${user}, 'pro', 'claims_api')`;
  });
}

/** Each tenant table, the readable columns a careless query might list, and the column naming the project. */
const TABLES = [
  { table: "astapa.projects", columns: "id, name, mode, client_id, redirect_uris, settings", project: "id" },
  { table: "astapa.users", columns: "project_id, id, email, environment", project: "project_id" },
  { table: "astapa.user_claims", columns: "*", project: "project_id" },
  { table: "astapa.identities", columns: "*", project: "project_id" },
  { table: "astapa.memberships", columns: "*", project: "project_id" },
  { table: "astapa.audit_log", columns: "*", project: "project_id" },
  { table: "astapa.plans", columns: "*", project: "project_id" },
  { table: "astapa.subscriptions", columns: "*", project: "project_id" },
  { table: "astapa.events", columns: "*", project: "project_id" },
  { table: "astapa.webhook_endpoints", columns: "*", project: "project_id" },
  { table: "astapa.webhook_deliveries", columns: "*", project: "project_id" },
];

const seen = (project: string | null, table: string, columns: string, column: string) =>
  asApp(
    db.sql,
    project,
    async (tx) => rows(await tx.unsafe(`select ${columns} from ${table}`)).map((r) => r[column]),
  );

for (const { table, columns, project } of TABLES) {
  Deno.test(`${table} — a query without a where clause sees only the acting project's rows`, async () => {
    const asA = await seen(a.id, table, columns, project);
    assert.ok(asA.length > 0, "the owning project sees its rows");
    assert.ok(asA.every((id) => id === a.id), `A sees only A: ${asA}`);
    const asB = await seen(b.id, table, columns, project);
    assert.ok(asB.length > 0 && asB.every((id) => id === b.id), "B sees only B");
    assert.deepEqual(await seen(null, table, columns, project), [], "no project, no rows");
  });
}

Deno.test("isolation — another project cannot update or delete a project's rows (zero rows touched)", async () => {
  const touched = await asApp(db.sql, b.id, async (tx) => [
    (await tx`update astapa.projects set name = 'hijacked' where id = ${a.id}`).count,
    (await tx`update astapa.users set disabled = true where project_id = ${a.id}`).count,
    (await tx`update astapa.user_claims set role = 'admin' where project_id = ${a.id}`).count,
    (await tx`update astapa.memberships set role = 'viewer' where project_id = ${a.id}`).count,
    (await tx`delete from astapa.memberships where project_id = ${a.id}`).count,
    (await tx`delete from astapa.identities where project_id = ${a.id}`).count,
    (await tx`update astapa.plans set name = 'hijacked' where project_id = ${a.id}`).count,
    (await tx`update astapa.subscriptions set status = 'expired' where project_id = ${a.id}`).count,
    (await tx`update astapa.webhook_endpoints set url = 'https://evil.example' where project_id = ${a.id}`)
      .count,
    (await tx`delete from astapa.webhook_endpoints where project_id = ${a.id}`).count,
    (await tx`update astapa.webhook_deliveries set status = 'failed' where project_id = ${a.id}`).count,
  ]);
  assert.deepEqual(touched, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  const untouched = await asApp(db.sql, null, async (tx) => {
    await tx`select set_config('astapa.project_id', ${a.id}, true)`;
    const [row] = await tx`
      select (select name from astapa.projects) as name,
             (select disabled from astapa.users) as disabled,
             (select role from astapa.user_claims) as claim_role,
             (select role from astapa.memberships) as member_role,
             (select count(*)::int from astapa.identities) as identities`;
    return { ...row };
  });
  assert.deepEqual(untouched, {
    name: "A",
    disabled: false,
    claim_role: "member",
    member_role: "owner",
    identities: 1,
  });
});

Deno.test("isolation — inserting rows for another project, or for none, is refused by policy", async () => {
  const inserts = [
    `insert into astapa.users (project_id, email, environment) values ('${a.id}', 'x@example.com', 'sandbox')`,
    `insert into astapa.user_claims (project_id, user_id) values ('${a.id}', ${userA})`,
    `insert into astapa.identities (project_id, provider, subject, user_id) values ('${a.id}', 'google', 'g', ${userA})`,
    `insert into astapa.audit_log (project_id, actor, action) values ('${a.id}', 'x', 'project.update')`,
    `insert into astapa.plans (project_id, key, name) values ('${a.id}', 'stolen', 'Stolen')`,
    `insert into astapa.subscriptions (project_id, user_id, plan_key, source) values ('${a.id}', ${userA}, 'pro', 'cli')`,
    `insert into astapa.events (project_id, type, data) values ('${a.id}', 'user.created', '{}')`,
    `insert into astapa.webhook_endpoints (project_id, url, secret_sealed) values ('${a.id}', 'https://x.example', '\\x${
      "00".repeat(40)
    }')`,
    `insert into astapa.projects (id, name, client_id, client_secret_hash)
       values ('proj_aaaaaaaaaaaaaaaa', 'X', 'cid_aaaaaaaaaaaaaaaaaaaaaaaa', sha256(''::bytea))`,
  ];
  for (const statement of inserts) {
    await rejectsAs(asApp(db.sql, b.id, (tx) => tx.unsafe(statement)), "forbidden");
    await rejectsAs(asApp(db.sql, null, (tx) => tx.unsafe(statement)), "forbidden");
  }
});

Deno.test("isolation — the app role cannot change the audit log or delete projects and users", async () => {
  for (
    const statement of [
      "update astapa.audit_log set actor = 'someone else'",
      "delete from astapa.audit_log",
      "delete from astapa.projects",
      "delete from astapa.users",
      "update astapa.projects set client_id = 'cid_x'",
      "delete from astapa.plans",
      "delete from astapa.subscriptions",
      "delete from astapa.events",
      "update astapa.events set type = 'payment.failed'",
      "update astapa.subscriptions set plan_key = 'free'",
      "delete from astapa.webhook_deliveries",
      "update astapa.webhook_deliveries set event_id = 1",
    ]
  ) {
    await rejectsAs(asApp(db.sql, a.id, (tx) => tx.unsafe(statement)), "forbidden");
  }
});

Deno.test("schema — every tenant table leads its primary key with project_id (indexed for its policies)", async () => {
  const offenders = await db.sql`
    select c.relname
    from pg_class c
    join pg_namespace n on n.oid = c.relnamespace
    join pg_index i on i.indrelid = c.oid and i.indisprimary
    join pg_attribute a on a.attrelid = c.oid and a.attnum = i.indkey[0]
    where n.nspname = 'astapa' and c.relkind = 'r'
      and exists (select from pg_attribute p where p.attrelid = c.oid and p.attname = 'project_id')
      and a.attname <> 'project_id'`;
  assert.deepEqual(rows(offenders), []);
  const [projects] = await db.sql`
    select relrowsecurity and relforcerowsecurity as forced from pg_class where oid = 'astapa.projects'::regclass`;
  assert.equal(projects.forced, true, "projects (keyed by id) has RLS forced too");
});

Deno.test("schema — policies are named as sentences and apply to the app and owner roles only", async () => {
  const policies = await db.sql`
    select tablename, policyname, roles::text[] as roles from pg_policies where schemaname = 'astapa'`;
  assert.ok(policies.length >= 18);
  for (const policy of policies) {
    assert.match(policy.policyname, /^[a-z][a-z' ]+[a-z]$/, `${policy.tablename}: "${policy.policyname}"`);
    assert.ok(policy.roles.every((role: string) => role === "astapa_app" || role === "astapa_owner"));
  }
});

Deno.test("isolation — the owner role (what definer functions run as) is filtered by the same policies", async () => {
  const asOwner = (project: string) =>
    db.sql.begin(async (tx) => {
      await tx`select set_config('role', 'astapa_owner', true), set_config('astapa.project_id', ${project}, true)`;
      return rows(await tx`select project_id from astapa.users`).map((r) => r.project_id);
    });
  assert.deepEqual(await asOwner(a.id), [a.id]);
  assert.deepEqual(await asOwner(""), []);
});

Deno.test("isolation — the owner-only lookup policies give the app role nothing when it sets their settings", async () => {
  const visible = await asApp(db.sql, null, async (tx) => {
    await tx`select set_config('astapa.lookup_client_id', ${b.clientId}, true),
                    set_config('astapa.list_all_projects', 'on', true)`;
    return rows(await tx`select id from astapa.projects`);
  });
  assert.deepEqual(visible, []);
});
