/**
 * A guest signs up by a code (docs/anonymous-users.md) and keeps their sub: the app's request with prompt=create
 * and the guest's ID token as id_token_hint, through the emailed code (typed on the page the guest opened) or a
 * phone code (sandbox message log). The new ID token has the guest's sub, no is_anonymous, and the guest's plan
 * stays. Attacks: a taken address or number signs in to its own account and the guest stays a guest (nothing
 * merged); the mail's magic link, opened anywhere, never gives the guest the address (a new account of its
 * own); a forged, expired, signed-up user's or another project's hint goes back to the app as invalid_request,
 * before any mail or message is sent (the passkey sign-up's code too).
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { FormBrowser } from "../helpers/form_browser.ts";
import { seedUser } from "../helpers/identity.ts";
import type { SeededProject } from "../helpers/identity.ts";
import {
  assertBackWithInvalidRequest,
  assertStillAGuest,
  type Guest,
  guestRequest,
  guestRow,
  guestsProject,
  hintsNamingNoGuest,
  payingGuest,
  redeemedIdClaims,
} from "../helpers/guests.ts";
import { listPhoneMessages } from "@/db/phone.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

const byMail = await guestsProject(t, { email_codes: true, email_code_sign_up: true, passwords: false });
const byPhone = await guestsProject(t, { phone: { enabled: true, signup: true } });
// Passkeys only: the sign-up page posts the address to /auth/signup/passkey (tests/e2e/guest_passkey_sign_up_test.ts).
const byPasskey = await guestsProject(t, { passwords: false, passkeys: true });

/** The newest mail to `to`: its 6-digit code and its magic link. */
async function mailed(p: SeededProject, to: string) {
  const [mail] = await t.db.sql`select body_text from astapa.mail_outbox where project_id = ${p.id}
    and lower(to_address) = lower(${to}) order by id desc limit 1`;
  const text = mail.body_text as string;
  return {
    code: /^\s+(\d{6})$/m.exec(text)![1],
    link: /http:\/\/astapa\.test(\/auth\/email-code\/link\?p=proj_[a-z2-7]{16}&t=[\w-]{43})/.exec(text)![1],
  };
}

/** The guest's browser on the email-code page of `query`: sends a code to `email`, then types it. */
async function byEmailCode(query: URLSearchParams, email: string) {
  const browser = new FormBrowser(t);
  const page = await browser.get(`/auth/email-code?${query}`);
  assert.equal(page.status, 200);
  const sent = await browser.post(await page.text(), { action: "send", email });
  assert.equal(sent.status, 200);
  const { code } = await mailed(byMail, email);
  return await browser.post(await sent.text(), { action: "verify", email, code });
}

/** The guest's browser on the phone pages of `query`: a code by WhatsApp to `phone` (sandbox log), typed. */
async function byPhoneCode(query: URLSearchParams, phone: string) {
  const browser = new FormBrowser(t);
  const page = await browser.get(`/auth/phone?${query}`);
  assert.equal(page.status, 200);
  const sent = await browser.post(await page.text(), { phone, channel: "whatsapp" });
  assert.equal(sent.status, 303);
  const codePage = await browser.get(sent.headers.get("location")!);
  const [logged] = await listPhoneMessages(t.db.sql, byPhone.id);
  const code = /: (\d{6})$/.exec(logged.sandbox_text ?? "")![1];
  return await browser.post(await codePage.text(), { action: "verify", code });
}

async function assertKept(p: SeededProject, guest: Guest, res: Response, verifier: string) {
  assert.equal(res.status, 303, await res.clone().text());
  const { id } = await redeemedIdClaims(t, p, res.headers.get("location")!, verifier);
  assert.equal(id.sub, guest.sub, "the guest's sub");
  assert.equal(id.is_anonymous, undefined);
  const row = await guestRow(t, p, guest.sub);
  assert.equal(row.is_anonymous, false);
  assert.equal(row.plan, "pro", "the guest's plan stays");
  const audits = await t.db.sql`select details from astapa.audit_log where project_id = ${p.id}
    and action = 'user.converted' and target = ${"user:" + guest.sub}`;
  assert.equal(audits.length, 1);
  const [updated] = await t.db.sql`select data from astapa.events where project_id = ${p.id}
    and type = 'user.updated' and data -> 'user' ->> 'id' = ${guest.sub}`;
  assert.equal(updated.data.previous.is_anonymous, true);
  return { id, row, provider: audits[0].details.provider };
}

Deno.test("guest code sign-up — the emailed code keeps the guest's sub and plan, the address verified", async () => {
  const guest = await payingGuest(t, byMail);
  const { query, verifier } = await guestRequest(byMail, guest.idToken);
  const kept = await assertKept(byMail, guest, await byEmailCode(query, "tamu@example.com"), verifier);
  assert.equal(kept.id.email, "tamu@example.com");
  assert.equal(kept.id.email_verified, true);
  assert.equal(kept.provider, "email_code");
  // The same guest again: signed up already, nothing changes.
  const again = await byEmailCode((await guestRequest(byMail, guest.idToken)).query, "lagi@example.com");
  assert.equal(again.status, 409);
  assert.match(await again.text(), /signed up already/);
  assert.equal((await guestRow(t, byMail, guest.sub)).email, "tamu@example.com");
});

