/**
 * Sign-up on a passkeys-only project (issue 20; passwords and email codes off, passkeys on) over HTTP, the mail
 * through the real outbox and SMTP sender: the sign-up page posts to /auth/signup/passkey, the code goes out
 * with the same answer for every address, wrong codes spend the attempt's five tries, the right one makes the
 * account (verified, no way in) and opens the passkey step, whose options name the new user; a malformed
 * passkey is refused and audited; nothing signs anyone in before a passkey is stored. (The passkey itself is
 * registered in Chromium: tests/e2e/passkey_sign_up_test.ts.)
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { seedProject, seedUser } from "../helpers/identity.ts";
import { mailText } from "../helpers/login.ts";
import { startSmtpSink } from "../helpers/smtp_sink.ts";
import { csrfOf } from "../helpers/csrf.ts";
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
const redirectUri = "https://kunci.example/cb";
const project = await seedProject(t.db.sql, {
  name: "Kunci Saja",
  redirectUri,
  settings: { passwords: false, passkeys: true },
});

/** A browser on the sign-up page: its text, and a way to post forms with its cookie and CSRF token. */
async function browser(p = project, lang = "en") {
  const query = new URLSearchParams({ client_id: p.clientId, redirect_uri: redirectUri, state: "s" });
  const page = await t.app.request(`/auth/signup?${query}&lang=${lang}`);
  const cookie = (page.headers.get("set-cookie") ?? "").split(";")[0];
  const text = await page.text();
  const csrf = csrfOf(text);
  const post = (path: string, fields: Record<string, string>) =>
    t.app.request(path, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie, origin: t.origin },
      body: new URLSearchParams({ request: query.toString(), csrf, ...fields }),
    });
  return { status: page.status, text, post };
}

const signUpToken = (html: string) => /name="sign_up" value="([\w-]{43})"/.exec(html)![1];

async function mailedCode(to: string): Promise<string> {
  const text = mailText(
    (await sink.waitFor(to, /Subject: Your code to create an account on Kunci Saja/)).data,
  );
  return /^\s+(\d{6})$/m.exec(text)![1];
}

async function users(email: string) {
  return await t.db.sql`select id::text, email_verified from astapa.users
    where project_id = ${project.id} and email = ${email}`;
}

Deno.test("passkey sign-up — the sign-up page asks for an email and posts it to /auth/signup/passkey", async () => {
  const page = await browser();
  assert.equal(page.status, 200);
  assert.doesNotMatch(page.text, /type="password"/);
  assert.match(page.text, /<form method="post" action="\/auth\/signup\/passkey\?lang=en"/);
  assert.match(page.text, /then you add a passkey to sign in with/);
  assert.match(page.text, /name="action" value="send">Email me a code/);
  const id = await browser(project, "id");
  assert.match(id.text, /lalu Anda menambahkan passkey untuk masuk/);
});

Deno.test("passkey sign-up — the same answer for a new address, one with a passkey and a disabled one", async () => {
  const keyed = await seedUser(t.db.sql, project.id, "punya@example.com", { verified: true });
  await t.db.sql`insert into astapa.passkeys (project_id, credential_id, user_id, public_key, device_type,
    backed_up, name) values (${project.id}, ${new Uint8Array(16).fill(7)}, ${keyed}, '\\x01', 'multiDevice',
    true, 'Ponsel')`;
  const disabled = await seedUser(t.db.sql, project.id, "mati@example.com");
  await t.db
    .sql`update astapa.users set disabled = true where project_id = ${project.id} and id = ${disabled}`;
  const { post } = await browser();
  const answers = [];
  for (const email of ["baru@example.com", "punya@example.com", "mati@example.com"]) {
    const res = await post("/auth/signup/passkey?lang=en", { action: "send", email });
    assert.equal(res.status, 200, email);
    // The page differs only by the address echoed and the attempt's random token.
    answers.push((await res.text()).replaceAll(email, "EMAIL").replace(/value="[\w-]{43}"/g, "TOKEN"));
  }
  assert.equal(answers[1], answers[0]);
  assert.equal(answers[2], answers[0]);
  assert.match(answers[0], /If this address can open a new account here, a code is on its way/);
  await mailedCode("baru@example.com");
  const [{ count }] = await t.db.sql`select count(*)::int from astapa.mail_outbox
    where project_id = ${project.id} and to_address in ('punya@example.com', 'mati@example.com')`;
  assert.equal(count, 0, "an address with a passkey, or a disabled account, is mailed nothing");
  assert.equal((await users("baru@example.com")).length, 0, "no account before the code is proven");
});

