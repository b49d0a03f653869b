/**
 * A first phone-code sign-in held for consent (db/api/phone.sql api.check_phone_code, db/api/held_social_sign_ups.sql
 * astapa.sign_up_with_held_phone, migration 4348): a new number missing only consent uses the code up and is held
 * with its channel under the caller's token; an existing phone user, or any other refusal, is never held; the step
 * makes the account once with consent (verified number, legal_accepted_at), refuses it without (still usable), and
 * leaves it unused when the number was taken meanwhile or phone sign-ups turned off; dead after 10 minutes, another
 * project's invisible, swept a day past expiry.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { checkPhoneCode, startPhoneCode } from "@/db/phone.ts";
import { heldSocialSignUp, signUpWithHeldIdentity } from "@/db/held_social_sign_ups.ts";
import { sha256 } from "@/lib/secrets.ts";
import { testDatabase } from "../helpers/db.ts";
import { rejectsAs, seedProject } from "../helpers/identity.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const ASKED = {
  branding: { terms_url: "https://toko.example/terms" },
  sign_up: { require_legal_consent: true },
  phone: { enabled: true },
};
const project = await seedProject(db.sql, { name: "Toko", settings: ASKED });
const other = await seedProject(db.sql, { name: "Lain", settings: ASKED });
const REQUEST = "client_id=cid&redirect_uri=https%3A%2F%2Fapp.example%2Fcallback";

let counter = 0;
/** A fresh number in its own range, so one test's sends do not use another's allowance. */
const freshNumber = () => `+62813${String(1000000 + counter++ * 10000).padStart(7, "0")}`;

/** A code sent to `phone` by `channel`, typed right, with a token to hold the sign-in under (or none). */
async function typed(
  phone: string,
  options: { channel?: "whatsapp" | "sms"; hold?: boolean; projectId?: string } = {},
) {
  const projectId = options.projectId ?? project.id;
  const token = `code-${phone}-${counter++}`;
  const tokenHash = await sha256(token);
  const codeHash = await sha256(`${token}:123456`);
  await startPhoneCode(db.sql, projectId, {
    phoneNumber: phone,
    country: "ID",
    channel: options.channel ?? "whatsapp",
    tokenHash,
    codeHash,
  }, `10.1.${counter}.1`);
  const heldHash = await sha256(`held-${token}`);
  const hold = options.hold === false ? undefined : { tokenHash: heldHash, request: REQUEST };
  return {
    check: () => checkPhoneCode(db.sql, projectId, tokenHash, codeHash, undefined, undefined, hold),
    heldHash,
    codeUsed: () => codeUsed(tokenHash),
  };
}

/** Another account with the number, verified (as a phone sign-up or the Platform API makes it). */
const phoneUser = async (projectId: string, phone: string) =>
  (await db.sql`insert into astapa.users (project_id, phone_number, phone_number_verified, environment)
    select p.id, ${phone}, true, p.mode from astapa.projects p where p.id = ${projectId}
    returning id::text`)[0].id as string;

const codeUsed = async (tokenHash: Uint8Array) =>
  (await db.sql`select used_at is not null as used from astapa.phone_codes where token_hash = ${tokenHash}`)[
    0
  ]
    .used as boolean;
const userOf = async (projectId: string, phone: string) =>
  (await db.sql`select id::text, phone_number_verified, legal_accepted_at, email from astapa.users
    where project_id = ${projectId} and phone_number = ${phone}`)[0];
const heldRows = async (phone: string) =>
  (await db.sql`select kind, provider, subject, phone_number, channel, sign_in_request, used_at,
    expires_at - created_at as life from astapa.held_social_sign_ups where phone_number = ${phone}`)
    .map((r) => ({ ...r }));

/** A number held for consent, by the code's own check. */
async function held(phone: string, channel: "whatsapp" | "sms" = "whatsapp", projectId = project.id) {
  const code = await typed(phone, { channel, projectId });
  const answer = await code.check();
  assert.deepEqual(answer, { accepted: true, user_id: null, held: true, channel });
  return code.heldHash;
}

Deno.test("api.check_phone_code — a new number missing only consent, with a token to hold it: the code used up, the number and channel held 10 minutes, no account", async () => {
  const phone = freshNumber();
  const code = await typed(phone, { channel: "sms" });
  assert.deepEqual(await code.check(), { accepted: true, user_id: null, held: true, channel: "sms" });
  assert.equal(await code.codeUsed(), true);
  assert.equal(await userOf(project.id, phone), undefined);
  const [row] = await heldRows(phone);
  assert.deepEqual(row, {
    kind: "phone",
    provider: null,
    subject: null,
    phone_number: phone,
    channel: "sms",
    sign_in_request: REQUEST,
    used_at: null,
    life: "00:10:00",
  });
  assert.deepEqual(await heldSocialSignUp(db.sql, project.id, code.heldHash), {
    kind: "phone",
    provider: null,
    sign_in_request: REQUEST,
    usable: true,
  });
  // The code is spent: typed again it is dead.
  assert.deepEqual(await code.check(), { accepted: false, expired: true });
});

