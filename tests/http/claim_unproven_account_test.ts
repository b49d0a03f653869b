/**
 * Pre-account hijacking through the hosted pages (docs/security.md): an attacker registers someone else's
 * address (or has the app put someone else's number on their account) with a password, signs in, keeps a
 * refresh token and sets up a passkey and an authenticator app. The real owner then proves the address or
 * number — an email code, a phone code, a password reset — and lands signed in, with no second step asked for
 * a factor that was not theirs; everything the attacker held stops working, and a proven address is told what
 * went (a phone code's claim leaves none: its page tells them, en and id). A verified account's code sign-in
 * changes nothing. A code
 * overtaken by a proof of the other channel gets a page saying so (en, id).
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { type SeededProject, seedPasskey, seedProject, seedUser } from "../helpers/identity.ts";
import { mailText, openMailedLink, sessionCookie, submitForm } from "../helpers/login.ts";
import { startSmtpSink } from "../helpers/smtp_sink.ts";
import { postForm } from "../helpers/token_client.ts";
import { csrfOf } from "../helpers/csrf.ts";
import { waitFor } from "../helpers/wait.ts";
import { MailSender } from "@/lib/mail/sender.ts";
import { asApp } from "@/db/client.ts";
import { ERRORS } from "@/lib/http/errors.ts";
import { listPhoneMessages } from "@/db/phone.ts";

const t = await testApp();
const sink = startSmtpSink();
const sender = new MailSender(t.db.sql, sink.url, "Astapa <no-reply@astapa.test>");
await sender.start();
Deno.test.afterAll(async () => {
  await sender.stop();
  sink.close();
  await t.close();
});
const redirectUri = "https://pasar.example/cb";
const project = await seedProject(t.db.sql, {
  name: "Pasar",
  redirectUri,
  settings: { email_codes: true, passkeys: true, phone: { enabled: true } },
});
const query = (p: SeededProject) =>
  new URLSearchParams({ client_id: p.clientId, redirect_uri: p.redirectUri });

/** The attacker's sign-up with a password they know: the user id and a refresh token from the code it gave. */
async function attackerSignsUp(email: string, password: string) {
  const signedUp = await submitForm(t, project, "/auth/signup", { email, password });
  assert.equal(signedUp.status, 303, "signed up (and offered a passkey)");
  await signedUp.body?.cancel();
  // Signed in with the password: the project does not make people confirm their address first.
  const signedIn = await submitForm(t, project, "/auth/login", { email, password });
  assert.equal(signedIn.status, 303);
  const code = new URL(signedIn.headers.get("location")!).searchParams.get("code")!;
  const tokens = await postForm(t, "/api/platform/token", {
    grant_type: "authorization_code",
    code,
    redirect_uri: project.redirectUri,
    client_id: project.clientId,
    client_secret: project.secret,
  });
  assert.equal(tokens.res.status, 200);
  assert.ok(tokens.body.refresh_token);
  const [user] = await t.db.sql`select id::text from astapa.users where project_id = ${project.id}
    and email_lower = ${email.toLowerCase()}`;
  return { user: user.id as string, refreshToken: tokens.body.refresh_token as string };
}

/** A passkey and a confirmed authenticator app (which a sign-in would then ask for), as the attacker's. */
async function attackerAddsFactors(user: string, n: number) {
  await seedPasskey(t.db.sql, project.id, user, n);
  await t.db.sql`insert into astapa.user_factors (project_id, user_id, kind, secret_sealed, confirmed_at)
    values (${project.id}, ${user}, 'totp', '\\x01', now())`;
}

async function refreshRefused(refreshToken: string) {
  const refresh = await postForm(t, "/api/platform/token", {
    grant_type: "refresh_token",
    refresh_token: refreshToken,
    client_id: project.clientId,
    client_secret: project.secret,
  });
  assert.equal(refresh.res.status, 400);
  assert.equal(refresh.body.error, "invalid_grant", "the attacker's refresh token is refused");
}

async function passwordSignIn(email: string, password: string) {
  const res = await submitForm(t, project, "/auth/login", { email, password });
  await res.body?.cancel();
  return res.status;
}

/** Lands at the app with a code that redeems: signed in, with no second step in between. */
async function landsSignedIn(res: Response): Promise<string> {
  assert.equal(res.status, 303);
  const location = res.headers.get("location")!;
  assert.ok(location.startsWith(`${redirectUri}?code=`), `to the app, not ${location}`);
  assert.ok(sessionCookie(res, project.id), "a session for the browser");
  const tokens = await postForm(t, "/api/platform/token", {
    grant_type: "authorization_code",
    code: new URL(location).searchParams.get("code")!,
    redirect_uri: project.redirectUri,
    client_id: project.clientId,
    client_secret: project.secret,
  });
  assert.equal(tokens.res.status, 200);
  return sessionCookie(res, project.id)!;
}

