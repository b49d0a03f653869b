/**
 * settings.sign_up.require_legal_consent through the hosted login (docs/hosted-login.md): the sign-up form's box
 * with the branding's links (only those set, new tab, rel=noopener), en and id; a sign-up without it re-renders the
 * form with the field error and writes nothing; with it the account's legal_accepted_at is set and the Platform API
 * user shows it; the social buttons on the sign-up form post the box (checked on the server, CSRF too) and carry it
 * to the new account; a first Google sign-in from the sign-in page is refused with a page pointing to the sign-up
 * form, while an existing account still signs in; a GET creates nothing. Password-free sign-ups (an emailed code,
 * a passkey sign-up's code) carry the box from the form to the code that makes the account.
 */
import assert from "node:assert/strict";
import { followBack, projectRows, socialTestApp, startSignIn } from "../helpers/social.ts";
import { type SeededProject, seedProject } from "../helpers/identity.ts";
import { csrfOf } from "../helpers/csrf.ts";
import { basic } from "../helpers/oauth.ts";

const { google, t } = await socialTestApp();
const sql = t.db.sql;

const TERMS = "https://toko.example/terms";
const PRIVACY = "https://toko.example/privacy";
const asked = (branding: Record<string, string>) => ({
  branding,
  sign_up: { require_legal_consent: true },
});
const project = await seedProject(sql, {
  name: "Toko",
  settings: asked({ terms_url: TERMS, privacy_url: PRIVACY }),
});
const termsOnly = await seedProject(sql, { name: "Toko", settings: asked({ terms_url: TERMS }) });
const notAsked = await seedProject(sql, { name: "Toko", settings: { branding: { terms_url: TERMS } } });
const byCode = await seedProject(sql, {
  name: "Toko",
  settings: { ...asked({ terms_url: TERMS }), passwords: false, email_codes: true, email_code_sign_up: true },
});
const byPasskey = await seedProject(sql, {
  name: "Toko",
  settings: { ...asked({ privacy_url: PRIVACY }), passwords: false, passkeys: true },
});

/** The 6-digit code of the newest mail to `to`, from the outbox (no sender runs in this file). */
async function mailedCode(to: string): Promise<string> {
  const [mail] = await sql`select body_text from astapa.mail_outbox where lower(to_address) = lower(${to})
    order by id desc limit 1`;
  return /^\s+(\d{6})$/m.exec(mail.body_text as string)![1];
}

const query = (p: SeededProject) =>
  new URLSearchParams({ client_id: p.clientId, redirect_uri: p.redirectUri, state: "s" });

