/**
 * A first emailed sign-in code (or magic link) held for consent (db/api/email_codes.sql astapa.use_email_code,
 * db/api/held_social_sign_ups.sql astapa.sign_up_with_held_email, migration 4351): a new address missing only consent
 * uses the code up and is held, verified, under the caller's token; without a token, an existing user, or any other
 * refusal, nothing is held; the step makes the account once with consent (verified address, legal_accepted_at, the
 * held guest), refuses it without (still usable), and leaves it unused when the address was taken meanwhile or
 * email-code sign-ups turned off; dead after 10 minutes, another project's invisible.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { heldSocialSignUp, signUpWithHeldIdentity } from "@/db/held_social_sign_ups.ts";
import { mailEmailCode, redeemEmailCode, redeemEmailCodeLink } from "@/db/email_codes.ts";
import { claimNotice } from "@/lib/login/claimed_mail.ts";
import { sha256 } from "@/lib/secrets.ts";
import { testDatabase } from "../helpers/db.ts";
import { rejectsAs, seedProject, seedUser } from "../helpers/identity.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const ASKED = {
  branding: { terms_url: "https://toko.example/terms" },
  sign_up: { require_legal_consent: true },
  email_codes: true,
  email_code_sign_up: true,
};
const project = await seedProject(db.sql, { name: "Toko", settings: ASKED });
const other = await seedProject(db.sql, { name: "Lain", settings: ASKED });
const REQUEST = "client_id=cid&redirect_uri=https%3A%2F%2Fapp.example%2Fcallback";
const mail = { kind: "email_code", subject: "Your code", body: "123456", html: "<p>123456</p>" };
const notice = claimNotice("en", "Toko", "email_code");

let counter = 0;
const freshAddress = () => `baru${counter++}@toko.example`;

/** A sign-up code mailed to `email` (asked without the box), and a token to hold the sign-in under. */
async function mailed(email: string, projectId = project.id) {
  const hashes = { code: await sha256(`code-${email}`), link: await sha256(`link-${email}`) };
  assert.equal(await mailEmailCode(db.sql, projectId, email, hashes, "q=mailed", mail), true);
  const heldHash = await sha256(`held-${email}`);
  return { ...hashes, heldHash, hold: { tokenHash: heldHash, request: REQUEST } };
}

const codeUsed = async (link: Uint8Array) =>
  (await db.sql`select used_at is not null as used from astapa.email_codes where link_hash = ${link}`)[0]
    .used as boolean;
const userOf = async (projectId: string, email: string) =>
  (await db.sql`select id::text, email_verified, legal_accepted_at from astapa.users
    where project_id = ${projectId} and email = ${email}`)[0];
const heldRows = async (email: string) =>
  (await db.sql`select kind, email, email_verified, provider, sign_in_request, used_at,
    expires_at - created_at as life from astapa.held_social_sign_ups where email = ${email}`)
    .map((r) => ({ ...r }));

/** An address held for consent, by its code's own redemption. */
async function held(email: string, projectId = project.id) {
  const code = await mailed(email, projectId);
  assert.deepEqual(
    await redeemEmailCode(
      db.sql,
      projectId,
      email,
      code.code,
      notice,
      undefined,
      undefined,
      false,
      code.hold,
    ),
    {
      user_id: null,
      created: false,
      held: true,
    },
  );
  return code.heldHash;
}

Deno.test("api.redeem_email_code — a new address missing only consent, with a token to hold it: the code used up, the address held verified 10 minutes, no account", async () => {
  const email = freshAddress();
  const code = await mailed(email);
  assert.deepEqual(
    await redeemEmailCode(
      db.sql,
      project.id,
      email,
      code.code,
      notice,
      undefined,
      undefined,
      false,
      code.hold,
    ),
    { user_id: null, created: false, held: true },
  );
  assert.equal(await codeUsed(code.link), true);
  assert.equal(await userOf(project.id, email), undefined);
  const [row] = await heldRows(email);
  assert.deepEqual(
    [row.kind, row.email, row.email_verified, row.provider, row.sign_in_request, row.used_at],
    ["email", email, true, null, REQUEST, null],
  );
  assert.equal(row.life, "00:10:00");
  assert.deepEqual(await heldSocialSignUp(db.sql, project.id, code.heldHash), {
    kind: "email",
    provider: null,
    sign_in_request: REQUEST,
    usable: true,
  });
});

