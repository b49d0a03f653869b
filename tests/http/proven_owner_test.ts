/**
 * An unverified channel beside a verified one is not a way in (astapa.proof_signs_in, docs/security.md): the
 * app attaches a number nobody proved (a typo, or the owner's old number now someone else's) to a person with a
 * verified email, a password and a passkey; whoever holds the number is refused at the phone code page with a
 * readable message, and the owner keeps everything. The reverse: a phone-first person whose app attached an
 * unverified email gets no email code, no reset link, and a code mailed earlier is refused.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { type SeededProject, seedPasskey, seedProject, seedUser } from "../helpers/identity.ts";
import { basic } from "../helpers/oauth.ts";
import { submitForm } from "../helpers/login.ts";
import { csrfOf } from "../helpers/csrf.ts";
import { listPhoneMessages } from "@/db/phone.ts";
import { mailEmailCode } from "@/db/email_codes.ts";
import { sha256 } from "@/lib/secrets.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const project = await seedProject(t.db.sql, {
  name: "Pasar",
  redirectUri: "https://pasar.example/cb",
  settings: { email_codes: true, passkeys: true, phone: { enabled: true, signup: true } },
});
const query = (p: SeededProject) =>
  new URLSearchParams({ client_id: p.clientId, redirect_uri: p.redirectUri });
const ARGON_PASSWORD = "my own password";

/** The app's Platform API call. */
async function platform(method: string, path: string, body: unknown) {
  const res = await t.app.request(`/api/platform${path}`, {
    method,
    headers: { authorization: basic(project.clientId, project.secret), "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** A person who signed up with a password, confirmed their address, and has a passkey. */
async function emailOwner(email: string, n: number) {
  const signedUp = await submitForm(t, project, "/auth/signup", { email, password: ARGON_PASSWORD });
  assert.equal(signedUp.status, 303);
  await signedUp.body?.cancel();
  const [row] = await t.db.sql`update astapa.users set email_verified = true
    where project_id = ${project.id} and email_lower = ${email} returning id::text`;
  await seedPasskey(t.db.sql, project.id, row.id, n);
  return row.id as string;
}

async function account(user: string) {
  const [row] = await t.db.sql`select email, email_verified, phone_number, phone_number_verified,
      password_hash is not null as password,
      (select count(*)::int from astapa.passkeys k where k.project_id = u.project_id and k.user_id = u.id) as passkeys,
      (select count(*)::int from astapa.audit_log a where a.project_id = u.project_id
        and a.target = 'user:' || u.id and a.action = 'user.claimed') as claims
    from astapa.users u where u.project_id = ${project.id} and u.id = ${user}`;
  return { ...row };
}

async function passwordSignIn(email: string, password: string) {
  const res = await submitForm(t, project, "/auth/login", { email, password });
  await res.body?.cancel();
  return res.status;
}

/** Whoever holds the number asks for a sign-in code on the hosted page and types it in. */
async function phoneSignIn(typed: string, lang: string) {
  const sent = await submitForm(t, project, "/auth/phone", { phone: typed, channel: "whatsapp" });
  assert.equal(sent.status, 303, "a code is sent, as to any number");
  await sent.body?.cancel();
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

Deno.test("proven owner — a number the app attached unverified beside a verified email does not sign in; the owner keeps everything", async () => {
  const cases = [
    { lang: "en", email: "pemilik-hp@example.com", number: "0812 7777 0001", says: /has not been confirmed/ },
    { lang: "id", email: "pemilik-hp-id@example.com", number: "0812 7777 0002", says: /belum dikonfirmasi/ },
  ];
  for (const [i, c] of cases.entries()) {
    const owner = await emailOwner(c.email, 61 + i);
    const set = await platform("PUT", `/users/${owner}/phone`, { phone_number: c.number, verified: false });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    const before = await account(owner);

    const refused = await phoneSignIn(c.number, c.lang);
    assert.equal(refused.status, 403);
    assert.equal(refused.headers.get("location"), null, "not sent on to the app");
    const html = await refused.text();
    assert.match(html, c.says);
    assert.doesNotMatch(html, /disabled|dinonaktifkan/);
    assert.deepEqual(await account(owner), before);
    assert.deepEqual([before.password, before.passkeys, before.phone_number_verified, before.claims], [
      true,
      1,
      false,
      0,
    ]);
    assert.equal(await passwordSignIn(c.email, ARGON_PASSWORD), 303, "the owner's password still works");
  }
});

Deno.test("proven owner — an email the app attached unverified to a phone-first person gets no code, no reset, and an earlier code is refused", async () => {
  // A phone-first person (signed up by code), to whom the app then attaches an address nobody proved.
  const owner = await seedUser(t.db.sql, project.id, "lama@example.com");
  await seedPasskey(t.db.sql, project.id, owner, 71);
  // A code mailed while nothing on the account was verified yet …
  const early = { code: await sha256("515151"), link: await sha256("early-link") };
  const mail = { kind: "email_code", subject: "Your code", body: "515151", html: "<p>515151</p>" };
  assert.equal(
    await mailEmailCode(t.db.sql, project.id, "lama@example.com", early, query(project).toString(), mail),
    true,
  );
  // … then the number is proven: the account is the phone holder's.
  const set = await platform("PUT", `/users/${owner}/phone`, {
    phone_number: "0812 7777 0010",
    verified: true,
  });
  assert.equal(set.status, 200, JSON.stringify(set.body));
  const before = await account(owner);
  const outbox = async () =>
    (await t.db.sql`select kind from astapa.mail_outbox where project_id = ${project.id}
      and to_address = 'lama@example.com' order by created_at`).map((m) => m.kind);
  assert.deepEqual(await outbox(), ["email_code"]);

  // The code page answers as for anybody, and sends nothing.
  const page = await t.app.request(`/auth/email-code?${query(project)}`);
  const cookie = (page.headers.get("set-cookie") ?? "").split(";")[0];
  const csrf = csrfOf(await page.text());
  const post = (fields: Record<string, string>) =>
    t.app.request(`/auth/email-code?lang=en`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie },
      body: new URLSearchParams({ request: query(project).toString(), csrf, ...fields }),
    });
  const sent = await post({ action: "send", email: "lama@example.com" });
  const nobody = await post({ action: "send", email: "nobody-here@example.com" });
  assert.equal(sent.status, nobody.status);
  await sent.body?.cancel();
  await nobody.body?.cancel();
  // The earlier code is refused as a used one, and uses itself up.
  const typed = await post({ action: "verify", email: "lama@example.com", code: "515151" });
  assert.notEqual(typed.status, 303, "not signed in");
  await typed.body?.cancel();

  // No reset link either; the page says the same as for anybody.
  const reset = await submitForm(t, project, "/auth/forgot", { email: "lama@example.com" });
  assert.equal(reset.status, 200);
  await reset.body?.cancel();
  // Nor a confirmation link from the public "send the link again" (the mailbox's holder would confirm it).
  const login = await t.app.request(`/auth/login?${query(project)}`);
  const resent = await t.app.request(`/auth/resend?lang=en`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      cookie: (login.headers.get("set-cookie") ?? "").split(";")[0],
    },
    body: new URLSearchParams({
      request: query(project).toString(),
      csrf: csrfOf(await login.text()),
      email: "lama@example.com",
    }),
  });
  assert.equal(resent.status, 200, "the same answer as for anybody");
  await resent.body?.cancel();
  assert.deepEqual(await outbox(), ["email_code"], "nothing mailed since the number was proven");
  assert.deepEqual(await account(owner), before);
  assert.deepEqual([before.email_verified, before.passkeys, before.claims], [false, 1, 0]);
});