async function account(user: string) {
  const [row] = await t.db.sql`select email, email_verified, phone_number, phone_number_verified,
      password_hash is not null as password,
      (select count(*)::int from astapa.passkeys k where k.project_id = u.project_id and k.user_id = u.id) as passkeys,
      (select count(*)::int from astapa.user_factors f where f.project_id = u.project_id and f.user_id = u.id)
        as factors,
      (select count(*)::int from astapa.login_sessions s where s.project_id = u.project_id and s.user_id = u.id
        and s.ended_at is null) as live_sessions
    from astapa.users u where u.project_id = ${project.id} and u.id = ${user}`;
  return { ...row };
}

/** The victim's browser on the code page: sends a code to `email`; the function returned types it in. */
async function emailCodeSent(email: string) {
  const page = await t.app.request(`/auth/email-code?${query(project)}`);
  const cookie = (page.headers.get("set-cookie") ?? "").split(";")[0];
  const csrf = csrfOf(await page.text());
  const post = (fields: Record<string, string>, lang = "en") =>
    t.app.request(`/auth/email-code?lang=${lang}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "text/html", cookie },
      body: new URLSearchParams({ request: query(project).toString(), csrf, ...fields }),
    });
  const sent = await post({ action: "send", email });
  assert.equal(sent.status, 200);
  await sent.body?.cancel();
  const text = mailText((await sink.waitFor(email, /Subject: Your sign-in code for Pasar/)).data);
  const code = /^\s+(\d{6})$/m.exec(text)![1];
  return (lang = "en") => post({ action: "verify", email, code }, lang);
}

/** The victim's browser on the code page: sends a code to `email` and types it in. */
async function signInByEmailCode(email: string) {
  return await (await emailCodeSent(email))();
}

Deno.test("pre-account hijacking — an email code claims the account: the attacker's password, token, passkey and app stop working", async () => {
  const attacker = await attackerSignsUp("korban@example.com", "attacker knows this");
  await attackerAddsFactors(attacker.user, 41);
  const session = await landsSignedIn(await signInByEmailCode("korban@example.com"));
  assert.deepEqual(await account(attacker.user), {
    email: "korban@example.com",
    email_verified: true,
    phone_number: null,
    phone_number_verified: false,
    password: false,
    passkeys: 0,
    factors: 0,
    live_sessions: 1, // the owner's, started after the claim; the attacker's ended
  });
  assert.equal(await passwordSignIn("korban@example.com", "attacker knows this"), 422);
  await refreshRefused(attacker.refreshToken);
  const [claimed] = await t.db.sql`select details from astapa.audit_log where project_id = ${project.id}
    and action = 'user.claimed' and target = ${`user:${attacker.user}`}`;
  assert.equal(claimed.details.proven, "email");
  assert.equal(claimed.details.removed.password, 1);
  assert.equal(claimed.details.removed.passkeys, 1);
  assert.equal(claimed.details.removed.factors, 1);
  // Told, in the mailbox just proven, what went and why.
  const notice = mailText(
    (await sink.waitFor("korban@example.com", /Subject: Your email is confirmed for Pasar/)).data,
  );
  assert.match(notice, /- its password\n- a passkey\n- two-step verification\n- every other sign-in/);
  assert.match(notice, /add them again from your account page/);
  // Their account page works and simply shows no password, offering to set one.
  const page = await t.app.request(`/account?client_id=${project.clientId}&lang=en`, {
    headers: { cookie: session },
  });
  assert.equal(page.status, 200);
  const html = await page.text();
  assert.match(html, /You have no password: you sign in without one/);
  assert.match(html, /Set a password/);
});

Deno.test("pre-account hijacking — a verified account's email-code sign-in changes nothing", async () => {
  const owner = await attackerSignsUp("pemilik@example.com", "my own password");
  await t.db.sql`update astapa.users set email_verified = true where id = ${owner.user}`;
  await seedPasskey(t.db.sql, project.id, owner.user, 42);
  // Their own passkey stays, and still guards the account as a second step.
  const signedIn = await signInByEmailCode("pemilik@example.com");
  assert.equal(signedIn.status, 303);
  assert.match(signedIn.headers.get("location")!, /^\/auth\/mfa\?/);
  assert.equal((await account(owner.user)).passkeys, 1);
  assert.equal(
    await passwordSignIn("pemilik@example.com", "my own password"),
    303,
    "the password still works",
  );
  const refresh = await postForm(t, "/api/platform/token", {
    grant_type: "refresh_token",
    refresh_token: owner.refreshToken,
    client_id: project.clientId,
    client_secret: project.secret,
  });
  assert.equal(refresh.res.status, 200, "and so does the refresh token");
  const [told] = await t.db
    .sql`select count(*)::int as n from astapa.mail_outbox where project_id = ${project.id}
    and kind = 'account_claimed'`;
  assert.equal(told.n, 1, "only the claimed account's owner (the test before) was told anything");
});

/** The victim's browser on the phone pages: a code to `phone` by WhatsApp, typed in on a page in `lang`. */
async function signInByPhoneCode(phone: string, lang: "en" | "id" = "en") {
  const sent = await submitForm(t, project, "/auth/phone", { phone, channel: "whatsapp" });
  assert.equal(sent.status, 303);
  const [logged] = await listPhoneMessages(t.db.sql, project.id);
  const code = /: (\d{6})$/.exec(logged.sandbox_text ?? "")![1];
  const pending = sent.headers.getSetCookie().map((c) => c.split(";")[0])
    .find((c) => c.startsWith(`astapa_phone_${project.id}=`))!;
  const page = await t.app.request(`/auth/phone/code?${query(project)}`, { headers: { cookie: pending } });
  const csrfCookie = (page.headers.get("set-cookie") ?? "").split(";")[0];
  const csrf = csrfOf(await page.text());
  return await t.app.request(`/auth/phone/code?lang=${lang}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: `${pending}; ${csrfCookie}` },
    body: new URLSearchParams({ request: query(project).toString(), csrf, code }),
  });
}

