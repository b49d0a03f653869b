/**
 * A verified phone as the second factor through the hosted login (issue 27 item 1, issue 20's MFA policy):
 * after the password /auth/mfa sends a code by WhatsApp (or SMS) through the providers' local fakes, a wrong
 * code is refused and counted toward the factor lockout, the right one signs in with amr otp (WhatsApp) or
 * sms (SMS) plus mfa; a project without settings.mfa.phone never offers it; /account turns it on and off; and a
 * passkey-only person is asked for the second step under the optional policy.
 */
import assert from "node:assert/strict";
import { createLocalJWKSet, jwtVerify } from "jose";
import { asApp } from "@/db/client.ts";
import { testApp } from "../helpers/app.ts";
import { FormBrowser as Browser } from "../helpers/form_browser.ts";
import { type SeededProject, seedProject } from "../helpers/identity.ts";
import { postForm } from "../helpers/token_client.ts";
import { startFakeWhatsApp } from "../fakes/whatsapp.ts";
import { startFakeTwilio } from "../fakes/twilio.ts";
import { sha256 } from "@/lib/secrets.ts";

const whatsapp = startFakeWhatsApp();
const twilio = startFakeTwilio();
const t = await testApp({
  env: {
    WHATSAPP_ACCESS_TOKEN: whatsapp.accessToken,
    WHATSAPP_PHONE_NUMBER_ID: whatsapp.phoneNumberId,
    WHATSAPP_API_URL: whatsapp.apiUrl,
    TWILIO_ACCOUNT_SID: twilio.accountSid,
    TWILIO_AUTH_TOKEN: twilio.authToken,
    TWILIO_VERIFY_SERVICE_SID: twilio.serviceSid,
    TWILIO_VERIFY_URL: twilio.origin,
  },
});
Deno.test.afterAll(async () => {
  await t.close();
  await whatsapp.close();
  await twilio.close();
});
// Phone sign-in stays off: the phone as second factor is its own setting.
const project = await seedProject(t.db.sql, {
  name: "Toko Dua Langkah",
  settings: { mfa: { policy: "optional", phone: true } },
});
await t.db.sql`update astapa.projects set mode = 'production' where id = ${project.id}`;
const without = await seedProject(t.db.sql, { name: "Toko Satu Langkah" });
const passkeys = await seedProject(t.db.sql, { name: "Toko Kunci", settings: { passkeys: true } });

const authorizeQuery = (p: SeededProject) =>
  new URLSearchParams({ client_id: p.clientId, redirect_uri: p.redirectUri }).toString();
let counter = 0;

/** A person who signed up with a password and has a verified number (and, by default, the phone factor on). */
async function person(p: SeededProject, factor = true) {
  const email = `phone.factor.${counter}@example.com`;
  const phone = `+62813${String(3000000 + counter++ * 10000).padStart(7, "0")}`;
  const signedUp = await new Browser(t).submit(`/auth/signup?${authorizeQuery(p)}`, {
    email,
    password: "correct horse",
  });
  assert.equal(signedUp.status, 303, await signedUp.clone().text());
  const [{ id }] = await t.db
    .sql`select id::text from astapa.users where project_id = ${p.id} and email = ${email}`;
  await asApp(t.db.sql, p.id, async (tx) => {
    await tx`select api.set_user_phone(${p.id}, ${id}, ${phone}, true)`;
    if (factor) {
      await tx`insert into astapa.user_factors (project_id, user_id, kind, confirmed_at)
        values (${p.id}, ${id}, 'phone', now())`;
    }
  });
  return { email, phone, id: id as string };
}

/** The one form of `html` that holds `marker`, for Browser.post. */
function formWith(html: string, marker: string): string {
  const form = [...html.matchAll(/<form[\s\S]*?<\/form>/g)].map((m) => m[0]).find((f) => f.includes(marker));
  assert.ok(form, `no form with ${marker}`);
  return form;
}

async function signIn(browser: Browser, p: SeededProject, email: string) {
  return await browser.submit(`/auth/login?${authorizeQuery(p)}`, { email, password: "correct horse" });
}

