/**
 * A page of ours a sign-in goes on to before the app (lib/login/factors/step.ts, `onward`) when the project
 * requires a second factor: a phone code's claim tells the person what it removed (/auth/phone/claimed), and a
 * new person is offered a passkey (/auth/passkeys?welcome=1), once the second step is met — not lost to it. The
 * offer's way back to the app drops a prompt=login (just signed in), as the claim's page does; a later sign-in's
 * challenge does not inherit an abandoned one's page.
 */
import assert from "node:assert/strict";
import * as OTPAuth from "otpauth";
import { testApp } from "../helpers/app.ts";
import { FormBrowser, redeemsAtApp, redirectTarget } from "../helpers/form_browser.ts";
import { type SeededProject, seedProject } from "../helpers/identity.ts";
import { listPhoneMessages } from "@/db/phone.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const strict = await seedProject(t.db.sql, {
  name: "Pasar Aman",
  redirectUri: "https://pasar-aman.example/cb",
  settings: { passkeys: true, phone: { enabled: true }, mfa: { policy: "required" } },
});

const keys = await seedProject(t.db.sql, {
  name: "Kunci Saja",
  redirectUri: "https://kunci.example/cb",
  settings: { passkeys: true },
});

const authorizeQuery = (p: SeededProject, extra: Record<string, string> = {}) =>
  new URLSearchParams({ client_id: p.clientId, redirect_uri: p.redirectUri, ...extra }).toString();

/** A password hash nobody knows the password of: the claim removes it. */
const ARGON = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA";

const unescape = (href: string) => href.replace(/&amp;/g, "&");

/** Sets up an authenticator app on the enrolment page at `path`; returns the recovery codes page's HTML. */
async function enrolAt(browser: FormBrowser, path: string): Promise<string> {
  const page = await browser.get(path);
  assert.equal(page.status, 200);
  const html = await page.text();
  const key = /<code class="totp-key">([A-Z2-7 ]+)<\/code>/.exec(html)![1];
  const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(key.replace(/\s+/g, "")) });
  const done = await browser.post(html, { code: totp.generate() });
  assert.equal(done.status, 200);
  return await done.text();
}

/** The "Continue" link of the recovery codes page. */
function continueOf(html: string): string {
  return unescape(/<a class="button" href="([^"]+)">/.exec(html)![1]);
}

const CLAIMED = {
  en: { title: "Your phone number is confirmed", item: "its password", button: "Continue" },
  id: { title: "Nomor HP Anda terkonfirmasi", item: "kata sandinya", button: "Lanjutkan" },
} as const;

Deno.test("onward after mfa — a phone code's claim under a required second factor: the notice comes after it (en, id)", async () => {
  for (const [n, lang] of (["en", "id"] as const).entries()) {
    // An account someone set up with a password and an address nobody proved; the app put the number on it
    // unverified.
    const number = `+62812777700${n + 1}`;
    await t.db.sql`insert into astapa.users (project_id, email, email_verified, password_hash, phone_number,
        phone_number_verified, environment)
      select ${strict.id}, ${`nobody-${lang}@example.com`}, false, ${ARGON}, ${number}, false,
        p.mode from astapa.projects p where p.id = ${strict.id}`;
    const browser = new FormBrowser(t);
    const sent = await browser.submit(`/auth/phone?${authorizeQuery(strict, { lang })}`, {
      phone: `0812 7777 00${n + 1}`,
      channel: "whatsapp",
    });
    const codePage = await browser.get(redirectTarget(sent));
    const message = (await listPhoneMessages(t.db.sql, strict.id)).find((m) => m.phone_number === number)!;
    const code = /: (\d{6})$/.exec(message.sandbox_text ?? "")![1];
    const claimed = await browser.post(await codePage.text(), { code });
    // The second step first: the claim's notice waits for it.
    const mfa = redirectTarget(claimed);
    assert.match(mfa, /^\/auth\/mfa\?/);
    assert.equal(new URL(mfa, "http://astapa.test").searchParams.get("lang"), lang);
    assert.ok(browser.cookies.has(`astapa_phone_claimed_${strict.id}`), "the notice is kept for after it");
    const codes = await enrolAt(browser, mfa);
    // Met: "Continue" goes to the notice, not past it.
    const onward = continueOf(codes);
    assert.ok(onward.startsWith("/auth/phone/claimed?"), onward);
    assert.equal(new URL(onward, "http://astapa.test").searchParams.get("lang"), lang);
    assert.ok(!browser.cookies.has(`astapa_mfa_onward_${strict.id}`), "spent with the challenge");
    const notice = await browser.get(onward);
    assert.equal(notice.status, 200);
    const html = await notice.text();
    assert.ok(html.includes(`<h1 id="auth-heading">${CLAIMED[lang].title}</h1>`), html);
    assert.ok(html.includes(`<li>${CLAIMED[lang].item}</li>`), html);
    const button = /<a class="button" href="([^"]+)">([^<]+)<\/a>/.exec(html)!;
    assert.equal(button[2], CLAIMED[lang].button);
    await redeemsAtApp(browser, strict, unescape(button[1]));
  }
});

