/**
 * api.confirmation_question and api.confirm_email (db/api/login.sql): the mailed confirmation link is read without
 * being used, and used once — keeping the account as it is when the password (or a session of the account) came
 * with it, claiming it for the mailbox's owner when nothing did.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { randomSecret, sha256 } from "@/lib/secrets.ts";
import { confirmEmail, verificationLink } from "@/db/email_verification.ts";
import { testDatabase } from "../helpers/db.ts";
import { rejectsAs, seedPasskey, seedProject, seedUser } from "../helpers/identity.ts";
import { claimNotice } from "@/lib/login/claimed_mail.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());
const project = await seedProject(db.sql);
const other = await seedProject(db.sql);
const notice = claimNotice("en", "Shop", "verify_link");
const HASH = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA";

/** A new, unverified account with a password, a session and a refresh token, and a confirmation link to it. */
async function signUp(email: string) {
  const user = await seedUser(db.sql, project.id, email);
  await db.sql`update astapa.users set password_hash = ${HASH} where id = ${user}`;
  const session = randomSecret();
  await asApp(
    db.sql,
    project.id,
    async (tx) => tx`select api.start_login_session(${user}, ${await sha256(session)})`,
  );
  await db
    .sql`insert into astapa.refresh_tokens (project_id, token_hash, family_id, user_id, client_id, expires_at)
    values (${project.id}, ${await sha256(
    randomSecret(),
  )}, gen_random_uuid(), ${user}, 'cid_x', now() + interval '1 day')`;
  const token = randomSecret();
  await asApp(
    db.sql,
    project.id,
    async (tx) => tx`select api.issue_email_token(${user}, 'verify_email', ${await sha256(token)})`,
  );
  return { user, session, token };
}

const account = async (user: string) => {
  const [row] = await db.sql`select email_verified, password_hash,
      (select count(*)::int from astapa.login_sessions s where s.user_id = u.id and s.ended_at is null) as sessions,
      (select count(*)::int from astapa.refresh_tokens r where r.user_id = u.id and r.revoked_at is null) as tokens
    from astapa.users u where id = ${user}`;
  return { ...row };
};
const audit = (user: string) =>
  db.sql`select action, details from astapa.audit_log
    where target = ${`user:${user}`} and action in ('user.email_verified', 'user.claimed') order by id`;
const outbox = async (to: string) =>
  (await db.sql`select kind from astapa.mail_outbox where to_address = ${to} order by id`).map((r) => r.kind);

Deno.test("api.confirmation_question — names the account and its hash; reading does not use the link", async () => {
  const { user, token, session } = await signUp("cev-read@example.com");
  const link = await verificationLink(db.sql, project.id, token);
  const asked = { user_id: user, email: "cev-read@example.com", password_hash: HASH };
  assert.deepEqual(link, { ...asked, signed_in: false, has_passkey: false });
  // This browser's live session of the account stands for the password; another account's or an ended one not.
  assert.deepEqual(await verificationLink(db.sql, project.id, token, session), {
    ...asked,
    signed_in: true,
    has_passkey: false,
  });
  const stranger = await signUp("cev-reader-stranger@example.com");
  assert.equal((await verificationLink(db.sql, project.id, token, stranger.session))?.signed_in, false);
  assert.equal((await verificationLink(db.sql, project.id, token, randomSecret()))?.signed_in, false);
  await seedPasskey(db.sql, project.id, user, 7);
  assert.equal(
    (await verificationLink(db.sql, project.id, token))?.has_passkey,
    true,
    "a passkey of its own",
  );
  assert.equal((await verificationLink(db.sql, project.id, stranger.token))?.has_passkey, false);
  assert.deepEqual(
    await verificationLink(db.sql, project.id, token),
    { ...link, has_passkey: true },
    "still there",
  );
  assert.equal(await verificationLink(db.sql, other.id, token), null, "another project's link is unknown");
  assert.equal(await verificationLink(db.sql, project.id, randomSecret()), null);
  await db.sql`update astapa.email_tokens set expires_at = now() - interval '1 second'
    where token_hash = ${await sha256(token)}`;
  assert.equal(await verificationLink(db.sql, project.id, token), null, "expired");
});