async function amrOf(location: string, p: SeededProject = project) {
  const code = new URL(location).searchParams.get("code");
  assert.ok(code, `no code in ${location}`);
  const { res, body } = await postForm(t, "/api/platform/token", {
    grant_type: "authorization_code",
    code,
    redirect_uri: p.redirectUri,
    client_id: p.clientId,
    client_secret: p.secret,
  });
  assert.equal(res.status, 200, JSON.stringify(body));
  const set = await (await t.app.request("/.well-known/jwks.json")).json();
  const { payload } = await jwtVerify(
    (body as { access_token: string }).access_token,
    createLocalJWKSet(set),
    {
      issuer: t.origin,
      algorithms: ["RS256"],
    },
  );
  return payload.amr;
}

Deno.test("mfa phone — after the password a WhatsApp code is the second step; a wrong code is refused; amr otp + mfa", async () => {
  const ayu = await person(project);
  const browser = new Browser(t);
  const first = await signIn(browser, project, ayu.email);
  assert.equal(first.status, 303);
  assert.match(first.headers.get("location")!, /^\/auth\/mfa\?/);
  const page = await browser.get(first.headers.get("location")!);
  const html = await page.text();
  assert.equal(page.status, 200);
  assert.match(html, /We will send a 6-digit code to your phone \+62 •••• /);
  assert.doesNotMatch(html, new RegExp(ayu.phone.slice(1, 9)));
  const sent = await browser.post(html, { method: "phone_send", channel: "whatsapp" });
  const sentHtml = await sent.text();
  assert.equal(sent.status, 200, sentHtml);
  assert.match(sentHtml, /We sent a code by WhatsApp/);
  assert.match(sentHtml, /autocomplete="one-time-code"/);
  const delivery = whatsapp.inbox.findLast((d) => d.to === ayu.phone.slice(1) || d.to === ayu.phone);
  assert.ok(delivery, "the fake WhatsApp received the code");
  const wrong = await browser.post(sentHtml, {
    method: "phone",
    code: delivery.code === "000000" ? "111111" : "000000",
  });
  assert.equal(wrong.status, 422);
  assert.match(await wrong.text(), /That code did not work/);
  const failed = await t.db.sql`select details from astapa.audit_log where project_id = ${project.id}
    and action = 'sign_in.mfa_failed' and target = ${`user:${ayu.id}`}`;
  assert.deepEqual(failed.map((r) => r.details.method), ["phone"]);
  const done = await browser.post(sentHtml, { method: "phone", code: delivery.code });
  assert.equal(done.status, 303, await done.clone().text());
  assert.deepEqual(await amrOf(done.headers.get("location")!), ["mfa", "otp", "pwd"]);
  // Spent: the challenge and the code are gone from this browser.
  assert.equal(browser.cookies.get(`astapa_mfa_${project.id}`), undefined);
  assert.equal(browser.cookies.get(`astapa_phone_mfa_${project.id}`), undefined);
});

Deno.test("mfa phone — by SMS through the Twilio fake: amr sms + mfa", async () => {
  const budi = await person(project);
  const browser = new Browser(t);
  const first = await signIn(browser, project, budi.email);
  const html = await (await browser.get(first.headers.get("location")!)).text();
  const sent = await browser.post(html, { method: "phone_send", channel: "sms" });
  const sentHtml = await sent.text();
  assert.match(sentHtml, /We sent a code by SMS/);
  const delivery = twilio.inbox.findLast((d) => d.to === budi.phone);
  assert.ok(delivery, "the fake Twilio received the code");
  assert.equal(delivery.channel, "sms");
  const done = await browser.post(sentHtml, { method: "phone", code: delivery.code });
  assert.equal(done.status, 303, await done.clone().text());
  assert.deepEqual(await amrOf(done.headers.get("location")!), ["mfa", "pwd", "sms"]);
});

