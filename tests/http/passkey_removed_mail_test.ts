/**
 * The passkey-removed mail through real SMTP: when the person removes a key on /auth/passkeys (their language)
 * or an admin does on the dashboard (English and Indonesian), the delivered mail names the key in its body —
 * never in the subject — and a name holding HTML, line breaks or a bidi override is harmless: one line of
 * text, escaped in the HTML part, no header it could add.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { addDeveloperTo, inviteDeveloper, postAs, signInDeveloper } from "../helpers/dashboard.ts";
import { seedPasskey, seedProject, seedUser } from "../helpers/identity.ts";
import { HostedBrowser } from "../helpers/form_browser.ts";
import { type Received, startSmtpSink } from "../helpers/smtp_sink.ts";
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
const { sql } = t.db;
const project = await seedProject(sql, { name: "Toko Kunci", settings: { passkeys: true } });
const requestOf = new URLSearchParams({ client_id: project.clientId, redirect_uri: project.redirectUri })
  .toString();

/** A name as an attacker might store it (64 characters at most, as the table allows). */
const HOSTILE = "<img src=x onerror=alert(1)>\r\nBcc: evil@attacker.example\u202e";

/** Quoted-printable (RFC 2045) back to its UTF-8 text. */
function fromQuotedPrintable(encoded: string): string {
  const raw = encoded.replace(/=\n/g, "");
  const bytes: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const hex = raw.slice(i + 1, i + 3);
    if (raw[i] === "=" && /^[0-9A-F]{2}$/i.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else bytes.push(...new TextEncoder().encode(raw[i]));
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

/** The message's headers (unfolded) and its decoded text and HTML parts. */
function parts(mail: Received): { headers: string; text: string; html: string } {
  const [folded, ...rest] = mail.data.split("\n\n");
  const headers = folded.replace(/\n[ \t]+/g, " ");
  const boundary = /boundary="?([^";\n]+)"?/i.exec(headers)?.[1];
  assert.ok(boundary, "a multipart message: text and HTML");
  const sections = rest.join("\n\n").split(`--${boundary}`);
  const decoded = (type: string) => {
    const section = sections.find((p) => new RegExp(`content-type:\\s*text/${type}`, "i").test(p)) ?? "";
    const [head, ...body] = section.replace(/^\n/, "").split("\n\n");
    const content = body.join("\n\n");
    if (/content-transfer-encoding:\s*base64/i.test(head)) {
      return new TextDecoder().decode(Uint8Array.fromBase64(content.replace(/\s/g, "")));
    }
    return /content-transfer-encoding:\s*quoted-printable/i.test(head)
      ? fromQuotedPrintable(content)
      : content;
  };
  return { headers, text: decoded("plain"), html: decoded("html") };
}

/** What every delivered notice must hold to be harmless, whatever the key was called. */
function assertHarmless(mail: Received, headers: string, text: string, html: string) {
  assert.deepEqual(mail.to.length, 1, "one recipient: the name added none");
  assert.doesNotMatch(headers, /evil@attacker|onerror|Bcc:/i, "the name is in no header");
  assert.match(text, /“<img src=x onerror=alert\(1\)> Bcc: evil@attacker\.example”/, "one line, quoted");
  assert.doesNotMatch(text, /^Bcc:/m);
  assert.doesNotMatch(text + html, /\u202e/, "no bidi override");
  assert.doesNotMatch(html, /<img/, "no markup from the name");
  assert.match(html, /&#60;img src=x onerror=alert\(1\)&#62; Bcc: evil@attacker\.example/);
}

Deno.test("passkey removed — the person removes a key on /auth/passkeys: the mail, in their language, names it", async () => {
  const b = new HostedBrowser(t, requestOf);
  await b.read(`/auth/signup?${requestOf}&lang=id`);
  const signedUp = await b.send("/auth/signup?lang=id", {
    email: "rani@example.com",
    password: "kopi susu enak",
  });
  assert.equal(signedUp.status, 303, await signedUp.text());
  const [{ id: user }] = await sql`select id::text from astapa.users where email = 'rani@example.com'`;
  const credential = await seedPasskey(sql, project.id, user, 21, { name: HOSTILE });
  await b.read(`/auth/passkeys?${requestOf}&lang=id`);
  const removed = await b.send("/auth/passkeys?lang=id", {
    action: "remove",
    id: credential.toHex(),
  });
  assert.equal(removed.status, 200);
  assert.match(await removed.text(), /Passkey sudah dihapus/);

  const mail = await sink.waitFor("rani@example.com", /passkey/i);
  const { headers, text, html } = parts(mail);
  assert.match(headers, /^Subject: Sebuah passkey dihapus dari akun Toko Kunci Anda$/m);
  assert.match(text, /Passkey Anda “.+” dihapus dari akun Toko Kunci Anda\./);
  assert.match(html, /<html lang="id">/);
  assertHarmless(mail, headers, text, html);
});

Deno.test("passkey removed — an admin removes a key on the dashboard: both languages name it", async () => {
  await signInDeveloper(t, "deployment-owner@dev.example");
  await inviteDeveloper(t, "admin@dev.example");
  const admin = await signInDeveloper(t, "admin@dev.example");
  await addDeveloperTo(t, project.id, admin.accountId, "admin");
  const user = await seedUser(sql, project.id, "budi@example.com", { verified: true });
  const credential = await seedPasskey(sql, project.id, user, 22, { name: HOSTILE });
  await seedPasskey(sql, project.id, user, 23, { name: "YubiKey" });
  const res = await postAs(t, admin, `/dashboard/projects/${project.id}/users/${user}/passkeys`, {
    credential_id: credential.toHex(),
  });
  assert.equal(res.status, 303, await res.text());

  const mail = await sink.waitFor("budi@example.com", /passkey/i);
  const { headers, text, html } = parts(mail);
  assert.match(
    headers,
    /^Subject: A passkey was removed from your Toko Kunci account \/ Sebuah passkey dihapus dari akun Toko Kunci Anda$/m,
  );
  assert.match(text, /An administrator of Toko Kunci removed your passkey “.+” from your account\./);
  assert.match(text, /Administrator Toko Kunci menghapus passkey Anda “.+” dari akun Anda\./);
  assert.doesNotMatch(text, /YubiKey/, "only the key that went");
  assertHarmless(mail, headers, text, html);
});

Deno.test("passkey removed — not the person's last way in: the page says why (409, en and id), the key stays", async () => {
  const b = new HostedBrowser(t, requestOf);
  await b.read(`/auth/signup?${requestOf}`);
  const signedUp = await b.send("/auth/signup?lang=en", {
    email: "sari@example.com",
    password: "teh manis hangat",
  });
  assert.equal(signedUp.status, 303, await signedUp.text());
  // The password goes (as an admin's unlink would leave it): the passkey is then the only way in.
  const [{ id: user }] = await sql`update astapa.users set password_hash = null
    where email = 'sari@example.com' returning id::text`;
  const credential = await seedPasskey(sql, project.id, user, 24, { name: "Only key" });
  for (
    const [lang, message] of [["en", /the only way you can sign in here/], [
      "id",
      /satu-satunya cara Anda masuk/,
    ]]
  ) {
    await b.read(`/auth/passkeys?${requestOf}&lang=${lang}`);
    const refused = await b.send(`/auth/passkeys?lang=${lang}`, { action: "remove", id: credential.toHex() });
    assert.equal(refused.status, 409);
    assert.match(await refused.text(), message as RegExp);
  }
  const [{ count }] = await sql`select count(*)::int from astapa.passkeys where user_id = ${user}`;
  assert.equal(count, 1);
});
