/**
 * A first social sign-in held for consent (db/api/held_social_sign_ups.sql): held under a token's hash, read
 * without using it, finished once with consent (legal_accepted_at, the identity, the profile), refused without it
 * (AS4N7, still usable), dead after 10 minutes, invisible to another project, swept a day past expiry. And the
 * emailed sign-up code asked for with consent (email_codes.legal_consent): its code or magic link makes the account
 * with legal_accepted_at; without it AS4N7.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { heldSocialSignUp, holdSocialSignUp, signUpWithHeldIdentity } from "@/db/held_social_sign_ups.ts";
import { mailEmailCode, redeemEmailCode, redeemEmailCodeLink } from "@/db/email_codes.ts";
import type { ProviderIdentity } from "@/db/social.ts";
import { claimNotice } from "@/lib/login/claimed_mail.ts";
import { sha256 } from "@/lib/secrets.ts";
import { testDatabase } from "../helpers/db.ts";
import { rejectsAs, seedProject } from "../helpers/identity.ts";

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

const identity = (subject: string): ProviderIdentity => ({
  provider: "google",
  subject,
  email: `${subject}@toko.example`,
  emailVerified: true,
  profile: { given_name: "Budi" },
});

async function held(subject: string, projectId = project.id) {
  const hash = await sha256(`token-${subject}`);
  await holdSocialSignUp(db.sql, projectId, hash, identity(subject), { query: REQUEST });
  return hash;
}

const userOf = async (projectId: string, email: string) =>
  (await db.sql`select id::text, legal_accepted_at, given_name from astapa.users
    where project_id = ${projectId} and email = ${email}`)[0];

Deno.test("api.hold_social_sign_up, api.held_social_sign_up — held for 10 minutes with its identity and profile; read without using it; null for an unknown token", async () => {
  const hash = await held("baca");
  const read = await heldSocialSignUp(db.sql, project.id, hash);
  assert.deepEqual(read, { kind: "social", provider: "google", sign_in_request: REQUEST, usable: true });
  assert.deepEqual(await heldSocialSignUp(db.sql, project.id, hash), read, "reading used nothing");
  assert.equal(await heldSocialSignUp(db.sql, project.id, await sha256("never-held")), null);
  const [row] = await db
    .sql`select expires_at - created_at as life, email, profile from astapa.held_social_sign_ups
    where token_hash = ${hash}`;
  assert.equal(row.life, "00:10:00");
  assert.equal(row.email, "baca@toko.example");
  assert.deepEqual(row.profile, { given_name: "Budi" });
});

Deno.test("api.sign_up_with_held_identity — with consent makes the account once (legal_accepted_at, the identity, the profile, the provider as the audit actor); a replay is expired", async () => {
  const hash = await held("setuju");
  const finished = await signUpWithHeldIdentity(db.sql, project.id, hash);
  assert.equal(finished.status, "signed_in");
  if (finished.status !== "signed_in" || finished.kind !== "social") return assert.fail("a social sign-in");
  assert.equal(finished.created, true);
  assert.equal(finished.provider, "google");
  assert.equal(finished.sign_in_request, REQUEST);
  const user = await userOf(project.id, "setuju@toko.example");
  assert.equal(user.id, finished.user_id);
  assert.ok(user.legal_accepted_at instanceof Date);
  assert.equal(user.given_name, "Budi");
  const [link] = await db.sql`select provider, subject from astapa.identities
    where project_id = ${project.id} and user_id = ${finished.user_id}::bigint`;
  assert.deepEqual({ ...link }, { provider: "google", subject: "setuju" });
  const audited = await db.sql`select actor from astapa.audit_log where project_id = ${project.id}
    and action = 'user.identity_link' and target = ${"user:" + finished.user_id}`;
  assert.deepEqual(audited.map((r) => r.actor), ["hosted_login:google"]);
  assert.deepEqual(
    await signUpWithHeldIdentity(db.sql, project.id, hash),
    { status: "expired" },
    "single use",
  );
  assert.equal((await heldSocialSignUp(db.sql, project.id, hash))!.usable, false);
});

Deno.test("api.sign_up_with_held_identity — the guest held with the request (not the caller's context) becomes the account", async () => {
  const guests = await seedProject(db.sql, { settings: { ...ASKED, anonymous_users: { enabled: true } } });
  const sub = await asApp(
    db.sql,
    guests.id,
    async (tx) =>
      (await tx`select api.sign_in_anonymously(${guests.clientId}, '192.0.2.9', ${await sha256(
        "guest-held",
      )}, 'openid') ->> 'sub' as sub`)[0].sub as string,
  );
  const hash = await sha256("token-tamu");
  await holdSocialSignUp(db.sql, guests.id, hash, identity("tamu"), { query: REQUEST, guestSub: sub });
  const [{ guest_id }] = await db.sql`select guest_id::text from astapa.held_social_sign_ups
    where token_hash = ${hash}`;
  assert.equal(guest_id, sub);
  const finished = await signUpWithHeldIdentity(db.sql, guests.id, hash);
  assert.equal(finished.status, "signed_in");
  if (finished.status !== "signed_in") return;
  assert.equal(finished.user_id, sub, "the guest's own row");
  const user = await userOf(guests.id, "tamu@toko.example");
  assert.equal(user.id, sub);
  assert.ok(user.legal_accepted_at instanceof Date);
});

Deno.test("api.sign_up_with_held_identity — without consent (AS4N7 within) consent_missing, and the held sign-in stays usable", async () => {
  const hash = await held("tanpa");
  assert.deepEqual(
    await signUpWithHeldIdentity(db.sql, project.id, hash, false),
    { status: "consent_missing" },
  );
  assert.equal(await userOf(project.id, "tanpa@toko.example"), undefined);
  assert.equal((await heldSocialSignUp(db.sql, project.id, hash))!.usable, true);
});

Deno.test("api.sign_up_with_held_identity — expired after 10 minutes: expired with consent or without, nothing made", async () => {
  const hash = await held("telat");
  await db.sql`update astapa.held_social_sign_ups set created_at = created_at - interval '11 minutes',
    expires_at = expires_at - interval '11 minutes' where token_hash = ${hash}`;
  assert.equal((await heldSocialSignUp(db.sql, project.id, hash))!.usable, false);
  assert.deepEqual(await signUpWithHeldIdentity(db.sql, project.id, hash), { status: "expired" });
  assert.deepEqual(
    await signUpWithHeldIdentity(db.sql, project.id, hash, false),
    { status: "expired" },
  );
  assert.equal(await userOf(project.id, "telat@toko.example"), undefined);
});

Deno.test("held social sign-ups — another project neither reads nor finishes one, and the app cannot read it raw", async () => {
  const hash = await held("proyek");
  assert.equal(await heldSocialSignUp(db.sql, other.id, hash), null);
  assert.deepEqual(await signUpWithHeldIdentity(db.sql, other.id, hash), { status: "expired" });
  assert.equal(await userOf(other.id, "proyek@toko.example"), undefined);
  const seen = await asApp(
    db.sql,
    other.id,
    (tx) => tx`select count(*)::int as n from astapa.held_social_sign_ups`,
  );
  assert.equal(seen[0].n, 0);
  assert.equal((await heldSocialSignUp(db.sql, project.id, hash))!.usable, true, "still the first project's");
});

Deno.test("api.sweep_grants — deletes held social sign-ups a day past expiry, not the others", async () => {
  const old = await held("lama");
  const recent = await held("baru");
  await db.sql`update astapa.held_social_sign_ups set created_at = now() - interval '2 days',
    expires_at = now() - interval '2 days' + interval '10 minutes' where token_hash = ${old}`;
  const swept = await asApp(db.sql, null, async (tx) => (await tx`select api.sweep_grants() as s`)[0].s);
  assert.equal(swept.held_social_sign_ups, 1);
  const left = await db
    .sql`select token_hash from astapa.held_social_sign_ups where token_hash in (${old}, ${recent})`;
  assert.deepEqual(left.map((r) => new Uint8Array(r.token_hash)), [recent]);
});

const APPLE_KEPT = { clientId: "com.toko.web", tokenSealed: "c2VhbGVkLWFwcGxlLXRva2Vu" };
const appleIdentity = (subject: string): ProviderIdentity => ({
  provider: "apple",
  subject,
  email: `${subject}@privaterelay.appleid.com`,
  emailVerified: true,
});
const revocationsOf = async (projectId: string) =>
  (await db.sql`select client_id, token_sealed from astapa.apple_token_revocations
    where project_id = ${projectId} order by id`).map((r) => ({ ...r }));

Deno.test("api.sign_up_with_held_identity — Apple's sealed refresh token held with the sign-in moves to the identity the step makes; the row keeps none", async () => {
  const hash = await sha256("token-apel");
  await holdSocialSignUp(db.sql, project.id, hash, appleIdentity("apel"), { query: REQUEST }, APPLE_KEPT);
  const finished = await signUpWithHeldIdentity(db.sql, project.id, hash);
  assert.equal(finished.status, "signed_in");
  const [identity] = await db.sql`select token_client_id, refresh_token_sealed from astapa.identities
    where project_id = ${project.id} and provider = 'apple' and subject = 'apel'`;
  assert.deepEqual({ ...identity }, {
    token_client_id: APPLE_KEPT.clientId,
    refresh_token_sealed: APPLE_KEPT.tokenSealed,
  });
  const [row] = await db.sql`select token_client_id, refresh_token_sealed from astapa.held_social_sign_ups
    where token_hash = ${hash}`;
  assert.deepEqual({ ...row }, { token_client_id: null, refresh_token_sealed: null });
  assert.deepEqual(await revocationsOf(project.id), []);
});

Deno.test("api.hold_social_sign_up — a malformed sealed Apple token is AS400, nothing held", async () => {
  const hash = await sha256("token-rusak");
  await rejectsAs(
    holdSocialSignUp(db.sql, project.id, hash, appleIdentity("rusak"), { query: REQUEST }, {
      clientId: "com.toko.web",
      tokenSealed: "not sealed!",
    }),
    "validation_failed",
  );
  assert.equal(await heldSocialSignUp(db.sql, project.id, hash), null);
});

Deno.test("api.sweep_grants — an unused held Apple sign-in swept gives its token back (revocation queued as its project); a used one has none left", async () => {
  const apples = await seedProject(db.sql, { name: "Apel", settings: ASKED });
  const unused = await sha256("token-apel-lama");
  const used = await sha256("token-apel-dipakai");
  await holdSocialSignUp(db.sql, apples.id, unused, appleIdentity("lama"), { query: REQUEST }, APPLE_KEPT);
  await holdSocialSignUp(db.sql, apples.id, used, appleIdentity("dipakai"), { query: REQUEST }, {
    ...APPLE_KEPT,
    tokenSealed: "ZGlwYWthaQ",
  });
  assert.equal((await signUpWithHeldIdentity(db.sql, apples.id, used)).status, "signed_in");
  await db.sql`update astapa.held_social_sign_ups set created_at = now() - interval '2 days',
    expires_at = now() - interval '2 days' + interval '10 minutes' where project_id = ${apples.id}`;
  const swept = await asApp(db.sql, null, async (tx) => (await tx`select api.sweep_grants() as s`)[0].s);
  assert.ok(swept.held_social_sign_ups >= 2);
  assert.deepEqual(await revocationsOf(apples.id), [
    { client_id: APPLE_KEPT.clientId, token_sealed: APPLE_KEPT.tokenSealed },
  ]);
});

const mail = { kind: "email_code", subject: "Your code", body: "123456", html: "<p>123456</p>" };
const notice = claimNotice("en", "Toko", "email_code");

async function mailedSignUpCode(email: string, consented: boolean) {
  const hashes = { code: await sha256(`code-${email}`), link: await sha256(`link-${email}`) };
  assert.equal(await mailEmailCode(db.sql, project.id, email, hashes, REQUEST, mail, consented), true);
  return hashes;
}

Deno.test("api.mail_email_code — a sign-up code asked for with consent keeps it: its magic link makes the account with legal_accepted_at", async () => {
  const { link } = await mailedSignUpCode("tautan@toko.example", true);
  const [row] = await db.sql`select legal_consent from astapa.email_codes where link_hash = ${link}`;
  assert.equal(row.legal_consent, true);
  const redeemed = await redeemEmailCodeLink(db.sql, project.id, link, notice);
  assert.equal(redeemed?.created, true);
  assert.ok((await userOf(project.id, "tautan@toko.example")).legal_accepted_at instanceof Date);
});

Deno.test("api.redeem_email_code — the code of a sign-up asked for with consent makes the account with it, sent on or not", async () => {
  const { code } = await mailedSignUpCode("kode@toko.example", true);
  const redeemed = await redeemEmailCode(db.sql, project.id, "kode@toko.example", code, notice);
  assert.equal(redeemed?.created, true);
  assert.ok((await userOf(project.id, "kode@toko.example")).legal_accepted_at instanceof Date);
});

Deno.test("api.redeem_email_code_link — a sign-up code asked for without consent makes no account (AS4N7), the code still live", async () => {
  const { link } = await mailedSignUpCode("tanpa-tautan@toko.example", false);
  await rejectsAs(redeemEmailCodeLink(db.sql, project.id, link, notice), "legal_consent_required");
  assert.equal(await userOf(project.id, "tanpa-tautan@toko.example"), undefined);
  const [row] = await db.sql`select used_at, legal_consent from astapa.email_codes where link_hash = ${link}`;
  assert.deepEqual({ ...row }, { used_at: null, legal_consent: false });
});