Deno.test("mfa phone — wrong codes count toward the factor lockout: a new code does not reset it", async () => {
  const citra = await person(project);
  const browser = new Browser(t);
  const first = await signIn(browser, project, citra.email);
  const html = await (await browser.get(first.headers.get("location")!)).text();
  let status = 0;
  for (let sends = 0; sends < 2 && status !== 429; sends++) {
    const sentHtml = await (await browser.post(html, { method: "phone_send", channel: "whatsapp" })).text();
    for (let i = 0; i < 5 && status !== 429; i++) {
      status = (await browser.post(sentHtml, { method: "phone", code: "999999" })).status;
    }
  }
  const locked = await browser.post(html, { method: "phone", code: "999999" });
  assert.equal(locked.status, 429);
  const audited = await t.db
    .sql`select count(*)::int as n from astapa.audit_log where project_id = ${project.id}
    and action = 'sign_in.mfa_locked_out' and target = ${`user:${citra.id}`}`;
  assert.ok(audited[0].n >= 1);
});

Deno.test("mfa phone — a project without settings.mfa.phone never asks for or offers a phone code", async () => {
  const dewi = await person(without);
  const browser = new Browser(t);
  const first = await signIn(browser, without, dewi.email);
  assert.equal(first.status, 303);
  assert.doesNotMatch(first.headers.get("location")!, /^\/auth\/mfa/);
  const user = await asApp(
    t.db.sql,
    without.id,
    async (tx) => (await tx`select astapa.user_json(${without.id}, ${dewi.id}) as u`)[0].u,
  );
  assert.equal(user.mfa_enrolled, false);
});

Deno.test("mfa phone — /account turns the phone factor on (fresh sign-in) and off; the sign-in then asks or not", async () => {
  const eko = await person(project, false);
  const browser = new Browser(t);
  const signedIn = await signIn(browser, project, eko.email);
  assert.equal(signedIn.status, 303);
  assert.doesNotMatch(signedIn.headers.get("location")!, /^\/auth\/mfa/);
  const account = `/account?client_id=${project.clientId}&lang=en`;
  const page = await (await browser.get(account)).text();
  assert.match(page, /Two-step verification by phone: off/);
  const on = await browser.post(formWith(page, 'value="factor_on"'), {});
  assert.equal(on.status, 303);
  assert.match(on.headers.get("location")!, /phone=phoneFactorOn/);
  const after = await (await browser.get(on.headers.get("location")!)).text();
  assert.match(after, /This number is now a second step when you sign in/);
  assert.match(after, /On: a code to your phone/);
  assert.match(after, /Two-step verification by phone: on/);
  const enrolled = await t.db
    .sql`select action, details from astapa.audit_log where project_id = ${project.id}
    and target = ${`user:${eko.id}`} and action = 'user.mfa_enrolled'`;
  assert.deepEqual(enrolled.map((r) => r.details), [{ factor: "phone" }]);
  const again = await signIn(new Browser(t), project, eko.email);
  assert.match(again.headers.get("location")!, /^\/auth\/mfa\?/);
  const off = await browser.post(formWith(after, 'value="factor_off"'), {});
  assert.match(off.headers.get("location")!, /phone=phoneFactorOff/);
  const once = await signIn(new Browser(t), project, eko.email);
  assert.doesNotMatch(once.headers.get("location")!, /^\/auth\/mfa/);
});

Deno.test("mfa policy — optional: a passkey-only person is asked for the second step, and offered the passkey", async () => {
  const fajar = await person(passkeys, false);
  await t.db.sql`insert into astapa.passkeys (project_id, credential_id, user_id, public_key, device_type,
    backed_up, name) values (${passkeys.id}, ${await sha256(`key-${fajar.id}`)}, ${fajar.id}, '\\x01',
    'multiDevice', true, 'Phone')`;
  const browser = new Browser(t);
  const first = await signIn(browser, passkeys, fajar.email);
  assert.equal(first.status, 303);
  assert.match(first.headers.get("location")!, /^\/auth\/mfa\?/);
  const html = await (await browser.get(first.headers.get("location")!)).text();
  assert.match(html, /Use a passkey/);
});