/** The cookies a response set, as a Cookie header. */
const cookiesOf = (res: Response) => res.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");

const PHONE_NOTICE = {
  en: {
    title: "Your phone number is confirmed",
    intro:
      "You signed in to Pasar with a code sent to your phone number, which confirms it is yours. It had " +
      "not been confirmed before, so in case someone else set them up, these were removed from the account:",
    items: [
      "its password",
      "a passkey",
      "two-step verification",
      "an email address nobody had confirmed",
      "every other sign-in (browsers and apps)",
    ],
    after:
      "If you set these up yourself, add them again from your account page. If you did not just sign in, " +
      "contact the app's support.",
    button: "Continue",
  },
  id: {
    title: "Nomor HP Anda terkonfirmasi",
    intro:
      "Anda masuk ke Pasar dengan kode yang dikirim ke nomor HP Anda, jadi nomor ini terbukti milik Anda. " +
      "Sebelumnya nomor ini belum dikonfirmasi, jadi, kalau-kalau orang lain yang memasangnya, hal berikut " +
      "dihapus dari akun:",
    items: [
      "kata sandinya",
      "sebuah passkey",
      "verifikasi dua langkah",
      "alamat email yang belum pernah dikonfirmasi",
      "semua sesi masuk lainnya (peramban dan aplikasi)",
    ],
    after:
      "Jika Anda sendiri yang memasangnya, tambahkan lagi dari halaman akun Anda. Jika Anda tidak baru " +
      "saja masuk, hubungi dukungan aplikasi.",
    button: "Lanjutkan",
  },
} as const;

