/**
 * A passkey as the second factor (db/api/factors.sql): api.mfa_challenge lists the challenged person's usable
 * passkeys, and api.meet_mfa_challenge_by_passkey meets the challenge once with one of them — only their own,
 * only with user verification, only with a counter that moves forwards (a clone stays marked after the
 * refusal) — giving the first factor's amr plus hwk/swk and mfa. The wrapper signs in in the same transaction.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { meetChallengeByPasskey } from "@/db/factors.ts";
import { addPasskey, type NewPasskey } from "@/db/passkeys.ts";
import { sha256 } from "@/lib/secrets.ts";
import { testDatabase } from "../helpers/db.ts";
import { appValue, rejectsAs, seedProject, seedUser } from "../helpers/identity.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());
const project = await seedProject(db.sql);
const other = await seedProject(db.sql);

const credential = (id: number) => new Uint8Array(16).fill(id);

/** A user of `projectId` with a passkey `id` (added through a fresh session, as the hosted page does). */
async function withPasskey(email: string, id: number, synced = false, projectId = project.id) {
  const user = await seedUser(db.sql, projectId, email);
  const session = await sha256(`${email}-session`);
  await asApp(
    db.sql,
    projectId,
    (tx) => tx`select api.start_login_session(${user}, ${session}, 3600, '{pwd}')`,
  );
  const key: NewPasskey = {
    credentialId: credential(id),
    publicKey: new Uint8Array([1, 2, 3]),
    signCount: 0,
    transports: ["internal"],
    deviceType: synced ? "multiDevice" : "singleDevice",
    backedUp: synced,
    name: "Laptop",
  };
  await addPasskey(db.sql, projectId, session, user, key);
  return user;
}

/** A challenge after a password, required by the project's policy. */
async function challenged(user: string, token: string, projectId = project.id) {
  const started = await appValue<boolean>(
    db.sql,
    projectId,
    async (tx) => tx`select api.start_mfa_challenge(${user}, ${await sha256(token)}, '{pwd}', true)`,
  );
  assert.equal(started, true);
}

type Met = { accepted: boolean; reason?: string; user_id?: string; amr?: string[] };
const meet = (token: string, id: number, signCount: number, userVerified = true, projectId = project.id) =>
  appValue<Met>(
    db.sql,
    projectId,
    async (tx) =>
      tx`select api.meet_mfa_challenge_by_passkey(${await sha256(token)}, ${credential(id)}, ${signCount},
        false, ${userVerified})`,
  );

Deno.test("api.mfa_challenge — lists the challenged person's usable passkeys, never another's or a clone", async () => {
  const user = await withPasskey("list@example.com", 1);
  await withPasskey("list-other@example.com", 2);
  await challenged(user, "list");
  const challenge = await appValue<{ enrolled: boolean; passkeys: { id: string; transports: string[] }[] }>(
    db.sql,
    project.id,
    async (tx) => tx`select api.mfa_challenge(${await sha256("list")})`,
  );
  assert.equal(challenge.enrolled, false);
  assert.deepEqual(challenge.passkeys, [{ id: "01".repeat(16), transports: ["internal"] }]);
  await db.sql`update astapa.passkeys set cloned_at = now() where credential_id = ${credential(1)}`;
  const after = await appValue<{ passkeys: unknown[] }>(
    db.sql,
    project.id,
    async (tx) => tx`select api.mfa_challenge(${await sha256("list")})`,
  );
  assert.deepEqual(after.passkeys, [], "a cloned passkey is not offered");
});

Deno.test("api.meet_mfa_challenge_by_passkey — meets it once, amr pwd + hwk/swk + mfa, counter recorded", async () => {
  const user = await withPasskey("meet@example.com", 3);
  await challenged(user, "meet");
  assert.deepEqual(await meet("meet", 3, 5), { accepted: true, user_id: user, amr: ["hwk", "mfa", "pwd"] });
  const [key] = await db.sql`select sign_count, last_used_at from astapa.passkeys
    where credential_id = ${credential(3)}`;
  assert.equal(Number(key.sign_count), 5);
  assert.ok(key.last_used_at);
  await rejectsAs(meet("meet", 3, 6), "invalid_grant", /expired/);

  const synced = await withPasskey("synced@example.com", 4, true);
  await challenged(synced, "synced");
  assert.deepEqual((await meet("synced", 4, 0)).amr, ["mfa", "pwd", "swk"]);
});