Deno.test("passkey sign-up — five wrong codes end the attempt; the right one then proves nothing", async () => {
  const { post } = await browser();
  const sent = await post("/auth/signup/passkey?lang=en", { action: "send", email: "salah@example.com" });
  const token = signUpToken(await sent.text());
  const code = await mailedCode("salah@example.com");
  const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, "0");
  for (let i = 0; i < 5; i++) {
    const res = await post("/auth/signup/passkey?lang=en", {
      action: "verify",
      sign_up: token,
      email: "salah@example.com",
      code: wrong,
    });
    assert.equal(res.status, 422, `try ${i + 1}`);
    assert.match(await res.text(), /That code did not work/);
  }
  const late = await post("/auth/signup/passkey?lang=en", {
    action: "verify",
    sign_up: token,
    email: "salah@example.com",
    code,
  });
  assert.notEqual(late.status, 200);
  await late.body?.cancel();
  assert.equal((await users("salah@example.com")).length, 0);
});

Deno.test("passkey sign-up — the right code makes a verified account with no way in, then asks for a passkey", async () => {
  const { post } = await browser();
  const sent = await post("/auth/signup/passkey?lang=en", { action: "send", email: "sari@example.com" });
  const token = signUpToken(await sent.text());
  const code = await mailedCode("sari@example.com");
  const proven = await post("/auth/signup/passkey?lang=en", {
    action: "verify",
    sign_up: token,
    email: "sari@example.com",
    code,
  });
  assert.equal(proven.status, 200);
  assert.doesNotMatch(proven.headers.get("set-cookie") ?? "", /astapa_session/, "not signed in yet");
  const html = await proven.text();
  assert.match(html, /Your email is confirmed. Now add the passkey you will sign in with/);
  assert.match(html, /"purpose":"sign_up"/);
  const [user] = await users("sari@example.com");
  assert.equal(user.email_verified, true);

  // The passkey step's options name the new user (the user handle is their id) and no one else.
  const options = await post("/auth/passkey/options", { purpose: "sign_up", sign_up: token });
  assert.equal(options.status, 200);
  const json = await options.json();
  assert.equal(
    new TextDecoder().decode(
      Uint8Array.from(atob(json.user.id.replace(/-/g, "+").replace(/_/g, "/")), (ch) => ch.charCodeAt(0)),
    ),
    user.id,
  );
  assert.equal(json.user.name, "sari@example.com");
  assert.equal(json.authenticatorSelection.residentKey, "required");
  const [open] = await t.db.sql`select purpose, user_id::text from astapa.webauthn_challenges
    where project_id = ${project.id} and user_id = ${user.id}`;
  assert.deepEqual({ ...open }, { purpose: "register", user_id: user.id });

  // A malformed passkey is refused (400), audited, and signs nobody in.
  const bad = await post("/auth/signup/passkey?lang=en", {
    action: "passkey",
    sign_up: token,
    email: "sari@example.com",
    credential: "{not json",
    name: "Laptop",
  });
  assert.equal(bad.status, 400);
  assert.match(await bad.text(), /The passkey was not added/);
  assert.doesNotMatch(bad.headers.get("set-cookie") ?? "", /astapa_session/);
  const [refused] = await t.db.sql`select details from astapa.audit_log where project_id = ${project.id}
    and action = 'sign_in.passkey_refused' order by id desc limit 1`;
  assert.equal(refused.details.ceremony, "sign_up");
  assert.equal(refused.details.reason, "malformed");

  // The same code does not prove the attempt twice.
  const again = await post("/auth/signup/passkey?lang=en", {
    action: "verify",
    sign_up: token,
    email: "sari@example.com",
    code,
  });
  assert.equal(again.status, 422);
  await again.body?.cancel();
});