Deno.test("onward after mfa — a sign-up under a required second factor: the passkey offer after it; its way back drops prompt=login", async () => {
  const browser = new FormBrowser(t);
  const signedUp = await browser.submit(`/auth/signup?${authorizeQuery(strict, { prompt: "login" })}`, {
    email: "baru-aman@example.com",
    password: "kopi susu gula aren",
  });
  const codes = await enrolAt(browser, redirectTarget(signedUp));
  const onward = continueOf(codes);
  assert.ok(onward.startsWith("/auth/passkeys?"), onward);
  const page = await browser.get(onward);
  assert.equal(page.status, 200);
  const html = await page.text();
  assert.ok(html.includes("Sign in faster next time: add a passkey to this account."), html);
  // "Back to the app": the browser's new session answers the request; prompt=login there would ask again.
  const back = unescape(/<a class="button" href="([^"]+)">Back to the app<\/a>/.exec(html)![1]);
  const request = new URL(back, "http://astapa.test").searchParams;
  assert.equal(request.get("prompt"), null, back);
  assert.equal(request.get("client_id"), strict.clientId);
  // Its forms post back to the offer, so a key added (or refused) keeps the way back.
  assert.ok(html.includes(`action="/auth/passkeys?lang=en&amp;welcome=1"`), html);
  const renamed = await browser.post(html, { action: "rename", name: "x", id: "00".repeat(16) });
  const again = await renamed.text();
  assert.match(again, /<a class="button" href="[^"]+">Back to the app<\/a>/);
  const backAgain = unescape(/<a class="button" href="([^"]+)">Back to the app<\/a>/.exec(again)![1]);
  assert.equal(new URL(backAgain, "http://astapa.test").searchParams.get("prompt"), null, backAgain);
  await redeemsAtApp(browser, strict, back);
});

Deno.test("onward after mfa — with no second factor owed, the offer's way back drops prompt=login too", async () => {
  const browser = new FormBrowser(t);
  const signedUp = await browser.submit(`/auth/signup?${authorizeQuery(keys, { prompt: "login" })}`, {
    email: "kunci-baru@example.com",
    password: "es cendol dawet ayu",
  });
  const offer = redirectTarget(signedUp);
  assert.ok(offer.startsWith("/auth/passkeys?") && offer.includes("welcome=1"), offer);
  const html = await (await browser.get(offer)).text();
  const back = unescape(/<a class="button" href="([^"]+)">Back to the app<\/a>/.exec(html)![1]);
  assert.equal(new URL(back, "http://astapa.test").searchParams.get("prompt"), null, back);
  // The language switch stays on the offer.
  assert.match(html, /href="\/auth\/passkeys\?[^"]*lang=id&amp;welcome=1"/);
  await redeemsAtApp(browser, keys, back);
});

Deno.test("onward after mfa — the passkeys page reached from elsewhere keeps prompt=login on its way back", async () => {
  const browser = new FormBrowser(t);
  const signedUp = await browser.submit(`/auth/signup?${authorizeQuery(strict)}`, {
    email: "lain-aman@example.com",
    password: "teh tarik tanpa gula",
  });
  await enrolAt(browser, redirectTarget(signedUp));
  const page = await browser.get(`/auth/passkeys?${authorizeQuery(strict, { prompt: "login" })}`);
  const html = await page.text();
  const back = unescape(/<a class="button" href="([^"]+)">Back to the app<\/a>/.exec(html)![1]);
  assert.equal(
    new URL(back, "http://astapa.test").searchParams.get("prompt"),
    "login",
    "what the app asked for",
  );
});

Deno.test("onward after mfa — the passkeys page's sign-in-again link, the request carrying prompt=login already, opens the sign-in form", async () => {
  const browser = new FormBrowser(t);
  const email = "lama-aman@example.com";
  const signedUp = await browser.submit(`/auth/signup?${authorizeQuery(strict)}`, {
    email,
    password: "teh tarik tanpa gula",
  });
  await enrolAt(browser, redirectTarget(signedUp));
  // Signed in 11 minutes ago: adding or removing a passkey asks for a fresh sign-in first.
  await t.db.sql`update astapa.login_sessions set created_at = now() - interval '11 minutes'
                 where project_id = ${strict.id}
                   and user_id = (select id from astapa.users where project_id = ${strict.id} and email = ${email})`;
  const html = await (await browser.get(`/auth/passkeys?${authorizeQuery(strict, { prompt: "login" })}`))
    .text();
  const again = unescape(/<a href="([^"]+)">Sign in again<\/a>/.exec(html)![1]);
  assert.deepEqual(new URL(again, "http://astapa.test").searchParams.getAll("prompt"), ["login"]);
  const form = await browser.get(again);
  assert.equal(form.status, 200, "the sign-in form, not the app's invalid_request");
  assert.match(await form.text(), /name="password"/);
});

Deno.test("onward after mfa — an abandoned sign-up's offer does not follow a later sign-in's second step", async () => {
  const browser = new FormBrowser(t);
  const first = await browser.submit(`/auth/signup?${authorizeQuery(strict)}`, {
    email: "ragu-aman@example.com",
    password: "nasi uduk pagi hari",
  });
  assert.match(redirectTarget(first), /^\/auth\/mfa\?/);
  assert.equal(browser.cookies.get(`astapa_mfa_onward_${strict.id}`), "passkey_offer");
  // Instead, the same browser signs in to another account (one with nothing owed after it).
  const other = new FormBrowser(t);
  const otherUp = await other.submit(`/auth/signup?${authorizeQuery(strict)}`, {
    email: "yakin-aman@example.com",
    password: "bubur ayam tanpa kacang",
  });
  await enrolAt(other, redirectTarget(otherUp));
  const signedIn = await browser.submit(`/auth/login?${authorizeQuery(strict)}`, {
    email: "yakin-aman@example.com",
    password: "bubur ayam tanpa kacang",
  });
  assert.match(redirectTarget(signedIn), /^\/auth\/mfa\?/);
  assert.ok(!browser.cookies.has(`astapa_mfa_onward_${strict.id}`), "the new challenge goes on to the app");
});
