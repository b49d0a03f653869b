/**
 * Telling the owner what a claim removed (astapa.claim_notice, db/claim_notice.ts): every way that proves an
 * address and claims an account — an email code or its link, a password reset, a passkey sign-up's code —
 * queues one account_claimed mail to the proven address, in the page's language with that way's wording,
 * listing the kinds removed (organization memberships and linked payment methods among them); a claim that
 * removed nothing, a second proof, and a phone code's claim queue none (the phone code's page is told what
 * went instead).
 */
import assert from "node:assert/strict";
import { asApp, type Sql } from "@/db/client.ts";
import { mailEmailCode, redeemEmailCode, redeemEmailCodeLink } from "@/db/email_codes.ts";
import { resetPassword } from "@/db/login.ts";
import { mailPasskeySignUpCode, provePasskeySignUp } from "@/db/passkey_sign_ups.ts";
import { claimNotice } from "@/lib/login/claimed_mail.ts";
import { sha256 } from "@/lib/secrets.ts";
import { testDatabase } from "../helpers/db.ts";
import { seedPasskey, seedProject, seedUser } from "../helpers/identity.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());
const project = await seedProject(db.sql, { settings: { email_codes: true } });
const passkeysOnly = await seedProject(db.sql, { settings: { passwords: false, passkeys: true } });
const HASH = "$argon2id$v=19$m=19456,t=2,p=1$bmV3$bmV3";

let seed = 0;
/** A fresh 32-byte value (token hashes must be unique). */
function bytes(): Uint8Array {
  seed += 1;
  const out = new Uint8Array(32);
  new DataView(out.buffer).setUint32(0, 1_000_000 + seed);
  return out;
}

/** What someone who typed the address could have set up: a password, a linked sign-in, a session, a number. */
async function setUp(sql: Sql, projectId: string, user: string, n: number, passkey = true) {
  await sql`update astapa.users set password_hash = ${HASH}, phone_number = ${`+62812777700${n}`},
    phone_number_verified = false where project_id = ${projectId} and id = ${user}`;
  if (passkey) await seedPasskey(sql, projectId, user, 900 + n);
  await sql`insert into astapa.identities (project_id, provider, subject, user_id, email)
    values (${projectId}, 'github', ${`notice-${n}`}, ${user}, 'someone@example.com')`;
  await sql`insert into astapa.login_sessions (project_id, token_hash, user_id, expires_at)
    values (${projectId}, ${bytes()}, ${user}, now() + interval '1 day')`;
}

/** The claim notices queued to `email`: subject and text. */
async function notices(projectId: string, email: string) {
  const rows = await db.sql`select subject, body_text from astapa.mail_outbox
    where project_id = ${projectId} and kind = 'account_claimed' and to_address = ${email} order by id`;
  return rows.map((r) => ({ subject: r.subject as string, text: r.body_text as string }));
}

async function emailCode(email: string, code: string, projectId = project.id) {
  const hashes = { code: await sha256(code), link: await sha256(`link-${code}`) };
  const mail = { kind: "email_code", subject: "Your code", body: code, html: `<p>${code}</p>` };
  assert.equal(
    await mailEmailCode(db.sql, projectId, email, hashes, "client_id=x&redirect_uri=y", mail),
    true,
  );
  return hashes;
}

async function reset(user: string, lang: "en" | "id") {
  seed += 1;
  const token = `reset-notice-${seed}`;
  await asApp(db.sql, project.id, async (tx) => {
    await tx`select api.issue_email_token(${user}, 'reset_password', ${await sha256(token)})`;
  });
  return await resetPassword(db.sql, project.id, token, HASH, claimNotice(lang, "Toko", "reset"));
}

async function passkeySignUp(email: string, code: string) {
  const hashes = { token: await sha256(`psu-${code}`), code: await sha256(code) };
  const mail = { kind: "passkey_sign_up", subject: "Your code", body: code, html: `<p>${code}</p>` };
  assert.equal(await mailPasskeySignUpCode(db.sql, passkeysOnly.id, email, hashes, mail), true);
  return await provePasskeySignUp(
    db.sql,
    passkeysOnly.id,
    hashes.token,
    hashes.code,
    claimNotice("en", "Toko", "passkey_sign_up"),
  );
}

