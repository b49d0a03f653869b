/**
 * astapa.proof_signs_in (db/api/users.sql) and every path that asks it: an address or number left unverified
 * beside a verified other channel is not a way in. No email code, magic link, reset link or passkey sign-up code
 * goes to such an address and none mailed earlier is accepted; a phone sign-in code to such a number is refused
 * ({accepted: false, unconfirmed}); nothing is removed and the owner's password and passkeys stay. The sign-up
 * confirmation link and the account page's own number code still confirm them; an account with no verified
 * channel is still claimed by the first proof (tests/sql/claim_unproven_account_test.ts).
 */
import assert from "node:assert/strict";
import { asApp, type Sql } from "@/db/client.ts";
import { randomSecret, sha256 } from "@/lib/secrets.ts";
import { emailCodeLink, mailEmailCode, redeemEmailCode, redeemEmailCodeLink } from "@/db/email_codes.ts";
import { mailEmailLink, resetLinkUsable, resetPassword } from "@/db/login.ts";
import { confirmEmail } from "@/db/email_verification.ts";
import { mailPasskeySignUpCode, provePasskeySignUp } from "@/db/passkey_sign_ups.ts";
import { checkPhoneCode, startPhoneCode } from "@/db/phone.ts";
import { accountConfirmPhone, accountStartPhoneCode } from "@/db/phone_account.ts";
import { changeAccount, confirmEmailChange } from "@/db/account.ts";
import { testDatabase } from "../helpers/db.ts";
import { appValue, rejectsAs, seedPasskey, seedProject, seedUser } from "../helpers/identity.ts";
import { claimNotice } from "@/lib/login/claimed_mail.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());
const codeNotice = claimNotice("en", "App", "email_code");
const resetNotice = claimNotice("en", "App", "reset");
const passkeyNotice = claimNotice("en", "App", "passkey_sign_up");
const project = await seedProject(db.sql, {
  settings: { passkeys: true, email_codes: true, phone: { enabled: true, signup: true } },
});
const ARGON = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA";
const codeMail = { kind: "email_code", subject: "Your code", body: "123456", html: "<p>123456</p>" };
const codeHash = (token: string, code: string) => sha256(`${token}:${code}`);
let counter = 0;
const freshNumber = () => `+62814${String(1000000 + counter++ * 10000).padStart(7, "0")}`;

/** A user with a password and two passkeys, whose email and number are verified or not as asked. */
async function owner(
  sql: Sql,
  projectId: string,
  email: string,
  phone: string,
  verified: { email: boolean; phone: boolean },
) {
  const user = await seedUser(sql, projectId, email, { verified: verified.email });
  await sql`update astapa.users set password_hash = ${ARGON}, phone_number = ${phone},
    phone_number_verified = ${verified.phone} where project_id = ${projectId} and id = ${user}`;
  counter += 1;
  await seedPasskey(sql, projectId, user, 100 + counter * 2);
  await seedPasskey(sql, projectId, user, 101 + counter * 2);
  return user;
}

/** What a claim would take, and whether each channel is verified. */
async function state(projectId: string, user: string) {
  const [row] = await db.sql`select u.password_hash is not null as password, u.email, u.email_verified,
      u.phone_number, u.phone_number_verified,
      (select count(*)::int from astapa.passkeys k where k.project_id = u.project_id and k.user_id = u.id)
        as passkeys,
      (select count(*)::int from astapa.audit_log a where a.project_id = u.project_id
         and a.target = 'user:' || u.id and a.action = 'user.claimed') as claims
    from astapa.users u where u.project_id = ${projectId} and u.id = ${user}`;
  return { ...row };
}

const outbox = async (to: string) =>
  (await db
    .sql`select kind from astapa.mail_outbox where project_id = ${project.id} and lower(to_address) = lower(${to})`)
    .map((m) => m.kind);

const signsIn = (user: string, channel: string) =>
  appValue<boolean>(
    db.sql,
    project.id,
    (tx) => tx`select astapa.proof_signs_in(${project.id}, ${user}, ${channel})`,
  );

