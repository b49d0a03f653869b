/** Verification and password reset through real mail: the outbox, the SMTP sender, and a local SMTP server. */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { seedProject } from "../helpers/identity.ts";
import { answerConfirmation, mailText, openMailedLink, submitForm } from "../helpers/login.ts";
import { startSmtpSink } from "../helpers/smtp_sink.ts";
import { postForm } from "../helpers/token_client.ts";
import { csrfOf } from "../helpers/csrf.ts";
import { MailSender } from "@/lib/mail/sender.ts";
import { asApp } from "@/db/client.ts";
import { updateProjectSettings } from "@/db/project_settings.ts";

const t = await testApp();
const sink = startSmtpSink();
const sender = new MailSender(t.db.sql, sink.url, "Astapa <no-reply@astapa.test>");
await sender.start();
Deno.test.afterAll(async () => {
  await sender.stop();
  sink.close();
  await t.close();
});
const project = await seedProject(t.db.sql, { name: "Warung", redirectUri: "https://warung.example/cb" });

/**
 * The link in a delivered mail — short: the client id and a token, never the authorization request — followed
 * to the page it stands for, as a path the test app can request.
 */
async function mailedLink(to: string, subject: RegExp): Promise<string> {
  const mail = await sink.waitFor(to, subject);
  const text = mailText(mail.data);
  const links = text.match(/https?:\/\/\S+/g) ?? [];
  // Origin + /auth/link?p=<21>&t=<43> (80): under 100 characters whatever the authorization request held.
  assert.deepEqual(links.map((link) => link.length - "http://astapa.test".length), [80], "one short link");
  const target = await openMailedLink(t, text);
  assert.match(target, /^\/auth\/(verify|reset)\?client_id=/);
  return target;
}

const mail0 = () => sink.messages.find((m) => m.to.includes("sari@example.com"))!.data;

Deno.test("verification — sign-up mails a link that confirms the address once", async () => {
  const res = await submitForm(t, project, "/auth/signup", {
    email: "sari@example.com",
    password: "rendang enak",
  });
  assert.equal(res.status, 303);
  const link = await mailedLink("sari@example.com", /Subject: Confirm your email for Warung/);
  const used = await answerConfirmation(t, link, "confirm", { password: "rendang enak" });
  assert.equal(used.status, 303, "confirmed, and on into the app the person signed up for");
  assert.ok(used.headers.get("location")!.startsWith("https://warung.example/cb?code="));
  // The confirmation itself, shown without the token (a reload does not reuse it).
  const first = await t.app.request(`/auth/verify?client_id=${project.clientId}&confirmed=1&lang=en`);
  assert.equal(first.status, 200);
  const confirmed = await first.text();
  assert.match(confirmed, /Email confirmed/);
  assert.match(confirmed, /hreflang="id"[^>]*>Bahasa Indonesia</, "the language switch");
  assert.match(confirmed, /href="\/auth\/verify\?client_id=[^"]*confirmed=1[^"]*lang=id"/);
  const [user] = await t.db.sql`select email_verified from astapa.users where email = 'sari@example.com'`;
  assert.equal(user.email_verified, true);
  assert.match(mail0(), /Content-Type: text\/html/i, "an HTML part travels with the text");
  const again = await t.app.request(link);
  assert.equal(again.status, 400, "the link works once");
  await again.body?.cancel();
});

Deno.test("verification — mail is in the person's language", async () => {
  await submitForm(
    t,
    project,
    "/auth/signup",
    { email: "dewi@example.com", password: "nasi goreng" },
    {},
    "&lang=id",
  );
  const mail = await sink.waitFor("dewi@example.com");
  assert.match(mailText(mail.data), /Konfirmasi alamat email Anda untuk Warung/);
});