Deno.test("claim notice — an email code mails once what its claim removed; a second, or nothing, none", async () => {
  const victim = await seedUser(db.sql, project.id, "notice-code@example.com");
  await setUp(db.sql, project.id, victim, 1);
  const first = await emailCode("notice-code@example.com", "100001");
  const notice = claimNotice("en", "Toko", "email_code");
  assert.equal(
    (await redeemEmailCode(db.sql, project.id, "notice-code@example.com", first.code, notice))?.user_id,
    victim,
  );
  const told = await notices(project.id, "notice-code@example.com");
  assert.equal(told.length, 1);
  assert.equal(told[0].subject, "Your email is confirmed for Toko");
  assert.match(told[0].text, /You signed in to Toko with a code sent to this address/);
  assert.match(
    told[0].text,
    new RegExp(
      "- its password\n- a passkey\n- linked Google or GitHub sign-in\n- a phone number nobody had confirmed\n" +
        "- every other sign-in",
    ),
  );
  // The address is proven now: the next code claims nothing and tells nothing.
  const second = await emailCode("notice-code@example.com", "100002");
  assert.ok(await redeemEmailCodeLink(db.sql, project.id, second.link, notice));
  assert.equal((await notices(project.id, "notice-code@example.com")).length, 1);

  // Unverified, but nothing on it: the code claims it (verifies the address) and has nothing to tell.
  const empty = await seedUser(db.sql, project.id, "notice-code-empty@example.com");
  const code = await emailCode("notice-code-empty@example.com", "100003");
  assert.ok(await redeemEmailCode(db.sql, project.id, "notice-code-empty@example.com", code.code, notice));
  const [row] = await db.sql`select email_verified from astapa.users where id = ${empty}`;
  assert.equal(row.email_verified, true);
  assert.deepEqual(await notices(project.id, "notice-code-empty@example.com"), []);
});

Deno.test("claim notice — a reset's claim mails once, in the page's language, saying a reset proved it", async () => {
  const victim = await seedUser(db.sql, project.id, "notice-reset@example.com");
  await setUp(db.sql, project.id, victim, 2);
  assert.equal(await reset(victim, "id"), victim);
  const told = await notices(project.id, "notice-reset@example.com");
  assert.equal(told.length, 1);
  assert.equal(told[0].subject, "Email Anda terkonfirmasi untuk Toko");
  assert.match(
    told[0].text,
    /Anda membuat kata sandi baru untuk Toko lewat tautan yang dikirim ke alamat ini/,
  );
  assert.match(
    told[0].text,
    new RegExp(
      "- kata sandi sebelumnya \\(kata sandi baru Anda tetap berlaku\\)\n- sebuah passkey\n" +
        "- masuk dengan Google atau GitHub yang tertaut\n- nomor telepon yang belum pernah dikonfirmasi\n" +
        "- semua sesi masuk lainnya",
    ),
  );
  assert.match(told[0].text, /Jika Anda tidak baru saja mengatur ulang kata sandi/);
  // A second reset finds the address proven: it signs everyone out as ever, but claims and tells nothing.
  assert.equal(await reset(victim, "en"), victim);
  assert.equal((await notices(project.id, "notice-reset@example.com")).length, 1);

  const empty = await seedUser(db.sql, project.id, "notice-reset-empty@example.com");
  assert.equal(await reset(empty, "en"), empty);
  assert.deepEqual(await notices(project.id, "notice-reset-empty@example.com"), []);
});

