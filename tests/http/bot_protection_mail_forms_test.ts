/**
 * Bot protection on the hosted forms that mail without creating a password account (lib/login/bot_check.ts,
 * docs/hosted-login.md#bot-protection), against the local siteverify fake: the passkey sign-up's emailed code
 * (`passkey_sign_up`, its "send again" too) and "send the link again" (`resend`, a widget of its own beside the
 * sign-in form's). For each: no token, a token of another form or site, a replayed token are refused with nothing
 * counted or mailed (en and id); the provider down refuses with a 503 page (fail closed); a good token goes on.
 */
import assert from "node:assert/strict";
import { type BotProject, botProtectionApp } from "../helpers/bot_protection.ts";
import { csrfOf } from "../helpers/csrf.ts";
import { seedUser } from "../helpers/oauth.ts";
import { hashPassword } from "@/lib/passwords.ts";

const { t, fake, protectedProject, submit, page, turnstile } = await botProtectionApp();
const PASSWORD = "a long passphrase for tests";
const DOWN = "/turnstile/v0/siteverify";

const mailsTo = async (email: string) =>
  (await t.db.sql`select count(*)::int as n from astapa.mail_outbox where lower(to_address) = ${email}`)[0].n;
const counted = async (projectId: string) =>
  (await t.db.sql`select action from astapa.audit_log where project_id = ${projectId}
                  and action in ('email_code.requested', 'verification.resent')`).length;

/** The provider down: `post` with a good token is refused with the 503 page, in en and in id (fail closed). */
async function refusedWhileDown(
  form: string,
  post: (fields: Record<string, string>, lang?: string) => Promise<Response>,
) {
  for (
    const [lang, says] of [["en", /cannot be completed right now/], [
      "id",
      /tidak dapat dilakukan saat ini/,
    ]] as const
  ) {
    fake.answerOnce.set(DOWN, new Response("bad gateway", { status: 502 }));
    const outage = await post({ "cf-turnstile-response": turnstile(form) }, lang);
    assert.equal(outage.status, 503, `fail closed (${lang}): it mails`);
    assert.match(await outage.text(), says);
  }
}

Deno.test("bot protection — the passkey sign-up's code: the widget on its pages; no, misplaced or replayed tokens mail nothing; a good one mails", async () => {
  const project = await protectedProject("turnstile", ["passkey_sign_up"], {
    passwords: false,
    passkeys: true,
  });
  const signup = await page(project, "/auth/signup");
  const html = await signup.text();
  assert.match(html, /<form method="post" action="\/auth\/signup\/passkey\?lang=en"/);
  assert.match(
    html,
    /<div class="cf-turnstile" data-sitekey="0x4AAAAAAAsitekey" data-action="passkey_sign_up"/,
  );
  assert.match(signup.headers.get("content-security-policy")!, /challenges\.cloudflare\.com/);

  const email = "kunci@example.com";
  const send = (fields: Record<string, string>, lang = "en") =>
    submit(project, "/auth/signup", { action: "send", email, ...fields }, lang);
  const missing = await send({});
  assert.equal(missing.status, 400);
  const missingHtml = await missing.text();
  assert.match(missingHtml, /Please complete the check that you are not a robot/);
  assert.match(missingHtml, /data-action="passkey_sign_up"/, "the form again, with the widget");
  assert.match(await (await send({}, "id")).text(), /Silakan selesaikan pemeriksaan/);
  for (const token of ["x", turnstile("sign_up"), turnstile("passkey_sign_up", "evil.example")]) {
    const refused = await send({ "cf-turnstile-response": token });
    assert.equal(refused.status, 403, "a wrong token, or one of another form or site");
    await refused.body?.cancel();
  }
  assert.equal(await mailsTo(email), 0);
  assert.equal(await counted(project.id), 0, "not even counted toward the address's limit");

  const token = turnstile("passkey_sign_up");
  const sent = await send({ "cf-turnstile-response": token });
  assert.equal(sent.status, 200);
  const codePage = await sent.text();
  assert.match(codePage, /name="code"/);
  assert.equal(await mailsTo(email), 1);
  // The code page's "send again" mails another code: it carries the widget, and is checked too.
  assert.match(codePage, /name="action" value="send"/);
  assert.match(codePage, /data-action="passkey_sign_up"/);
  const replayed = await send({ "cf-turnstile-response": token });
  assert.equal(replayed.status, 403, "a token is good once");
  await replayed.body?.cancel();
  const signUp = /name="sign_up" value="([\w-]{43})"/.exec(codePage)![1];
  const again = await postFrom(project, "/auth/signup", "/auth/signup/passkey?lang=en", {
    action: "send",
    email,
    sign_up: signUp,
  });
  assert.equal(again.status, 400);
  const againHtml = await again.text();
  assert.match(againHtml, new RegExp(`name="sign_up" value="${signUp}"`), "still the code page");
  assert.match(againHtml, /name="code"/);
  assert.equal(await mailsTo(email), 1);

  await refusedWhileDown("passkey_sign_up", send);
  assert.equal(await mailsTo(email), 1);
});

