/**
 * Enforced SSO through the hosted login (docs/enterprise-sso.md, "Enforced SSO and existing accounts"), against a
 * local OpenID Provider for the organization (the Google fake under its own issuer) and the Google fake as the
 * social provider: every way in at the organization's verified domain hands over to the IdP (where the person
 * typed the address) or shows the single sign-on page, whose button reaches the IdP; another domain and a
 * disabled connection go on as before; the email-code request answers the same for a known and an unknown
 * address; an address changed at the IdP keeps the account, and one another account has is refused.
 */
import assert from "node:assert/strict";
import { sha256 } from "@/lib/secrets.ts";
import { mailEmailCode } from "@/db/email_codes.ts";
import { mailEmailLink } from "@/db/login.ts";
import { type SeededProject, seedProject, seedUser } from "../helpers/identity.ts";
import { basic } from "../helpers/oauth.ts";
import { csrfOf } from "../helpers/csrf.ts";
import { followBack, socialTestApp, startSignIn } from "../helpers/social.ts";
import { answerConfirmation, openMailedLink, sessionCookie } from "../helpers/login.ts";
import { HostedBrowser, postForm } from "../helpers/form_browser.ts";
import { signedAssertion, storedPasskey } from "../helpers/webauthn.ts";
import { listPhoneMessages } from "@/db/phone.ts";
import { startFakeGoogle } from "../fakes/google.ts";

const idp = await startFakeGoogle({ clientId: "astapa-at-acme", clientSecret: "acme-idp-secret-0123456789" });
const { google, t } = await socialTestApp();
t.deps.clientMetadataFetch = { allowHttp: true, allowPrivate: true, timeoutMs: 2000 };
Deno.test.afterAll(() => idp.close());
const html = { accept: "text/html" };

const project = await seedProject(t.db.sql, {
  name: "Kantor",
  settings: { email_codes: true, email_code_sign_up: true, passkeys: true, phone: { enabled: true } },
});
const passkeyOnly = await seedProject(t.db.sql, {
  name: "Kunci",
  settings: { passwords: false, passkeys: true },
});