Deno.test("astapa.proof_signs_in — an unverified channel signs in only while the other is not verified", async () => {
  const cases: [{ email: boolean; phone: boolean }, boolean, boolean][] = [
    [{ email: false, phone: false }, true, true],
    [{ email: true, phone: false }, true, false],
    [{ email: false, phone: true }, false, true],
    [{ email: true, phone: true }, true, true],
  ];
  for (const [verified, email, phone] of cases) {
    const user = await owner(db.sql, project.id, `psi-${counter}@example.com`, freshNumber(), verified);
    assert.deepEqual(
      [await signsIn(user, "email"), await signsIn(user, "phone")],
      [email, phone],
      `${verified}`,
    );
  }
  // Another project's user is out of sight: no.
  const other = await seedProject(db.sql);
  const hidden = await seedUser(db.sql, other.id, "psi-hidden@example.com");
  assert.equal(await signsIn(hidden, "email"), false);
});

Deno.test("api.mail_email_code, api.redeem_email_code(_link) — an unverified address beside a verified number: nothing sent, nothing accepted", async () => {
  const email = "phone-first@example.com";
  const user = await owner(db.sql, project.id, email, freshNumber(), { email: false, phone: false });
  // Two codes mailed while nothing was verified yet (one for the code, one for its link) …
  const early = { code: await sha256("700001"), link: await sha256("early-link") };
  assert.equal(await mailEmailCode(db.sql, project.id, email, early, "r=1", codeMail), true);
  // … then the number is proven (the app attached the address unverified to a phone-first person).
  await db.sql`update astapa.users set phone_number_verified = true where id = ${user}`;
  const before = await state(project.id, user);
  assert.equal(
    await mailEmailCode(
      db.sql,
      project.id,
      email,
      { code: await sha256("700002"), link: await sha256("l2") },
      "r=1",
      codeMail,
    ),
    false,
    "silent, as for nobody",
  );
  assert.deepEqual(await outbox(email), ["email_code"], "only the mail from before the number was proven");
  assert.equal(await redeemEmailCode(db.sql, project.id, email, early.code, codeNotice), null);
  assert.equal(
    await redeemEmailCodeLink(db.sql, project.id, early.link, codeNotice),
    null,
    "used up by the refused code",
  );
  assert.deepEqual(await state(project.id, user), before);
  assert.equal(before.password, true);
  assert.equal(before.passkeys, 2);
  assert.equal(before.claims, 0);

  // The magic link alone (not the code) is refused the same way.
  await db.sql`update astapa.users set phone_number_verified = false where id = ${user}`;
  const link = { code: await sha256("700003"), link: await sha256("late-link") };
  assert.equal(await mailEmailCode(db.sql, project.id, email, link, "r=1", codeMail), true);
  await db.sql`update astapa.users set phone_number_verified = true where id = ${user}`;
  assert.equal(
    (await emailCodeLink(db.sql, project.id, link.link))?.usable,
    false,
    "the page says so on opening",
  );
  assert.equal(await redeemEmailCodeLink(db.sql, project.id, link.link, codeNotice), null);
  assert.deepEqual(await state(project.id, user), before);
});