Deno.test("reset — a mailed link sets a new password, signs in, and signs every other session out", async () => {
  const signedUp = await submitForm(t, project, "/auth/signup", {
    email: "eko@example.com",
    password: "old password",
  });
  const oldCode = new URL(signedUp.headers.get("location")!).searchParams.get("code")!;
  const tokens = await postForm(t, "/api/platform/token", {
    grant_type: "authorization_code",
    code: oldCode,
    redirect_uri: project.redirectUri,
    client_id: project.clientId,
    client_secret: project.secret,
  });
  assert.equal(tokens.res.status, 200);

  const asked = await submitForm(t, project, "/auth/forgot", { email: "EKO@example.com" });
  assert.equal(asked.status, 200);
  assert.match(await asked.text(), /If an account uses that email/);
  const link = await mailedLink("eko@example.com", /Subject: Reset your Warung password/);
  const form = await t.app.request(link);
  assert.equal(form.status, 200);
  const cookie = (form.headers.get("set-cookie") ?? "").split(";")[0];
  const html = await form.text();
  const field = (name: string) =>
    new RegExp(`name="${name}" value="([^"]*)"`).exec(html)![1].replace(/&amp;/g, "&");
  const reset = await t.app.request("/auth/reset", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie },
    body: new URLSearchParams({
      request: field("request"),
      csrf: field("csrf"),
      token: field("token"),
      password: "brand new password",
    }),
  });
  assert.equal(reset.status, 303);
  assert.ok(new URL(reset.headers.get("location")!).searchParams.get("code"), "back to the app signed in");
  // Opened again, the used link says so at once and offers a new one, instead of a form that will fail.
  const reopened = await t.app.request(link.replace("lang=en", "lang=id"));
  assert.equal(reopened.status, 400);
  const reopenedPage = await reopened.text();
  assert.match(reopenedPage, /Tautan ini tidak dikenal, sudah dipakai, atau kedaluwarsa/);
  assert.ok(!reopenedPage.includes('name="password"'), "no new-password form");
  assert.match(reopenedPage, /href="\/auth\/forgot\?[^"]*"[^>]*>Kirim tautan baru</);

  const refresh = await postForm(t, "/api/platform/token", {
    grant_type: "refresh_token",
    refresh_token: tokens.body.refresh_token,
    client_id: project.clientId,
    client_secret: project.secret,
  });
  assert.equal(refresh.body.error, "invalid_grant", "sessions from before the reset are gone");
  const oldPassword = await submitForm(t, project, "/auth/login", {
    email: "eko@example.com",
    password: "old password",
  });
  assert.equal(oldPassword.status, 422);
  const newPassword = await submitForm(t, project, "/auth/login", {
    email: "eko@example.com",
    password: "brand new password",
  });
  assert.equal(newPassword.status, 303);
});

Deno.test("reset — an expired or unknown link says so on opening, in English", async () => {
  const query = new URLSearchParams({ client_id: project.clientId, redirect_uri: project.redirectUri });
  const unknown = await t.app.request(`/auth/reset?${query}&token=not-a-real-token`);
  assert.equal(unknown.status, 400);
  assert.match(
    await unknown.text(),
    /This link is unknown, already used or expired[\s\S]*Send me a new link/,
  );
  const none = await t.app.request(`/auth/reset?${query}`);
  assert.equal(none.status, 400);
  await none.body?.cancel();
});

Deno.test("reset — an unknown email gets the same answer and no mail", async () => {
  const asked = await submitForm(t, project, "/auth/forgot", { email: "nobody@example.com" });
  assert.equal(asked.status, 200);
  assert.match(await asked.text(), /If an account uses that email/);
  await sender.drain();
  assert.equal(sink.messages.filter((m) => m.to.includes("nobody@example.com")).length, 0);
});