Deno.test("api.meet_mfa_challenge_by_passkey — remembers the browser when asked (1-90 days), not when refused", async () => {
  const user = await withPasskey("remember@example.com", 11);
  const remembered = async (token: string) =>
    await db.sql`select user_id::text, round(extract(epoch from expires_at - now()) / 86400)::int as days
      from astapa.remembered_browsers where token_hash = ${await sha256(token)}`.then((rows) =>
      rows.map((r) => ({ ...r }))
    );
  const meetRemembering = (token: string, signCount: number, userVerified: boolean, days: number) =>
    appValue<Met>(
      db.sql,
      project.id,
      async (tx) =>
        tx`select api.meet_mfa_challenge_by_passkey(${await sha256(token)}, ${credential(11)}, ${signCount},
          false, ${userVerified}, ${await sha256(`${token}-browser`)}, ${days})`,
    );
  await challenged(user, "remember-refused");
  assert.equal((await meetRemembering("remember-refused", 1, false, 30)).accepted, false);
  assert.deepEqual(await remembered("remember-refused-browser"), [], "a refusal remembers nothing");
  assert.equal((await meetRemembering("remember-refused", 2, true, 0)).accepted, true);
  assert.deepEqual(await remembered("remember-refused-browser"), [], "0 days: not remembered");
  await challenged(user, "remember");
  assert.equal((await meetRemembering("remember", 3, true, 30)).accepted, true);
  assert.deepEqual(await remembered("remember-browser"), [{ user_id: user, days: 30 }]);
});

Deno.test("api.meet_mfa_challenge_by_passkey — refuses without user verification, another's key, a clone", async () => {
  const user = await withPasskey("refuse@example.com", 5);
  await withPasskey("refuse-other@example.com", 6);
  await withPasskey("refuse-foreign@example.com", 7, false, other.id);
  await challenged(user, "refuse");
  assert.deepEqual(await meet("refuse", 5, 1, false), { accepted: false, reason: "user_not_verified" });
  assert.deepEqual(await meet("refuse", 6, 1), { accepted: false, reason: "other_user" });
  assert.deepEqual(
    await meet("refuse", 7, 1),
    { accepted: false, reason: "other_user" },
    "another project's",
  );
  assert.deepEqual(await meet("refuse", 5, 3), { accepted: true, user_id: user, amr: ["hwk", "mfa", "pwd"] });

  // A counter that does not move forwards: refused, and the key stays marked although nothing else changed.
  await challenged(user, "refuse-again");
  assert.deepEqual(await meet("refuse-again", 5, 3), { accepted: false, reason: "counter_regressed" });
  const [key] = await db.sql`select cloned_at from astapa.passkeys where credential_id = ${credential(5)}`;
  assert.ok(key.cloned_at, "marked cloned");
  const audited = await db.sql`select details from astapa.audit_log where project_id = ${project.id}
    and action = 'user.passkey_cloned'`;
  assert.equal(audited.length, 1);
  assert.deepEqual(await meet("refuse-again", 5, 9), { accepted: false, reason: "counter_regressed" });
  const [open] = await db.sql`select used_at from astapa.mfa_challenges where token_hash = ${await sha256(
    "refuse-again",
  )}`;
  assert.equal(open.used_at, null, "a refusal leaves the challenge open");
});

Deno.test("api.meet_mfa_challenge_by_passkey — a dead or foreign challenge is AS4G0", async () => {
  const user = await withPasskey("dead@example.com", 8);
  await challenged(user, "dead");
  await rejectsAs(meet("dead", 8, 1, true, other.id), "invalid_grant", /expired/);
  await db.sql`update astapa.mfa_challenges set created_at = now() - interval '1 hour',
    expires_at = now() - interval '50 minutes' where token_hash = ${await sha256("dead")}`;
  await rejectsAs(meet("dead", 8, 1), "invalid_grant", /expired/);
  await rejectsAs(meet("never-started", 8, 1), "invalid_grant", /expired/);
});

Deno.test("meetChallengeByPasskey — signs in with the amr in the same transaction; a refusal signs nobody in", async () => {
  const user = await withPasskey("wrapper@example.com", 9);
  await challenged(user, "wrapper");
  const session = { tokenHash: await sha256("wrapper-browser"), ttlSeconds: 3600 };
  const proof = { credentialId: credential(9), signCount: 1, backedUp: false, userVerified: false };
  assert.deepEqual(
    await meetChallengeByPasskey(db.sql, project.id, await sha256("wrapper"), proof, null, session),
    { refused: "user_not_verified" },
  );
  const none = await db.sql`select 1 from astapa.login_sessions where token_hash = ${session.tokenHash}`;
  assert.equal(none.length, 0);
  assert.deepEqual(
    await meetChallengeByPasskey(
      db.sql,
      project.id,
      await sha256("wrapper"),
      { ...proof, userVerified: true },
      null,
      session,
    ),
    { userId: user, amr: ["hwk", "mfa", "pwd"] },
  );
  const [row] = await db.sql`select amr from astapa.login_sessions where token_hash = ${session.tokenHash}`;
  assert.deepEqual(row.amr, ["hwk", "mfa", "pwd"]);
});
