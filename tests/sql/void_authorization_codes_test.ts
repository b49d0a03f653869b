/**
 * Authorization codes voided by astapa.void_ways_back (db/api/users.sql) through the three ways every way into an account is
 * ended — api.sign_out_everywhere, api.reset_password and astapa.claim_unproven_account — and api.disable_user:
 * a code issued before is refused by api.redeem_authorization_code as invalid_grant (void, nothing revoked), a
 * code issued after still starts a refresh token, and another user's code is left alone. Then the lock order with
 * a redemption under way (tests/helpers/lock_race.ts): never a code redeemed after the sign-out, never a refresh
 * token left live.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { sha256 } from "@/lib/secrets.ts";
import { testDatabase } from "../helpers/db.ts";
import { lockRace } from "../helpers/lock_race.ts";
import { issueCode, redeemCode, seedProject, seedUser } from "../helpers/oauth.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());
const project = await seedProject(db.sql);

/** A redemption that worked starts a refresh token; a void code answers invalid_grant and revokes nothing. */
function assertRedeemed(grant: Record<string, unknown>) {
  assert.equal(grant.error, undefined, JSON.stringify(grant));
  assert.equal(typeof grant.refresh_token_id, "string");
}
function assertVoid(grant: Record<string, unknown>) {
  assert.equal(grant.error, "invalid_grant");
  assert.match(String(grant.error_description), /void/);
  assert.equal(grant.revoked, undefined, "nothing to revoke: the code never started a family");
}

async function liveRefreshTokens(user: string): Promise<number> {
  const [row] = await db.sql`select count(*)::int as n from astapa.refresh_tokens
    where project_id = ${project.id} and user_id = ${user} and revoked_at is null`;
  return row.n;
}

Deno.test("api.sign_out_everywhere — a code issued before is void, one issued after works, counted", async () => {
  const user = await seedUser(db.sql, project.id, "void-signout@example.com", { verified: true });
  const neighbour = await seedUser(db.sql, project.id, "void-signout-neighbour@example.com", {
    verified: true,
  });
  const before = [
    await issueCode(db.sql, project, { userId: user }),
    await issueCode(db.sql, project, { userId: user }),
  ];
  const theirs = await issueCode(db.sql, project, { userId: neighbour });
  const redeemed = await issueCode(db.sql, project, { userId: user });
  assertRedeemed(await redeemCode(db.sql, project, redeemed, "void-so-rt0"));

  const counts = await asApp(
    db.sql,
    project.id,
    async (tx) => (await tx`select api.sign_out_everywhere(${project.id}, ${user}) as r`)[0].r,
  );
  assert.deepEqual(counts, {
    sessions: 0,
    refresh_tokens: 1,
    authorization_codes: 2,
    device_authorizations: 0,
    email_changes: 0,
    mfa_challenges: 0,
    impersonation_links: 0,
  });
  const [audit] = await db.sql`select details from astapa.audit_log where project_id = ${project.id}
    and action = 'user.sign_out_everywhere' and target = ${`user:${user}`}`;
  assert.deepEqual(audit.details, counts);

  for (const code of before) assertVoid(await redeemCode(db.sql, project, code, `void-so-${code}`));
  assertRedeemed(await redeemCode(db.sql, project, theirs, "void-so-theirs"));
  const after = await issueCode(db.sql, project, { userId: user });
  assertRedeemed(await redeemCode(db.sql, project, after, "void-so-after"));
  assert.equal(await liveRefreshTokens(user), 1, "only the one the code issued after started");
});

Deno.test("api.reset_password — a code issued before is void, one issued after works", async () => {
  for (const verified of [true, false]) {
    const user = await seedUser(db.sql, project.id, `void-reset-${verified}@example.com`, { verified });
    const before = await issueCode(db.sql, project, { userId: user });
    const token = await sha256(`void-reset-${verified}`);
    await asApp(db.sql, project.id, async (tx) => {
      await tx`select api.issue_email_token(${user}, 'reset_password', ${token})`;
      await tx`select api.reset_password(${token}, '$argon2id$v=19$m=19456,t=2,p=1$bmV3$bmV3')`;
    });
    assertVoid(await redeemCode(db.sql, project, before, `void-reset-rt-${verified}`));
    const after = await issueCode(db.sql, project, { userId: user });
    assertRedeemed(await redeemCode(db.sql, project, after, `void-reset-after-${verified}`));
  }
});