Deno.test("api.redeem_email_code_link — the magic link holds the address as the code does", async () => {
  const email = freshAddress();
  const code = await mailed(email);
  assert.deepEqual(await redeemEmailCodeLink(db.sql, project.id, code.link, notice, undefined, code.hold), {
    user_id: null,
    created: false,
    held: true,
  });
  assert.equal(await codeUsed(code.link), true);
  assert.equal((await heldRows(email))[0].kind, "email");
});

Deno.test("api.redeem_email_code — without a token to hold it, a new address missing consent is AS4N7 and the code stays live", async () => {
  const email = freshAddress();
  const code = await mailed(email);
  await rejectsAs(redeemEmailCode(db.sql, project.id, email, code.code, notice), "legal_consent_required");
  assert.equal(await codeUsed(code.link), false);
  assert.deepEqual(await heldRows(email), []);
});

Deno.test("api.redeem_email_code — an existing user signs in, never held", async () => {
  const email = freshAddress();
  const id = await seedUser(db.sql, project.id, email, { verified: true });
  const code = await mailed(email);
  const redeemed = await redeemEmailCode(
    db.sql,
    project.id,
    email,
    code.code,
    notice,
    undefined,
    undefined,
    false,
    code.hold,
  );
  assert.deepEqual(redeemed, { user_id: id, created: false });
  assert.deepEqual(await heldRows(email), []);
});

Deno.test("api.redeem_email_code — another sign-up rule refusing the address raises even with a token: nothing held, the code live", async () => {
  const closed = await seedProject(db.sql, {
    name: "Tutup",
    settings: { ...ASKED, sign_up: { require_legal_consent: true, mode: "closed" } },
  });
  const email = freshAddress();
  const code = await mailed(email, closed.id);
  await rejectsAs(
    redeemEmailCode(db.sql, closed.id, email, code.code, notice, undefined, undefined, false, code.hold),
    "sign_up_refused",
  );
  assert.equal(await codeUsed(code.link), false);
  assert.deepEqual(await heldRows(email), []);
});

Deno.test("api.sign_up_with_held_identity — a held email code with consent makes the account once (verified address, legal_accepted_at, audited by hosted_login); a replay is expired", async () => {
  const email = freshAddress();
  const hash = await held(email);
  const finished = await signUpWithHeldIdentity(db.sql, project.id, hash);
  if (finished.status !== "signed_in" || finished.kind !== "email") {
    return assert.fail(JSON.stringify(finished));
  }
  assert.deepEqual([finished.created, finished.sign_in_request], [true, REQUEST]);
  const user = await userOf(project.id, email);
  assert.equal(user.id, finished.user_id);
  assert.equal(user.email_verified, true);
  assert.ok(user.legal_accepted_at instanceof Date);
  const audited = await db
    .sql`select actor, action, details from astapa.audit_log where project_id = ${project.id}
    and target = ${"user:" + finished.user_id} and action = 'sign_in.email_code'`;
  assert.deepEqual(audited.map((r) => ({ ...r })), [
    { actor: "hosted_login", action: "sign_in.email_code", details: { created: true } },
  ]);
  assert.ok((await heldRows(email))[0].used_at instanceof Date);
  assert.deepEqual(await signUpWithHeldIdentity(db.sql, project.id, hash), { status: "expired" });
});

Deno.test("api.sign_up_with_held_identity — a held email code without consent: consent_missing, still usable, no account", async () => {
  const email = freshAddress();
  const hash = await held(email);
  assert.deepEqual(await signUpWithHeldIdentity(db.sql, project.id, hash, false), {
    status: "consent_missing",
  });
  assert.equal(await userOf(project.id, email), undefined);
  assert.equal((await heldSocialSignUp(db.sql, project.id, hash))!.usable, true);
});