Deno.test("api.confirm_email — with the account's password hash: verified, nothing else changes", async () => {
  const { user, token } = await signUp("cev-password@example.com");
  assert.equal(await confirmEmail(db.sql, project.id, token, { passwordHash: HASH }, notice), user);
  assert.deepEqual(await account(user), {
    email_verified: true,
    password_hash: HASH,
    sessions: 1,
    tokens: 1,
  });
  const entries = await audit(user);
  assert.deepEqual(entries.map((e) => [e.action, e.details]), [
    ["user.email_verified", { confirmed_with: "password" }],
  ]);
  await rejectsAs(confirmEmail(db.sql, project.id, token, { passwordHash: HASH }, notice), "invalid_grant");
  assert.deepEqual(await outbox("cev-password@example.com"), [], "no claim, no notice");
});

Deno.test("api.confirm_email — with a live session of the same account: verified, nothing else changes", async () => {
  const { user, session, token } = await signUp("cev-session@example.com");
  assert.equal(await confirmEmail(db.sql, project.id, token, { sessionToken: session }, notice), user);
  assert.deepEqual(await account(user), {
    email_verified: true,
    password_hash: HASH,
    sessions: 1,
    tokens: 1,
  });
  assert.deepEqual((await audit(user)).map((e) => e.details), [{ confirmed_with: "session" }]);
});

Deno.test("api.confirm_email — a hash or session that is not the account's refuses and leaves the link unused", async () => {
  const { user, token } = await signUp("cev-stale@example.com");
  const stranger = await signUp("cev-stranger@example.com");
  await rejectsAs(
    confirmEmail(db.sql, project.id, token, { passwordHash: "$argon2id$other" }, notice),
    "credentials_changed",
  );
  await rejectsAs(
    confirmEmail(db.sql, project.id, token, { sessionToken: stranger.session }, notice),
    "credentials_changed",
    /no longer signed in to the account/,
  );
  await db.sql`update astapa.login_sessions set ended_at = now() where user_id = ${user}`;
  await rejectsAs(
    confirmEmail(db.sql, project.id, token, { sessionToken: randomSecret() }, notice),
    "credentials_changed",
  );
  await db.sql`update astapa.users set disabled = true where id = ${user}`;
  await rejectsAs(
    confirmEmail(db.sql, project.id, token, { passwordHash: HASH }, notice),
    "credentials_changed",
  );
  await db.sql`update astapa.users set disabled = false where id = ${user}`;
  assert.equal((await account(user)).email_verified, false);
  assert.ok(
    await verificationLink(db.sql, project.id, token),
    "each refusal rolled back: the link still works",
  );
});

Deno.test("api.confirm_email — with neither, the mailbox's owner takes the account and is told what went", async () => {
  const { user, token } = await signUp("cev-claim@example.com");
  assert.equal(await confirmEmail(db.sql, project.id, token, null, notice), user);
  assert.deepEqual(await account(user), {
    email_verified: true,
    password_hash: null,
    sessions: 0,
    tokens: 0,
  });
  const entries = await audit(user);
  assert.deepEqual(entries.map((e) => e.action).sort(), ["user.claimed", "user.email_verified"]);
  assert.deepEqual(entries.find((e) => e.action === "user.email_verified")!.details, {
    confirmed_with: "link",
  });
  assert.deepEqual(await outbox("cev-claim@example.com"), ["account_claimed"]);
  await rejectsAs(confirmEmail(db.sql, project.id, token, null, notice), "invalid_grant", /used or expired/);
});

Deno.test("api.confirm_email — an address confirmed meanwhile (another link) claims nothing", async () => {
  const { user, token } = await signUp("cev-twice@example.com");
  await db.sql`update astapa.users set email_verified = true where id = ${user}`;
  assert.equal(await confirmEmail(db.sql, project.id, token, null, notice), user);
  assert.deepEqual(await account(user), {
    email_verified: true,
    password_hash: HASH,
    sessions: 1,
    tokens: 1,
  });
  assert.deepEqual(await outbox("cev-twice@example.com"), []);
});

Deno.test("api.confirm_email — another project's link is unknown there", async () => {
  const { user, token } = await signUp("cev-other@example.com");
  await rejectsAs(confirmEmail(db.sql, other.id, token, null, notice), "invalid_grant");
  assert.equal((await account(user)).email_verified, false);
});
