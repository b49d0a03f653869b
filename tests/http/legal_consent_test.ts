/**
 * settings.sign_up.require_legal_consent through the hosted login (docs/hosted-login.md): the sign-up form's box
 * with the branding's links (only those set, new tab, rel=noopener), en and id; a sign-up without it re-renders the
 * form with the field error and writes nothing; with it the account's legal_accepted_at is set and the Platform API
 * user shows it; the social buttons on the sign-up form post the box (checked on the server, CSRF too) and carry it
 * to the new account; a first Google sign-in from the sign-in page is held, and its own page asks for the terms
 * (a GET changes nothing; the box finishes the sign-in, once; the held sign-in is the browser's and the project's,
 * for 10 minutes), while an existing account still signs in. Password-free sign-ups (an emailed code, its magic
 * link, a passkey sign-up's code) carry the box from the form to the code or link that makes the account.
 */
import assert from "node:assert/strict";
import { followBack, projectRows, socialTestApp, startSignIn } from "../helpers/social.ts";
import { type SeededProject, seedProject, seedUser } from "../helpers/identity.ts";
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
// A project with two redirect URIs: a consent step's form swapped for the other one finishes the held one.
const twoUris = await seedProject(sql, { name: "Toko", settings: asked({ terms_url: TERMS }) });
const OTHER_URI = "https://other.example/callback";
await sql`update astapa.projects set redirect_uris = array[${twoUris.redirectUri}, ${OTHER_URI}]
  where id = ${twoUris.id}`;
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
  // A stale or forged CSRF token: the sign-up form again saying it expired (as every hosted form,
  // tests/http/stale_forms_test.ts), no flow started.
  const forged = await post("/auth/social/google", { legal_consent: "on" }, "not-the-token");
  assert.equal(forged.status, 403);
  assert.equal(forged.headers.getSetCookie().some((c) => c.startsWith("astapa_social")), false);
  const stale = await forged.text();
  assert.match(stale, /This form expired/);
  assert.match(stale, /<form method="post" action="\/auth\/signup\?lang=en" novalidate id="auth-form">/);
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

/** A browser's cookies after `res`, over those it had (`had`, a Cookie header): set ones replace, cleared ones go. */
function cookiesAfter(had: string, res: Response): string {
  const jar = new Map(
    had.split("; ").filter(Boolean).map((c) => c.split(/=(.*)/s).slice(0, 2) as [string, string]),
  );
  for (const set of res.headers.getSetCookie()) {
    const [pair, ...attributes] = set.split(";");
    const [name, value] = pair.split(/=(.*)/s);
    if (attributes.some((a) => /max-age=0/i.test(a.trim())) || value === "") jar.delete(name);
    else jar.set(name, value);
  }
  return [...jar].map(([name, value]) => `${name}=${value}`).join("; ");
}

