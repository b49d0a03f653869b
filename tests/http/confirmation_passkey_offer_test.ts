/**
 * Where a project makes people confirm their address before signing in, the mailed confirmation completes the
 * sign-up (routes/auth/verify.tsx): once it signs the person in, it goes on to the passkey offer a sign-up
 * without confirmation gets (/auth/passkeys?welcome=1), after a second factor when one is owed, and only when
 * the project has passkeys and the account has none. No session started (no sign-up's request to go on to),
 * no offer; a project that signs people in at sign-up offered it then, and its confirmation does not again.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { FormBrowser, redeemsAtApp, redirectTarget } from "../helpers/form_browser.ts";
import { type SeededProject, seedPasskey, seedProject } from "../helpers/identity.ts";
import { openMailedLink } from "../helpers/login.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const confirmFirst = await seedProject(t.db.sql, {
  name: "Kunci Pasti",
  redirectUri: "https://kunci-pasti.example/cb",
  settings: { passkeys: true, require_verified_email: true },
});
const confirmFirstMfa = await seedProject(t.db.sql, {
  name: "Kunci Ganda",
  redirectUri: "https://kunci-ganda.example/cb",
  settings: { passkeys: true, require_verified_email: true, mfa: { policy: "required" } },
});
const noPasskeys = await seedProject(t.db.sql, {
  name: "Tanpa Kunci",
  redirectUri: "https://tanpa-kunci.example/cb",
  settings: { require_verified_email: true },
});
const signedInAtOnce = await seedProject(t.db.sql, {
  name: "Kunci Langsung",
  redirectUri: "https://kunci-langsung.example/cb",
  settings: { passkeys: true },
});

const OFFER = {
  en: { text: "Sign in faster next time: add a passkey to this account.", back: "Back to the app" },
  id: { text: "Masuk lebih cepat lain kali: tambahkan passkey ke akun ini.", back: "Kembali ke aplikasi" },
} as const;

const authorizeQuery = (p: SeededProject, lang: "en" | "id" = "en") =>
  new URLSearchParams({ client_id: p.clientId, redirect_uri: p.redirectUri, state: "s", lang }).toString();
const unescape = (href: string) => href.replace(/&amp;/g, "&");

/** Signs up in `browser`, which is asked to check its email (not signed in); returns the mailed link's page. */
async function signUp(browser: FormBrowser, p: SeededProject, email: string, lang: "en" | "id" = "en") {
  const res = await browser.submit(`/auth/signup?${authorizeQuery(p, lang)}`, { email, password: PASSWORD });
  assert.equal(res.status, 200);
  await res.body?.cancel();
  assert.ok(!browser.cookies.has(`astapa_session_${p.id}`), "not signed in before confirming");
  const [mail] = await t.db.sql`select body_text from astapa.mail_outbox
    where project_id = ${p.id} and to_address = ${email} and kind = 'verify_email' order by id desc limit 1`;
  return await openMailedLink(t, mail.body_text);
}
const PASSWORD = "kopi tubruk pahit";

/** Confirms on the link's page with the password, in `browser`. */
async function confirm(browser: FormBrowser, link: string): Promise<Response> {
  const page = await browser.get(link);
  assert.equal(page.status, 200);
  return await browser.post(await page.text(), { action: "confirm", password: PASSWORD });
}

for (const lang of ["en", "id"] as const) {
  Deno.test(`confirmation passkey offer — the confirmation signs in and offers a passkey, as a sign-up does (${lang})`, async () => {
    // The link opened in another browser than the sign-up's: the password signs in there, and the offer follows.
    const link = await signUp(new FormBrowser(t), confirmFirst, `tawaran-${lang}@example.com`, lang);
    const browser = new FormBrowser(t);
    const confirmed = await confirm(browser, link);
    const offer = redirectTarget(confirmed);
    assert.ok(offer.startsWith("/auth/passkeys?") && offer.includes("welcome=1"), offer);
    assert.equal(new URL(offer, "http://astapa.test").searchParams.get("lang"), lang);
    assert.ok(browser.cookies.has(`astapa_session_${confirmFirst.id}`), "signed in by the confirmation");
    const page = await browser.get(offer);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.ok(html.includes(OFFER[lang].text), html);
    const back = new RegExp(`<a class="button" href="([^"]+)">${OFFER[lang].back}</a>`).exec(html)?.[1];
    assert.ok(back, "the way back to the app");
    await redeemsAtApp(browser, confirmFirst, unescape(back));
    const [user] = await t.db.sql`select email_verified from astapa.users
      where project_id = ${confirmFirst.id} and email_lower = ${`tawaran-${lang}@example.com`}`;
    assert.equal(user.email_verified, true);
  });
}