Deno.test("api.check_phone_code — without a token to hold it, a new number missing consent is AS4N7 and the code stays live", async () => {
  const phone = freshNumber();
  const code = await typed(phone, { hold: false });
  await rejectsAs(code.check(), "legal_consent_required");
  assert.equal(await code.codeUsed(), false);
  assert.deepEqual(await heldRows(phone), []);
});

Deno.test("api.check_phone_code — an existing phone user signs in, never held", async () => {
  const phone = freshNumber();
  const made = await phoneUser(project.id, phone);
  const answer = await (await typed(phone)).check();
  assert.deepEqual([answer.accepted, answer.user_id, answer.created, answer.held], [
    true,
    made,
    false,
    undefined,
  ]);
  assert.deepEqual(await heldRows(phone), []);
});

Deno.test("api.check_phone_code — another sign-up rule refusing the number raises even with a token: nothing held, the code live", async () => {
  const closed = await seedProject(db.sql, {
    name: "Tutup",
    settings: { ...ASKED, sign_up: { require_legal_consent: true, mode: "closed" } },
  });
  const phone = freshNumber();
  const code = await typed(phone, { projectId: closed.id });
  await rejectsAs(code.check(), "sign_up_refused");
  assert.equal(await code.codeUsed(), false);
  assert.deepEqual(await heldRows(phone), []);
});

Deno.test("api.sign_up_with_held_identity — a held phone code with consent makes the account once (verified number, legal_accepted_at, audited by hosted_login); a replay is expired", async () => {
  const phone = freshNumber();
  const hash = await held(phone, "sms");
  const finished = await signUpWithHeldIdentity(db.sql, project.id, hash);
  assert.equal(finished.status, "signed_in");
  if (finished.status !== "signed_in" || finished.kind !== "phone") return assert.fail("a phone sign-in");
  assert.deepEqual([finished.created, finished.channel, finished.sign_in_request], [true, "sms", REQUEST]);
  const user = await userOf(project.id, phone);
  assert.equal(user.id, finished.user_id);
  assert.equal(user.phone_number_verified, true);
  assert.equal(user.email, null);
  assert.ok(user.legal_accepted_at instanceof Date);
  const audited = await db.sql`select actor from astapa.audit_log where project_id = ${project.id}
    and action = 'user.create' and target = ${"user:" + finished.user_id}`;
  assert.deepEqual(audited.map((r) => r.actor), ["hosted_login"]);
  assert.ok((await heldRows(phone))[0].used_at instanceof Date);
  assert.deepEqual(await signUpWithHeldIdentity(db.sql, project.id, hash), { status: "expired" });
});

Deno.test("api.sign_up_with_held_identity — a held phone code without consent: consent_missing, still usable, no account", async () => {
  const phone = freshNumber();
  const hash = await held(phone);
  assert.deepEqual(await signUpWithHeldIdentity(db.sql, project.id, hash, false), {
    status: "consent_missing",
  });
  assert.equal(await userOf(project.id, phone), undefined);
  assert.equal((await heldSocialSignUp(db.sql, project.id, hash))!.usable, true);
});

Deno.test("api.sign_up_with_held_identity — the number on an account meanwhile is taken, phone sign-ups off meanwhile no_account: nothing used or made", async () => {
  const phone = freshNumber();
  const hash = await held(phone);
  const taker = await phoneUser(project.id, phone);
  assert.deepEqual(await signUpWithHeldIdentity(db.sql, project.id, hash), {
    status: "taken",
    kind: "phone",
  });
  assert.equal((await userOf(project.id, phone)).id, taker);
  assert.equal((await heldSocialSignUp(db.sql, project.id, hash))!.usable, true);

  const off = await seedProject(db.sql, { name: "Mati", settings: ASKED });
  const offPhone = freshNumber();
  const offHash = await held(offPhone, "whatsapp", off.id);
  await db.sql`update astapa.projects set settings = jsonb_set(settings, '{phone,signup}', 'false')
    where id = ${off.id}`;
  assert.deepEqual(await signUpWithHeldIdentity(db.sql, off.id, offHash), {
    status: "no_account",
    kind: "phone",
  });
  await db.sql`update astapa.projects set settings = jsonb_set(settings, '{phone}', '{"enabled": false}')
    where id = ${off.id}`;
  assert.deepEqual(await signUpWithHeldIdentity(db.sql, off.id, offHash), {
    status: "no_account",
    kind: "phone",
  });
  assert.equal(await userOf(off.id, offPhone), undefined);
  assert.equal((await heldSocialSignUp(db.sql, off.id, offHash))!.usable, true);
});

