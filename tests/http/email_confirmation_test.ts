/**
 * The mailed confirmation link (routes/auth/verify.tsx): opening it changes nothing — a mail scanner that opens
 * every link confirms no address — and the page asks. The person who signed up confirms with the account's
 * password, or from the browser they signed up in, and keeps everything; someone who registered another
 * person's address and waits for it to be confirmed (pre-account hijacking) loses the account when its owner
 * answers "I did not sign up": the password, sessions and refresh tokens go, the owner is told by mail.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { seedProject, seedUser } from "../helpers/identity.ts";
import { asApp } from "@/db/client.ts";
import { randomSecret, sha256 } from "@/lib/secrets.ts";
import { answerConfirmation, openMailedLink, sessionCookie, submitForm } from "../helpers/login.ts";
import { claimsOf, credentials, postForm } from "../helpers/token_client.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const project = await seedProject(t.db.sql, { name: "Kopi Senja", redirectUri: "https://kopi.example/cb" });

/** Signs up (signed in at once: the project does not make people confirm first); the link mailed, opened. */
async function signUp(email: string, password: string, lang = "en") {
  const res = await submitForm(t, project, "/auth/signup", { email, password }, {}, `&lang=${lang}`);
  assert.equal(res.status, 303);
  const session = sessionCookie(res, project.id)!;
  assert.ok(session, "signed in");
  const [mail] = await t.db.sql`select body_text from astapa.mail_outbox
    where to_address = ${email} and kind = 'verify_email' order by id desc limit 1`;
  return { session, link: await openMailedLink(t, mail.body_text) };
}

const account = async (email: string) => {
  const [row] = await t.db.sql`select email_verified, password_hash is not null as password,
      (select count(*)::int from astapa.login_sessions s where s.user_id = u.id and s.ended_at is null) as sessions
    from astapa.users u where project_id = ${project.id} and email_lower = ${email}`;
  return { ...row };
};

async function passwordSignIn(email: string, password: string) {
  const res = await submitForm(t, project, "/auth/login", { email, password });
  await res.body?.cancel();
  return res.status;
}

Deno.test("confirmation — opening the link (a mail scanner, a preview) confirms nothing: the page asks", async () => {
  const { link } = await signUp("scanned@example.com", "kopi susu gula aren");
  for (let i = 0; i < 3; i++) {
    const opened = await t.app.request(link);
    assert.equal(opened.status, 200);
    const html = await opened.text();
    assert.match(html, /<h1 id="auth-heading">Confirm your email address<\/h1>/);
    assert.match(html, /Is scanned@example\.com your address\?/);
    assert.match(html, /name="password"[^>]*autocomplete="current-password"/);
    assert.match(html, /value="not_mine"[^>]*>I did not sign up: make it mine</);
  }
  assert.deepEqual(await account("scanned@example.com"), {
    email_verified: false,
    password: true,
    sessions: 1,
  });
  const confirmed = await answerConfirmation(t, link, "confirm", { password: "kopi susu gula aren" });
  assert.equal(confirmed.status, 303, "the link still works after being opened");
});

