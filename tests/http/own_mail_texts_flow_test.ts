/**
 * A project's own mail texts through a real hosted-login flow (the email-code page → the outbox): the subject
 * and intro with the mailed code filled in, the closing line added, markup escaped in the HTML part and plain in
 * the text, Astapa's note kept; the other language keeps Astapa's words. (Every kind: lib/mail/own_texts_test.ts.)
 */
import assert from "node:assert/strict";
import { seedProject, seedUser } from "../helpers/identity.ts";
import { testApp } from "../helpers/app.ts";
import { csrfOf } from "../helpers/csrf.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

const redirectUri = "https://kedai.example/cb";
const project = await seedProject(t.db.sql, {
  name: "Kedai",
  redirectUri,
  settings: {
    email_codes: true,
    mail_texts: {
      email_code: {
        en: {
          subject: "{code} is your {app} code",
          intro: "Hi <friend>, here is {code}",
          closing: "— {app} & co",
        },
      },
    },
  },
});
const request = new URLSearchParams({ client_id: project.clientId, redirect_uri: redirectUri, state: "s" });

async function sendCode(email: string, lang: string) {
  const page = await t.app.request(`/auth/email-code?${request}`);
  const cookie = (page.headers.get("set-cookie") ?? "").split(";")[0];
  const csrf = csrfOf(await page.text());
  const sent = await t.app.request(`/auth/email-code?lang=${lang}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie },
    body: new URLSearchParams({ request: request.toString(), csrf, action: "send", email }),
  });
  assert.equal(sent.status, 200);
  const [mail] = await t.db.sql`select subject, body_text, body_html from astapa.mail_outbox
    where project_id = ${project.id} and to_address = ${email} order by id desc limit 1`;
  return mail;
}

Deno.test("own mail texts — the hosted login's code mail reads the project's words, the code filled in", async () => {
  await seedUser(t.db.sql, project.id, "rani@example.com");
  const mail = await sendCode("rani@example.com", "en");
  const code = /^\s+(\d{6})$/m.exec(mail.body_text)![1];
  assert.equal(mail.subject, `${code} is your Kedai code`);
  assert.ok(mail.body_text.includes(`Hi <friend>, here is ${code}`));
  assert.ok(mail.body_text.trimEnd().endsWith("— Kedai & co"));
  assert.match(mail.body_text, /If you did not ask to sign in, ignore this message\./, "Astapa's note stays");
  assert.ok(mail.body_html.includes(`Hi &#60;friend&#62;, here is ${code}`));
  assert.ok(mail.body_html.includes("<p>— Kedai &#38; co</p>"));
  assert.doesNotMatch(mail.body_html, /<friend>/);
});

Deno.test("own mail texts — the language the project did not word keeps Astapa's", async () => {
  await seedUser(t.db.sql, project.id, "budi@example.com");
  const mail = await sendCode("budi@example.com", "id");
  assert.equal(mail.subject, "Kode masuk Anda untuk Kedai");
  assert.doesNotMatch(mail.body_text, /friend|& co/);
});
