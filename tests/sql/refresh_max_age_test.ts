/** Migration 1902: a sign-in ends refresh_token_max_age after it happened, however often it is refreshed. */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { testDatabase } from "../helpers/db.ts";
import { issueCode, lookupIdOf, redeemCode, seedProject, seedUser } from "../helpers/oauth.ts";
import type { SeededProject } from "../helpers/identity.ts";
import { sha256 } from "@/lib/secrets.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

/** Signs a user in (a code redeemed for a refresh token), as if `signedInAgo` had passed since. */
async function signIn(project: SeededProject, refresh: string, signedInAgo: string, keepAuthTime = true) {
  const user = await seedUser(db.sql, project.id, `${refresh}@example.com`);
  const code = await issueCode(db.sql, project, { userId: user });
  await redeemCode(db.sql, project, code, refresh);
  await db.sql`update astapa.refresh_tokens
    set auth_time = ${keepAuthTime ? db.sql`now() - ${signedInAgo}::interval` : null},
        created_at = now() - ${signedInAgo}::interval
    where token_hash = ${await sha256(refresh)}`;
}

const rotate = (project: SeededProject, refresh: string, successor: string) =>
  asApp(
    db.sql,
    project.id,
    async (tx) =>
      (await tx`select api.rotate_refresh_token(${await sha256(refresh)}, ${project.clientId},
               ${await sha256(successor)}, null, null, ${await lookupIdOf(db.sql, refresh)}) as grant`)[0]
        .grant,
  );

const expiresIn = async (refresh: string) =>
  (await db.sql`select extract(epoch from expires_at - now())::int as s from astapa.refresh_tokens
    where token_hash = ${await sha256(refresh)}`)[0].s as number;

Deno.test("api.rotate_refresh_token — by default a sign-in lasts 90 days, however often it is refreshed", async () => {
  const project = await seedProject(db.sql);
  await signIn(project, "fresh-enough", "89 days");
  await rotate(project, "fresh-enough", "fresh-enough-2");
  const left = await expiresIn("fresh-enough-2");
  assert.ok(
    left > 86_000 && left <= 86_400,
    `the successor ends with the sign-in, a day from now (${left} s)`,
  );

  await signIn(project, "too-old", "91 days");
  await assert.rejects(
    () => rotate(project, "too-old", "too-old-2"),
    (e: { code?: string; message?: string }) =>
      e.code === "AS4G0" && /maximum age; sign in again/.test(e.message!),
  );
});

Deno.test("api.rotate_refresh_token — settings.refresh_token_max_age shortens it; without auth_time the family's start counts", async () => {
  const project = await seedProject(db.sql, { settings: { refresh_token_max_age: 7200 } });
  await signIn(project, "short", "1 hour");
  await rotate(project, "short", "short-2");
  const left = await expiresIn("short-2");
  assert.ok(left > 3500 && left <= 3600, `an hour is left of two (${left} s)`);

  await signIn(project, "legacy", "3 hours", false);
  await assert.rejects(
    () => rotate(project, "legacy", "legacy-2"),
    (e: { code?: string }) => e.code === "AS4G0",
  );
});

Deno.test("astapa.refresh_max_age — clamped to 1 hour–10 years; a non-number falls back to 90 days", async () => {
  const maxAge = async (settings: Record<string, unknown>) => {
    const project = await seedProject(db.sql, { settings });
    return await asApp(
      db.sql,
      project.id,
      async (tx) => (await tx`select astapa.refresh_max_age() as s`)[0].s,
    );
  };
  assert.equal(await maxAge({}), 7_776_000);
  assert.equal(await maxAge({ refresh_token_max_age: 60 }), 3600);
  assert.equal(await maxAge({ refresh_token_max_age: 1e12 }), 315_360_000);
  assert.equal(await maxAge({ refresh_token_max_age: "forever" }), 7_776_000);
  assert.equal(
    await asApp(db.sql, null, async (tx) => (await tx`select astapa.refresh_max_age() as s`)[0].s),
    null,
  );
});

Deno.test("api.rotate_refresh_token — one function, the resource- and lookup-id-aware signature (no stale overload left)", async () => {
  const rows = await db.sql`select pg_catalog.pg_get_function_identity_arguments(p.oid) as args
    from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
    where n.nspname = 'api' and p.proname = 'rotate_refresh_token'`;
  assert.deepEqual(rows.map((row) => row.args), [
    "token_hash bytea, client_id text, successor_hash bytea, requested_scope text, resource text, lookup_id uuid",
  ]);
});
