/**
 * astapa.revoke_refresh_family (db/api/tokens.sql), the one revocation of a family that a reuse detection, a
 * code's replay and a device code's replay share: every live token of that family in the acting project, with
 * the reason given, counted; other families, other projects and tokens already revoked keep what they have.
 * Its lock order against rotations is tested by the race tests (reuse_detection_race, revocation_lock_order_race).
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { testDatabase } from "../helpers/db.ts";
import { issueCode, redeemCode, seedProject, seedUser } from "../helpers/oauth.ts";
import { sha256 } from "@/lib/secrets.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

/** A signed-in family of one token for `user`; returns the family's id. */
async function family(project: Awaited<ReturnType<typeof seedProject>>, user: string, secret: string) {
  const code = await issueCode(db.sql, project, { userId: user });
  const grant = await redeemCode(db.sql, project, code, secret);
  assert.equal(grant.error, undefined, JSON.stringify(grant));
  const [row] = await db.sql`select family_id from astapa.refresh_tokens where token_hash = ${await sha256(
    secret,
  )}`;
  return row.family_id as string;
}

const revoke = (projectId: string, familyId: string, reason: string) =>
  asApp(
    db.sql,
    projectId,
    async (tx) => (await tx`select astapa.revoke_refresh_family(${familyId}, ${reason}) as n`)[0].n as number,
  );

Deno.test("astapa.revoke_refresh_family — the family's live tokens with the reason, counted; nothing else", async () => {
  const project = await seedProject(db.sql);
  const other = await seedProject(db.sql, { name: "Other" });
  const user = await seedUser(db.sql, project.id, "family@example.com", { verified: true });
  const [first, second] = [await family(project, user, "rt-first"), await family(project, user, "rt-second")];
  // A token of the family revoked before keeps its own reason.
  const [extra] = [await family(project, user, "rt-extra")];
  await db
    .sql`update astapa.refresh_tokens set family_id = ${first}, revoked_at = now(), revoked_reason = 'revoked_by_user'
    where family_id = ${extra}`;

  assert.equal(
    await revoke(other.id, first, "reuse_detected"),
    0,
    "another project's family is out of reach",
  );
  assert.equal(await revoke(project.id, first, "reuse_detected"), 1);
  assert.equal(await revoke(project.id, first, "reuse_detected"), 0, "nothing live is left to revoke");

  const rows = await db.sql`select family_id, revoked_reason from astapa.refresh_tokens
    where user_id = ${user} order by id`;
  assert.deepEqual(rows.map((row) => [row.family_id === first, row.revoked_reason]), [
    [true, "reuse_detected"],
    [false, null],
    [true, "revoked_by_user"],
  ]);
  assert.ok(
    rows.some((row) => row.family_id === second && row.revoked_reason === null),
    "the other family lives",
  );
});