Deno.test("api.sign_up_with_held_identity — the address on an account meanwhile is taken, email-code sign-ups off meanwhile no_account: nothing used or made", async () => {
  const email = freshAddress();
  const hash = await held(email);
  const taker = await seedUser(db.sql, project.id, email.toUpperCase());
  assert.deepEqual(await signUpWithHeldIdentity(db.sql, project.id, hash), {
    status: "taken",
    kind: "email",
  });
  assert.equal((await userOf(project.id, email.toUpperCase())).id, taker);
  assert.equal((await heldSocialSignUp(db.sql, project.id, hash))!.usable, true);

  const off = await seedProject(db.sql, { name: "Mati", settings: ASKED });
  const offEmail = freshAddress();
  const offHash = await held(offEmail, off.id);
  await db
    .sql`update astapa.projects set settings = settings || '{"email_code_sign_up": false}' where id = ${off.id}`;
  assert.deepEqual(await signUpWithHeldIdentity(db.sql, off.id, offHash), {
    status: "no_account",
    kind: "email",
  });
  assert.equal(await userOf(off.id, offEmail), undefined);
  assert.equal((await heldSocialSignUp(db.sql, off.id, offHash))!.usable, true);
});

Deno.test("api.sign_up_with_held_identity — a held email code expires after 10 minutes and is another project's to nobody", async () => {
  const email = freshAddress();
  const hash = await held(email);
  assert.equal(await heldSocialSignUp(db.sql, other.id, hash), null);
  assert.deepEqual(await signUpWithHeldIdentity(db.sql, other.id, hash), { status: "expired" });
  await db.sql`update astapa.held_social_sign_ups set created_at = created_at - interval '11 minutes',
    expires_at = expires_at - interval '11 minutes' where token_hash = ${hash}`;
  assert.deepEqual(await signUpWithHeldIdentity(db.sql, project.id, hash), { status: "expired" });
  assert.equal(await userOf(project.id, email), undefined);
});

Deno.test("held sign-ups — an email row holds a verified address and nothing of a social or phone one's", async () => {
  const insert = (columns: string, values: string) =>
    db.sql.unsafe(
      `insert into astapa.held_social_sign_ups (project_id, token_hash, sign_in_request, expires_at, kind, ${columns})
      values ('${project.id}', '\\x${
        "cd".repeat(32)
      }', 'q', now() + interval '1 minute', 'email', ${values})`,
    );
  await assert.rejects(insert("email_verified", "true"), /held_social_sign_ups_kind_check/);
  await assert.rejects(
    insert("email, email_verified", "'a@toko.example', false"),
    /held_social_sign_ups_kind_check/,
  );
  await assert.rejects(
    insert("email, email_verified, provider, subject", "'a@toko.example', true, 'google', 's'"),
    /held_social_sign_ups_kind_check/,
  );
  await assert.rejects(
    insert("email, email_verified, phone_number, channel", "'a@toko.example', true, '+6281300000000', 'sms'"),
    /held_social_sign_ups_kind_check/,
  );
});

Deno.test("api.redeem_email_code, api.sign_up_with_held_identity — the guest of the held request becomes the account with the address", async () => {
  const guests = await seedProject(db.sql, {
    name: "Tamu",
    settings: { ...ASKED, anonymous_users: { enabled: true } },
  });
  const sub = await asApp(
    db.sql,
    guests.id,
    async (tx) =>
      (await tx`select api.sign_in_anonymously(${guests.clientId}, '192.0.2.29', ${await sha256(
        "guest-email-held",
      )}, 'openid') ->> 'sub' as sub`)[0].sub as string,
  );
  const email = freshAddress();
  const code = await mailed(email, guests.id);
  const answer = await redeemEmailCode(
    db.sql,
    guests.id,
    email,
    code.code,
    notice,
    undefined,
    sub,
    false,
    code.hold,
  );
  assert.deepEqual(answer, { user_id: null, created: false, held: true });
  const [{ guest_id }] = await db.sql`select guest_id::text from astapa.held_social_sign_ups
    where token_hash = ${code.heldHash}`;
  assert.equal(guest_id, sub);
  // Finished without the guest in the caller's context: the held row names it.
  const finished = await signUpWithHeldIdentity(db.sql, guests.id, code.heldHash);
  if (finished.status !== "signed_in") return assert.fail(JSON.stringify(finished));
  assert.equal(finished.user_id, sub, "the guest's own row");
  const [user] = await db.sql`select is_anonymous, email, email_verified, legal_accepted_at
    from astapa.users where project_id = ${guests.id} and id = ${sub}::bigint`;
  assert.deepEqual([user.is_anonymous, user.email, user.email_verified], [false, email, true]);
  assert.ok(user.legal_accepted_at instanceof Date);
});