Deno.test("api.sign_up_with_held_identity — a held phone code expires after 10 minutes and is another project's to nobody", async () => {
  const phone = freshNumber();
  const hash = await held(phone);
  assert.equal(await heldSocialSignUp(db.sql, other.id, hash), null);
  assert.deepEqual(await signUpWithHeldIdentity(db.sql, other.id, hash), { status: "expired" });
  await db.sql`update astapa.held_social_sign_ups set created_at = created_at - interval '11 minutes',
    expires_at = expires_at - interval '11 minutes' where token_hash = ${hash}`;
  assert.deepEqual(await signUpWithHeldIdentity(db.sql, project.id, hash), { status: "expired" });
  assert.equal(await userOf(project.id, phone), undefined);
});

Deno.test("held sign-ups — a phone row holds a number and a channel and nothing of a social one's (and the reverse)", async () => {
  const insert = (columns: string) =>
    db.sql.unsafe(
      `insert into astapa.held_social_sign_ups (project_id, token_hash, sign_in_request, expires_at,
      ${columns.split("|")[0]}) values ('${project.id}', '\\x${
        "ab".repeat(32)
      }', 'q', now() + interval '1 minute',
      ${columns.split("|")[1]})`,
    );
  await assert.rejects(
    insert("kind, phone_number|'phone', '+6281300000000'"),
    /held_social_sign_ups_kind_check/,
  );
  await assert.rejects(
    insert(
      "kind, phone_number, channel, provider, subject, email_verified|'phone', '+6281300000000', 'sms', 'google', 's', true",
    ),
    /held_social_sign_ups_kind_check/,
  );
  await assert.rejects(
    insert(
      "kind, provider, subject, email_verified, phone_number, channel|'social', 'google', 's', true, '+6281300000000', 'sms'",
    ),
    /held_social_sign_ups_kind_check/,
  );
  await assert.rejects(insert("kind, phone_number, channel|'phone', '0813', 'sms'"), /phone_number_check/);
  await assert.rejects(
    insert("kind, phone_number, channel|'phone', '+6281300000000', 'fax'"),
    /channel_check/,
  );
});

Deno.test("api.sweep_grants — sweeps held phone codes a day past expiry, counted with the social ones", async () => {
  const old = await held(freshNumber());
  const recent = await held(freshNumber());
  await db.sql`update astapa.held_social_sign_ups set created_at = now() - interval '2 days',
    expires_at = now() - interval '2 days' + interval '10 minutes' where token_hash = ${old}`;
  const swept = await asApp(db.sql, null, async (tx) => (await tx`select api.sweep_grants() as s`)[0].s);
  assert.equal(swept.held_social_sign_ups, 1);
  const left = await db
    .sql`select token_hash from astapa.held_social_sign_ups where token_hash in (${old}, ${recent})`;
  assert.deepEqual(left.map((r) => new Uint8Array(r.token_hash)), [recent]);
});

Deno.test("api.check_phone_code, api.sign_up_with_held_identity — the guest of the held request becomes the account with the number", async () => {
  const guests = await seedProject(db.sql, {
    name: "Tamu",
    settings: { ...ASKED, anonymous_users: { enabled: true } },
  });
  const sub = await asApp(
    db.sql,
    guests.id,
    async (tx) =>
      (await tx`select api.sign_in_anonymously(${guests.clientId}, '192.0.2.19', ${await sha256(
        "guest-phone-held",
      )}, 'openid') ->> 'sub' as sub`)[0].sub as string,
  );
  const phone = freshNumber();
  const token = "code-tamu";
  await startPhoneCode(db.sql, guests.id, {
    phoneNumber: phone,
    country: "ID",
    channel: "whatsapp",
    tokenHash: await sha256(token),
    codeHash: await sha256(`${token}:123456`),
  }, "10.2.0.1");
  const hash = await sha256("held-tamu");
  const answer = await checkPhoneCode(
    db.sql,
    guests.id,
    await sha256(token),
    await sha256(`${token}:123456`),
    undefined,
    sub,
    { tokenHash: hash, request: REQUEST },
  );
  assert.equal(answer.held, true);
  const [{ guest_id }] = await db.sql`select guest_id::text from astapa.held_social_sign_ups
    where token_hash = ${hash}`;
  assert.equal(guest_id, sub);
  // Finished without the guest in the caller's context: the held row names it.
  const finished = await signUpWithHeldIdentity(db.sql, guests.id, hash);
  assert.equal(finished.status, "signed_in");
  if (finished.status !== "signed_in") return;
  assert.equal(finished.user_id, sub, "the guest's own row");
  const [user] = await db.sql`select is_anonymous, phone_number, phone_number_verified, legal_accepted_at
    from astapa.users where project_id = ${guests.id} and id = ${sub}::bigint`;
  assert.deepEqual([user.is_anonymous, user.phone_number, user.phone_number_verified], [false, phone, true]);
  assert.ok(user.legal_accepted_at instanceof Date);
});