/** The sign-up page as a browser gets it: its HTML, and a poster holding its cookie and CSRF token. */
async function signUpPage(p: SeededProject, lang = "en") {
  const page = await t.app.request(`/auth/signup?${query(p)}&lang=${lang}`);
  assert.equal(page.status, 200);
  const cookie = (page.headers.get("set-cookie") ?? "").split(";")[0];
  const html = await page.text();
  const csrf = csrfOf(html);
  const post = (path: string, fields: Record<string, string>, token = csrf) =>
    t.app.request(`${path}?lang=${lang}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie, origin: t.origin },
      body: new URLSearchParams({ request: query(p).toString(), csrf: token, ...fields }),
    });
  return { html, post };
}

const acceptedAt = async (p: SeededProject, email: string) =>
  (await sql`select legal_accepted_at from astapa.users where project_id = ${p.id} and email = ${email}`)[0]
    ?.legal_accepted_at as Date | null | undefined;

Deno.test("legal consent — the sign-up form's box: a label, the branding's links in a new tab, en and id; absent when not asked", async () => {
  const en = (await signUpPage(project)).html;
  assert.match(en, /<input id="legal_consent" name="legal_consent" type="checkbox" value="on" required/);
  assert.match(
    en,
    /<label for="legal_consent">I agree to the <a href="https:\/\/toko\.example\/terms" target="_blank" rel="noopener noreferrer">Terms of Service<\/a> and <a href="https:\/\/toko\.example\/privacy" target="_blank" rel="noopener noreferrer">Privacy Policy<\/a><\/label>/,
  );
  const id = (await signUpPage(project, "id")).html;
  assert.match(id, /Saya menyetujui <a [^>]+>Ketentuan Layanan<\/a> dan <a [^>]+>Kebijakan Privasi<\/a>/);
  const one = (await signUpPage(termsOnly)).html;
  assert.match(one, /I agree to the <a [^>]+>Terms of Service<\/a><\/label>/);
  assert.doesNotMatch(one, /Privacy Policy<\/a>/);
  const none = (await signUpPage(notAsked)).html;
  assert.doesNotMatch(none, /legal_consent/);
  // The sign-in page never asks.
  const signIn = await (await t.app.request(`/auth/login?${query(project)}`)).text();
  assert.doesNotMatch(signIn, /legal_consent/);
});

Deno.test("legal consent — a sign-up without the box is the form again with its error (422), nothing written; with it legal_accepted_at is set", async () => {
  for (const lang of ["en", "id"] as const) {
    const { post } = await signUpPage(project, lang);
    const before = await projectRows(sql, project.id);
    const refused = await post("/auth/signup", {
      email: `tanpa-${lang}@toko.example`,
      password: "kopi-tubruk-9",
    });
    assert.equal(refused.status, 422);
    const html = await refused.text();
    assert.ok(
      html.includes(
        lang === "en"
          ? "Tick the box to agree to the terms before creating your account."
          : "Centang kotak persetujuan ketentuan sebelum membuat akun Anda.",
      ),
      html.slice(0, 600),
    );
    assert.match(html, /name="legal_consent"[^>]*aria-invalid="true"/);
    assert.equal((await projectRows(sql, project.id)).users, before.users);
  }
  // Shown again for another mistake, the form keeps the box as the person left it.
  const typo = await (await signUpPage(project)).post("/auth/signup", {
    email: "setuju@",
    password: "kopi-tubruk-9",
    legal_consent: "on",
  });
  assert.equal(typo.status, 422);
  assert.match(await typo.text(), /name="legal_consent"[^>]*checked/);
  const { post } = await signUpPage(project);
  const made = await post("/auth/signup", {
    email: "setuju@toko.example",
    password: "kopi-tubruk-9",
    legal_consent: "on",
  });
  assert.equal(made.status, 303, (await made.text()).slice(0, 400));
  const at = await acceptedAt(project, "setuju@toko.example");
  assert.ok(at instanceof Date);
  // The Platform API's user carries it.
  const [{ id }] = await sql`select id::text from astapa.users where email = 'setuju@toko.example'`;
  const res = await t.app.request(`/api/platform/users/${id}`, {
    headers: { authorization: basic(project.clientId, project.secret) },
  });
  const user = await res.json();
  assert.equal(res.status, 200, JSON.stringify(user));
  assert.equal(new Date(user.legal_accepted_at).getTime(), at.getTime());
  // A project that does not ask makes accounts without it, and records none.
  const plain = await signUpPage(notAsked);
  const ok = await plain.post("/auth/signup", { email: "biasa@toko.example", password: "kopi-tubruk-9" });
  assert.equal(ok.status, 303);
  assert.equal(await acceptedAt(notAsked, "biasa@toko.example"), null);
});

Deno.test("legal consent — the sign-up form's social buttons post the box: refused without it or a CSRF token, the new account records it", async () => {
  const { html, post } = await signUpPage(project);
  assert.match(html, /<form method="post" action="\/auth\/signup\?lang=en" novalidate id="auth-form">/);
  assert.match(html, /<button type="submit" form="auth-form" formaction="\/auth\/social\/google\?lang=en"/);
  const before = await projectRows(sql, project.id);
  const without = await post("/auth/social/google", {});
  assert.equal(without.status, 422);
  assert.ok((await without.text()).includes("Tick the box to agree to the terms"));
  assert.equal(without.headers.getSetCookie().some((c) => c.startsWith("astapa_social")), false);
  const forged = await post("/auth/social/google", { legal_consent: "on" }, "not-the-token");
  assert.notEqual(forged.status, 303, "no flow without the form's CSRF token");
  await forged.body?.cancel();
  assert.deepEqual(await projectRows(sql, project.id), before);

  google.approveAs = { sub: "g-setuju", email: "google@toko.example", email_verified: true };
  const started = await post("/auth/social/google", { legal_consent: "on", email: "", password: "" });
  assert.equal(started.status, 303, (await started.text()).slice(0, 400));
  const cookie = started.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  const upstream = await fetch(started.headers.get("location")!, { redirect: "manual" });
  await upstream.body?.cancel();
  const back = new URL(upstream.headers.get("location")!);
  const done = await followBack(t, { cookie, back });
  assert.equal(done.status, 303, (await done.text()).slice(0, 400));
  assert.ok(await acceptedAt(project, "google@toko.example"));
});

Deno.test("legal consent — a first Google sign-in from the sign-in page is refused with the way to the sign-up form, en and id; an existing account signs in", async () => {
  for (const lang of ["en", "id"] as const) {
    const before = await projectRows(sql, project.id);
    google.approveAs = { sub: `g-baru-${lang}`, email: `baru-${lang}@toko.example`, email_verified: true };
    const res = await followBack(t, await startSignIn(t, project, "google", lang));
    const html = await res.text();
    assert.equal(res.status, 403, html.slice(0, 400));
    assert.ok(
      html.includes(
        lang === "en"
          ? "Toko asks new accounts to agree to its terms first."
          : "Toko meminta akun baru menyetujui ketentuannya dulu.",
      ),
      html.slice(0, 800),
    );
    assert.match(html, new RegExp(`<a href="/auth/signup\\?[^"]*lang=${lang}">`));
    const after = await projectRows(sql, project.id);
    assert.deepEqual([after.users, after.identities, after.sessions], [
      before.users,
      before.identities,
      before.sessions,
    ]);
  }
  // The account made with consent above signs in from the sign-in page without being asked again.
  google.approveAs = { sub: "g-setuju", email: "google@toko.example", email_verified: true };
  const again = await followBack(t, await startSignIn(t, project, "google", "en"));
  assert.equal(again.status, 303, (await again.text()).slice(0, 400));
});