Deno.test("confirmation — with the password: confirmed, the account and its sign-in kept", async () => {
  const { link } = await signUp("pemilik@example.com", "kopi tubruk pahit");
  const empty = await answerConfirmation(t, link, "confirm", { password: "" });
  assert.equal(empty.status, 422);
  assert.match(await empty.text(), /Enter the account's password to confirm the address\./);
  const wrong = await answerConfirmation(t, link, "confirm", { password: "kopi tubruk manis" });
  assert.equal(wrong.status, 422);
  const page = await wrong.text();
  assert.match(page, /That is not this account's password\./);
  assert.match(page, /aria-invalid="true"/, "the field at fault is marked");
  const [failed] = await t.db.sql`select count(*)::int as n from astapa.audit_log
    where project_id = ${project.id} and action = 'sign_in.failed' and target = 'email:pemilik@example.com'`;
  assert.equal(failed.n, 1, "a wrong password counts as a failed sign-in (the lockout applies)");
  assert.equal((await account("pemilik@example.com")).email_verified, false);

  const right = await answerConfirmation(t, link, "confirm", { password: "kopi tubruk pahit" });
  assert.equal(right.status, 303);
  const landed = right.headers.get("location")!;
  assert.ok(
    landed.startsWith(`${project.redirectUri}?code=`),
    `on into the app signed up for, not ${landed}`,
  );
  assert.ok(sessionCookie(right, project.id), "signed in: the password was just typed");
  const tokens = await postForm(t, "/api/platform/token", {
    grant_type: "authorization_code",
    code: new URL(landed).searchParams.get("code")!,
    redirect_uri: project.redirectUri,
    ...credentials(project),
  });
  assert.equal(tokens.res.status, 200);
  assert.equal(claimsOf(tokens.body.access_token).email_verified, true);
  assert.deepEqual(await account("pemilik@example.com"), {
    email_verified: true,
    password: true,
    sessions: 2,
  });
  assert.equal(await passwordSignIn("pemilik@example.com", "kopi tubruk pahit"), 303);
  const again = await t.app.request(link);
  assert.equal(again.status, 400, "used once");
  assert.match(await again.text(), /already used or expired/);
});

Deno.test("confirmation — in the browser that signed up, no password is asked", async () => {
  const { session, link } = await signUp("sama@example.com", "es kopi susu");
  const page = await (await t.app.request(link, { headers: { cookie: session } })).text();
  assert.ok(!page.includes('name="password"'), "the session of the same account stands for the password");
  const confirmed = await answerConfirmation(t, link, "confirm", {}, session);
  assert.equal(confirmed.status, 303);
  const onward = confirmed.headers.get("location")!;
  assert.match(onward, /^\/auth\/login\?/, "back into the sign-up's request, where the session signs in");
  const signedIn = await t.app.request(onward, { headers: { cookie: session } });
  assert.equal(signedIn.status, 303);
  assert.ok(signedIn.headers.get("location")!.startsWith(`${project.redirectUri}?code=`));
  assert.deepEqual(await account("sama@example.com"), { email_verified: true, password: true, sessions: 1 });

  // Another account's session is no such proof: that browser is asked for the password.
  const other = await signUp("lain@example.com", "kopi luwak mahal");
  const asked = await (await t.app.request(other.link, { headers: { cookie: session } })).text();
  assert.match(asked, /name="password"/);
});

Deno.test("confirmation — 'I did not sign up': the mailbox's owner takes the account from whoever registered it", async () => {
  // Someone registers the owner's address with a password of theirs, signs in and keeps a refresh token.
  const attacker = await signUp("korban@example.com", "penyerang tahu ini");
  const signedIn = await submitForm(t, project, "/auth/login", {
    email: "korban@example.com",
    password: "penyerang tahu ini",
  });
  const code = new URL(signedIn.headers.get("location")!).searchParams.get("code")!;
  const tokens = await postForm(t, "/api/platform/token", {
    grant_type: "authorization_code",
    code,
    redirect_uri: project.redirectUri,
    ...credentials(project),
  });
  assert.equal(tokens.res.status, 200);

  // The owner, who does not know that password, cannot confirm — and answers that they did not sign up.
  const refused = await answerConfirmation(t, attacker.link, "confirm", { password: "a guess" });
  assert.equal(refused.status, 422);
  await refused.body?.cancel();
  const taken = await answerConfirmation(t, attacker.link, "not_mine", {}, "", "id");
  assert.equal(taken.status, 303);
  const done = taken.headers.get("location")!;
  assert.match(done, /confirmed=claimed/);
  assert.match(done, /lang=id/);
  const page = await (await t.app.request(done)).text();
  assert.match(page, /Akun ini milik Anda/);
  const setPassword = /href="(\/auth\/forgot\?[^"]+)"[^>]*>Buat kata sandi</.exec(page)?.[1];
  assert.ok(setPassword, "the way to a password of the owner's own");
  assert.match(setPassword, new RegExp(`client_id=${project.clientId}`));

  assert.deepEqual(await account("korban@example.com"), {
    email_verified: true,
    password: false,
    sessions: 0,
  });
  assert.equal(
    await passwordSignIn("korban@example.com", "penyerang tahu ini"),
    422,
    "their password is gone",
  );
  const refresh = await postForm(t, "/api/platform/token", {
    grant_type: "refresh_token",
    refresh_token: tokens.body.refresh_token,
    ...credentials(project),
  });
  assert.equal(refresh.body.error, "invalid_grant", "their refresh token is revoked");
  const [notice] = await t.db.sql`select subject, body_text from astapa.mail_outbox
    where to_address = 'korban@example.com' and kind = 'account_claimed'`;
  assert.match(notice.subject, /Email Anda terkonfirmasi untuk Kopi Senja/);
  assert.match(notice.body_text, /lewat tautan konfirmasi/);
  assert.match(notice.body_text, /- kata sandinya/);
});