Deno.test("pre-account hijacking — a phone code claims an account whose number the app set unverified, and its page says what went (en, id)", async () => {
  for (const [n, lang] of (["en", "id"] as const).entries()) {
    const attacker = await attackerSignsUp(`penyerang-${lang}@example.com`, "attacker knows this");
    await attackerAddsFactors(attacker.user, 43 + n * 10);
    // The app put the victim's number on the attacker's account without checking it (Platform API).
    const number = `+628128888000${n + 1}`;
    await asApp(
      t.db.sql,
      project.id,
      (tx) => tx`select api.set_user_phone(${project.id}, ${attacker.user}, ${number}, false)`,
    );
    const signedIn = await signInByPhoneCode(`0812 8888 000${n + 1}`, lang);
    // Signed in, and first told what the claim removed: the only address on it was the unproven one that went,
    // so nobody can be mailed, and a phone provider sends codes only.
    assert.equal(signedIn.status, 303);
    const notice = new URL(signedIn.headers.get("location")!, "http://astapa.test");
    assert.equal(notice.pathname, "/auth/phone/claimed");
    assert.equal(notice.searchParams.get("lang"), lang);
    assert.equal(notice.searchParams.get("client_id"), project.clientId);
    assert.ok(sessionCookie(signedIn, project.id), "a session for the browser");
    const cookie = cookiesOf(signedIn);
    const page = await t.app.request(notice.pathname + notice.search, { headers: { cookie } });
    assert.equal(page.status, 200);
    assert.equal(page.headers.get("cache-control"), "no-store");
    const html = await page.text();
    const says = PHONE_NOTICE[lang];
    assert.match(html, new RegExp(`<title>${says.title}\\b`));
    assert.ok(html.includes(`<h1 id="auth-heading">${says.title}</h1>`), html);
    assert.ok(html.includes(`<p>${says.intro}</p>`), html);
    assert.ok(html.includes(`<ul>${says.items.map((item) => `<li>${item}</li>`).join("")}</ul>`), html);
    assert.ok(html.includes(`<p>${says.after}</p>`), html);
    // Continue: the browser's new session takes the person on to the app, with a code that redeems.
    const onward = /<a class="button" href="([^"]+)">([^<]+)<\/a>/.exec(html)!;
    assert.equal(onward[2], says.button);
    const href = onward[1].replace(/&amp;/g, "&");
    assert.ok(href.startsWith("/auth/login?"), href);
    const onIn = await t.app.request(href, { headers: { cookie } });
    assert.equal(onIn.status, 303);
    const code = new URL(onIn.headers.get("location")!).searchParams.get("code");
    assert.ok(onIn.headers.get("location")!.startsWith(`${redirectUri}?code=`), "to the app");
    const tokens = await postForm(t, "/api/platform/token", {
      grant_type: "authorization_code",
      code: code!,
      redirect_uri: project.redirectUri,
      client_id: project.clientId,
      client_secret: project.secret,
    });
    assert.equal(tokens.res.status, 200, "a code that redeems");
    assert.deepEqual(await account(attacker.user), {
      email: null,
      email_verified: false,
      phone_number: number,
      phone_number_verified: true,
      password: false,
      passkeys: 0,
      factors: 0,
      live_sessions: 1, // the owner's, started after the claim; the attacker's ended
    });
    assert.equal(await passwordSignIn(`penyerang-${lang}@example.com`, "attacker knows this"), 422);
    await refreshRefused(attacker.refreshToken);
    const [told] = await t.db
      .sql`select count(*)::int as n from astapa.mail_outbox where project_id = ${project.id}
      and kind = 'account_claimed' and to_address = ${`penyerang-${lang}@example.com`}`;
    assert.equal(told.n, 0, "no mail to the address that went");
    // The page in another browser (or a link to it) claims nothing: it goes on to sign in.
    const elsewhere = await t.app.request(notice.pathname + notice.search);
    assert.equal(elsewhere.status, 303);
    assert.match(elsewhere.headers.get("location")!, /^\/auth\/login\?/);
  }
});

Deno.test("pre-account hijacking — a phone code on an account with nothing to remove goes straight to the app", async () => {
  // Nothing on it but the number the app attached unverified: the claim removes nothing, so nothing to tell.
  const [user] = await t.db.sql`insert into astapa.users (project_id, phone_number, phone_number_verified,
    environment) select ${project.id}, '+6281288880031', false, p.mode from astapa.projects p where p.id = ${project.id}
    returning id::text`;
  const signedIn = await signInByPhoneCode("0812 8888 0031");
  await landsSignedIn(signedIn);
  assert.ok(!cookiesOf(signedIn).includes("astapa_phone_claimed_"), "no notice to show");
  assert.equal((await account(user.id)).phone_number_verified, true);
});

