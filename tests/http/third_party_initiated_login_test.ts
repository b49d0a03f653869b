/**
 * Sign-ins the app did not start (OIDC Core §4 third-party initiated login; docs/hosted-login.md), through the real
 * hosted login, Platform API, Postgres and mail (SMTP sink): an admin's reset mail → /auth/start →
 * initiate_login_uri with iss and login_hint → the app's own authorization request (state, PKCE) → the reset form →
 * a code the app redeems with its verifier; the link single use, short-lived and unchanged by a mail scanner's
 * visit; a pending cookie of another project or another address ignored; 409 without an initiate_login_uri; the
 * waitlist approval through the same door; the setting and a self-registered client's registration metadata.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { pkcePair, seedProject, seedUser } from "../helpers/oauth.ts";
import { hostedForm, mergeCookies, seedPasswordUser } from "../helpers/dynamic_clients.ts";
import { basic } from "../helpers/oauth.ts";
import { mailText, submitForm } from "../helpers/login.ts";
import { startSmtpSink } from "../helpers/smtp_sink.ts";
import { waitFor } from "../helpers/wait.ts";
import { platformApi } from "../helpers/platform_api.ts";
import { MailSender } from "@/lib/mail/sender.ts";
import type { SeededProject } from "../helpers/identity.ts";

const t = await testApp();
const sql = t.db.sql;
const sink = startSmtpSink();
const sender = new MailSender(sql, sink.url, "Astapa <no-reply@astapa.test>");
await sender.start();
Deno.test.afterAll(async () => {
  await sender.stop();
  sink.close();
  await t.close();
});

const START = "https://toko.example/login/start";
const project = await seedProject(sql, {
  name: "Toko",
  redirectUri: "https://toko.example/cb",
  settings: { initiate_login_uri: START },
});
const other = await seedProject(sql, {
  name: "Lain",
  settings: { initiate_login_uri: "https://lain.example/go" },
});
const api = platformApi(t, project);

/** The /auth/start link in the newest mail to `email`, as a path. */
async function startLinkIn(email: string, count: number): Promise<string> {
  // Not sink.waitFor in a loop: it answers the first mail already there at once, so it would spin forever.
  const mail = await waitFor(
    () => Promise.resolve(sink.messages.filter((m) => m.to.includes(email))[count - 1]),
    `mail ${count} to ${email}`,
  );
  const link = /https?:\/\/[^/\s]+(\/auth\/start\?p=proj_[a-z2-7]{16}&t=[\w-]{43})(?=\s|$)/.exec(
    mailText(mail.data),
  );
  assert.ok(link, `an /auth/start link in:\n${mailText(mail.data)}`);
  return link[1];
}

/** The app's own authorization request, as its initiate-login route starts it (state, PKCE, login_hint). */
async function appRequest(p: SeededProject, loginHint: string) {
  const { verifier, challenge } = await pkcePair();
  const query = new URLSearchParams({
    response_type: "code",
    client_id: p.clientId,
    redirect_uri: p.redirectUri,
    scope: "openid email",
    state: "app-state-1",
    code_challenge: challenge,
    code_challenge_method: "S256",
    login_hint: loginHint,
  });
  return { query, verifier };
}

const get = (path: string, cookie = "") => t.app.request(path, { headers: cookie ? { cookie } : {} });

async function signIn(p: SeededProject, email: string, password: string) {
  return await submitForm(t, p, "/auth/login", { email, password }, { state: "s" });
}

