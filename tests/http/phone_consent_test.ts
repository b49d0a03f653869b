/**
 * The legal-consent step after a first phone code (docs/hosted-login.md#legal-consent-at-sign-up, docs/phone.md):
 * a person new to a project that asks for its terms types the code sent by WhatsApp or SMS (the fakes the phone
 * tests use), the code is used up and the number held, and /auth/signup/continue asks; the box makes the account
 * (legal_accepted_at, the number verified) and the app gets a code that redeems, amr as the phone path sets it. The
 * box left empty is the page again with nothing used; an expired step, a replay and another browser are the expired
 * page; a number taken meanwhile by another account is the phone page saying so (409, en and id); a person with an
 * account signs in by the code as before, never sent to the step.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { type SeededProject, seedProject } from "../helpers/identity.ts";
import { FormBrowser } from "../helpers/form_browser.ts";
import { assertStepExpired, redeemedAtApp } from "../helpers/consent_step.ts";
import { startFakeWhatsApp } from "../fakes/whatsapp.ts";
import { startFakeTwilio } from "../fakes/twilio.ts";

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
const { sql } = t.db;

const TERMS = "https://toko.example/terms";
const project = await seedProject(sql, {
  name: "Toko",
  settings: {
    branding: { terms_url: TERMS },
    sign_up: { require_legal_consent: true },
    phone: { enabled: true },
  },
});
// Production: the codes go to the fakes, not to the message log.
await sql`update astapa.projects set mode = 'production' where id = ${project.id}`;

const request = (p: SeededProject) =>
  new URLSearchParams({
    client_id: p.clientId,
    redirect_uri: p.redirectUri,
    response_type: "code",
    scope: "openid phone",
    state: "telepon",
  });
const users = async () =>
  (await sql`select count(*)::int as n from astapa.users where project_id = ${project.id}`)[0].n as number;
const userOf = async (phone: string) =>
  (await sql`select id::text, phone_number_verified, legal_accepted_at from astapa.users
    where project_id = ${project.id} and phone_number = ${phone}`)[0];
const heldOf = async (phone: string) =>
  (await sql`select used_at from astapa.held_social_sign_ups where project_id = ${project.id}
    and phone_number = ${phone}`).map((r) => ({ ...r }));

let counter = 0;
/** A number nobody has, as typed in Indonesia and in E.164. */
function freshNumber() {
  const local = `0813${String(50000000 + counter++ * 1000).padStart(8, "0")}`;
  return { local, e164: `+62${local.slice(1)}` };
}

/** In a new browser: the number typed on the phone page, the code it got by `channel` typed back. */
async function codeTyped(phone: string, lang: "en" | "id", channel: "whatsapp" | "sms" = "whatsapp") {
  const browser = new FormBrowser(t);
  const sent = await browser.submit(`/auth/phone?${request(project)}&lang=${lang}`, { phone, channel });
  assert.equal(sent.status, 303, (await sent.text()).slice(0, 400));
  const e164 = `+62${phone.slice(1)}`;
  const inbox = channel === "sms" ? twilio.inbox : whatsapp.inbox;
  const code = inbox.findLast((d) => d.to === e164)!.code;
  const typed = await browser.submit(sent.headers.get("location")!, { code, action: "verify" });
  return { browser, typed };
}

/** The code typed by a person new to the project: sent to the consent step, with its token in a cookie. */
async function atStep(phone: string, lang: "en" | "id", channel: "whatsapp" | "sms" = "whatsapp") {
  const { browser, typed } = await codeTyped(phone, lang, channel);
  assert.equal(typed.status, 303, (await typed.text()).slice(0, 400));
  const location = typed.headers.get("location")!;
  assert.match(
    location,
    new RegExp(`^/auth/signup/continue\\?client_id=[^&]+&redirect_uri=[^&]+.*&lang=${lang}$`),
  );
  const held = typed.headers.getSetCookie().find((c) => c.startsWith("astapa_held_sign_up="))!;
  assert.match(held, /HttpOnly/i);
  assert.match(held, /Path=\/auth\/signup\/continue/);
  assert.doesNotMatch(held, /813/, "the number stays on the server");
  const page = await browser.get(location);
  const html = await page.text();
  return { browser, location, page, html };
}