Deno.test("pre-account hijacking — a password reset claims the account: the passkey and app set up before it are gone", async () => {
  const attacker = await attackerSignsUp("dicuri@example.com", "attacker knows this");
  await attackerAddsFactors(attacker.user, 44);
  const asked = await submitForm(t, project, "/auth/forgot", { email: "dicuri@example.com" });
  assert.equal(asked.status, 200);
  await asked.body?.cancel();
  const text = mailText(
    (await sink.waitFor("dicuri@example.com", /Subject: Reset your Pasar password/)).data,
  );
  const link = await openMailedLink(t, text);
  const form = await t.app.request(link);
  assert.equal(form.status, 200);
  const cookie = (form.headers.get("set-cookie") ?? "").split(";")[0];
  const html = await form.text();
  const field = (name: string) =>
    new RegExp(`name="${name}" value="([^"]*)"`).exec(html)![1].replace(/&amp;/g, "&");
  const reset = await t.app.request("/auth/reset?lang=id", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie },
    body: new URLSearchParams({
      request: field("request"),
      csrf: field("csrf"),
      token: field("token"),
      password: "the owner's password",
    }),
  });
  // Straight back to the app: the authenticator app that would have been asked for is gone.
  await landsSignedIn(reset);
  const after = await account(attacker.user);
  assert.deepEqual(
    [after.email_verified, after.password, after.passkeys, after.factors, after.live_sessions],
    [true, true, 0, 0, 1],
  );
  assert.equal(await passwordSignIn("dicuri@example.com", "attacker knows this"), 422);
  await refreshRefused(attacker.refreshToken);
  assert.equal(await passwordSignIn("dicuri@example.com", "the owner's password"), 303);
  // Told, in the language of the page they reset it on, that the reset proved the address and what went.
  const notice = mailText(
    (await sink.waitFor("dicuri@example.com", /Subject: Email Anda terkonfirmasi untuk Pasar/)).data,
  );
  assert.match(notice, /Anda membuat kata sandi baru untuk Pasar lewat tautan/);
  assert.match(
    notice,
    /- kata sandi sebelumnya \(kata sandi baru Anda tetap berlaku\)\n- sebuah passkey\n- verifikasi dua langkah\n/,
  );
  const [told] = await t.db
    .sql`select count(*)::int as n from astapa.mail_outbox where project_id = ${project.id}
    and kind = 'account_claimed' and to_address = 'dicuri@example.com'`;
  assert.equal(told.n, 1);
});

Deno.test("pre-account hijacking — a user created unverified by the app is claimed by a code the same way", async () => {
  const user = await seedUser(t.db.sql, project.id, "impor@example.com");
  await attackerAddsFactors(user, 45);
  await landsSignedIn(await signInByEmailCode("impor@example.com"));
  assert.deepEqual([(await account(user)).passkeys, (await account(user)).factors], [0, 0]);
});

Deno.test("pre-account hijacking — a code whose account's number is proven meanwhile: the page says what happened and to sign in again (en, id)", async () => {
  const says = {
    en: ERRORS.account_changed_during_sign_in.message,
    id:
      "Akun ini berubah saat Anda sedang masuk: alamat email atau nomor telepon lainnya baru saja dikonfirmasi, " +
      "sehingga kode atau tautan ini tidak lagi dapat dipakai untuk masuk. Masuk lagi dengan yang sudah dikonfirmasi.",
  };
  for (const [n, lang] of (["en", "id"] as const).entries()) {
    const email = `disalip-${lang}@example.com`;
    const user = await seedUser(t.db.sql, project.id, email);
    await t.db.sql`update astapa.users set phone_number = ${`+62812888800${n + 10}`} where id = ${user}`;
    const verify = await emailCodeSent(email);
    // The number is proven (uncommitted) after the page's own check could still pass: the code's sign-in checks,
    // then waits on the user's row in astapa.claim_unproven_account, and looks again once this commits.
    const { answer } = await t.db.sql.begin(async (tx) => {
      await tx`update astapa.users set phone_number_verified = true where id = ${user}`;
      const [{ pid }] = await tx`select pg_backend_pid() as pid`;
      let answered = false;
      const answer = Promise.resolve(verify(lang)).finally(() => answered = true);
      await waitUntilBlockedBy(pid, () => answered);
      return { answer }; // not awaited here: it waits for this commit
    });
    const res = await answer;
    assert.equal(res.status, 409);
    const html = await res.text();
    assert.ok(html.includes(`<p>${says[lang]}</p>`), `${lang}: ${html}`);
    assert.doesNotMatch(html, /<p lang="en">/, "no English detail under the Indonesian message");
    // Nothing was claimed: the account is the one the number's proof left.
    const after = await account(user);
    assert.deepEqual([after.email_verified, after.phone_number_verified], [false, true]);
  }
});

/** Returns once another backend waits for a lock the backend `pid` holds; fails if `finished` first. */
async function waitUntilBlockedBy(pid: number, finished: () => boolean) {
  await waitFor(
    async () => {
      assert.ok(!finished(), "the sign-in finished without waiting for the user's row");
      const [blocked] = await t.db.sql`select count(*)::int as n from pg_catalog.pg_stat_activity
      where ${pid} = any(pg_catalog.pg_blocking_pids(pid))`;
      return blocked.n > 0;
    },
    `a backend waiting for a lock that backend ${pid} holds`,
    30_000,
  );
}