Deno.test("admin reset — mail → /auth/start → initiate_login_uri → the app's request → new password → code redeemed with the app's verifier", async () => {
  const sub = await seedPasswordUser(sql, project.id, "ayu@toko.example", "old password of ayu");
  const sent = await api("POST", `/users/${sub}/password-reset`);
  assert.equal(sent.status, 202, sent.text);
  assert.deepEqual(sent.body, { sub, sent_to: "ayu@toko.example" });
  const link = await startLinkIn("ayu@toko.example", 1);

  // A mail scanner opens the link first: the same redirect, nothing used.
  for (let visit = 0; visit < 2; visit++) {
    const opened = await get(link);
    assert.equal(opened.status, 303);
    assert.equal(opened.headers.get("referrer-policy"), "no-referrer", "the token never leaves in a Referer");
    assert.equal(opened.headers.get("cache-control"), "no-store");
    const target = new URL(opened.headers.get("location")!);
    assert.equal(`${target.origin}${target.pathname}`, START);
    assert.equal(target.searchParams.get("iss"), t.origin);
    assert.equal(target.searchParams.get("login_hint"), "ayu@toko.example");
    assert.equal(target.searchParams.get("t"), null, "the token stays on Astapa's side");
    const [cookie] = opened.headers.getSetCookie();
    // The project's own cookie, the token sealed in it: a copy of the cookie tells nobody the mailed link.
    assert.match(cookie, new RegExp(`^astapa_pending_login_${project.id}=[\\w-]{60,};`));
    assert.ok(!cookie.includes(new URL(link, t.origin).searchParams.get("t")!), "never the token itself");
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Lax/);
    assert.match(cookie, /Max-Age=600/);
  }
  const [used] = await sql`select count(*)::int as n from astapa.email_tokens
    where project_id = ${project.id} and purpose = 'reset_password' and used_at is null`;
  assert.equal(used.n, 1, "opening the link used nothing");

  let jar = mergeCookies("", await get(link));
  // The app's initiate-login route starts its own request: the sign-in page shows the reset form first.
  const { query, verifier } = await appRequest(project, "AYU@toko.example");
  const login = await get(`/auth/login?${query}`, jar);
  assert.equal(login.status, 303);
  const resetPath = login.headers.get("location")!;
  assert.match(resetPath, /^\/auth\/reset\?/);
  assert.doesNotMatch(resetPath, /token=/, "the token rides in the cookie, not the URL");
  const page = await get(resetPath, jar);
  assert.equal(page.status, 200);
  jar = mergeCookies(jar, page);
  const form = hostedForm({ html: await page.text(), cookie: jar });
  assert.match(form.html, /The new password is for the account <strong>ayu@toko\.example<\/strong>/);
  const done = await t.app.request(form.action, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: jar, origin: t.origin },
    body: new URLSearchParams({ request: form.request, csrf: form.csrf, password: "new password of ayu 42" }),
  });
  assert.equal(done.status, 303, await done.text());
  const back = new URL(done.headers.get("location")!);
  assert.equal(`${back.origin}${back.pathname}`, project.redirectUri);
  assert.equal(back.searchParams.get("state"), "app-state-1", "the app's own state");
  assert.ok(
    done.headers.getSetCookie().some((c) => c.startsWith(`astapa_pending_login_${project.id}=;`)),
    "the pending action is cleared once done",
  );
  const token = await t.app.request("/api/platform/token", {
    method: "POST",
    headers: {
      authorization: basic(project.clientId, project.secret),
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code: back.searchParams.get("code")!,
      redirect_uri: project.redirectUri,
      code_verifier: verifier,
    }),
  });
  assert.equal(token.status, 200, await token.clone().text());
  assert.ok((await token.json()).access_token);

  // The new password signs in; the old one does not; the link is used.
  const fresh = await signIn(project, "ayu@toko.example", "new password of ayu 42");
  assert.equal(fresh.status, 303);
  const stale = await signIn(project, "ayu@toko.example", "old password of ayu");
  assert.notEqual(stale.status, 303);
  const again = await get(link);
  assert.equal(again.status, 404, "single use");
  assert.match(await again.text(), /unknown, already used or expired/);
  const [audit] = await sql`select details from astapa.audit_log
    where project_id = ${project.id} and action = 'user.password_reset_sent' and target = ${"user:" + sub}`;
  assert.deepEqual(audit.details, { by: "admin" });
});

Deno.test("admin reset — an expired link opens nothing, and its cookie is cleared at the sign-in page", async () => {
  const sub = await seedPasswordUser(sql, project.id, "budi@toko.example", "old password of budi");
  assert.equal((await api("POST", `/users/${sub}/password-reset`)).status, 202);
  const link = await startLinkIn("budi@toko.example", 1);
  const jar = mergeCookies("", await get(link));
  await sql`update astapa.email_tokens set expires_at = now() - interval '1 second'
    where project_id = ${project.id} and user_id = ${sub}`;
  assert.equal((await get(link)).status, 404);
  const { query } = await appRequest(project, "budi@toko.example");
  const login = await get(`/auth/login?${query}`, jar);
  assert.equal(login.status, 200, "the ordinary sign-in page");
  assert.match(await login.text(), /name="password"/);
  assert.ok(
    login.headers.getSetCookie().some((c) => c.startsWith(`astapa_pending_login_${project.id}=;`)),
    "cleared",
  );
});