Deno.test("require_verified_email — sign-up waits for the link; sign-in too; resend works; Continue leads back", async () => {
  const strict = await seedProject(t.db.sql, {
    name: "Bank Rakyat",
    redirectUri: "https://bank.example/cb",
    settings: { require_verified_email: true },
  });
  const signedUp = await submitForm(t, strict, "/auth/signup", {
    email: "rina@example.com",
    password: "long and careful",
  });
  assert.equal(signedUp.status, 200, "no redirect before the address is confirmed");
  const notice = await signedUp.text();
  assert.match(notice, /Check your email/);
  assert.ok(!notice.includes('name="password"'), "the sign-up form is not shown again under the notice");
  assert.match(notice, /Send the link again/);
  const taken = await submitForm(t, strict, "/auth/signup", {
    email: "rina@example.com",
    password: "another one!",
  });
  assert.equal(taken.status, 200);
  assert.match(await taken.text(), /Check your email/, "a taken address looks the same");

  const early = await submitForm(t, strict, "/auth/login", {
    email: "rina@example.com",
    password: "long and careful",
  });
  assert.equal(early.status, 403);
  assert.match(await early.text(), /Confirm your email address first/);

  const query = new URLSearchParams({ client_id: strict.clientId, redirect_uri: strict.redirectUri });
  const form = await t.app.request(`/auth/login?${query}`);
  const cookie = (form.headers.get("set-cookie") ?? "").split(";")[0];
  const csrf = csrfOf(await form.text());
  const resent = await t.app.request("/auth/resend", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie },
    body: new URLSearchParams({ request: query.toString(), csrf, email: "rina@example.com" }),
  });
  assert.equal(resent.status, 200);
  const resentPage = await resent.text();
  assert.match(resentPage, /We sent a new link\. .*you can ask for another in 60 seconds\./);
  const tooSoon = await t.app.request("/auth/resend", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie },
    body: new URLSearchParams({ request: query.toString(), csrf, email: "rina@example.com" }),
  });
  assert.equal(tooSoon.status, 429);
  assert.match(
    await tooSoon.text(),
    /A link was sent moments ago\. You can ask for another in \d+ seconds\./,
  );
  await sender.drain();
  const links = sink.messages.filter((m) => m.to.includes("rina@example.com"));
  assert.equal(links.length, 2, "the first mail and the resent one (not the one asked too soon)");

  const verified = await answerConfirmation(t, await openMailedLink(t, mailText(links[1].data)), "confirm", {
    password: "long and careful",
  });
  assert.equal(verified.status, 303);
  assert.ok(
    verified.headers.get("location")!.startsWith(`${strict.redirectUri}?code=`),
    "confirmed with the password: signed in, into the app",
  );
  const now = await submitForm(t, strict, "/auth/login", {
    email: "rina@example.com",
    password: "long and careful",
  });
  assert.equal(now.status, 303, "confirmed: straight to the app");
});

Deno.test("mail settings — the project's sender name, subject and intro (per language) reach the mail", async () => {
  const kopi = await seedProject(t.db.sql, { name: "Kopi", redirectUri: "https://kopi.example/cb" });
  await asApp(t.db.sql, kopi.id, (tx) =>
    updateProjectSettings(tx, kopi.id, {
      mail_sender_name: "Warung Kopi",
      mail_texts: { verify_email: { id: { subject: "Selamat datang di Kopi", intro: "Satu langkah lagi" } } },
    }), { actor: "test" });
  await submitForm(
    t,
    kopi,
    "/auth/signup",
    { email: "budi@example.com", password: "kopi tubruk" },
    {},
    "&lang=id",
  );
  const mail = await sink.waitFor("budi@example.com");
  assert.match(mail.data, /^From: "?Warung Kopi"? <no-reply@astapa\.test>/m);
  assert.match(mail.data, /^Subject: Selamat datang di Kopi/m);
  assert.match(mailText(mail.data), /Satu langkah lagi dengan membuka tautan ini:/);
  // English was not changed: the built-in wording stays.
  await submitForm(t, kopi, "/auth/signup", { email: "citra@example.com", password: "kopi susu" });
  const english = await sink.waitFor("citra@example.com");
  assert.match(english.data, /^Subject: Confirm your email for Kopi/m);
});

Deno.test("short links — an unknown or malformed one says the link expired, in the person's language", async () => {
  for (
    const [query, lang, text] of [
      [`p=${project.id}&t=${"A".repeat(43)}`, "en", /This link is unknown, already used or expired/],
      [`p=${project.id}&t=short&lang=id`, "id", /Tautan ini tidak dikenal/],
      ["p=../../etc&t=x", "en", /This link is unknown/],
    ] as const
  ) {
    const res = await t.app.request(`/auth/link?${query}`, { headers: { "accept-language": lang } });
    assert.equal(res.status, 404);
    assert.match(await res.text(), text);
  }
});