Deno.test("confirmation — a post from another page (no CSRF token) changes nothing", async () => {
  const { link } = await signUp("csrf@example.com", "kopi tanpa gula");
  const token = new URL(link, "http://x").searchParams.get("token")!;
  const action = link.replace(/&token=[^&]+/, "");
  const forged = await t.app.request(action, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ csrf: "forged", token, action: "not_mine" }),
  });
  assert.equal(forged.status, 403);
  assert.match(await forged.text(), /This form expired/);
  assert.deepEqual(await account("csrf@example.com"), { email_verified: false, password: true, sessions: 1 });
});

Deno.test("confirmation — Bahasa Indonesia", async () => {
  const { link } = await signUp("bahasa@example.com", "kopi tubruk enak", "id");
  const html = await (await t.app.request(link)).text();
  assert.match(html, /<h1 id="auth-heading">Konfirmasi alamat email Anda<\/h1>/);
  assert.match(html, /Saya tidak mendaftar: jadikan milik saya/);
  assert.match(html, /hreflang="en"/);
});

Deno.test("confirmation — an account without a password confirms by the button alone", async () => {
  const user = await seedUser(t.db.sql, project.id, "tanpa-sandi@example.com");
  const token = randomSecret();
  await asApp(
    t.db.sql,
    project.id,
    async (tx) => tx`select api.issue_email_token(${user}, 'verify_email', ${await sha256(token)})`,
  );
  const link = `/auth/verify?client_id=${project.clientId}&token=${token}&lang=en`;
  const page = await (await t.app.request(link)).text();
  assert.ok(!page.includes('name="password"'), "nothing to type");
  const confirmed = await answerConfirmation(t, link, "confirm");
  assert.equal(confirmed.status, 303);
  assert.match(confirmed.headers.get("location")!, /confirmed=1/);
  assert.deepEqual(await account("tanpa-sandi@example.com"), {
    email_verified: true,
    password: false,
    sessions: 0,
  });
});

Deno.test("confirmation — without a sign-up to continue, the page says it is done and leads nowhere else", async () => {
  const { link } = await signUp("tanpa-lanjut@example.com", "kopi hitam saja");
  const bare = link.replace(/&continue=[^&]*/, "");
  assert.notEqual(bare, link, "the mailed link carries the sign-up's request");
  const right = await answerConfirmation(t, bare, "confirm", { password: "kopi hitam saja" });
  assert.equal(right.status, 303);
  const done = right.headers.get("location")!;
  assert.match(done, /confirmed=1/);
  assert.ok(!done.includes("token="), "shown without the token: a reload does not reuse it");
  const shown = await (await t.app.request(done)).text();
  assert.match(shown, /Email confirmed/);
  assert.ok(!shown.includes('href="/auth/login'), "no request to continue");
  assert.equal((await account("tanpa-lanjut@example.com")).email_verified, true);
});

Deno.test("confirmation — a sign-up begun from Astapa's own account page goes on into it too", async () => {
  const accountCallback = `${t.deps.config.baseUrl}/account/callback`;
  const email = "dari-akun@example.com";
  const res = await submitForm(t, project, "/auth/signup", { email, password: "kopi dari akun" }, {
    redirect_uri: accountCallback,
    state: "account-state",
  });
  assert.equal(res.status, 303);
  await res.body?.cancel();
  const [mail] = await t.db.sql`select body_text from astapa.mail_outbox
    where to_address = ${email} and kind = 'verify_email' order by id desc limit 1`;
  const link = await openMailedLink(t, mail.body_text);
  const right = await answerConfirmation(t, link, "confirm", { password: "kopi dari akun" });
  assert.equal(right.status, 303);
  const landed = right.headers.get("location")!;
  assert.ok(landed.startsWith(`${accountCallback}?code=`), `into the account page's callback, not ${landed}`);
});
