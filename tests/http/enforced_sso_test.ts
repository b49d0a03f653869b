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
import { type SeededProject, seedProject, seedUser } from "../helpers/identity.ts";
import { basic } from "../helpers/oauth.ts";
import { csrfOf } from "../helpers/csrf.ts";
import { followBack, socialTestApp, startSignIn } from "../helpers/social.ts";
import { startFakeGoogle } from "../fakes/google.ts";

const idp = await startFakeGoogle({ clientId: "astapa-at-acme", clientSecret: "acme-idp-secret-0123456789" });
const { google, t } = await socialTestApp();
t.deps.clientMetadataFetch = { allowHttp: true, allowPrivate: true, timeoutMs: 2000 };
Deno.test.afterAll(() => idp.close());
const html = { accept: "text/html" };

const project = await seedProject(t.db.sql, {
  name: "Kantor",
  settings: { email_codes: true, email_code_sign_up: true },
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
  assert.match(page, /<form method="post" action="\/auth\/sso\?lang=en">/);
  assert.match(page, /Continue with single sign-on/);
  const fields = Object.fromEntries(
    [...page.matchAll(/<input type="hidden" name="(\w+)" value="([^"]*)"/g)].map((m) => [
      m[1],
      m[2].replaceAll("&amp;", "&"),
    ]),
  );
  assert.equal(fields.email, email);
  const started = await t.app.request("/auth/sso?lang=en", {
    method: "POST",
    headers: { ...html, "content-type": "application/x-www-form-urlencoded", cookie, origin: t.origin },
    body: new URLSearchParams(fields),
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
