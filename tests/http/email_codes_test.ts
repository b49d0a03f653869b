/**
 * Sign-in by emailed code (issue 20, Tests) through the real mail path (outbox → SMTP sender → a local SMTP
 * server): the code signs in once and verifies the address, wrong codes spend the code's five tries, an expired
 * code and a used link are refused, the link asks for a button press before it signs in, and the answer never
 * says whether an address has an account.
 */
import assert from "node:assert/strict";
import { seedProject, seedUser } from "../helpers/identity.ts";
import { mailText } from "../helpers/login.ts";
import { startSmtpSink } from "../helpers/smtp_sink.ts";
import { MailSender } from "@/lib/mail/sender.ts";
import { createPool } from "@/db/client.ts";
import { createApp } from "@/lib/app.ts";
import { createDeps } from "@/lib/deps.ts";
import { ATTEMPTS } from "@/lib/login/flow.ts";
import { deriveMasterKeys } from "@/lib/tokens/master_key.ts";
import { TEST_MASTER_KEY, testApp } from "../helpers/app.ts";
import { csrfOf } from "../helpers/csrf.ts";

const t = await testApp();
const sink = startSmtpSink();
const sender = new MailSender(t.db.sql, sink.url, "Astapa <no-reply@astapa.test>");
await sender.start();
Deno.test.afterAll(async () => {
  await sender.stop();
  sink.close();
  await t.close();
});
const redirectUri = "https://kedai.example/cb";
const project = await seedProject(t.db.sql, { name: "Kedai", redirectUri, settings: { email_codes: true } });
const plain = await seedProject(t.db.sql, { name: "Biasa", redirectUri });
// Password-free, and codes create accounts.
const open = await seedProject(t.db.sql, {
  name: "Kedai",
  redirectUri,
  settings: { email_codes: true, email_code_sign_up: true, passwords: false },
});
const request = new URLSearchParams({ client_id: project.clientId, redirect_uri: redirectUri, state: "s" });

