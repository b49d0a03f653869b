/**
 * The legal-consent step after a first emailed sign-in code or magic link (docs/hosted-login.md#legal-consent-at-sign-up):
 * a person new to a project that asks for its terms asks for a code on the sign-in side (no box there), types the
 * code mailed to them (the SMTP sink the email-code tests use) or opens its link, the code is used up and the address
 * held, and /auth/signup/continue asks; the box makes the account (legal_accepted_at, the address verified) and the
 * app gets a code that redeems, amr "otp" as the code's own page sets it. The box left empty is the page again with
 * nothing used; an expired step, a replay and another browser are the expired page; an address taken meanwhile by
 * another account is the email-code page saying so (409, en and id); a person with an account signs in by the code
 * as before, never sent to the step.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { seedProject, seedUser } from "../helpers/identity.ts";
import { FormBrowser } from "../helpers/form_browser.ts";
import { assertStepExpired, redeemedAtApp } from "../helpers/consent_step.ts";
import { mailText } from "../helpers/login.ts";
import { startSmtpSink } from "../helpers/smtp_sink.ts";
import { MailSender } from "@/lib/mail/sender.ts";

const t = await testApp();
const sink = startSmtpSink();
const sender = new MailSender(t.db.sql, sink.url, "Astapa <no-reply@astapa.test>");
await sender.start();
Deno.test.afterAll(async () => {
  await sender.stop();
  sink.close();
  await t.close();
});
const { sql } = t.db;

const TERMS = "https://toko.example/terms";
const project = await seedProject(sql, {
  name: "Toko",
  settings: {
    branding: { terms_url: TERMS },
    sign_up: { require_legal_consent: true },
    passwords: false,
    email_codes: true,
    email_code_sign_up: true,
  },
});
const request = new URLSearchParams({
  client_id: project.clientId,
  redirect_uri: project.redirectUri,
  response_type: "code",
  scope: "openid email",
  state: "surel",
});
const users = async () =>
  (await sql`select count(*)::int as n from astapa.users where project_id = ${project.id}`)[0].n as number;
const userOf = async (email: string) =>
  (await sql`select id::text, email_verified, legal_accepted_at from astapa.users
    where project_id = ${project.id} and email = ${email}`)[0];
const heldOf = async (email: string) =>
  (await sql`select used_at, email_verified from astapa.held_social_sign_ups where project_id = ${project.id}
    and kind = 'email' and email = ${email}`).map((r) => ({ ...r }));
const liveCodes = async (email: string) =>
  (await sql`select count(*)::int as n from astapa.email_codes where project_id = ${project.id}
    and lower(email) = lower(${email}) and used_at is null`)[0].n as number;

let counter = 0;
const freshAddress = () => `baru${counter++}@toko.example`;

/** The code and the link of the newest mail to `to`. */
async function mailed(to: string) {
  const text = mailText((await sink.waitFor(to)).data);
  const code = /^\s+(\d{6})$/m.exec(text)![1];
  const link =
    /http:\/\/astapa\.test(\/auth\/email-code\/link\?p=proj_[a-z2-7]{16}&t=[\w-]{43})/.exec(text)![1];
  return { code, link };
}

/** In a new browser: a code asked for on the email-code page (no box), and the mail it got. */
async function asked(email: string, lang: "en" | "id" = "en") {
  // The newest mail to the address is this one's.
  for (let i = sink.messages.length - 1; i >= 0; i--) {
    if (sink.messages[i].to.includes(email)) sink.messages.splice(i, 1);
  }
  const browser = new FormBrowser(t);
  const sent = await browser.submit(`/auth/email-code?${request}&lang=${lang}`, { action: "send", email });
  const html = await sent.text();
  assert.equal(sent.status, 200, html.slice(0, 400));
  assert.doesNotMatch(html, /name="legal_consent"/);
  return { browser, html, mail: await mailed(email) };
}

/** The answer that sends a browser to the consent step: its token in an HttpOnly cookie for that page only. */
function assertToStep(res: Response, lang: "en" | "id") {
  assert.equal(res.status, 303);
  const location = res.headers.get("location")!;
  assert.match(
    location,
    new RegExp(`^/auth/signup/continue\\?client_id=[^&]+&redirect_uri=[^&]+.*&lang=${lang}$`),
  );
  const held = res.headers.getSetCookie().find((c) => c.startsWith("astapa_held_sign_up="))!;
  assert.match(held, /HttpOnly/i);
  assert.match(held, /Path=\/auth\/signup\/continue/);
  assert.doesNotMatch(held, /toko/, "the address stays on the server");
  return location;
}

/** A new address's code typed back: sent to the consent step, whose page it reads. */
async function atStep(email: string, lang: "en" | "id" = "en") {
  const { browser, html, mail } = await asked(email, lang);
  const typed = await browser.post(html, { action: "verify", code: mail.code });
  const location = assertToStep(typed, lang);
  await typed.body?.cancel();
  const page = await browser.get(location);
  return { browser, location, page, html: await page.text() };
}