/** A first Google sign-in from the sign-in page, as far as the consent page's redirect, and that page (GET). */
async function heldSignIn(
  p: SeededProject,
  sub: string,
  email: string,
  lang: "en" | "id",
  extra: Record<string, string> = {},
) {
  google.approveAs = { sub, email, email_verified: true };
  const started = await startSignIn(t, p, "google", lang, extra);
  const back = await followBack(t, started);
  assert.equal(back.status, 303, (await back.text()).slice(0, 400));
  const location = back.headers.get("location")!;
  const more = Object.keys(extra).length ? `&${new URLSearchParams(extra)}` : "";
  assert.match(
    location,
    new RegExp(`^/auth/signup/continue\\?client_id=[^&]+&redirect_uri=[^&]+${more}&lang=${lang}$`),
  );
  const held = back.headers.getSetCookie().find((c) => c.startsWith("astapa_held_sign_up="))!;
  assert.match(held, /HttpOnly/i);
  assert.match(held, /Path=\/auth\/signup\/continue/);
  assert.doesNotMatch(held, new RegExp(email), "the identity stays on the server");
  let cookie = cookiesAfter(started.cookie, back);
  const page = await t.app.request(location, { headers: { cookie } });
  cookie = cookiesAfter(cookie, page);
  const html = await page.text();
  const post = (fields: Record<string, string>, token = csrfOf(html), as = p) =>
    t.app.request(`/auth/signup/continue?lang=${lang}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie, origin: t.origin },
      body: new URLSearchParams({
        request: query(as).toString().replace("&state=s", ""),
        csrf: token,
        ...fields,
      }),
    });
  return { page, html, location, cookie, post };
}

/** The consent step's page for a token that finds nothing: 400, with the way back to the sign-in page. */
async function assertExpired(res: Response) {
  const html = await res.text();
  assert.equal(res.status, 400, html.slice(0, 400));
  assert.ok(html.includes("This step expired or was already used."), html.slice(0, 800));
}

const heldRows = async (p: SeededProject) =>
  (await sql`select count(*)::int as n from astapa.held_social_sign_ups where project_id = ${p.id}`)[0]
    .n as number;

Deno.test("legal consent — a first Google sign-in from the sign-in page asks for the terms on its own page, en and id; GET changes nothing; the box finishes the sign-in", async () => {
  for (const lang of ["en", "id"] as const) {
    const before = await projectRows(sql, project.id);
    const email = `baru-${lang}@toko.example`;
    const { page, html, location, cookie, post } = await heldSignIn(project, `g-baru-${lang}`, email, lang);
    assert.equal(page.status, 200, html.slice(0, 400));
    assert.ok(
      html.includes(
        lang === "en"
          ? "To finish creating your account, agree to the terms."
          : "Untuk menyelesaikan pembuatan akun Anda, setujui ketentuannya.",
      ),
      html.slice(0, 800),
    );
    assert.match(html, /<input id="legal_consent" name="legal_consent" type="checkbox" value="on" required/);
    assert.ok(html.includes(`href="${TERMS}" target="_blank" rel="noopener noreferrer"`));
    assert.match(html, new RegExp(`<form method="post" action="/auth/signup/continue\\?lang=${lang}"`));
    // Nothing is made before the person agrees, however often the page is read.
    const again = await t.app.request(location, { headers: { cookie } });
    assert.equal(again.status, 200);
    await again.body?.cancel();
    const held = await projectRows(sql, project.id);
    assert.deepEqual([held.users, held.identities, held.sessions], [
      before.users,
      before.identities,
      before.sessions,
    ]);

    const unticked = await post({});
    const uhtml = await unticked.text();
    assert.equal(unticked.status, 422, uhtml.slice(0, 400));
    assert.ok(
      uhtml.includes(
        lang === "en"
          ? "Tick the box to agree to the terms before creating your account."
          : "Centang kotak persetujuan ketentuan sebelum membuat akun Anda.",
      ),
    );
    assert.match(uhtml, /aria-invalid="true"/);
    assert.equal((await projectRows(sql, project.id)).users, before.users);
    const forged = await post({ legal_consent: "on" }, "not-the-token");
    assert.notEqual(forged.status, 303, "no sign-in without the form's CSRF token");
    await forged.body?.cancel();
    assert.equal((await projectRows(sql, project.id)).users, before.users);

    const done = await post({ legal_consent: "on" });
    assert.equal(done.status, 303, (await done.text()).slice(0, 400));
    const to = new URL(done.headers.get("location")!);
    assert.equal(to.origin + to.pathname, project.redirectUri);
    assert.ok(to.searchParams.get("code"));
    assert.ok(await acceptedAt(project, email));
    const [identity] = await sql`select i.provider from astapa.identities i join astapa.users u
      on u.project_id = i.project_id and u.id = i.user_id where u.project_id = ${project.id} and u.email = ${email}`;
    assert.equal(identity.provider, "google");

    // The token is used: a replay (another tab, the back button) is the expired page with the way back.
    const replay = await post({ legal_consent: "on" });
    const rhtml = await replay.text();
    assert.equal(replay.status, 400, rhtml.slice(0, 400));
    assert.ok(
      rhtml.includes(
        lang === "en"
          ? "This step expired or was already used. Sign in again to create your account."
          : "Langkah ini sudah kedaluwarsa atau sudah dipakai. Masuk lagi untuk membuat akun Anda.",
      ),
    );
    assert.match(rhtml, new RegExp(`<a class="button" href="/auth/login\\?[^"]*lang=${lang}">`));
    const reread = await t.app.request(location, { headers: { cookie } });
    assert.equal(reread.status, 400);
    await reread.body?.cancel();
  }
  // The account made with consent signs in from the sign-in page without being asked again.
  google.approveAs = { sub: "g-baru-en", email: "baru-en@toko.example", email_verified: true };
  const again = await followBack(t, await startSignIn(t, project, "google", "en"));
  assert.equal(again.status, 303, (await again.text()).slice(0, 400));
  assert.doesNotMatch(again.headers.get("location")!, /continue/);
});