/** A browser on the code page: its cookie and CSRF token, and a way to post the page's forms. */
async function browser(lang = "en") {
  const page = await t.app.request(`/auth/email-code?${request}`);
  assert.equal(page.status, 200);
  const cookie = (page.headers.get("set-cookie") ?? "").split(";")[0];
  const csrf = csrfOf(await page.text());
  return (fields: Record<string, string>) =>
    t.app.request(`/auth/email-code?lang=${lang}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie },
      body: new URLSearchParams({ request: request.toString(), csrf, ...fields }),
    });
}

/** The code and the link of the mail to `to` whose subject matches (English unless `subject` says). */
async function mailed(to: string, subject = /Subject: Your sign-in code for Kedai/) {
  const text = mailText((await sink.waitFor(to, subject)).data);
  const code = /^\s+(\d{6})$/m.exec(text)![1];
  const link =
    /http:\/\/astapa\.test(\/auth\/email-code\/link\?p=proj_[a-z2-7]{16}&t=[\w-]{43})/.exec(text)![1];
  return { code, link };
}

Deno.test("email codes — the mailed code signs in once and verifies the address", async () => {
  await seedUser(t.db.sql, project.id, "rani@example.com");
  const post = await browser();
  const sent = await post({ action: "send", email: "Rani@Example.com" });
  assert.equal(sent.status, 200);
  assert.match(await sent.text(), /If an account uses that email, a code is on its way/);
  const { code } = await mailed("rani@example.com");
  const signedIn = await post({
    action: "verify",
    email: "rani@example.com",
    code: `${code.slice(0, 3)} ${code.slice(3)}`,
  });
  assert.equal(signedIn.status, 303);
  assert.ok(signedIn.headers.get("location")!.startsWith(`${redirectUri}?code=`));
  const [user] = await t.db.sql`select email_verified from astapa.users where email = 'rani@example.com'`;
  assert.equal(user.email_verified, true);
  const again = await post({ action: "verify", email: "rani@example.com", code });
  assert.equal(again.status, 422, "a code works once");
  assert.match(await again.text(), /That code did not work/);
});

Deno.test("email codes — five wrong tries end the code; an expired code and a voided one do not sign in", async () => {
  await seedUser(t.db.sql, project.id, "budi@example.com");
  const post = await browser();
  await (await post({ action: "send", email: "budi@example.com" })).body?.cancel();
  const first = await mailed("budi@example.com");
  const wrong = first.code === "000000" ? "111111" : "000000";
  for (let i = 0; i < 5; i++) {
    const res = await post({ action: "verify", email: "budi@example.com", code: wrong });
    assert.equal(res.status, 422);
    await res.body?.cancel();
  }
  const spent = await post({ action: "verify", email: "budi@example.com", code: first.code });
  assert.equal(spent.status, 422, "the right code after five wrong ones");
  await spent.body?.cancel();

  // A newer code (this one mailed in Indonesian, so the two mails tell apart) voids the one before it.
  await seedUser(t.db.sql, project.id, "eka@example.com");
  await (await post({ action: "send", email: "eka@example.com" })).body?.cancel();
  const older = await mailed("eka@example.com");
  const postId = await browser("id");
  await (await postId({ action: "send", email: "eka@example.com" })).body?.cancel();
  const newer = await mailed("eka@example.com", /Subject: Kode masuk Anda untuk Kedai/);
  const voided = await post({ action: "verify", email: "eka@example.com", code: older.code });
  assert.equal(voided.status, older.code === newer.code ? 303 : 422, "a newer code voids the older one");
  await voided.body?.cancel();
  await t.db.sql`update astapa.email_codes set created_at = now() - interval '11 minutes',
    expires_at = now() - interval '1 minute' where used_at is null`;
  const expired = await post({ action: "verify", email: "eka@example.com", code: newer.code });
  assert.equal(expired.status, 422, "an expired code");
  await expired.body?.cancel();
});

Deno.test("email codes — the link instead of the code: GET asks, POST signs in, a used link says so", async () => {
  await seedUser(t.db.sql, project.id, "citra@example.com");
  const post = await browser();
  await (await post({ action: "send", email: "citra@example.com" })).body?.cancel();
  const { link } = await mailed("citra@example.com");
  const opened = await t.app.request(link);
  assert.equal(opened.status, 200);
  const html = await opened.text();
  const token = /name="token" value="([\w-]{43})"/.exec(html)![1];
  const [before] = await t.db.sql`select used_at from astapa.email_codes where user_id =
    (select id from astapa.users where email = 'citra@example.com')`;
  assert.equal(before.used_at, null, "opening the link changes nothing");
  const signedIn = await post({ action: "link", token });
  assert.equal(signedIn.status, 303);
  assert.ok(signedIn.headers.get("location")!.startsWith(`${redirectUri}?code=`));
  const reopened = await t.app.request(link);
  assert.equal(reopened.status, 400);
  assert.match(await reopened.text(), /already used or expired/);
  const reused = await post({ action: "link", token });
  assert.equal(reused.status, 400);
  await reused.body?.cancel();
  const unknown = await t.app.request(`/auth/email-code/link?p=${project.id}&t=${"A".repeat(43)}`);
  assert.equal(unknown.status, 404);
  await unknown.body?.cancel();
});

Deno.test("email codes — no enumeration: an unknown address gets the same answer and no mail; sending is limited", async () => {
  const post = await browser();
  const strip = (html: string) => html.replace(/value="[^"]*"/g, "");
  await seedUser(t.db.sql, project.id, "dian@example.com");
  const known = strip(await (await post({ action: "send", email: "dian@example.com" })).text());
  const unknown = strip(await (await post({ action: "send", email: "nobody@example.com" })).text());
  assert.equal(unknown, known);
  await mailed("dian@example.com");
  assert.equal(sink.messages.filter((m) => m.to.includes("nobody@example.com")).length, 0);
  let status = 200;
  for (let i = 0; i < 40 && status === 200; i++) {
    const res = await post({ action: "send", email: "nobody@example.com" });
    status = res.status;
    await res.body?.cancel();
  }
  assert.equal(status, 429, "mail to one address is limited (shared by every instance)");
});

Deno.test("email codes — off unless the project turns them on; the sign-in page links to them when on", async () => {
  const off = await t.app.request(
    `/auth/email-code?${new URLSearchParams({ client_id: plain.clientId, redirect_uri: redirectUri })}`,
  );
  assert.equal(off.status, 404);
  await off.body?.cancel();
  const login = await (await t.app.request(`/auth/login?${request}`)).text();
  assert.match(login, /href="\/auth\/email-code\?client_id=[^"]+">Email me a code</);
});

Deno.test("email codes — where codes create accounts, sign-up by email only: same answer, the code creates a verified user", async () => {
  const openRequest = new URLSearchParams({
    client_id: open.clientId,
    redirect_uri: redirectUri,
    state: "s",
  });
  const signUp = await t.app.request(`/auth/signup?${openRequest}`);
  const cookie = (signUp.headers.get("set-cookie") ?? "").split(";")[0];
  const html = await signUp.text();
  assert.match(html, /action="\/auth\/email-code\?lang=en"/, "the sign-up form sends a code");
  const csrf = csrfOf(html);
  const post = (fields: Record<string, string>) =>
    t.app.request("/auth/email-code?lang=en", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie },
      body: new URLSearchParams({ request: openRequest.toString(), csrf, ...fields }),
    });
  const strip = (page: string) => page.replace(/value="[^"]*"/g, "");
  await seedUser(t.db.sql, open.id, "lama@example.com");
  const known = strip(await (await post({ action: "send", email: "lama@example.com" })).text());
  const fresh = await post({ action: "send", email: "Baru@Example.com" });
  assert.equal(fresh.status, 200);
  assert.equal(strip(await fresh.text()), known, "a new address gets the answer a known one does");
  // The answer says what happens here: a code to every address, which signs in or creates the account.
  assert.match(
    known,
    /A code is on its way to that address, unless its account is disabled: it signs you in, or creates your account if there is none yet/,
  );
  assert.doesNotMatch(known, /If an account uses that email/);
  const id = await t.app.request("/auth/email-code?lang=id", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie },
    body: new URLSearchParams({
      request: openRequest.toString(),
      csrf,
      action: "send",
      email: "lama@example.com",
    }),
  });
  assert.match(await id.text(), /kode itu memasukkan Anda, atau membuat akun Anda jika belum ada/);
  const [none] = await t.db
    .sql`select count(*)::int as n from astapa.users where email_lower = 'baru@example.com'`;
  assert.equal(none.n, 0, "nobody is created by asking");
  const { code } = await mailed("Baru@example.com"); // the mailer writes the domain in lower case
  const signedIn = await post({ action: "verify", email: "baru@example.com", code });
  assert.equal(signedIn.status, 303);
  assert.ok(signedIn.headers.get("location")!.startsWith(`${redirectUri}?code=`));
  const [user] = await t.db.sql`select email, email_verified, password_hash from astapa.users
    where project_id = ${open.id} and email_lower = 'baru@example.com'`;
  assert.deepEqual([user.email, user.email_verified, user.password_hash], ["Baru@Example.com", true, null]);
});

Deno.test("email codes — where passkeys are on too, a person a code just signed up is offered a passkey next", async () => {
  const keys = await seedProject(t.db.sql, {
    name: "Kedai",
    redirectUri,
    settings: { email_codes: true, email_code_sign_up: true, passwords: false, passkeys: true },
  });
  const keysRequest = new URLSearchParams({
    client_id: keys.clientId,
    redirect_uri: redirectUri,
    state: "s",
  });
  const page = await t.app.request(`/auth/email-code?${keysRequest}`);
  const cookie = (page.headers.get("set-cookie") ?? "").split(";")[0];
  const csrf = csrfOf(await page.text());
  const post = (fields: Record<string, string>) =>
    t.app.request("/auth/email-code?lang=en", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie },
      body: new URLSearchParams({ request: keysRequest.toString(), csrf, ...fields }),
    });
  await (await post({ action: "send", email: "kunci@example.com" })).body?.cancel();
  const created = await post({
    action: "verify",
    email: "kunci@example.com",
    code: (await mailed("kunci@example.com")).code,
  });
  assert.equal(created.status, 303);
  assert.equal(created.headers.get("location"), `/auth/passkeys?${keysRequest}&welcome=1&lang=en`);
  assert.match(created.headers.get("set-cookie") ?? "", /astapa_session/, "signed in, to add the passkey");
  // The next sign-in by code (the account exists now) goes straight back to the app.
  sink.messages.splice(0);
  await (await post({ action: "send", email: "kunci@example.com" })).body?.cancel();
  const again = await post({
    action: "verify",
    email: "kunci@example.com",
    code: (await mailed("kunci@example.com")).code,
  });
  assert.equal(again.status, 303);
  assert.ok(again.headers.get("location")!.startsWith(`${redirectUri}?code=`));
});

Deno.test("email codes — guesses spread over two instances share the five tries, and sending shares its limit", async () => {
  // A second instance: its own app and its own connections to the same database.
  const pool = createPool(t.db.url, { max: 2 });
  const deps = await createDeps({
    config: t.config,
    sql: pool,
    masterKeys: await deriveMasterKeys(TEST_MASTER_KEY),
    assets: t.deps.assets,
  });
  const second = await createApp(deps);
  try {
    const page = await t.app.request(`/auth/email-code?${request}`);
    const cookie = (page.headers.get("set-cookie") ?? "").split(";")[0];
    const csrf = csrfOf(await page.text());
    const instances = [t.app, second];
    const post = async (i: number, fields: Record<string, string>) => {
      const res = await instances[i % 2].request("/auth/email-code?lang=en", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", cookie },
        body: new URLSearchParams({ request: request.toString(), csrf, ...fields }),
      });
      await res.body?.cancel();
      return res.status;
    };
    await seedUser(t.db.sql, project.id, "fajar@example.com");
    assert.equal(await post(0, { action: "send", email: "fajar@example.com" }), 200);
    const { code } = await mailed("fajar@example.com");
    const wrong = code === "000000" ? "111111" : "000000";
    for (let i = 0; i < 5; i++) {
      assert.equal(await post(i, { action: "verify", email: "fajar@example.com", code: wrong }), 422);
    }
    assert.equal(
      await post(1, { action: "verify", email: "fajar@example.com", code }),
      422,
      "five wrong tries over two instances spend the code",
    );

    // Mail to one address, asked of the two instances in turn: one limit, not one per instance.
    let sent = 0;
    while (sent < 100 && await post(sent, { action: "send", email: "gita@example.com" }) === 200) sent++;
    assert.ok(
      [ATTEMPTS.production.perEmail, ATTEMPTS.sandbox.perEmail].includes(sent),
      `${sent} sent before the limit`,
    );
  } finally {
    deps.close();
    await pool.end();
  }
});