Deno.test("phone consent — a first code asks for the terms on its own page, en and id; GET and an empty box change nothing; the box makes the account and the app's code redeems", async () => {
  for (const [lang, channel, amr] of [["en", "whatsapp", "otp"], ["id", "sms", "sms"]] as const) {
    const { local, e164 } = freshNumber();
    const before = await users();
    const { browser, location, page, html } = await atStep(local, lang, channel);
    assert.equal(page.status, 200, html.slice(0, 400));
    assert.ok(
      html.includes(
        lang === "en"
          ? "To finish creating your account, agree to the terms."
          : "Untuk menyelesaikan pembuatan akun Anda, setujui ketentuannya.",
      ),
      html.slice(0, 800),
    );
    assert.ok(html.includes(`href="${TERMS}" target="_blank" rel="noopener noreferrer"`));
    // The code is used up at once; the number waits, unused, however often the page is read.
    assert.deepEqual(await heldOf(e164), [{ used_at: null }]);
    const again = await browser.get(location);
    assert.equal(again.status, 200);
    await again.body?.cancel();
    assert.equal(await users(), before);

    const unticked = await browser.post(html, {});
    const uhtml = await unticked.text();
    assert.equal(unticked.status, 422, uhtml.slice(0, 400));
    assert.ok(
      uhtml.includes(
        lang === "en"
          ? "Tick the box to agree to the terms before creating your account."
          : "Centang kotak persetujuan ketentuan sebelum membuat akun Anda.",
      ),
    );
    assert.equal(await users(), before);
    assert.deepEqual(await heldOf(e164), [{ used_at: null }]);

    const done = await browser.post(uhtml, { legal_consent: "on" });
    assert.equal(done.status, 303, (await done.text()).slice(0, 400));
    const claims = await redeemedAtApp(t, project, done.headers.get("location")!, "telepon");
    const user = await userOf(e164);
    assert.equal(claims.sub, user.id);
    assert.deepEqual(claims.amr, [amr], "amr as the phone path sets it");
    assert.equal(user.phone_number_verified, true);
    assert.ok(user.legal_accepted_at instanceof Date);

    // The token is used: a replay (the back button, another tab) is the expired page.
    await assertStepExpired(await browser.post(uhtml, { legal_consent: "on" }), lang);
    await assertStepExpired(await browser.get(location), lang);
  }
});

Deno.test("phone consent — a person with an account signs in by the code as before, never sent to the step", async () => {
  const { local, e164 } = freshNumber();
  const [{ id }] =
    await sql`insert into astapa.users (project_id, phone_number, phone_number_verified, environment)
    values (${project.id}, ${e164}, true, 'production') returning id::text`;
  const { typed } = await codeTyped(local, "en");
  assert.equal(typed.status, 303, (await typed.text()).slice(0, 400));
  assert.ok(!typed.headers.getSetCookie().some((c) => c.startsWith("astapa_held_sign_up=")));
  const claims = await redeemedAtApp(t, project, typed.headers.get("location")!, "telepon");
  assert.equal(claims.sub, id);
  assert.deepEqual(await heldOf(e164), []);
});

Deno.test("phone consent — another browser (no cookie) and an expired step are the expired page; nothing is made", async () => {
  const { local, e164 } = freshNumber();
  const { location, html, browser } = await atStep(local, "en");
  const stranger = new FormBrowser(t);
  await assertStepExpired(await stranger.get(location));
  const before = await users();
  // Ten minutes on.
  await sql`update astapa.held_social_sign_ups set created_at = created_at - interval '11 minutes',
    expires_at = expires_at - interval '11 minutes' where phone_number = ${e164}`;
  await assertStepExpired(await browser.post(html, { legal_consent: "on" }));
  await assertStepExpired(await browser.post(html, {}));
  assert.equal(await users(), before);
  assert.equal(await userOf(e164), undefined);
});

Deno.test("phone consent — the number taken meanwhile by another account: the phone page says so (409, en and id), nothing used; a new code signs in to that account", async () => {
  const texts = {
    en: "This number now belongs to an account of this app, so no new account was made.",
    id: "Nomor ini sekarang terdaftar di sebuah akun aplikasi ini, jadi tidak ada akun baru yang dibuat.",
  };
  for (const lang of ["en", "id"] as const) {
    const { local, e164 } = freshNumber();
    const { browser, html } = await atStep(local, lang);
    const [{ id }] = await sql`insert into astapa.users (project_id, phone_number, phone_number_verified,
      environment) values (${project.id}, ${e164}, true, 'production') returning id::text`;
    const taken = await browser.post(html, { legal_consent: "on" });
    const thtml = await taken.text();
    assert.equal(taken.status, 409, thtml.slice(0, 400));
    assert.ok(thtml.includes(texts[lang]), thtml.slice(0, 1200));
    assert.match(thtml, new RegExp(`<form method="post" action="/auth/phone\\?lang=${lang}"`));
    assert.deepEqual(await heldOf(e164), [{ used_at: null }]);
    assert.equal(
      (await sql`select count(*)::int as n from astapa.users where phone_number = ${e164}`)[0].n,
      1,
    );
    if (lang === "en") {
      // The page's own form sends a new code, which signs in to the account that has the number now.
      const { typed } = await codeTyped(local, "en");
      assert.equal((await redeemedAtApp(t, project, typed.headers.get("location")!, "telepon")).sub, id);
    }
  }
});