Deno.test("api.mail_email_link, api.reset_password — no reset to an unverified address beside a verified number; the confirmation link still goes", async () => {
  const email = "phone-first-reset@example.com";
  const user = await owner(db.sql, project.id, email, freshNumber(), { email: false, phone: false });
  const linkMail = { kind: "reset_password", subject: "Reset", body: "link" };
  const early = randomSecret();
  await mailEmailLink(db.sql, project.id, email, "reset_password", {
    tokenHash: await sha256(early),
    mail: linkMail,
  });
  assert.equal(await resetLinkUsable(db.sql, project.id, early), true);
  await db.sql`update astapa.users set phone_number_verified = true where id = ${user}`;
  const before = await state(project.id, user);

  await mailEmailLink(db.sql, project.id, email, "reset_password", {
    tokenHash: await sha256(randomSecret()),
    mail: linkMail,
  });
  assert.deepEqual(
    await outbox(email),
    ["reset_password"],
    "only the link from before the number was proven",
  );
  assert.equal(await resetLinkUsable(db.sql, project.id, early), false);
  await rejectsAs(
    resetPassword(db.sql, project.id, early, "$argon2id$v=19$m=19456,t=2,p=1$bmV3$bmV3", resetNotice),
    "invalid_grant",
  );
  assert.deepEqual(await state(project.id, user), before);

  // Nor a confirmation link from the public "send the link again": whoever holds the mailbox could confirm the
  // address and then sign in with it. The owner confirms it from the account page (the next test).
  await mailEmailLink(db.sql, project.id, email, "verify_email", {
    tokenHash: await sha256(randomSecret()),
    mail: { kind: "verify_email", subject: "Confirm", body: "link" },
  });
  assert.deepEqual(await outbox(email), ["reset_password"]);
  assert.deepEqual(await state(project.id, user), before);

  // An account with nothing verified still gets its confirmation link (sign-up, "send the link again").
  const fresh = await seedUser(db.sql, project.id, "psi-fresh@example.com");
  const confirmation = randomSecret();
  await mailEmailLink(db.sql, project.id, "psi-fresh@example.com", "verify_email", {
    tokenHash: await sha256(confirmation),
    mail: { kind: "verify_email", subject: "Confirm", body: "link" },
  });
  assert.deepEqual(await outbox("psi-fresh@example.com"), ["verify_email"]);
  const notice = claimNotice("en", "Shop", "verify_link");
  assert.equal(await confirmEmail(db.sql, project.id, confirmation, null, notice), fresh);
});

Deno.test("api.account_request_email_change — the owner confirms an address left unverified beside their number from the account page", async () => {
  const email = "phone-first-confirm@example.com";
  const user = await owner(db.sql, project.id, email, freshNumber(), { email: false, phone: true });
  const session = await sha256(randomSecret());
  await asApp(db.sql, project.id, (tx) => tx`select api.start_login_session(${user}, ${session})`);
  const notice = { template: "account_notice", subject: "s", text: "t" };
  const token = await sha256("psi-confirm-own");
  assert.equal(
    await changeAccount(db.sql, project.id, session, {
      kind: "email",
      newEmail: email.toUpperCase(),
      tokenHash: token,
      freshSeconds: 600,
      mail: notice,
    }),
    true,
  );
  assert.equal(
    await confirmEmailChange(db.sql, project.id, token, { ...notice, template: "email_changed" }),
    "confirmed",
  );
  const after = await state(project.id, user);
  assert.deepEqual([after.email, after.email_verified, after.password, after.passkeys, after.claims], [
    email,
    true,
    true,
    2,
    0,
  ]);
  assert.deepEqual(
    await outbox(email),
    ["account_notice"],
    'the link only: no "your address changed" notice',
  );
  const [audited] = await db.sql`select action, details from astapa.audit_log where project_id = ${project.id}
    and target = ${"user:" + user} and action in ('user.email_verified', 'user.email_changed')`;
  assert.deepEqual([audited.action, audited.details], ["user.email_verified", { by: "user" }]);
  // Now it signs in like any verified address; a verified one is not asked for again.
  assert.equal(await signsIn(user, "email"), true);
  await rejectsAs(
    changeAccount(db.sql, project.id, session, {
      kind: "email",
      newEmail: email,
      tokenHash: await sha256("psi-confirm-again"),
      freshSeconds: 600,
      mail: notice,
    }),
    "validation_failed",
  );
});