Deno.test("guest code sign-up — the magic link never gives the guest the address: opened anywhere, it is an account of its own", async () => {
  const guest = await payingGuest(t, byMail);
  const { query } = await guestRequest(byMail, guest.idToken);
  const browser = new FormBrowser(t);
  const sent = await browser.post(await (await browser.get(`/auth/email-code?${query}`)).text(), {
    action: "send",
    email: "tautan@example.com",
  });
  assert.equal(sent.status, 200);
  const [stored] = await t.db
    .sql`select sign_in_request from astapa.email_codes where project_id = ${byMail.id}
    and email = 'tautan@example.com'`;
  assert.doesNotMatch(stored.sign_in_request, /id_token_hint|prompt=create/);
  // Whoever reads the mail opens the link, in any browser.
  const reader = new FormBrowser(t);
  const opened = await reader.submit((await mailed(byMail, "tautan@example.com")).link, { action: "link" });
  assert.equal(opened.status, 303);
  assert.match(opened.headers.get("location")!, /\?code=/);
  const [made] = await t.db.sql`select id::text from astapa.users where project_id = ${byMail.id}
    and email = 'tautan@example.com'`;
  assert.notEqual(made.id, guest.sub);
  await assertStillAGuest(t, byMail, guest.sub);
});

Deno.test("guest code sign-up — a taken address signs in to its account (nothing merged); the guest stays a guest", async () => {
  const member = await seedUser(t.db.sql, byMail.id, "ada@example.com", { verified: true });
  const guest = await payingGuest(t, byMail);
  const { query, verifier } = await guestRequest(byMail, guest.idToken);
  const res = await byEmailCode(query, "ADA@example.com");
  assert.equal(res.status, 303);
  const { id } = await redeemedIdClaims(t, byMail, res.headers.get("location")!, verifier);
  assert.equal(id.sub, member, "the account the address belongs to, never the guest");
  await assertStillAGuest(t, byMail, guest.sub);
});

Deno.test("guest code sign-up — a phone code keeps the guest's sub and plan, the number verified on it", async () => {
  const guest = await payingGuest(t, byPhone);
  const { query, verifier } = await guestRequest(byPhone, guest.idToken);
  const kept = await assertKept(byPhone, guest, await byPhoneCode(query, "0812 5555 0001"), verifier);
  assert.equal(kept.id.phone_number, "+6281255550001");
  assert.equal(kept.id.phone_number_verified, true);
  assert.equal(kept.row.phone_number, "+6281255550001");
  assert.equal(kept.provider, "phone");
});

Deno.test("guest code sign-up — a taken number signs in to its account (nothing merged); the guest stays a guest", async () => {
  const member = await seedUser(t.db.sql, byPhone.id, "nomor@example.com", { verified: true });
  await t.db.sql`update astapa.users set phone_number = '+6281255550002', phone_number_verified = true
    where project_id = ${byPhone.id} and id = ${member}::bigint`;
  const guest = await payingGuest(t, byPhone);
  const { query, verifier } = await guestRequest(byPhone, guest.idToken);
  const res = await byPhoneCode(query, "081255550002");
  assert.equal(res.status, 303);
  const { id } = await redeemedIdClaims(t, byPhone, res.headers.get("location")!, verifier);
  assert.equal(id.sub, member);
  await assertStillAGuest(t, byPhone, guest.sub);
});

Deno.test("guest code sign-up — hints that name no guest go back to the app as invalid_request; nothing mailed, sent or made", async () => {
  const pages = [[byMail, "/auth/email-code"], [byPhone, "/auth/phone"], [
    byPasskey,
    "/auth/signup",
  ]] as const;
  for (const [p, path] of pages) {
    const guest = await payingGuest(t, p);
    const member = await seedUser(t.db.sql, p.id, `anggota-${p.id}@example.com`);
    const count = async () =>
      (await t.db.sql`select (select count(*) from astapa.users where project_id = ${p.id})
        + (select count(*) from astapa.mail_outbox where project_id = ${p.id})
        + (select count(*) from astapa.phone_messages where project_id = ${p.id}) as n`)[0].n;
    const before = await count();
    for (const [name, hint] of await hintsNamingNoGuest(t, p, guest, member)) {
      const { query } = await guestRequest(p, hint);
      assertBackWithInvalidRequest(await new FormBrowser(t).get(`${path}?${query}`), p, `${path} ${name}`);
    }
    // A genuine hint on the page, a forged one in the posted form's request: refused the same way.
    const { query } = await guestRequest(p, guest.idToken);
    const browser = new FormBrowser(t);
    const html = await (await browser.get(`${path}?${query}`)).text();
    const [, forged] = (await hintsNamingNoGuest(t, p, guest, member))[0];
    const swapped = html.replace(/id_token_hint=[^&"]+/, `id_token_hint=${forged}`);
    const posted = await browser.post(
      swapped,
      p === byPhone ? { phone: "081255550009" } : { action: "send", email: "palsu@example.com" },
    );
    assertBackWithInvalidRequest(posted, p, `${path} forged in the form`);
    assert.equal(await count(), before);
    await assertStillAGuest(t, p, guest.sub);
  }
});
