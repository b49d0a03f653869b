/**
 * Address changes voided by astapa.void_ways_back (db/api/users.sql) through api.sign_out_everywhere,
 * api.reset_password and api.disable_user: an address change asked for from a session they end — whoever held the password — would
 * otherwise move the account to that person's mailbox within the hour, after the owner signed everyone out. The
 * link reads as used, another user's change is left alone, each is counted. Then the lock order against a
 * confirmation under way (tests/helpers/lock_race.ts): the confirmation waits and finds its link void.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { changeAccount, confirmEmailChange, pendingEmailChange } from "@/db/account.ts";
import { sha256 } from "@/lib/secrets.ts";
import { testDatabase } from "../helpers/db.ts";
import { rejectsAs, seedProject, seedUser } from "../helpers/identity.ts";
import { lockRace } from "../helpers/lock_race.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());
const project = await seedProject(db.sql);
const mail = { template: "account_notice", subject: "s", text: "t" };

/** A verified user whose (stolen) session asked to move the account to `to`; returns the link's hash. */
async function pendingChange(email: string, to: string) {
  const user = await seedUser(db.sql, project.id, email, { verified: true });
  const session = await sha256(`${email}-session`);
  await asApp(db.sql, project.id, (tx) => tx`select api.start_login_session(${user}, ${session})`);
  const link = await sha256(`${email}-change`);
  const sent = await changeAccount(db.sql, project.id, session, {
    kind: "email",
    newEmail: to,
    tokenHash: link,
    freshSeconds: 600,
    mail,
  });
  assert.equal(sent, true);
  assert.equal((await pendingEmailChange(db.sql, project.id, link))?.email, to);
  return { user, link };
}

const audited = async (user: string, action: string) => {
  const [row] = await db.sql`select details from astapa.audit_log where target = ${`user:${user}`}
    and action = ${action} order by id desc limit 1`;
  return row.details;
};
const emailOf = async (user: string) =>
  (await db.sql`select email from astapa.users where id = ${user}`)[0].email;

Deno.test("astapa.void_ways_back — email changes: a sign-out everywhere voids the pending change; another user's stays", async () => {
  const owner = await pendingChange("owner-soe@example.com", "attacker-soe@example.com");
  const bystander = await pendingChange("bystander@example.com", "bystander-new@example.com");
  const counts = await asApp(
    db.sql,
    project.id,
    async (tx) => (await tx`select api.sign_out_everywhere(${project.id}, ${owner.user}) as c`)[0].c,
  );
  assert.equal(counts.email_changes, 1);
  assert.equal((await audited(owner.user, "user.sign_out_everywhere")).email_changes, 1);
  assert.equal(await pendingEmailChange(db.sql, project.id, owner.link), null);
  await rejectsAs(confirmEmailChange(db.sql, project.id, owner.link, mail), "invalid_grant");
  assert.equal(await emailOf(owner.user), "owner-soe@example.com");
  assert.equal(await confirmEmailChange(db.sql, project.id, bystander.link, mail), "changed");
});

Deno.test("astapa.void_ways_back — email changes: a password reset and a disable void it too, counted in their audit", async () => {
  const reset = await pendingChange("owner-reset@example.com", "attacker-reset@example.com");
  const resetLink = await sha256("reset-link");
  await asApp(db.sql, project.id, async (tx) => {
    await tx`select api.issue_email_token(${reset.user}, 'reset_password', ${resetLink})`;
    await tx`select api.reset_password(${resetLink}, '$argon2id$v=19$m=19456,t=2,p=1$bmV3$bmV3')`;
  });
  assert.equal((await audited(reset.user, "user.password_reset")).email_changes, 1);
  await rejectsAs(confirmEmailChange(db.sql, project.id, reset.link, mail), "invalid_grant");

  const disabled = await pendingChange("owner-disable@example.com", "attacker-disable@example.com");
  await asApp(db.sql, project.id, (tx) => tx`select api.disable_user(${project.id}, ${disabled.user}, true)`);
  assert.equal((await audited(disabled.user, "user.disable")).email_changes, 1);
  await asApp(
    db.sql,
    project.id,
    (tx) => tx`select api.disable_user(${project.id}, ${disabled.user}, false)`,
  );
  await rejectsAs(
    confirmEmailChange(db.sql, project.id, disabled.link, mail),
    "invalid_grant",
    undefined,
  );
  assert.equal(await emailOf(disabled.user), "owner-disable@example.com", "a re-enable does not revive it");
});

Deno.test("astapa.void_ways_back — email changes: a confirmation under way waits for the sign-out and finds its link void", async () => {
  const owner = await pendingChange("owner-race@example.com", "attacker-race@example.com");
  const [signedOut, confirmed] = await lockRace(
    db.sql,
    project.id,
    (tx) => tx`select api.sign_out_everywhere(${project.id}, ${owner.user})`,
    () => confirmEmailChange(db.sql, project.id, owner.link, mail),
  );
  assert.equal(signedOut.status, "fulfilled");
  assert.equal(confirmed.status, "rejected", "the confirmation did not outlive the sign-out");
  await rejectsAs(Promise.reject((confirmed as PromiseRejectedResult).reason), "invalid_grant");
  assert.equal(await emailOf(owner.user), "owner-race@example.com");
});