Deno.test("api.mail_passkey_sign_up_code, api.prove_passkey_sign_up — an unverified address beside a verified number opens no passkey sign-up", async () => {
  const passkeysOnly = await seedProject(db.sql, { settings: { passwords: false, passkeys: true } });
  const email = "phone-first-passkey@example.com";
  const user = await seedUser(db.sql, passkeysOnly.id, email);
  await db.sql`update astapa.users set password_hash = ${ARGON}, phone_number = ${freshNumber()}
    where project_id = ${passkeysOnly.id} and id = ${user}`;
  const mail = { kind: "passkey_sign_up", subject: "Your code", body: "123456", html: "<p>123456</p>" };
  const early = { token: await sha256("psu-early"), code: await sha256("424242") };
  assert.equal(await mailPasskeySignUpCode(db.sql, passkeysOnly.id, email, early, mail), true);
  await db.sql`update astapa.users set phone_number_verified = true where id = ${user}`;
  const late = { token: await sha256("psu-late"), code: await sha256("434343") };
  assert.equal(await mailPasskeySignUpCode(db.sql, passkeysOnly.id, email, late, mail), false);
  assert.equal(
    await provePasskeySignUp(db.sql, passkeysOnly.id, early.token, early.code, passkeyNotice),
    null,
  );
  const after = await state(passkeysOnly.id, user);
  assert.deepEqual([after.email_verified, after.password, after.claims], [false, true, 0]);
});

Deno.test("api.check_phone_code — an unverified number beside a verified email is refused (unconfirmed); the owner confirms it from the account page", async () => {
  const phone = freshNumber();
  const user = await owner(db.sql, project.id, "email-first@example.com", phone, {
    email: true,
    phone: false,
  });
  const before = await state(project.id, user);
  // Sent as to any number (an unknown or disabled one too): asking tells nobody whose number it is.
  const start = async (token: string) =>
    await startPhoneCode(db.sql, project.id, {
      phoneNumber: phone,
      country: "ID",
      channel: "whatsapp",
      tokenHash: await sha256(token),
      codeHash: await codeHash(token, "123456"),
    }, `10.9.${counter}.1`);
  assert.deepEqual(await start("psi-phone"), { sent: true, sandbox: true });
  const check = async (token: string) =>
    await checkPhoneCode(db.sql, project.id, await sha256(token), await codeHash(token, "123456"));
  assert.deepEqual(await check("psi-phone"), { accepted: false, unconfirmed: true });
  assert.deepEqual(await check("psi-phone"), { accepted: false, expired: true }, "the code is spent");
  assert.deepEqual(await state(project.id, user), before);
  assert.deepEqual([before.password, before.passkeys, before.phone_number_verified], [true, 2, false]);

  // The owner, signed in, proves the number with the account page's own code: now it signs in.
  const session = await sha256(randomSecret());
  await asApp(db.sql, project.id, (tx) => tx`select api.start_login_session(${user}, ${session})`);
  assert.deepEqual(
    await accountStartPhoneCode(db.sql, project.id, session, {
      phoneNumber: phone,
      country: "ID",
      channel: "whatsapp",
      tokenHash: await sha256("psi-add"),
      codeHash: await codeHash("psi-add", "123456"),
      freshSeconds: 600,
    }, `10.8.${counter}.1`),
    { sent: true, sandbox: true },
  );
  assert.deepEqual(
    await accountConfirmPhone(
      db.sql,
      project.id,
      session,
      await sha256("psi-add"),
      await codeHash("psi-add", "123456"),
    ),
    { accepted: true, phone_number: phone },
  );
  assert.equal(await start("psi-phone-2").then(() => check("psi-phone-2")).then((r) => r.user_id), user);
  const after = await state(project.id, user);
  assert.deepEqual([after.password, after.passkeys, after.claims], [true, 2, 0]);
});

Deno.test("astapa.has_way_in — an unverified channel beside a verified one is not counted as a way in", async () => {
  const user = await seedUser(db.sql, project.id, "way-in@example.com");
  await db.sql`update astapa.users set phone_number = ${freshNumber()}, phone_number_verified = true
    where id = ${user}`;
  const methods = await appValue<{ provider: string }[]>(
    db.sql,
    project.id,
    (tx) => tx`select api.user_sign_in_methods(${project.id}, ${user})`,
  );
  assert.deepEqual(
    methods.map((m) => m.provider),
    ["phone"],
    "the unverified address's email code is not listed",
  );
  await db.sql`update astapa.users set phone_number_verified = false where id = ${user}`;
  assert.equal(
    await appValue<boolean>(db.sql, project.id, (tx) => tx`select astapa.has_way_in(${project.id}, ${user})`),
    false,
  );
});