Deno.test("passkey sign-up — an unknown or unproven attempt gets no options and no account", async () => {
  const { post } = await browser();
  const unknown = await post("/auth/passkey/options", { purpose: "sign_up", sign_up: "A".repeat(43) });
  assert.equal(unknown.status, 403);
  await unknown.body?.cancel();
  const sent = await post("/auth/signup/passkey?lang=en", { action: "send", email: "belum@example.com" });
  const token = signUpToken(await sent.text());
  const unproven = await post("/auth/passkey/options", { purpose: "sign_up", sign_up: token });
  assert.equal(unproven.status, 403);
  await unproven.body?.cancel();
  const finish = await post("/auth/signup/passkey?lang=en", {
    action: "passkey",
    sign_up: "B".repeat(43),
    credential: "{}",
  });
  assert.equal(finish.status, 400);
  await finish.body?.cancel();
});

Deno.test("passkey sign-up — only where passwords and account-making codes are off and passkeys on", async () => {
  const withPasswords = await seedProject(t.db.sql, {
    name: "Biasa",
    redirectUri,
    settings: { passkeys: true },
  });
  const { post, text } = await browser(withPasswords);
  assert.doesNotMatch(text, /\/auth\/signup\/passkey/);
  const refused = await post("/auth/signup/passkey?lang=en", { action: "send", email: "x@example.com" });
  assert.equal(refused.status, 404);
  assert.match(await refused.text(), /This app does not sign people up this way/);
  const [{ count }] = await t.db
    .sql`select count(*)::int from astapa.mail_outbox where to_address = 'x@example.com'`;
  assert.equal(count, 0, "nothing is mailed");
  const codes = await seedProject(t.db.sql, {
    name: "Kode",
    redirectUri,
    settings: { passwords: false, passkeys: true, email_codes: true, email_code_sign_up: true },
  });
  const page = await browser(codes);
  assert.match(page.text, /action="\/auth\/email-code\?lang=en"/, "codes that make accounts sign people up");
  // Codes on but not making accounts: new people still sign up with a passkey.
  const closed = await seedProject(t.db.sql, {
    name: "Tutup",
    redirectUri,
    settings: { passwords: false, passkeys: true, email_codes: true },
  });
  assert.match((await browser(closed)).text, /action="\/auth\/signup\/passkey\?lang=en"/);
});

Deno.test("passkey sign-up — proving an unconfirmed account's address claims it and tells the owner", async () => {
  // Someone registered the address with a password and put a number on it before this project went passkeys-only.
  const user = await seedUser(t.db.sql, project.id, "klaim@example.com");
  await t.db.sql`update astapa.users set password_hash = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA',
    phone_number = '+6281299990001' where project_id = ${project.id} and id = ${user}`;
  const { post } = await browser();
  const sent = await post("/auth/signup/passkey?lang=en", { action: "send", email: "klaim@example.com" });
  const token = signUpToken(await sent.text());
  const code = await mailedCode("klaim@example.com");
  const proven = await post("/auth/signup/passkey?lang=id", {
    action: "verify",
    sign_up: token,
    email: "klaim@example.com",
    code,
  });
  assert.equal(proven.status, 200);
  await proven.body?.cancel();
  const notice = mailText(
    (await sink.waitFor("klaim@example.com", /Subject: Email Anda terkonfirmasi untuk Kunci Saja/)).data,
  );
  assert.match(notice, /untuk menambahkan passkey di Kunci Saja/);
  assert.match(notice, /- kata sandinya\n- nomor telepon yang belum pernah dikonfirmasi\n/);
  const [{ count }] = await t.db.sql`select count(*)::int from astapa.mail_outbox
    where project_id = ${project.id} and to_address = 'klaim@example.com' and kind = 'account_claimed'`;
  assert.equal(count, 1);
});