Deno.test("admin reset — another project's sign-in page leaves a pending action alone; another address's is ignored", async () => {
  const sub = await seedPasswordUser(sql, other.id, "citra@lain.example", "old password of citra");
  assert.equal((await platformApi(t, other)("POST", `/users/${sub}/password-reset`)).status, 202);
  const jar = mergeCookies("", await get(await startLinkIn("citra@lain.example", 1)));
  // The same address at another project: not this cookie's.
  await seedPasswordUser(sql, project.id, "citra@lain.example", "toko password of citra");
  const here = await get(`/auth/login?${(await appRequest(project, "citra@lain.example")).query}`, jar);
  assert.equal(here.status, 200);
  assert.deepEqual(
    here.headers.getSetCookie().filter((c) => c.startsWith("astapa_pending_login")),
    [],
    "the other project's cookie is neither read nor cleared",
  );
  // Its own project, another login_hint: the sign-in page, the cookie kept for its own address.
  const elsewhere = await get(`/auth/login?${(await appRequest(other, "dewi@lain.example")).query}`, jar);
  assert.equal(elsewhere.status, 200);
  assert.equal(
    elsewhere.headers.getSetCookie().filter((c) => c.startsWith("astapa_pending_login")).length,
    0,
  );
  const none = await get(`/auth/login?${(await appRequest(other, "")).query}`, jar);
  assert.equal(none.status, 200, "no login_hint: no pending action");
  const own = await get(`/auth/login?${(await appRequest(other, "citra@lain.example")).query}`, jar);
  assert.equal(own.status, 303);
  assert.match(own.headers.get("location")!, /^\/auth\/reset\?/);
});

Deno.test("admin reset — refusals: no initiate_login_uri 409, unknown sub 404, another project's user 404, password-free 409, disabled 409, past 3 per 15 minutes 429", async () => {
  const bare = await seedProject(sql, { name: "Polos" });
  const bareUser = await seedPasswordUser(sql, bare.id, "eka@polos.example", "password of eka");
  const missing = await platformApi(t, bare)("POST", `/users/${bareUser}/password-reset`);
  assert.equal(missing.status, 409);
  assert.equal(missing.body.error, "initiate_login_uri_missing");
  assert.match(missing.body.error_description, /initiate_login_uri/);
  assert.equal((await api("POST", "/users/999999999/password-reset")).status, 404);
  assert.equal(
    (await api("POST", `/users/${bareUser}/password-reset`)).status,
    404,
    "another project's user",
  );
  const codesOnly = await seedProject(sql, {
    name: "Kode",
    settings: { initiate_login_uri: START, passwords: false, email_codes: true },
  });
  const codeUser = await seedUser(sql, codesOnly.id, "fajar@kode.example", { verified: true });
  const free = await platformApi(t, codesOnly)("POST", `/users/${codeUser}/password-reset`);
  assert.equal(free.status, 409);
  assert.match(free.body.error_description, /without passwords/);
  const gita = await seedPasswordUser(sql, project.id, "gita@toko.example", "password of gita");
  await sql`update astapa.users set disabled = true where project_id = ${project.id} and id = ${gita}`;
  assert.equal((await api("POST", `/users/${gita}/password-reset`)).status, 409);
  const hana = await seedPasswordUser(sql, project.id, "hana@toko.example", "password of hana");
  for (let i = 0; i < 3; i++) assert.equal((await api("POST", `/users/${hana}/password-reset`)).status, 202);
  const tooMany = await t.app.request(`/api/platform/users/${hana}/password-reset`, {
    method: "POST",
    headers: { authorization: basic(project.clientId, project.secret) },
  });
  assert.equal(tooMany.status, 429);
  assert.match(tooMany.headers.get("retry-after") ?? "", /^\d+$/);
  const [mails] =
    await sql`select count(*)::int as n from astapa.mail_outbox where to_address = 'hana@toko.example'`;
  assert.equal(mails.n, 3, "nothing mailed past the limit");
});

Deno.test("admin reset — the mail is in the user's language", async () => {
  const sub = await seedPasswordUser(sql, project.id, "intan@toko.example", "password of intan");
  await sql`update astapa.users set locale = 'id-ID' where project_id = ${project.id} and id = ${sub}`;
  assert.equal((await api("POST", `/users/${sub}/password-reset`)).status, 202);
  const [mail] = await sql`select subject from astapa.mail_outbox where to_address = 'intan@toko.example'`;
  assert.equal(mail.subject, "Atur ulang kata sandi Toko");
});