Deno.test("mfa policy — required: someone with no factor but a verified number may set up the phone there (its first code)", async () => {
  const required = await seedProject(t.db.sql, {
    name: "Toko Wajib",
    settings: { mfa: { policy: "required", phone: true } },
  });
  await t.db.sql`update astapa.projects set mode = 'production' where id = ${required.id}`;
  const gita = await person(required, false);
  const browser = new Browser(t);
  const first = await signIn(browser, required, gita.email);
  assert.match(first.headers.get("location")!, /^\/auth\/mfa\?/);
  const enrol = await (await browser.get(first.headers.get("location")!)).text();
  assert.match(enrol, /totp-key/, "the authenticator app is still the first offer");
  assert.match(enrol, /Or get a code on your phone \+62 •••• /);
  const phoneHref = enrol.match(/href="([^"]*method=phone[^"]*)"/)?.[1]?.replaceAll("&amp;", "&");
  assert.ok(phoneHref, "a link to the phone step");
  const html = await (await browser.get(phoneHref)).text();
  assert.match(html, /We will send a 6-digit code to your phone \+62 •••• /);
  const sent = await browser.post(html, { method: "phone_send", channel: "whatsapp" });
  const sentHtml = await sent.text();
  assert.equal(sent.status, 200, sentHtml);
  const delivery = whatsapp.inbox.findLast((d) => d.to === gita.phone.slice(1) || d.to === gita.phone);
  assert.ok(delivery, "the fake WhatsApp received the code");
  const done = await browser.post(sentHtml, { method: "phone", code: delivery.code });
  assert.equal(done.status, 303, await done.clone().text());
  const factors = await t.db.sql`select kind from astapa.user_factors
    where project_id = ${required.id} and user_id = ${gita.id} and confirmed_at is not null`;
  assert.deepEqual(factors.map((f) => f.kind), ["phone"], "the phone is now their second factor");
  const audited = await t.db.sql`select details from astapa.audit_log where project_id = ${required.id}
    and target = ${`user:${gita.id}`} and action = 'user.mfa_enrolled'`;
  assert.deepEqual(audited.map((r) => r.details), [{ factor: "phone", step: "mfa" }]);
});

Deno.test("mfa policy — required: someone with no verified number types one at /auth/mfa; WhatsApp fails, SMS brings the code; the number is then theirs and their factor", async () => {
  const required = await seedProject(t.db.sql, {
    name: "Toko Nomor Baru",
    settings: { mfa: { policy: "required", phone: true } },
  });
  await t.db.sql`update astapa.projects set mode = 'production' where id = ${required.id}`;
  const hadi = await person(required, false);
  await t.db.sql`update astapa.users set phone_number_verified = false where id = ${hadi.id}`;
  const browser = new Browser(t);
  const asked = await signIn(browser, required, hadi.email);
  const enrol = await (await browser.get(asked.headers.get("location")!)).text();
  assert.match(enrol, /totp-key/, "the authenticator app is still the first offer");
  assert.doesNotMatch(enrol, /Or get a code on your phone \+/);
  const phoneHref = enrol.match(/href="([^"]*method=phone[^"]*)"/)?.[1]?.replaceAll("&amp;", "&");
  assert.ok(phoneHref, "a link to add a phone");
  assert.match(enrol, /Or get codes on your phone by WhatsApp or SMS/);
  const html = await (await browser.get(phoneHref)).text();
  assert.match(html, /Enter your phone number/);
  assert.match(html, /<input[^>]*name="phone"[^>]*autocomplete="tel"/);
  // Malformed and premium-rate numbers are refused before anything is stored or sent.
  const sentBefore = whatsapp.inbox.length + twilio.inbox.length;
  const malformed = await browser.post(html, { method: "phone_send", channel: "whatsapp", phone: "12" });
  assert.equal(malformed.status, 422);
  assert.match(await malformed.text(), /Enter a valid phone number/);
  const premium = await browser.post(html, {
    method: "phone_send",
    channel: "whatsapp",
    phone: "0809 1234 567",
  });
  assert.equal(premium.status, 422);
  assert.match(await premium.text(), /This number cannot receive codes/);
  assert.equal(whatsapp.inbox.length + twilio.inbox.length, sentBefore);
  // WhatsApp refuses the message: a code goes by SMS at once, and the page says so (never a 5xx, never a code).
  whatsapp.failWith = { code: 131026, message: "Message undeliverable" };
  let sentHtml: string;
  try {
    const sent = await browser.post(html, {
      method: "phone_send",
      channel: "whatsapp",
      phone: "0812 7777 1234",
    });
    sentHtml = await sent.text();
    assert.equal(sent.status, 200, sentHtml);
  } finally {
    whatsapp.failWith = undefined;
  }
  assert.match(sentHtml, /WhatsApp could not deliver it, so we sent the code by SMS to \+62 •••• 1234/);
  assert.match(sentHtml, /We sent a code by SMS/);
  const delivery = twilio.inbox.findLast((d) => d.to === "+6281277771234");
  assert.ok(delivery, "the Twilio fake received the code by SMS");
  assert.doesNotMatch(sentHtml, new RegExp(delivery.code));
  // Nothing counts before the code is back.
  const [before] = await t.db.sql`select phone_number from astapa.users where id = ${hadi.id}`;
  assert.equal(before.phone_number, hadi.phone);
  const done = await browser.post(sentHtml, { method: "phone", code: delivery.code });
  assert.equal(done.status, 303, await done.clone().text());
  assert.deepEqual(await amrOf(done.headers.get("location")!, required), ["mfa", "pwd", "sms"]);
  const [after] = await t.db.sql`select phone_number, phone_number_verified from astapa.users
    where id = ${hadi.id}`;
  assert.deepEqual({ ...after }, { phone_number: "+6281277771234", phone_number_verified: true });
  const factors = await t.db.sql`select kind from astapa.user_factors
    where project_id = ${required.id} and user_id = ${hadi.id} and confirmed_at is not null`;
  assert.deepEqual(factors.map((f) => f.kind), ["phone"]);
  const audited = await t.db
    .sql`select action, details from astapa.audit_log where project_id = ${required.id}
    and target = ${`user:${hadi.id}`} and action in ('user.mfa_enrolled', 'user.profile_updated') and details ->> 'by' is distinct from 'platform_api'
    order by id`;
  assert.deepEqual(audited.map((r) => [r.action, r.details.step]), [
    ["user.profile_updated", "mfa"],
    ["user.mfa_enrolled", "mfa"],
  ]);
});