/** GETs `pagePath` for a cookie and CSRF token, then posts `fields` to `action` from 203.0.113.7. */
async function postFrom(
  project: BotProject,
  pagePath: string,
  action: string,
  fields: Record<string, string>,
) {
  const query = new URLSearchParams({ client_id: project.clientId, redirect_uri: project.redirectUri });
  const form = await t.app.request(`${pagePath}?${query}`);
  const cookie = (form.headers.get("set-cookie") ?? "").split(";")[0];
  return await t.app.request(action, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      cookie,
      "x-forwarded-for": "203.0.113.7",
    },
    body: new URLSearchParams({ request: query.toString(), csrf: csrfOf(await form.text()), ...fields }),
  });
}

/** A project that wants addresses confirmed, its "send the link again" protected (and `more`). */
async function confirming(more: string[] = []) {
  return await protectedProject("turnstile", ["resend", ...more], { require_verified_email: true });
}

Deno.test('bot protection — "send the link again": its own widget under the notice, and nothing mailed without a passed check', async () => {
  const project = await confirming();
  const email = "rina@example.com";
  const signedUp = await submit(project, "/auth/signup", { email, password: PASSWORD });
  assert.equal(signedUp.status, 200);
  const notice = await signedUp.text();
  assert.match(notice, /Check your email/);
  assert.match(notice, /<form method="post" action="\/auth\/resend\?lang=en">/);
  assert.match(notice, /<div class="cf-turnstile" data-sitekey="0x4AAAAAAAsitekey" data-action="resend"/);
  assert.equal(notice.match(/turnstile\/v0\/api\.js/g)?.length, 1, "the provider's script once");
  assert.match(signedUp.headers.get("content-security-policy")!, /challenges\.cloudflare\.com/);
  // Only the notice with an address offers the form: the plain sign-in page keeps the strict policy.
  const login = await page(project, "/auth/login");
  assert.doesNotMatch(await login.text(), /cf-turnstile/);
  assert.doesNotMatch(login.headers.get("content-security-policy")!, /cloudflare/);
  const forgot = await submit(project, "/auth/forgot", { email });
  assert.equal(forgot.status, 200);
  assert.doesNotMatch(await forgot.text(), /cf-turnstile/, '"link sent" offers no resend form');
  assert.doesNotMatch(forgot.headers.get("content-security-policy")!, /cloudflare/);

  await t.db.sql`delete from astapa.mail_outbox where lower(to_address) = ${email}`;
  const resend = (fields: Record<string, string>, lang = "en") =>
    postFrom(project, "/auth/login", `/auth/resend?lang=${lang}`, { email, ...fields });
  const missing = await resend({});
  assert.equal(missing.status, 400);
  const missingHtml = await missing.text();
  assert.match(missingHtml, /Please complete the check that you are not a robot/);
  assert.match(missingHtml, /data-action="resend"/, "the notice and its form again, with the widget");
  assert.match(await (await resend({}, "id")).text(), /Silakan selesaikan pemeriksaan/);
  for (const token of ["x", turnstile("sign_in"), turnstile("resend", "evil.example")]) {
    const refused = await resend({ "cf-turnstile-response": token });
    assert.equal(refused.status, 403);
    await refused.body?.cancel();
  }
  assert.equal(await mailsTo(email), 0);
  assert.equal(await counted(project.id), 0, "nothing counted toward the address's limits");

  const token = turnstile("resend");
  const resent = await resend({ "cf-turnstile-response": token });
  assert.equal(resent.status, 200);
  assert.match(await resent.text(), /We sent a new link/);
  assert.equal(await mailsTo(email), 1);
  const replayed = await resend({ "cf-turnstile-response": token });
  assert.equal(replayed.status, 403, "a token is good once");
  await replayed.body?.cancel();

  await refusedWhileDown("resend", resend);
  assert.equal(await mailsTo(email), 1);
});

Deno.test('bot protection — sign-in and "send the link again" both protected: two widgets, each its form\'s, one script', async () => {
  const project = await confirming(["sign_in"]);
  const email = "budi@example.com";
  const user = await seedUser(t.db.sql, project.id, email);
  await t.db.sql`update astapa.users set password_hash = ${await hashPassword(PASSWORD)} where id = ${user}`;
  const early = await submit(project, "/auth/login", {
    email,
    password: PASSWORD,
    "cf-turnstile-response": turnstile("sign_in"),
  });
  assert.equal(early.status, 403);
  const html = await early.text();
  assert.match(html, /Confirm your email address first/);
  const resendForm = /<form method="post" action="\/auth\/resend[^"]*">([\s\S]*?)<\/form>/.exec(html)![1];
  assert.match(resendForm, /data-action="resend"/);
  const signInForm = /<form method="post" action="\/auth\/login[^"]*"[^>]*>([\s\S]*?)<\/form>/.exec(html)![1];
  assert.match(signInForm, /data-action="sign_in"/);
  assert.equal(html.match(/turnstile\/v0\/api\.js/g)?.length, 1, "the provider's script once");
  // The page "send the link again" answers is the sign-in page: its sign-in form keeps its own widget.
  const resent = await postFrom(project, "/auth/login", "/auth/resend?lang=en", {
    email,
    "cf-turnstile-response": turnstile("resend"),
  });
  assert.equal(resent.status, 200);
  const after = await resent.text();
  assert.match(after, /data-action="resend"/);
  assert.match(after, /data-action="sign_in"/);
});