Deno.test("email consent — a first code asks for the terms on its own page, en and id; GET and an empty box change nothing; the box makes the account and the app's code redeems", async () => {
  for (const lang of ["en", "id"] as const) {
    const email = freshAddress();
    const before = await users();
    const { browser, location, page, html } = await atStep(email, lang);
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
    // The code is used up at once; the address waits, verified and unused, however often the page is read.
    assert.equal(await liveCodes(email), 0);
    assert.deepEqual(await heldOf(email), [{ used_at: null, email_verified: true }]);
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
    assert.deepEqual(await heldOf(email), [{ used_at: null, email_verified: true }]);

    const done = await browser.post(uhtml, { legal_consent: "on" });
    assert.equal(done.status, 303, (await done.text()).slice(0, 400));
    const claims = await redeemedAtApp(t, project, done.headers.get("location")!, "surel");
    const user = await userOf(email);
    assert.equal(claims.sub, user.id);
    assert.deepEqual(claims.amr, ["otp"], "amr as the email-code path sets it");
    assert.equal(user.email_verified, true);
    assert.ok(user.legal_accepted_at instanceof Date);
    const [audit] = await sql`select actor, details from astapa.audit_log where project_id = ${project.id}
      and action = 'sign_in.email_code' and target = ${"user:" + user.id}`;
    assert.deepEqual({ ...audit }, { actor: "hosted_login", details: { created: true } });

    // The token is used: a replay (the back button, another tab) is the expired page.
    await assertStepExpired(await browser.post(uhtml, { legal_consent: "on" }), lang);
    await assertStepExpired(await browser.get(location), lang);
  }
});

Deno.test("email consent — the magic link holds the address in the browser that opens it; the box there makes the account", async () => {
  const email = freshAddress();
  const { mail } = await asked(email);
  // Opened from the mail, in another browser than the one that asked: the step is that browser's.
  const reader = new FormBrowser(t);
  const opened = await reader.get(mail.link);
  const ohtml = await opened.text();
  assert.equal(opened.status, 200, ohtml.slice(0, 400));
  const pressed = await reader.post(ohtml, { action: "link" });
  const location = assertToStep(pressed, "en");
  await pressed.body?.cancel();
  assert.equal(await liveCodes(email), 0, "the link's code is used up");
  const page = await reader.get(location);
  const html = await page.text();
  assert.equal(page.status, 200, html.slice(0, 400));
  const done = await reader.post(html, { legal_consent: "on" });
  assert.equal(done.status, 303, (await done.text()).slice(0, 400));
  const claims = await redeemedAtApp(t, project, done.headers.get("location")!, "surel");
  const user = await userOf(email);
  assert.equal(claims.sub, user.id);
  assert.equal(user.email_verified, true);
  assert.ok(user.legal_accepted_at instanceof Date);
});

Deno.test("email consent — a person with an account signs in by the code as before, never sent to the step", async () => {
  const email = freshAddress();
  const id = await seedUser(sql, project.id, email, { verified: true });
  const { browser, html, mail } = await asked(email);
  const typed = await browser.post(html, { action: "verify", code: mail.code });
  assert.equal(typed.status, 303, (await typed.text()).slice(0, 400));
  assert.ok(!typed.headers.getSetCookie().some((c) => c.startsWith("astapa_held_sign_up=")));
  const claims = await redeemedAtApp(t, project, typed.headers.get("location")!, "surel");
  assert.equal(claims.sub, String(id));
  assert.deepEqual(await heldOf(email), []);
});

Deno.test("email consent — another browser (no cookie) and an expired step are the expired page; nothing is made", async () => {
  const email = freshAddress();
  const { location, html, browser } = await atStep(email);
  const stranger = new FormBrowser(t);
  await assertStepExpired(await stranger.get(location));
  const before = await users();
  // Ten minutes on.
  await sql`update astapa.held_social_sign_ups set created_at = created_at - interval '11 minutes',
    expires_at = expires_at - interval '11 minutes' where email = ${email}`;
  await assertStepExpired(await browser.post(html, { legal_consent: "on" }));
  await assertStepExpired(await browser.post(html, {}));
  assert.equal(await users(), before);
  assert.equal(await userOf(email), undefined);
});

Deno.test("email consent — the address taken meanwhile by another account: the email-code page says so (409, en and id), nothing used; a new code signs in to that account", async () => {
  const texts = {
    en: "This address now belongs to an account of this app, so no new account was made.",
    id: "Alamat ini sekarang terdaftar di sebuah akun aplikasi ini, jadi tidak ada akun baru yang dibuat.",
  };
  for (const lang of ["en", "id"] as const) {
    const email = freshAddress();
    const { browser, html } = await atStep(email, lang);
    const id = await seedUser(sql, project.id, email, { verified: true });
    const taken = await browser.post(html, { legal_consent: "on" });
    const thtml = await taken.text();
    assert.equal(taken.status, 409, thtml.slice(0, 400));
    assert.ok(thtml.includes(texts[lang]), thtml.slice(0, 1200));
    assert.match(thtml, new RegExp(`<form method="post" action="/auth/email-code\\?lang=${lang}"`));
    assert.deepEqual(await heldOf(email), [{ used_at: null, email_verified: true }]);
    assert.equal(
      (await sql`select count(*)::int as n from astapa.users where project_id = ${project.id}
        and email = ${email}`)[0].n,
      1,
    );
    if (lang === "en") {
      // The page's own form sends a new code, which signs in to the account that has the address now.
      const { browser: next, html: nhtml, mail } = await asked(email);
      const typed = await next.post(nhtml, { action: "verify", code: mail.code });
      assert.equal(typed.status, 303);
      assert.equal(
        (await redeemedAtApp(t, project, typed.headers.get("location")!, "surel")).sub,
        String(id),
      );
    }
  }
});