Deno.test("mfa policy — required: a number typed at /auth/mfa that another account holds is refused after its right code, in English and Indonesian", async () => {
  const required = await seedProject(t.db.sql, {
    name: "Toko Nomor Dipakai",
    settings: { mfa: { policy: "required", phone: true } },
  });
  await t.db.sql`update astapa.projects set mode = 'production' where id = ${required.id}`;
  const holder = await person(required, false);
  for (const lang of ["en", "id"] as const) {
    const newcomer = await person(required, false);
    await t.db.sql`update astapa.users set phone_number = null, phone_number_verified = false
      where id = ${newcomer.id}`;
    const browser = new Browser(t);
    const asked = await signIn(browser, required, newcomer.email);
    const location = new URL(asked.headers.get("location")!, t.origin);
    location.searchParams.set("lang", lang);
    location.searchParams.set("method", "phone");
    const html = await (await browser.get(`${location.pathname}${location.search}`)).text();
    assert.match(html, /autocomplete="tel"/);
    const sent = await browser.post(html, { method: "phone_send", channel: "whatsapp", phone: holder.phone });
    const sentHtml = await sent.text();
    assert.equal(sent.status, 200, sentHtml);
    const delivery = whatsapp.inbox.findLast((d) => d.to === holder.phone);
    assert.ok(delivery);
    const taken = await browser.post(sentHtml, { method: "phone", code: delivery.code });
    assert.equal(taken.status, 409);
    assert.match(
      await taken.text(),
      lang === "en" ? /This number belongs to another account of this app/ : /Nomor ini milik akun lain/,
    );
    const [row] = await t.db.sql`select phone_number from astapa.users where id = ${newcomer.id}`;
    assert.equal(row.phone_number, null);
    const lockout = await t.db
      .sql`select count(*)::int as n from astapa.audit_log where project_id = ${required.id}
      and action = 'sign_in.mfa_failed' and target = ${`user:${newcomer.id}`}`;
    assert.equal(lockout[0].n, 0, "the right code is not a guess");
  }
});
