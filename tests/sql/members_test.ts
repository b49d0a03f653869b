/** api.set_member_role and api.remove_member (db/api/console.sql): roles change, the last owner stays. */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { appValue, rejectsAs, seedProject } from "../helpers/identity.ts";
import { testDatabase } from "../helpers/db.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

async function member(project: string, email: string, role: string) {
  const account = await appValue<{ id: string }>(
    db.sql,
    project,
    (tx) => tx`select api.invite_account(${email})`,
  );
  await asApp(db.sql, project, (tx) => tx`select api.add_member(${project}, ${account.id}::bigint, ${role})`);
  return account.id;
}

const roles = (project: string) =>
  asApp(db.sql, project, (tx) =>
    tx`select a.email, m.role from astapa.memberships m
    join astapa.accounts a on a.id = m.account_id where m.project_id = ${project} order by a.email`)
    .then((rows) => rows.map((r) => `${r.email}:${r.role}`));

Deno.test("api.set_member_role / api.remove_member — by email in any case; the last owner stays", async () => {
  const p = await seedProject(db.sql);
  const ayu = await member(p.id, "ayu@team.example", "owner");
  await member(p.id, "budi@team.example", "viewer");

  await rejectsAs(
    asApp(db.sql, p.id, (tx) => tx`select api.set_member_role(${p.id}, 'AYU@team.example', 'admin')`),
    "conflict",
  );
  await rejectsAs(
    asApp(db.sql, p.id, (tx) => tx`select api.remove_member(${p.id}, 'ayu@team.example')`),
    "conflict",
  );
  // An owner staying owner is no demotion.
  assert.deepEqual(
    await appValue(
      db.sql,
      p.id,
      (tx) => tx`select api.set_member_role(${p.id}, 'ayu@team.example', 'owner')`,
    ),
    { project_id: p.id, account_id: ayu, role: "owner" },
  );
  await rejectsAs(
    asApp(db.sql, p.id, (tx) => tx`select api.set_member_role(${p.id}, 'budi@team.example', 'god')`),
    "validation_failed",
  );
  await rejectsAs(
    asApp(db.sql, p.id, (tx) => tx`select api.set_member_role(${p.id}, 'nobody@team.example', 'admin')`),
    "not_found",
  );
  await rejectsAs(
    asApp(db.sql, p.id, (tx) => tx`select api.remove_member(${p.id}, 'nobody@team.example')`),
    "not_found",
  );
  // Another project (or none) sees no such project.
  const other = await seedProject(db.sql);
  await rejectsAs(
    asApp(db.sql, other.id, (tx) => tx`select api.remove_member(${p.id}, 'budi@team.example')`),
    "not_found",
  );
  await rejectsAs(
    asApp(db.sql, null, (tx) => tx`select api.remove_member(${p.id}, 'budi@team.example')`),
    "not_found",
  );

  await asApp(db.sql, p.id, (tx) => tx`select api.set_member_role(${p.id}, 'budi@team.example', 'owner')`);
  await asApp(db.sql, p.id, (tx) => tx`select api.set_member_role(${p.id}, 'ayu@team.example', 'viewer')`);
  assert.deepEqual(await roles(p.id), ["ayu@team.example:viewer", "budi@team.example:owner"]);
  const removed = await appValue(
    db.sql,
    p.id,
    (tx) => tx`select api.remove_member(${p.id}, 'ayu@team.example')`,
  );
  assert.deepEqual(removed, { project_id: p.id, account_id: ayu, role: "viewer" });
  assert.deepEqual(await roles(p.id), ["budi@team.example:owner"]);

  const audit = await asApp(db.sql, p.id, (tx) =>
    tx`select action from astapa.audit_log
    where project_id = ${p.id} and action like 'member.%' order by id`);
  assert.deepEqual(audit.map((r) => r.action), [
    "member.add",
    "member.add",
    "member.role",
    "member.role",
    "member.role",
    "member.remove",
  ]);
});

Deno.test("api.remove_member — two owners removing each other at once: one succeeds, one owner stays", async () => {
  const p = await seedProject(db.sql);
  await member(p.id, "a@team.example", "owner");
  await member(p.id, "b@team.example", "owner");
  const results = await Promise.allSettled([
    asApp(db.sql, p.id, (tx) => tx`select api.remove_member(${p.id}, 'a@team.example')`),
    asApp(db.sql, p.id, (tx) => tx`select api.set_member_role(${p.id}, 'b@team.example', 'viewer')`),
  ]);
  assert.equal(results.filter((r) => r.status === "fulfilled").length, 1, JSON.stringify(results));
  const owners = (await roles(p.id)).filter((r) => r.endsWith(":owner"));
  assert.equal(owners.length, 1);
});