Deno.test("confirmation passkey offer — an account with a passkey already is offered none", async () => {
  const browser = new FormBrowser(t);
  const link = await signUp(browser, confirmFirst, "sudah-punya@example.com");
  const [user] = await t.db.sql`select id::text from astapa.users
    where project_id = ${confirmFirst.id} and email_lower = 'sudah-punya@example.com'`;
  await seedPasskey(t.db.sql, confirmFirst.id, user.id, 3);
  // The passkey is a second factor of the account's own: the password sign-in asks for it, and goes on to the
  // app after it, not to an offer.
  const mfa = redirectTarget(await confirm(browser, link));
  assert.match(mfa, /^\/auth\/mfa\?/);
  assert.ok(browser.cookies.has(`astapa_mfa_${confirmFirst.id}`), "the second step began");
  assert.ok(!browser.cookies.has(`astapa_mfa_onward_${confirmFirst.id}`), "nothing to go on to but the app");
});

Deno.test("confirmation passkey offer — a second factor owed comes first; the offer follows it", async () => {
  const browser = new FormBrowser(t);
  const link = await signUp(browser, confirmFirstMfa, "dua-langkah@example.com");
  const mfa = redirectTarget(await confirm(browser, link));
  assert.match(mfa, /^\/auth\/mfa\?/);
  assert.ok(
    !browser.cookies.has(`astapa_session_${confirmFirstMfa.id}`),
    "no session before the second step",
  );
  assert.equal(browser.cookies.get(`astapa_mfa_onward_${confirmFirstMfa.id}`), "passkey_offer");
});

Deno.test("confirmation passkey offer — a project without passkeys goes on to the app", async () => {
  const browser = new FormBrowser(t);
  const link = await signUp(browser, noPasskeys, "tanpa-kunci@example.com");
  const to = redirectTarget(await confirm(browser, link));
  assert.ok(to.startsWith(`${noPasskeys.redirectUri}?code=`), `to the app, not ${to}`);
});

Deno.test("confirmation passkey offer — no sign-up's request to go on to: confirmed, nobody signed in, no offer", async () => {
  const browser = new FormBrowser(t);
  const link = await signUp(browser, confirmFirst, "tanpa-lanjut@example.com");
  const to = redirectTarget(await confirm(browser, link.replace(/&continue=[^&]*/, "")));
  assert.match(to, /^\/auth\/verify\?.*confirmed=1/);
  assert.ok(!browser.cookies.has(`astapa_session_${confirmFirst.id}`));
});

Deno.test("confirmation passkey offer — where the sign-up signed in (and offered one then), the confirmation does not offer again", async () => {
  const browser = new FormBrowser(t);
  const signedUp = await browser.submit(`/auth/signup?${authorizeQuery(signedInAtOnce)}`, {
    email: "langsung@example.com",
    password: PASSWORD,
  });
  assert.match(redirectTarget(signedUp), /^\/auth\/passkeys\?.*welcome=1/, "offered at sign-up");
  const [mail] = await t.db.sql`select body_text from astapa.mail_outbox
    where project_id = ${signedInAtOnce.id} and to_address = 'langsung@example.com' and kind = 'verify_email'`;
  const link = await openMailedLink(t, mail.body_text);
  // In another browser, with the password: on into the app.
  const elsewhere = redirectTarget(await confirm(new FormBrowser(t), link));
  assert.ok(elsewhere.startsWith(`${signedInAtOnce.redirectUri}?code=`), elsewhere);
});

Deno.test("confirmation passkey offer — a browser signed in to the account (the project began to require confirmation since) goes to the offer", async () => {
  const browser = new FormBrowser(t);
  const signedUp = await browser.submit(`/auth/signup?${authorizeQuery(signedInAtOnce)}`, {
    email: "berubah@example.com",
    password: PASSWORD,
  });
  await signedUp.body?.cancel();
  const [mail] = await t.db.sql`select body_text from astapa.mail_outbox
    where project_id = ${signedInAtOnce.id} and to_address = 'berubah@example.com' and kind = 'verify_email'`;
  const link = await openMailedLink(t, mail.body_text);
  await t.db.sql`update astapa.projects set settings = settings || '{"require_verified_email": true}'
    where id = ${signedInAtOnce.id}`;
  try {
    const page = await browser.get(link);
    const html = await page.text();
    assert.ok(!html.includes('name="password"'), "the session stands for the password");
    const offer = redirectTarget(await browser.post(html, { action: "confirm" }));
    assert.ok(offer.startsWith("/auth/passkeys?") && offer.includes("welcome=1"), offer);
    const offered = await (await browser.get(offer)).text();
    assert.ok(offered.includes(OFFER.en.text), offered);
  } finally {
    await t.db.sql`update astapa.projects set settings = settings - 'require_verified_email'
      where id = ${signedInAtOnce.id}`;
  }
});