Deno.test("legal consent — a held sign-in is the browser's and the project's: no cookie, another project's page or an expired one find nothing", async () => {
  const before = await projectRows(sql, project.id);
  const { location, post } = await heldSignIn(project, "g-lain", "lain@toko.example", "en");
  // Without the cookie (another browser): nothing to finish.
  await assertExpired(await t.app.request(location));
  // The same token posted to another project's page (its own request, the box ticked): RLS finds no row there.
  const beforeOther = await projectRows(sql, termsOnly.id);
  await assertExpired(await post({ legal_consent: "on" }, undefined, termsOnly));
  assert.deepEqual(await projectRows(sql, termsOnly.id), beforeOther);
  // Ten minutes on, it has expired: the page says so and nothing is made.
  await sql`update astapa.held_social_sign_ups set created_at = created_at - interval '11 minutes',
    expires_at = expires_at - interval '11 minutes' where project_id = ${project.id} and subject = 'g-lain'`;
  await assertExpired(await post({ legal_consent: "on" }));
  // The box left empty on an expired step: the expired page too, not the box's error.
  await assertExpired(await post({}));
  const after = await projectRows(sql, project.id);
  assert.deepEqual([after.users, after.identities], [before.users, before.identities]);
  assert.ok(await heldRows(project) > 0);
});

Deno.test("legal consent — the step finishes the authorization request held with the sign-in, not the one its form carries", async () => {
  const { post } = await heldSignIn(twoUris, "g-tukar", "tukar@toko.example", "en", { state: "held" });
  // The form swapped for a request of the same project naming its other redirect_uri and another state.
  const done = await post({ legal_consent: "on" }, undefined, { ...twoUris, redirectUri: OTHER_URI });
  assert.equal(done.status, 303, (await done.text()).slice(0, 400));
  const to = new URL(done.headers.get("location")!);
  assert.equal(to.origin + to.pathname, twoUris.redirectUri);
  assert.equal(to.searchParams.get("state"), "held");
  assert.ok(to.searchParams.get("code"));
  assert.ok(await acceptedAt(twoUris, "tukar@toko.example"));
});