Deno.test("claim notice — a passkey sign-up's code mails once what its claim removed; nothing, none", async () => {
  // A passkey sign-up opens only for an account without a passkey or a second factor.
  const victim = await seedUser(db.sql, passkeysOnly.id, "notice-passkey@example.com");
  await setUp(db.sql, passkeysOnly.id, victim, 3, false);
  assert.deepEqual(await passkeySignUp("notice-passkey@example.com", "300001"), { user_id: victim });
  const told = await notices(passkeysOnly.id, "notice-passkey@example.com");
  assert.equal(told.length, 1);
  assert.match(told[0].text, /You entered a code sent to this address to add a passkey on Toko/);
  assert.match(
    told[0].text,
    /- its password\n- linked Google or GitHub sign-in\n- a phone number nobody had confirmed\n- every other sign-in/,
  );
  assert.match(told[0].text, /If you did not just add a passkey, contact the app's support\./);
  // Abandoned before its passkey: a new attempt proves the address again, which is proven already.
  assert.ok(await passkeySignUp("notice-passkey@example.com", "300002"));
  assert.equal((await notices(passkeysOnly.id, "notice-passkey@example.com")).length, 1);

  await seedUser(db.sql, passkeysOnly.id, "notice-passkey-empty@example.com");
  assert.ok(await passkeySignUp("notice-passkey-empty@example.com", "300003"));
  assert.deepEqual(await notices(passkeysOnly.id, "notice-passkey-empty@example.com"), []);
  // A new address's sign-up creates the account: nothing to claim, nothing to tell.
  assert.ok(await passkeySignUp("notice-passkey-new@example.com", "300004"));
  assert.deepEqual(await notices(passkeysOnly.id, "notice-passkey-new@example.com"), []);
});

/** Puts the user in `count` organizations of the project, as admin, with an invitation sent from the first. */
async function inOrganizations(user: string, count: number, n: number) {
  await asApp(db.sql, project.id, async (tx) => {
    for (let i = 0; i < count; i++) {
      const [org] =
        await tx`select api.create_organization(${`Tim ${n}-${i}`}, ${`notice-${n}-${i}`}) ->> 'id' as id`;
      await tx`select api.add_organization_member(${org.id}, ${user}, 'admin')`;
      if (i === 0) {
        await tx`select api.invite_to_organization(${org.id}, ${`friend-${n}@example.com`}, 'member', ${bytes()},
          3600, ${user})`;
      }
    }
  });
}

Deno.test("claim notice — organizations the claim took the account out of are listed, and how to rejoin, en and id", async () => {
  const coded = await seedUser(db.sql, project.id, "notice-orgs@example.com");
  await inOrganizations(coded, 2, 5);
  const first = await emailCode("notice-orgs@example.com", "500001");
  const notice = claimNotice("en", "Toko", "email_code");
  assert.ok(await redeemEmailCode(db.sql, project.id, "notice-orgs@example.com", first.code, notice));
  const [told] = await notices(project.id, "notice-orgs@example.com");
  assert.match(
    told.text,
    /:\n\n- its membership of 2 organizations\n- invitations it had sent to join an organization\n\n/,
  );
  assert.match(told.text, /To be in an organization again, ask one of its admins to invite you\./);

  const resetter = await seedUser(db.sql, project.id, "notice-orgs-id@example.com");
  await inOrganizations(resetter, 1, 6);
  assert.equal(await reset(resetter, "id"), resetter);
  const [toldId] = await notices(project.id, "notice-orgs-id@example.com");
  assert.match(
    toldId.text,
    /- keanggotaannya di sebuah organisasi\n- undangan bergabung ke organisasi yang dikirim/,
  );
  assert.match(
    toldId.text,
    /Untuk bergabung lagi ke sebuah organisasi, minta salah satu admin organisasi itu/,
  );
});

/** E-wallets someone linked to the account for automatic renewal, as Xendit activated them. */
async function linkMethods(user: string, channels: string[]) {
  for (const channel of channels) {
    await db.sql`insert into astapa.linked_methods (project_id, user_id, environment, xendit_account, channel,
        label, status, provider_id)
      values (${project.id}, ${user}, 'sandbox', 'simulator', ${channel}, ${channel}, 'active',
        ${`pm-notice-${user}-${channel}`})`;
  }
}

Deno.test("claim notice — linked e-wallets and cards the claim unlinked are listed, en and id", async () => {
  const coded = await seedUser(db.sql, project.id, "notice-methods@example.com");
  await linkMethods(coded, ["DANA"]);
  const first = await emailCode("notice-methods@example.com", "700001");
  assert.ok(
    await redeemEmailCode(
      db.sql,
      project.id,
      "notice-methods@example.com",
      first.code,
      claimNotice("en", "Toko", "email_code"),
    ),
  );
  const [told] = await notices(project.id, "notice-methods@example.com");
  assert.match(told.text, /:\n\n- an e-wallet or card linked to pay renewals \(it will not be charged\)\n\n/);

  const resetter = await seedUser(db.sql, project.id, "notice-methods-id@example.com");
  await linkMethods(resetter, ["DANA", "OVO"]);
  assert.equal(await reset(resetter, "id"), resetter);
  const [toldId] = await notices(project.id, "notice-methods-id@example.com");
  assert.match(
    toldId.text,
    /- 2 e-wallet atau kartu yang ditautkan untuk membayar perpanjangan \(tidak ada yang akan ditagih\)\n/,
  );
});

Deno.test("claim notice — a phone code's claim leaves no proven address: what went is for its page, no mail", async () => {
  const user = await seedUser(db.sql, project.id, "notice-phone@example.com");
  await setUp(db.sql, project.id, user, 4);
  const told = await asApp(db.sql, project.id, async (tx) => {
    const [row] = await tx`select astapa.claim_notice(${project.id}, ${user},
      astapa.claim_unproven_account(${project.id}, ${user}, 'phone')) as told`;
    return row.told;
  });
  // The counts, for the page the code was typed on; no address to mail (the unproven one went).
  assert.equal(told.email, undefined);
  assert.equal(told.claimed.password, 1);
  assert.equal(told.claimed.email, 1);
  assert.equal(told.claimed.phone_number, undefined);
  const [after] = await db.sql`select email, phone_number_verified from astapa.users where id = ${user}`;
  assert.deepEqual([after.email, after.phone_number_verified], [null, true], "the unproven address went");
});