Deno.test("legal consent — an emailed sign-up code carries the box from the form to the code; without it the code makes no account", async () => {
  const { html, post } = await signUpPage(byCode);
  assert.match(html, /action="\/auth\/email-code\?lang=en" novalidate id="auth-form"/);
  assert.match(html, /name="legal_consent"/);
  const sent = await post("/auth/email-code", {
    action: "send",
    email: "kode@toko.example",
    legal_consent: "on",
  });
  assert.equal(sent.status, 200);
  assert.match(await sent.text(), /<input type="hidden" name="legal_consent" value="on"\/?>/);
  const made = await post("/auth/email-code", {
    action: "verify",
    email: "kode@toko.example",
    code: await mailedCode("kode@toko.example"),
    legal_consent: "on",
  });
  assert.equal(made.status, 303, (await made.text()).slice(0, 400));
  assert.ok(await acceptedAt(byCode, "kode@toko.example"));

  const before = await projectRows(sql, byCode.id);
  const other = await signUpPage(byCode);
  const unticked = await other.post("/auth/email-code", { action: "send", email: "tanpa@toko.example" });
  assert.doesNotMatch(await unticked.text(), /name="legal_consent"/);
  const refused = await other.post("/auth/email-code", {
    action: "verify",
    email: "tanpa@toko.example",
    code: await mailedCode("tanpa@toko.example"),
  });
  assert.equal(refused.status, 403);
  assert.ok((await refused.text()).includes("Toko asks new accounts to agree to its terms first."));
  assert.equal((await projectRows(sql, byCode.id)).users, before.users);
});

Deno.test("legal consent — a passkey sign-up asks before mailing a code, and its code makes the account with legal_accepted_at", async () => {
  const { html, post } = await signUpPage(byPasskey);
  assert.match(
    html,
    /I agree to the <a href="https:\/\/toko\.example\/privacy"[^>]*>Privacy Policy<\/a><\/label>/,
  );
  const before = await projectRows(sql, byPasskey.id);
  const unticked = await post("/auth/signup/passkey", { action: "send", email: "kunci@toko.example" });
  assert.equal(unticked.status, 422);
  const again = await unticked.text();
  assert.ok(again.includes("Tick the box to agree to the terms before creating your account."));
  assert.match(again, /name="legal_consent"[^>]*aria-invalid="true"/);
  assert.equal(
    (await sql`select count(*)::int as n from astapa.mail_outbox where to_address = 'kunci@toko.example'`)[0]
      .n,
    0,
    "no code mailed",
  );
  const sent = await (await post("/auth/signup/passkey", {
    action: "send",
    email: "kunci@toko.example",
    legal_consent: "on",
  })).text();
  assert.match(sent, /<input type="hidden" name="legal_consent" value="on"\/?>/);
  const token = /name="sign_up" value="([\w-]{43})"/.exec(sent)![1];
  const proven = await post("/auth/signup/passkey", {
    action: "verify",
    sign_up: token,
    email: "kunci@toko.example",
    code: await mailedCode("kunci@toko.example"),
    legal_consent: "on",
  });
  assert.equal(proven.status, 200, (await proven.text()).slice(0, 400));
  assert.equal((await projectRows(sql, byPasskey.id)).users, before.users + 1);
  assert.ok(await acceptedAt(byPasskey, "kunci@toko.example"));
});
