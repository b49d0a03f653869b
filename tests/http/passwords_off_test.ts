/**
 * A password-free project (issue 20 #3, settings.passwords = false): the sign-in and sign-up pages ask for an
 * email only and send a code, and every password path — sign-in, sign-up with a password, "forgot", the reset
 * link — is refused with a readable page (403) in English and Indonesian, changing nothing.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { seedProject, seedUser } from "../helpers/identity.ts";
import { csrfOf } from "../helpers/csrf.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const redirectUri = "https://tanpa.example/cb";
const project = await seedProject(t.db.sql, {
  name: "Tanpa",
  redirectUri,
  settings: { passwords: false, email_codes: true, passkeys: true },
});
const request = new URLSearchParams({ client_id: project.clientId, redirect_uri: redirectUri, state: "s" });

/** A browser on `path`: the page's text, and a way to post a form with its cookie and CSRF token. */
async function open(path: string, query = request) {
  const page = await t.app.request(`${path}?${query}`);
  const cookie = (page.headers.get("set-cookie") ?? "").split(";")[0];
  const text = await page.text();
  // The forgot page has no form when passwords are off; its test posts anyway, with the CSRF cookie's token
  // (what a form would carry), so that a refusal is the passwords rule's and not the CSRF check's.
  const csrf = text.includes("<form") ? csrfOf(text) : /astapa_csrf=([^;]+)/.exec(cookie)?.[1] ?? "";
  const post = (target: string, fields: Record<string, string>) =>
    t.app.request(target, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie },
      body: new URLSearchParams({ request: query.toString(), csrf, ...fields }),
    });
  return { status: page.status, text, post };
}

Deno.test("passwords off — sign-in asks for an email only and its form sends a code", async () => {
  const signIn = await open("/auth/login");
  assert.equal(signIn.status, 200);
  assert.doesNotMatch(signIn.text, /type="password"/);
  assert.doesNotMatch(signIn.text, /\/auth\/forgot/);
  assert.match(signIn.text, /<form method="post" action="\/auth\/email-code\?lang=en"/);
  assert.match(signIn.text, /autocomplete="username webauthn"/);
  assert.match(signIn.text, /name="action" value="send">Email me a code/);
  const sent = await signIn.post("/auth/email-code?lang=en", { action: "send", email: "nobody@example.com" });
  assert.equal(sent.status, 200);
  assert.match(await sent.text(), /If an account uses that email, a code is on its way/);
});

Deno.test("passwords off — a posted password is refused with a readable page and no session", async () => {
  await seedUser(t.db.sql, project.id, "ada@example.com", { verified: true });
  const signIn = await open("/auth/login");
  const refused = await signIn.post("/auth/login?lang=en", {
    email: "ada@example.com",
    password: "whatever-1",
  });
  assert.equal(refused.status, 403);
  assert.doesNotMatch(refused.headers.get("set-cookie") ?? "", /astapa_session/);
  assert.match(await refused.text(), /This app signs in without passwords: use an email code or a passkey/);

  const signUp = await open("/auth/signup");
  assert.doesNotMatch(signUp.text, /type="password"/);
  assert.match(signUp.text, /No password needed: enter your email/);
  // Codes here do not create accounts, so a new person signs up with a mailed code and then a passkey.
  assert.match(signUp.text, /action="\/auth\/signup\/passkey\?lang=en"/);
  const noAccount = await signUp.post("/auth/signup?lang=en", {
    email: "new@example.com",
    password: "long-enough-1",
  });
  assert.equal(noAccount.status, 403);
  await noAccount.body?.cancel();
  const [{ count }] = await t.db.sql`select count(*)::int from astapa.users where email = 'new@example.com'`;
  assert.equal(count, 0);
});

Deno.test("passwords off — forgot and reset say why, in English and Indonesian; nothing is mailed", async () => {
  const forgot = await open("/auth/forgot");
  assert.equal(forgot.status, 403);
  assert.match(forgot.text, /This app signs in without passwords/);
  assert.doesNotMatch(forgot.text, /<form/);
  const id = await t.app.request(`/auth/forgot?${request}&lang=id`);
  assert.equal(id.status, 403);
  assert.match(await id.text(), /Aplikasi ini masuk tanpa kata sandi/);
  const mailed = await forgot.post("/auth/forgot?lang=en", { email: "ada@example.com" });
  assert.equal(mailed.status, 403);
  assert.match(
    await mailed.text(),
    /This app signs in without passwords/,
    "refused by the rule, not the CSRF check",
  );
  const [{ count }] = await t.db.sql`select count(*)::int from astapa.mail_outbox
    where kind = 'reset_password' and project_id = ${project.id}`;
  assert.equal(count, 0);
  const reset = await t.app.request(`/auth/reset?${request}&token=anything`);
  assert.equal(reset.status, 403);
  assert.match(await reset.text(), /This app signs in without passwords/);
});

Deno.test("passwords off, passkeys only — Enter in the email field points at the passkey (en, id), not a 403", async () => {
  const passkeysOnly = await seedProject(t.db.sql, {
    name: "Kunci",
    redirectUri,
    settings: { passwords: false, email_codes: false, passkeys: true },
  });
  const query = new URLSearchParams({
    client_id: passkeysOnly.clientId,
    redirect_uri: redirectUri,
    state: "s",
  });
  const signIn = await open("/auth/login", query);
  assert.match(signIn.text, /<form method="post" action="\/auth\/login\?lang=en"/);
  const post = (lang: string, fields: Record<string, string>) =>
    signIn.post(`/auth/login?lang=${lang}`, fields);
  const entered = await post("en", { email: "ada@example.com" });
  assert.equal(entered.status, 400);
  assert.doesNotMatch(entered.headers.get("set-cookie") ?? "", /astapa_session/);
  const html = await entered.text();
  assert.match(html, /This app signs in with passkeys: choose yours from the suggestions/);
  assert.match(html, /name="email"[^>]*value="ada@example.com"/, "what was typed stays");
  const id = await post("id", { email: "ada@example.com" });
  assert.equal(id.status, 400);
  assert.match(await id.text(), /Aplikasi ini masuk dengan passkey/);
  const password = await post("en", { email: "ada@example.com", password: "whatever-1" });
  assert.equal(password.status, 403, "a password is still refused as before");
  assert.match(await password.text(), /This app signs in without passwords/);
});