Deno.test("legal consent — a refusal at the step reads as at the callback, en and id: the address taken meanwhile (409), the account disabled (403)", async () => {
  const texts = {
    en: {
      taken: "An account with this email already exists, but the email is not verified on both sides",
      disabled: "This account is disabled.",
    },
    id: {
      taken: "Akun dengan email ini sudah ada, tetapi email belum terverifikasi di kedua sisi",
      disabled: "Akun ini dinonaktifkan.",
    },
  };
  for (const lang of ["en", "id"] as const) {
    // Within the ten minutes, an account with the address whose email nobody confirmed: not linked.
    const taken = await heldSignIn(project, `g-diambil-${lang}`, `diambil-${lang}@toko.example`, lang);
    await seedUser(sql, project.id, `diambil-${lang}@toko.example`);
    const conflict = await taken.post({ legal_consent: "on" });
    const chtml = await conflict.text();
    assert.equal(conflict.status, 409, chtml.slice(0, 400));
    assert.ok(chtml.includes(texts[lang].taken), chtml.slice(0, 800));
    assert.match(chtml, new RegExp(`<a class="button" href="/auth/login\\?[^"]*lang=${lang}">`));
    // A verified account with the address, disabled meanwhile: the identity would link to it.
    const off = await heldSignIn(project, `g-mati-${lang}`, `mati-${lang}@toko.example`, lang);
    const id = await seedUser(sql, project.id, `mati-${lang}@toko.example`, { verified: true });
    await sql`update astapa.users set disabled = true where project_id = ${project.id} and id = ${id}::bigint`;
    const disabled = await off.post({ legal_consent: "on" });
    const dhtml = await disabled.text();
    assert.equal(disabled.status, 403, dhtml.slice(0, 400));
    assert.ok(dhtml.includes(texts[lang].disabled), dhtml.slice(0, 800));
    const [link] = await sql`select count(*)::int as n from astapa.identities
      where project_id = ${project.id} and subject = ${`g-mati-${lang}`}`;
    assert.equal(link.n, 0, "nothing linked");
  }
  // Sign-ups closed meanwhile: the callback's refusal page for that rule.
  const closing = await seedProject(sql, { name: "Toko", settings: asked({ terms_url: TERMS }) });
  const late = await heldSignIn(closing, "g-tutup", "tutup@toko.example", "en");
  await sql`update astapa.projects set settings = jsonb_set(settings, '{sign_up,mode}', '"closed"')
    where id = ${closing.id}`;
  const closed = await late.post({ legal_consent: "on" });
  const html = await closed.text();
  assert.equal(closed.status, 403, html.slice(0, 400));
  assert.ok(html.includes("Sign-ups for Toko are closed."), html.slice(0, 800));
  assert.equal((await projectRows(sql, closing.id)).users, 0);
});

Deno.test("legal consent — an emailed sign-up code carries the box from the form to the code; without it the code makes no account and sends the person to the consent step", async () => {
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
  // Held for the box (tests/http/email_consent_test.ts has the whole step).
  assert.equal(refused.status, 303);
  assert.match(refused.headers.get("location")!, /^\/auth\/signup\/continue\?/);
  assert.equal((await projectRows(sql, byCode.id)).users, before.users);
});

/** Opens the magic link of the newest mail to `to` in a fresh browser and presses its button. */
async function openMagicLink(to: string) {
  const [mail] = await sql`select body_text from astapa.mail_outbox where lower(to_address) = lower(${to})
    order by id desc limit 1`;
  const link = /http:\/\/astapa\.test(\/auth\/email-code\/link\?\S+)/.exec(mail.body_text as string)![1];
  const opened = await t.app.request(link);
  assert.equal(opened.status, 200);
  const cookie = opened.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  const html = await opened.text();
  const field = (name: string) =>
    new RegExp(`name="${name}" value="([^"]*)"`).exec(html)![1].replaceAll("&amp;", "&");
  return await t.app.request("/auth/email-code?lang=en", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie, origin: t.origin },
    body: new URLSearchParams({
      request: field("request"),
      csrf: csrfOf(html),
      action: "link",
      token: field("token"),
    }),
  });
}

Deno.test("legal consent — the magic link of a sign-up code asked for with the box ticked makes the account with legal_accepted_at; without the box it makes none and goes to the consent step", async () => {
  const { post } = await signUpPage(byCode);
  const sent = await post("/auth/email-code", {
    action: "send",
    email: "tautan@toko.example",
    legal_consent: "on",
  });
  assert.equal(sent.status, 200);
  await sent.body?.cancel();
  const made = await openMagicLink("tautan@toko.example");
  assert.equal(made.status, 303, (await made.text()).slice(0, 400));
  assert.ok(made.headers.get("location")!.startsWith(`${byCode.redirectUri}?code=`));
  assert.ok(await acceptedAt(byCode, "tautan@toko.example"));

  const before = await projectRows(sql, byCode.id);
  const other = await signUpPage(byCode);
  const unticked = await other.post("/auth/email-code", {
    action: "send",
    email: "tanpa-tautan@toko.example",
  });
  await unticked.body?.cancel();
  const refused = await openMagicLink("tanpa-tautan@toko.example");
  assert.equal(refused.status, 303);
  assert.match(refused.headers.get("location")!, /^\/auth\/signup\/continue\?/);
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