Deno.test("api.reset_password — audited with the sessions, tokens, codes and second steps it ended", async () => {
  const user = await seedUser(db.sql, project.id, "void-reset-counts@example.com", { verified: true });
  const redeemed = await issueCode(db.sql, project, { userId: user });
  assertRedeemed(await redeemCode(db.sql, project, redeemed, "void-reset-counts-rt"));
  await issueCode(db.sql, project, { userId: user });
  await issueCode(db.sql, project, { userId: user });
  for (const n of [1, 2, 3]) {
    await db.sql`insert into astapa.login_sessions (project_id, token_hash, user_id, expires_at)
      values (${project.id}, ${await sha256(
      `void-reset-counts-session-${n}`,
    )}, ${user}, now() + interval '1 day')`;
  }
  await db.sql`insert into astapa.mfa_challenges (project_id, token_hash, user_id, amr, expires_at)
    values (${project.id}, ${await sha256(
    "void-reset-counts-mfa",
  )}, ${user}, '{pwd}', now() + interval '10 minutes')`;
  const token = await sha256("void-reset-counts");
  await asApp(db.sql, project.id, async (tx) => {
    await tx`select api.issue_email_token(${user}, 'reset_password', ${token})`;
    await tx`select api.reset_password(${token}, '$argon2id$v=19$m=19456,t=2,p=1$bmV3$bmV3')`;
  });
  const [audit] = await db.sql`select details from astapa.audit_log where project_id = ${project.id}
    and action = 'user.password_reset' and target = ${`user:${user}`}`;
  assert.deepEqual(audit.details, {
    sessions: 3,
    refresh_tokens: 1,
    authorization_codes: 2,
    device_authorizations: 0,
    email_changes: 0,
    mfa_challenges: 1,
    impersonation_links: 0,
  });
});

Deno.test("api.disable_user — a code issued before stays void after a re-enable; one after works", async () => {
  const user = await seedUser(db.sql, project.id, "void-disable@example.com", { verified: true });
  const neighbour = await seedUser(db.sql, project.id, "void-disable-neighbour@example.com", {
    verified: true,
  });
  const before = await issueCode(db.sql, project, { userId: user });
  const theirs = await issueCode(db.sql, project, { userId: neighbour });
  const disable = (disabled: boolean) =>
    asApp(db.sql, project.id, (tx) => tx`select api.disable_user(${project.id}, ${user}, ${disabled})`);
  await disable(true);
  await disable(false);
  assertVoid(await redeemCode(db.sql, project, before, "void-disable-rt"));
  assertRedeemed(await redeemCode(db.sql, project, theirs, "void-disable-theirs"));
  const [audit] = await db.sql`select details from astapa.audit_log where project_id = ${project.id}
    and action = 'user.disable' and target = ${`user:${user}`}`;
  assert.deepEqual(audit.details, {
    sessions: 0,
    refresh_tokens: 0,
    authorization_codes: 1,
    device_authorizations: 0,
    email_changes: 0,
    mfa_challenges: 0,
    impersonation_links: 0,
  });
  const after = await issueCode(db.sql, project, { userId: user });
  assertRedeemed(await redeemCode(db.sql, project, after, "void-disable-after"));
});

Deno.test("astapa.claim_unproven_account — a code issued before is void and counted, one issued after works", async () => {
  const user = await seedUser(db.sql, project.id, "void-claim@example.com");
  const before = await issueCode(db.sql, project, { userId: user });
  const removed = await asApp(
    db.sql,
    project.id,
    async (tx) => (await tx`select astapa.claim_unproven_account(${project.id}, ${user}, 'email') as r`)[0].r,
  );
  assert.equal(removed.authorization_codes, 1);
  assertVoid(await redeemCode(db.sql, project, before, "void-claim-rt"));
  const after = await issueCode(db.sql, project, { userId: user });
  assertRedeemed(await redeemCode(db.sql, project, after, "void-claim-after"));
});

Deno.test("api.redeem_authorization_code — during a sign-out everywhere: it waits, then finds the code void", async () => {
  const user = await seedUser(db.sql, project.id, "void-late-redeem@example.com", { verified: true });
  const code = await issueCode(db.sql, project, { userId: user });
  const [signOut, redemption] = await lockRace(
    db.sql,
    project.id,
    (tx) => tx`select api.sign_out_everywhere(${project.id}, ${user})`,
    () => redeemCode(db.sql, project, code, "void-late-rt"),
  );
  assert.equal(signOut.status, "fulfilled");
  assert.equal(redemption.status, "fulfilled");
  assertVoid((redemption as PromiseFulfilledResult<Record<string, unknown>>).value);
  assert.equal(await liveRefreshTokens(user), 0);
});

Deno.test("api.sign_out_everywhere — during a code redemption: it waits, and revokes the refresh token it started", async () => {
  const user = await seedUser(db.sql, project.id, "void-early-redeem@example.com", { verified: true });
  const code = await issueCode(db.sql, project, { userId: user });
  const [redemption, signOut] = await lockRace(
    db.sql,
    project.id,
    async (tx) =>
      (await tx`select api.redeem_authorization_code(${await sha256(code)}, ${project.clientId},
        ${project.redirectUri}, null, ${await sha256("void-early-rt")}) as grant`)[0].grant,
    () =>
      asApp(
        db.sql,
        project.id,
        async (tx) => (await tx`select api.sign_out_everywhere(${project.id}, ${user}) as r`)[0].r,
      ),
  );
  assert.equal(redemption.status, "fulfilled");
  assertRedeemed((redemption as PromiseFulfilledResult<Record<string, unknown>>).value);
  assert.deepEqual((signOut as PromiseFulfilledResult<unknown>).value, {
    sessions: 0,
    refresh_tokens: 1,
    authorization_codes: 0,
    device_authorizations: 0,
    email_changes: 0,
    mfa_challenges: 0,
    impersonation_links: 0,
  });
  assert.equal(await liveRefreshTokens(user), 0);
});