async function api(p: SeededProject, method: string, path: string, body?: unknown) {
  const res = await t.app.request(`/api/platform${path}`, {
    method,
    headers: { authorization: basic(p.clientId, p.secret), "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** Acme with acme.test verified and its connection to the fake IdP, in project `p`. */
async function acmeConnection(p: SeededProject) {
  await api(p, "POST", "/organizations", { name: "Acme", slug: "acme" });
  await api(p, "POST", "/organizations/acme/domains", { domain: "acme.test" });
  await api(p, "PUT", "/organizations/acme/domains/acme.test");
  const connection = { issuer: idp.issuer, idp_client_id: idp.clientId, idp_client_secret: idp.clientSecret };
  await api(p, "PUT", "/organizations/acme/sso-connection", connection);
  return async (enabled: boolean) =>
    await api(p, "PUT", "/organizations/acme/sso-connection", { ...connection, enabled });
}
const setEnabled = await acmeConnection(project);
const setPasskeyOnlyEnabled = await acmeConnection(passkeyOnly);

/** Runs `work` with the connection disabled, then enables it again. */
async function whileDisabled(work: () => Promise<void>, enable = setEnabled) {
  await enable(false);
  try {
    await work();
  } finally {
    await enable(true);
  }
}

/** A browser on `path` of `p`'s sign-in request: a way to post that page's forms, keeping its cookie. */
async function browser(path: string, p: SeededProject = project) {
  const request = new URLSearchParams({ client_id: p.clientId, redirect_uri: p.redirectUri, state: "app" });
  const page = await t.app.request(`${path}?${request}`, { headers: html });
  assert.equal(page.status, 200, path);
  const cookie = (page.headers.get("set-cookie") ?? "").split(";")[0];
  const csrf = csrfOf(await page.text());
  const post = (to: string, fields: Record<string, string>) =>
    t.app.request(to, {
      method: "POST",
      headers: { ...html, "content-type": "application/x-www-form-urlencoded", cookie, origin: t.origin },
      body: new URLSearchParams({ request: request.toString(), csrf, ...fields }),
    });
  return { cookie, post, request };
}

/** The single sign-on page's form, posted as its button does: it must send the browser to the IdP. */
async function pressContinue(res: Response, cookie: string, email: string) {
  assert.equal(res.status, 403);
  const page = await res.text();
  assert.match(page, /Your organization signs you in with its own identity provider/);
  assert.match(page, /Continue with single sign-on/);
  const form = postForm(page)!;
  assert.equal(form.action, "/auth/sso?lang=en");
  const fields = new URLSearchParams(form.fields);
  assert.equal(fields.get("email"), email);
  const started = await t.app.request(form.action, {
    method: "POST",
    headers: { ...html, "content-type": "application/x-www-form-urlencoded", cookie, origin: t.origin },
    body: fields,
  });
  assert.equal(started.status, 303, await started.text());
  assert.equal(new URL(started.headers.get("location")!).origin, idp.issuer);
}

const outbox = async () =>
  (await t.db.sql`select count(*)::int as n from astapa.mail_outbox where project_id = ${project.id}`)[0].n;

Deno.test("enforced SSO — password sign-up at the domain hands over to the IdP; elsewhere and disabled it signs up", async () => {
  const { post } = await browser("/auth/signup");
  const fields = { email: "baru@acme.test", password: "a long enough passphrase 2026" };
  const handed = await post("/auth/signup?lang=en", fields);
  assert.equal(handed.status, 307);
  assert.equal(handed.headers.get("location"), "/auth/sso?lang=en");
  const started = await post(handed.headers.get("location")!, fields);
  assert.equal(started.status, 303);
  assert.equal(new URL(started.headers.get("location")!).origin, idp.issuer);
  assert.equal((await t.db.sql`select 1 from astapa.users where email = 'baru@acme.test'`).length, 0);
  assert.equal((await post("/auth/signup?lang=en", { ...fields, email: "baru@other.test" })).status, 303);
  await whileDisabled(async () => assert.equal((await post("/auth/signup?lang=en", fields)).status, 303));
});

Deno.test("enforced SSO — the email-code request hands over the same for a known and an unknown address, mailing nothing", async () => {
  await seedUser(t.db.sql, project.id, "known@acme.test", { verified: true });
  const { post } = await browser("/auth/email-code");
  const before = await outbox();
  const known = await post("/auth/email-code?lang=en", { action: "send", email: "known@acme.test" });
  const unknown = await post("/auth/email-code?lang=en", { action: "send", email: "nobody@acme.test" });
  for (const res of [known, unknown]) {
    assert.equal(res.status, 307);
    assert.equal(res.headers.get("location"), "/auth/sso?lang=en");
  }
  assert.equal(await known.text(), await unknown.text());
  assert.equal(await outbox(), before, "nothing mailed");
  const elsewhere = await post("/auth/email-code?lang=en", { action: "send", email: "known@other.test" });
  assert.equal(elsewhere.status, 200);
  await whileDisabled(async () => {
    const sent = await post("/auth/email-code?lang=en", { action: "send", email: "known@acme.test" });
    assert.equal(sent.status, 200);
  });
});

Deno.test("enforced SSO — a code or magic link mailed before SSO was on shows the single sign-on page (en, id)", async () => {
  const { post, cookie, request } = await browser("/auth/email-code");
  const link = crypto.randomUUID();
  await whileDisabled(async () => {
    const mail = { kind: "email_code", subject: "Code", body: "123456", html: "<p>123456</p>" };
    await mailEmailCode(
      t.db.sql,
      project.id,
      "early@acme.test",
      {
        code: await sha256("123456"),
        link: await sha256(link.padEnd(43, "x")),
      },
      request.toString(),
      mail,
    );
  });
  const verify = await post("/auth/email-code?lang=en", {
    action: "verify",
    email: "early@acme.test",
    code: "123456",
  });
  await pressContinue(verify, cookie, "early@acme.test");
  const linked = await post("/auth/email-code?lang=id", { action: "link", token: link.padEnd(43, "x") });
  assert.equal(linked.status, 403);
  assert.match(await linked.text(), /Organisasi Anda memasukkan Anda lewat penyedia identitasnya sendiri/);
  assert.equal((await t.db.sql`select 1 from astapa.users where email = 'early@acme.test'`).length, 0);
});

Deno.test("enforced SSO — a password typed at the domain gets the same page, whose button reaches the IdP", async () => {
  await seedUser(t.db.sql, project.id, "budi@acme.test", { verified: true });
  const { post, cookie } = await browser("/auth/login");
  const refused = await post("/auth/login?lang=en", { email: "budi@acme.test", password: "whatever it is" });
  await pressContinue(refused, cookie, "budi@acme.test");
});

Deno.test("enforced SSO — a passkey sign-up's request at the domain hands over; elsewhere and disabled it mails", async () => {
  const { post } = await browser("/auth/signup", passkeyOnly);
  const send = (email: string) => post("/auth/signup/passkey?lang=en", { action: "send", email });
  const handed = await send("kunci@acme.test");
  assert.equal(handed.status, 307);
  assert.equal(handed.headers.get("location"), "/auth/sso?lang=en");
  assert.equal((await send("kunci@other.test")).status, 200);
  await whileDisabled(
    async () => assert.equal((await send("kunci@acme.test")).status, 200),
    setPasskeyOnlyEnabled,
  );
});

Deno.test("enforced SSO — Google at the domain, or linked to an account at the domain, shows the page; elsewhere it signs in", async () => {
  google.approveAs = { sub: "g-acme", email: "gita@acme.test", email_verified: true };
  const refused = await followBack(t, await startSignIn(t, project, "google", "en"));
  assert.equal(refused.status, 403);
  const page = await refused.text();
  assert.match(page, /signs you in with its own identity provider/);
  assert.match(page, /name="email" value="gita@acme.test"/);
  // Linked while SSO was off; the provider's address is a private one now.
  google.approveAs = { sub: "g-linked", email: "lina@acme.test", email_verified: true };
  await whileDisabled(async () => {
    assert.equal((await followBack(t, await startSignIn(t, project, "google", "en"))).status, 303);
  });
  google.approveAs = { sub: "g-linked", email: "lina.private@gmail.test", email_verified: true };
  const linked = await followBack(t, await startSignIn(t, project, "google", "id"));
  assert.equal(linked.status, 403);
  assert.match(await linked.text(), /name="email" value="lina@acme.test"/);
  google.approveAs = { sub: "g-other", email: "gita@other.test", email_verified: true };
  assert.equal((await followBack(t, await startSignIn(t, project, "google", "en"))).status, 303);
});

/** An SSO sign-in as the IdP says (`approveAs`), from the /auth/sso form to the callback's answer. */
async function ssoSignIn(email: string) {
  const { post, cookie } = await browser("/auth/sso");
  const started = await post("/auth/sso?lang=en", { email });
  assert.equal(started.status, 303, await started.text());
  const flowCookie = started.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  const upstream = await fetch(started.headers.get("location")!, { redirect: "manual" });
  await upstream.body?.cancel();
  const back = new URL(upstream.headers.get("location")!);
  return await t.app.request(back.pathname + back.search, {
    headers: { ...html, cookie: `${cookie}; ${flowCookie}` },
  });
}

Deno.test("enforced SSO — matched by subject: an address changed at the IdP keeps the account; a taken one is refused", async () => {
  idp.approveAs = { sub: "idp-sari", email: "sari@acme.test", email_verified: true };
  assert.equal((await ssoSignIn("sari@acme.test")).status, 303);
  const [before] = await t.db.sql`select id::text from astapa.users
    where project_id = ${project.id} and email = 'sari@acme.test'`;
  idp.approveAs = { sub: "idp-sari", email: "sari.dewi@acme.test", email_verified: true };
  assert.equal((await ssoSignIn("sari@acme.test")).status, 303);
  const [after] = await t.db
    .sql`select email from astapa.users where project_id = ${project.id} and id = ${before.id}`;
  assert.equal(after.email, "sari.dewi@acme.test", "the same account, its address changed");
  await seedUser(t.db.sql, project.id, "taken@acme.test", { verified: true });
  idp.approveAs = { sub: "idp-sari", email: "taken@acme.test", email_verified: true };
  const taken = await ssoSignIn("sari.dewi@acme.test");
  assert.equal(taken.status, 409);
  assert.match(await taken.text(), /gives you an address that another account here uses/);
  const [still] = await t.db
    .sql`select email from astapa.users where project_id = ${project.id} and id = ${before.id}`;
  assert.equal(still.email, "sari.dewi@acme.test");
});

Deno.test("enforced SSO — a passkey of an account at the domain shows the page; elsewhere and disabled it signs in", async () => {
  const rp = { origin: t.origin, rpId: new URL(t.origin).hostname };
  const request = new URLSearchParams({ client_id: project.clientId, redirect_uri: project.redirectUri });
  const atDomain = await seedUser(t.db.sql, project.id, "kunci@acme.test", { verified: true });
  const key = await storedPasskey(t.db.sql, project.id, atDomain, rp.rpId);
  const elsewhere = await seedUser(t.db.sql, project.id, "kunci@other.test", { verified: true });
  const otherKey = await storedPasskey(t.db.sql, project.id, elsewhere, rp.rpId);
  let signCount = 0;
  const signIn = async (credential: typeof key) => {
    const b = new HostedBrowser(t, request.toString());
    await b.read(`/auth/login?${request}`);
    const options = await (await b.send("/auth/passkey/options", { purpose: "sign_in" })).json();
    const assertion = await signedAssertion(credential, {
      ...rp,
      challenge: options.challenge,
      signCount: ++signCount,
    });
    return { b, res: await b.send("/auth/passkey?lang=en", { credential: JSON.stringify(assertion) }) };
  };
  const refused = await signIn(key);
  await pressContinue(refused.res, refused.b.header(), "kunci@acme.test");
  assert.equal((await signIn(otherKey)).res.status, 303);
  await whileDisabled(async () => assert.equal((await signIn(key)).res.status, 303));
});

Deno.test("enforced SSO — phone sign-in of an account whose address is at the domain shows the page; elsewhere it signs in", async () => {
  const request = new URLSearchParams({ client_id: project.clientId, redirect_uri: project.redirectUri });
  const withPhone = async (email: string, phone: string) => {
    const user = await seedUser(t.db.sql, project.id, email, { verified: true });
    await t.db
      .sql`update astapa.users set phone_number = ${phone}, phone_number_verified = true where id = ${user}`;
  };
  await withPhone("telepon@acme.test", "+6281277780001");
  await withPhone("telepon@other.test", "+6281277780002");
  const signIn = async (phone: string) => {
    const b = new HostedBrowser(t, request.toString());
    await b.read(`/auth/phone?${request}`);
    const sent = await b.send("/auth/phone?lang=en", { phone, channel: "whatsapp" });
    assert.equal(sent.status, 303, await sent.text());
    const [logged] = await listPhoneMessages(t.db.sql, project.id);
    const code = /: (\d{6})$/.exec(logged.sandbox_text ?? "")![1];
    await b.read(`/auth/phone/code?${request}`);
    return await b.send("/auth/phone/code?lang=en", { code });
  };
  const refused = await signIn("+6281277780001");
  assert.equal(refused.status, 403);
  assert.match(await refused.text(), /name="email" value="telepon@acme.test"/);
  assert.equal((await signIn("+6281277780002")).status, 303);
});

Deno.test("enforced SSO — a reset request at the domain hands over, the same for an unknown address; an earlier link shows the page", async () => {
  await seedUser(t.db.sql, project.id, "lupa@acme.test", { verified: true });
  const { post, cookie } = await browser("/auth/forgot");
  const before = await outbox();
  const known = await post("/auth/forgot?lang=en", { email: "lupa@acme.test" });
  const unknown = await post("/auth/forgot?lang=en", { email: "siapa@acme.test" });
  for (const res of [known, unknown]) {
    assert.equal(res.status, 307);
    assert.equal(res.headers.get("location"), "/auth/sso?lang=en");
  }
  assert.equal(await outbox(), before, "nothing mailed");
  assert.equal((await post("/auth/forgot?lang=en", { email: "lupa@other.test" })).status, 200);
  // A link mailed while the connection was off resets nothing now.
  const token = crypto.randomUUID();
  await whileDisabled(async () => {
    await mailEmailLink(t.db.sql, project.id, "lupa@acme.test", "reset_password", {
      tokenHash: await sha256(token),
      mail: { subject: "Reset", body: "link", kind: "reset_password" },
    });
  });
  const reset = await post("/auth/reset?lang=en", { token, password: "a brand new passphrase 2026" });
  await pressContinue(reset, cookie, "lupa@acme.test");
});

Deno.test("enforced SSO — a confirmation link answered with the password confirms the address but signs nobody in", async () => {
  const { post } = await browser("/auth/signup");
  const password = "confirm me later 2026";
  await whileDisabled(async () => {
    const res = await post("/auth/signup?lang=en", { email: "konfirmasi@acme.test", password });
    assert.equal(res.status, 303);
  });
  const [mail] = await t.db.sql`select body_text from astapa.mail_outbox
    where to_address = 'konfirmasi@acme.test' and kind = 'verify_email' order by id desc limit 1`;
  const confirmed = await answerConfirmation(t, await openMailedLink(t, mail.body_text), "confirm", {
    password,
  });
  assert.equal(confirmed.status, 303);
  assert.ok(!confirmed.headers.get("location")!.startsWith(project.redirectUri), "no code for the app");
  assert.equal(sessionCookie(confirmed, project.id), undefined, "no session");
  const [user] = await t.db.sql`select email_verified from astapa.users where email = 'konfirmasi@acme.test'`;
  assert.equal(user.email_verified, true);
});