Deno.test("initiate_login_uri — set, shown and removed through the Platform API; http, a fragment or userinfo refused", async () => {
  const p = await seedProject(sql, { name: "Atur" });
  const a = platformApi(t, p);
  assert.deepEqual((await a("GET", "/initiate-login-settings")).body, { initiate_login_uri: null });
  const set = await a("PATCH", "/initiate-login-settings", {
    initiate_login_uri: "https://atur.example/go?x=1",
  });
  assert.equal(set.status, 200, set.text);
  assert.deepEqual(set.body, { initiate_login_uri: "https://atur.example/go?x=1" });
  for (
    const bad of ["http://atur.example/go", "https://atur.example/go#x", "https://u:p@atur.example/", "/go"]
  ) {
    const refused = await a("PATCH", "/initiate-login-settings", { initiate_login_uri: bad });
    assert.equal(refused.status, 400, bad);
  }
  assert.deepEqual((await a("GET", "/initiate-login-settings")).body, {
    initiate_login_uri: "https://atur.example/go?x=1",
  });
  assert.deepEqual((await a("PATCH", "/initiate-login-settings", { initiate_login_uri: null })).body, {
    initiate_login_uri: null,
  });
});

Deno.test("initiate_login_uri — a self-registered client's registration takes an https one and echoes it; others are invalid_client_metadata", async () => {
  const register = (metadata: Record<string, unknown>) =>
    t.app.request("/api/platform/register", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        redirect_uris: ["https://agent.example/cb"],
        token_endpoint_auth_method: "none",
        ...metadata,
      }),
    });
  const ok = await register({ initiate_login_uri: "https://agent.example/login" });
  assert.equal(ok.status, 201);
  const body = await ok.json();
  assert.equal(body.initiate_login_uri, "https://agent.example/login");
  const [row] = await sql`select metadata ->> 'initiate_login_uri' as uri from astapa.dynamic_clients
    where client_id = ${body.client_id}`;
  assert.equal(row.uri, "https://agent.example/login");
  for (
    const bad of ["http://agent.example/login", "http://127.0.0.1/login", "https://agent.example/#x", 42]
  ) {
    const refused = await register({ initiate_login_uri: bad });
    assert.equal(refused.status, 400, String(bad));
    assert.equal((await refused.json()).error, "invalid_client_metadata");
  }
});

Deno.test("/auth/start — a malformed or unknown token is a page, never a redirect", async () => {
  for (const query of ["", "?p=proj_aaaaaaaaaaaaaaaa&t=x", `?p=${project.id}&t=${"A".repeat(43)}`]) {
    const res = await get(`/auth/start${query}`);
    assert.equal(res.status, 404, query);
    assert.equal(res.headers.get("location"), null);
    await res.body?.cancel();
  }
});

Deno.test("waitlist approval — with an initiate_login_uri the mail's link goes through the app; the sign-up form comes first; once signed up the link is used", async () => {
  const shop = await seedProject(sql, {
    name: "Antre",
    redirectUri: "https://antre.example/cb",
    settings: { sign_up: { mode: "waitlist" }, initiate_login_uri: "https://antre.example/start" },
  });
  const [entry] = await sql`insert into astapa.waitlist_entries (project_id, email, environment, lang)
    values (${shop.id}, 'joko@antre.example', 'sandbox', 'en') returning id`;
  const approved = await platformApi(t, shop)("POST", `/waitlist/${entry.id}/approve`);
  assert.equal(approved.status, 200, approved.text);
  const link = await startLinkIn("joko@antre.example", 1);
  const opened = await get(link);
  assert.equal(opened.status, 303);
  const target = new URL(opened.headers.get("location")!);
  assert.equal(`${target.origin}${target.pathname}`, "https://antre.example/start");
  assert.equal(target.searchParams.get("iss"), t.origin);
  assert.equal(target.searchParams.get("login_hint"), "joko@antre.example");
  let jar = mergeCookies("", opened);
  const { query } = await appRequest(shop, "joko@antre.example");
  const login = await get(`/auth/login?${query}`, jar);
  assert.equal(login.status, 303);
  assert.match(login.headers.get("location")!, /^\/auth\/signup\?/);
  jar = mergeCookies(jar, login);
  const page = await get(login.headers.get("location")!, jar);
  assert.equal(page.status, 200);
  jar = mergeCookies(jar, page);
  const form = hostedForm({ html: await page.text(), cookie: jar });
  assert.match(form.html, /value="joko@antre\.example"/, "the sign-up form, filled in");
  const made = await t.app.request(form.action, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: jar, origin: t.origin },
    body: new URLSearchParams({
      request: form.request,
      csrf: form.csrf,
      email: "joko@antre.example",
      password: "kopi tubruk joko 9",
    }),
  });
  assert.ok([200, 303].includes(made.status), `${made.status}: ${(await made.clone().text()).slice(0, 300)}`);
  const [user] = await sql`select count(*)::int as n from astapa.users where project_id = ${shop.id}
    and email_lower = 'joko@antre.example'`;
  assert.equal(user.n, 1, "the account is made");
  assert.equal((await get(link)).status, 404, "the link is used once the account exists");
});

