/**
 * api.delete_project (db/api/projects.sql) against the project's users' revocations under way: it follows the
 * one lock order (the project's row for no key update, then every user's row in id order, then their tokens), so
 * a rotation under way has its successor revoked too, and a revocation that holds a user's row and tokens and
 * then writes its audit entry (as api.sign_out_everywhere does) finishes first instead of deadlocking with it.
 * The transactions overlap for certain (tests/helpers/lock_race.ts).
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { sha256 } from "@/lib/secrets.ts";
import { testDatabase } from "../helpers/db.ts";
import { seedProject, seedUser } from "../helpers/identity.ts";
import { lockRace, waitForLockWaiter } from "../helpers/lock_race.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

/** A project to delete, with a user holding one live refresh token (its secret `token`). */
async function doomed(name: string, token: string) {
  const project = await seedProject(db.sql, { name });
  const user = await seedUser(db.sql, project.id, `${name.toLowerCase()}@example.com`, { verified: true });
  await db
    .sql`insert into astapa.refresh_tokens (project_id, token_hash, family_id, user_id, client_id, scope,
      expires_at, auth_time)
    values (${project.id}, ${await sha256(token)}, gen_random_uuid(), ${user}, ${project.clientId}, 'openid',
      now() + interval '1 day', now())`;
  return { project, user };
}

const deleteProject = (projectId: string, name: string) =>
  asApp(
    db.sql,
    projectId,
    async (tx) => (await tx`select api.delete_project(${projectId}, ${name}) as r`)[0].r,
    { actor: "account:1" },
  );

async function liveTokens(projectId: string): Promise<number> {
  const [row] = await db.sql`select count(*)::int as n from astapa.refresh_tokens
    where project_id = ${projectId} and revoked_at is null`;
  return row.n;
}

Deno.test("api.delete_project — during a rotation: it waits for the user's row, and the successor is revoked too", async () => {
  const { project } = await doomed("Rotating", "del-rt0");
  const [rotation, deleted] = await lockRace(
    db.sql,
    project.id,
    async (tx) =>
      (await tx`select api.rotate_refresh_token(${await sha256("del-rt0")}, ${project.clientId},
        ${await sha256("del-rt1")}, null) as grant`)[0].grant,
    () => deleteProject(project.id, "Rotating"),
  );
  assert.equal(rotation.status, "fulfilled", String((rotation as PromiseRejectedResult).reason));
  assert.equal(
    typeof (rotation as PromiseFulfilledResult<Record<string, unknown>>).value.refresh_token_id,
    "string",
    "the rotation issued a successor",
  );
  assert.equal(deleted.status, "fulfilled", String((deleted as PromiseRejectedResult).reason));
  assert.equal(await liveTokens(project.id), 0, "no token of the project survives, the successor included");
});

Deno.test("api.delete_project — during a revocation that audits after it revoked (a sign-out's shape): no deadlock", async () => {
  const { project, user } = await doomed("Auditing", "del-audit-rt");
  let deleting: Promise<PromiseSettledResult<unknown>> | undefined;
  const revoked = await asApp(db.sql, project.id, async (tx) => {
    // api.sign_out_everywhere's order: the user's row for update, the tokens, then the audit entry (a key share
    // on the project's row), with the deletion started in between and seen waiting for this transaction.
    const [row] = await tx`select api.revoke_user_refresh_tokens(${user}, 'revoked_by_admin') as n`;
    deleting = deleteProject(project.id, "Auditing").then(
      (value) => ({ status: "fulfilled", value }) as const,
      (reason) => ({ status: "rejected", reason }) as const,
    );
    await waitForLockWaiter(db.sql);
    await tx`select astapa.audit(${project.id}, 'user.sign_out_everywhere', ${`user:${user}`}, '{}'::jsonb)`;
    return row.n;
  });
  assert.equal(revoked, 1);
  const deleted = await deleting!;
  assert.equal(deleted.status, "fulfilled", String((deleted as PromiseRejectedResult).reason));
  const [project_] = await db.sql`select deleted_at is not null as deleted from astapa.projects
    where id = ${project.id}`;
  assert.equal(project_.deleted, true);
  assert.equal(await liveTokens(project.id), 0);
});

Deno.test("api.delete_project — locks only the users with a live token or session: an idle user's held row does not hold it up", async () => {
  const { project } = await doomed("Quiet", "del-quiet-rt");
  const idle = await seedUser(db.sql, project.id, "idle@example.com", { verified: true });
  // Another transaction holds the row of a user with nothing to revoke (an admin's change, say). A deletion that
  // locked every user's row (a write per row: a million for a project of a million people) waited for it; this
  // one does not, which a lock timeout shows without timing anything.
  const result = await db.sql.begin(async (tx) => {
    await tx`select from astapa.users where project_id = ${project.id} and id = ${idle} for update`;
    return await asApp(db.sql, project.id, async (app) => {
      await app`set local lock_timeout = '5s'`;
      return (await app`select api.delete_project(${project.id}, 'Quiet') as r`)[0].r;
    }, { actor: "account:1" });
  });
  assert.equal(result.deleted, true);
  assert.equal(await liveTokens(project.id), 0, "the live user's token is revoked");
});

Deno.test("api.delete_project — a token committed while it runs by a transaction that named the project is revoked by its last pass", async () => {
  const { project } = await doomed("Late", "del-late-rt0");
  const newcomer = await seedUser(db.sql, project.id, "newcomer@example.com", { verified: true });
  let deleting: Promise<PromiseSettledResult<unknown>> | undefined;
  await db.sql.begin(async (tx) => {
    // A first sign-in of someone with nothing live yet, which audits (a row naming the project: its key share)
    // and issues a token; the deletion starts meanwhile and waits for it at the client id's change.
    await tx`insert into astapa.audit_log (project_id, actor, action, target, details)
      values (${project.id}, 'app', 'user.sign_in', ${`user:${newcomer}`}, '{}')`;
    await tx`insert into astapa.refresh_tokens (project_id, token_hash, family_id, user_id, client_id, scope,
        expires_at, auth_time)
      values (${project.id}, ${await sha256(
      "del-late-rt1",
    )}, gen_random_uuid(), ${newcomer}, ${project.clientId},
        'openid', now() + interval '1 day', now())`;
    deleting = deleteProject(project.id, "Late").then(
      (value) => ({ status: "fulfilled", value }) as const,
      (reason) => ({ status: "rejected", reason }) as const,
    );
    await waitForLockWaiter(db.sql);
  });
  const deleted = await deleting!;
  assert.equal(deleted.status, "fulfilled", String((deleted as PromiseRejectedResult).reason));
  assert.equal(await liveTokens(project.id), 0, "the newcomer's token is revoked too");
});

Deno.test("api.rotate_refresh_token — a token of a deleted project left live is refused (AS4G0)", async () => {
  const { project } = await doomed("Gone", "del-gone-rt0");
  await deleteProject(project.id, "Gone");
  // As a token an issuance under way committed after the deletion would be: live, in a deleted project.
  await db.sql`update astapa.refresh_tokens set revoked_at = null, revoked_reason = null
    where project_id = ${project.id}`;
  await assert.rejects(
    asApp(
      db.sql,
      project.id,
      async (tx) =>
        await tx`select api.rotate_refresh_token(${await sha256("del-gone-rt0")}, ${project.clientId},
        ${await sha256("del-gone-rt1")}, null)`,
    ),
    (error: { code?: string; message?: string }) =>
      error.code === "AS4G0" && /deleted/.test(error.message ?? ""),
  );
});