Deno.test("waitlist approval — without an initiate_login_uri the mail keeps the hosted sign-up page's link", async () => {
  const shop = await seedProject(sql, {
    name: "Lama",
    redirectUri: "https://lama.example/cb",
    settings: { sign_up: { mode: "waitlist" } },
  });
  const [entry] = await sql`insert into astapa.waitlist_entries (project_id, email, environment, lang)
    values (${shop.id}, 'kiki@lama.example', 'sandbox', 'en') returning id`;
  assert.equal((await platformApi(t, shop)("POST", `/waitlist/${entry.id}/approve`)).status, 200);
  const text = mailText((await sink.waitFor("kiki@lama.example")).data);
  assert.match(text, /\/auth\/signup\?client_id=/);
  assert.doesNotMatch(text, /\/auth\/start/);
  const [row] = await sql`select start_token_hash from astapa.waitlist_entries where id = ${entry.id}`;
  assert.equal(row.start_token_hash, null);
});

Deno.test("admin reset — login CSRF: someone's link opened in another's browser names the account it resets; a used link's cookie at the reset page reads expired and is cleared", async () => {
  const sub = await seedPasswordUser(sql, project.id, "mallory@toko.example", "password of mallory");
  assert.equal((await api("POST", `/users/${sub}/password-reset`)).status, 202);
  // The victim's browser holds the cookie Mallory's link left; the app asks with Mallory's address as the hint.
  const jar = mergeCookies("", await get(await startLinkIn("mallory@toko.example", 1)));
  const { query } = await appRequest(project, "mallory@toko.example");
  const reset = await get(`/auth/reset?${query}`, jar);
  assert.equal(reset.status, 200);
  assert.match(await reset.text(), /for the account <strong>mallory@toko\.example<\/strong>/);
  await sql`update astapa.email_tokens set used_at = now() where project_id = ${project.id} and user_id = ${sub}`;
  const used = await get(`/auth/reset?${query}`, jar);
  assert.equal(used.status, 400);
  assert.match(await used.text(), /unknown, already used or expired/);
  assert.ok(
    used.headers.getSetCookie().some((c) => c.startsWith(`astapa_pending_login_${project.id}=;`)),
    "cleared",
  );
});

Deno.test("/auth/start — an initiate_login_uri removed after the mail went: a readable page (409, en and id), no redirect, no cookie", async () => {
  const shop = await seedProject(sql, {
    name: "Hapus",
    settings: { initiate_login_uri: "https://hapus.example/go" },
  });
  const sub = await seedPasswordUser(sql, shop.id, "nina@hapus.example", "password of nina");
  assert.equal((await platformApi(t, shop)("POST", `/users/${sub}/password-reset`)).status, 202);
  const link = await startLinkIn("nina@hapus.example", 1);
  assert.equal(
    (await platformApi(t, shop)("PATCH", "/initiate-login-settings", { initiate_login_uri: null })).status,
    200,
  );
  for (
    const [lang, says] of [["en", /initiate_login_uri/], [
      "id",
      /Klien proyek ini belum punya initiate_login_uri/,
    ]] as const
  ) {
    const res = await t.app.request(link, { headers: { accept: "text/html", "accept-language": lang } });
    assert.equal(res.status, 409);
    assert.equal(res.headers.get("location"), null);
    assert.deepEqual(res.headers.getSetCookie(), []);
    assert.match(await res.text(), says);
  }
});
