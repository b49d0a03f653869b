/**
 * Issue 17 #8 and #12 (prompt=login), tried as an attacker would: a reset mail or a sign-in code's magic link
 * started by an attacker for a self-registered client of theirs must not deliver the victim's code to them, and
 * a fresh sign-in replaces the browser's previous session.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { seedRegistry } from "../helpers/machine_clients.ts";
import { pkcePair, seedProject } from "../helpers/oauth.ts";
import {
  authorizationResponse,
  hostedForm,
  mergeCookies,
  seedPasswordUser,
} from "../helpers/dynamic_clients.ts";
import { openMailedLink, sessionCookie, submitForm } from "../helpers/login.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

const NOTES = "https://notes.example/mcp";
const ATTACKER = "http://127.0.0.1:9911/steal";
const project = await seedProject(t.db.sql, { name: "Notes", settings: { dynamic_clients: true } });
await seedRegistry(t.db.sql, project.id, { resources: [NOTES], scopes: ["notes:read"] });
await seedPasswordUser(t.db.sql, project.id, "victim@example.com", "victim's old password");

const form = (path: string, fields: Record<string, string>, cookie: string) =>
  t.app.request(path, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie },
    body: new URLSearchParams(fields),
  });

/** The attacker: a self-registered public client with their redirect URI, and their PKCE challenge. */
async function attackerRequest() {
  const registered = await t.app.request("/api/platform/register", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      client_name: "Notes Helper",
      redirect_uris: [ATTACKER],
      token_endpoint_auth_method: "none",
    }),
  });
  assert.equal(registered.status, 201);
  const { client_id } = await registered.json();
  const { challenge } = await pkcePair();
  return new URLSearchParams({
    response_type: "code",
    client_id,
    redirect_uri: ATTACKER,
    resource: NOTES,
    scope: "notes:read",
    state: "attacker",
    code_challenge: challenge,
    code_challenge_method: "S256",
  });
}

/** The victim's newest mailed reset link, as a path. */
async function resetLink(): Promise<string> {
  const [mail] = await t.db.sql`select body_text from astapa.mail_outbox
    where to_address = 'victim@example.com' and kind = 'reset_password' order by id desc limit 1`;
  assert.ok(mail, "the victim got a reset mail");
  return await openMailedLink(t, mail.body_text);
}

const codesFor = async (clientId: string) =>
  (await t.db.sql`select count(*)::int as n from astapa.authorization_codes where client_id = ${clientId}`)[0]
    .n;

Deno.test("reset mail — an attacker's self-registered client gets no code when the victim resets", async () => {
  const params = await attackerRequest();
  const clientId = params.get("client_id")!;
  // The attacker asks for a reset of the victim's password, carrying their own authorization request.
  const forgotPage = await t.app.request(`/auth/forgot?${params}`);
  const forgot = hostedForm({ html: await forgotPage.text(), cookie: mergeCookies("", forgotPage) });
  const asked = await form(forgot.action, {
    request: forgot.request,
    csrf: forgot.csrf,
    email: "victim@example.com",
  }, forgot.cookie);
  assert.equal(asked.status, 200);
  await asked.body?.cancel();

  // The victim, in their own browser, follows the genuine mail and chooses a new password.
  const resetPage = await t.app.request(await resetLink());
  const reset = hostedForm({ html: await resetPage.text(), cookie: mergeCookies("", resetPage) });
  const token = /name="token" value="([^"]+)"/.exec(reset.html)![1];
  const done = await form(reset.action, {
    request: reset.request,
    csrf: reset.csrf,
    token,
    password: "victim's new password",
  }, reset.cookie);
  assert.equal(done.status, 200, "no redirect to the attacker");
  assert.equal(done.headers.get("location"), null);
  assert.equal(await codesFor(clientId), 0, "no code was issued");
  const consent = hostedForm({ html: await done.text(), cookie: mergeCookies(reset.cookie, done) });
  assert.equal(consent.action, "/auth/consent?lang=en", "the victim is asked first");
  assert.match(consent.html, /Notes Helper/);
  assert.ok(sessionCookie(done, project.id), "the victim is signed in");

  // The victim does not recognise the app: Deny sends the attacker an error, never a code.
  const denied = await form(consent.action, {
    request: consent.request,
    csrf: consent.csrf,
    decision: "deny",
  }, consent.cookie);
  const back = authorizationResponse(denied, ATTACKER);
  assert.equal(back.error, "access_denied");
  assert.equal(back.code, null);
  assert.equal(await codesFor(clientId), 0);
});

Deno.test("sign-in code mail — an attacker's request in a magic link reaches the victim's consent, never a code", async () => {
  // Same registry as above, with email codes on: the attacker starts a code sign-in for the victim's address.
  const coded = await seedProject(t.db.sql, {
    name: "Notes by mail",
    settings: { dynamic_clients: true, email_codes: true },
  });
  const notesByMail = "https://mail-notes.example/mcp"; // a resource names one project
  await seedRegistry(t.db.sql, coded.id, { resources: [notesByMail], scopes: ["notes:read"] });
  await seedPasswordUser(t.db.sql, coded.id, "victim@example.com", "victim's password");
  const registered = await t.app.request("/api/platform/register", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      client_name: "Notes Mailer",
      redirect_uris: [ATTACKER],
      token_endpoint_auth_method: "none",
    }),
  });
  assert.equal(registered.status, 201, await registered.clone().text());
  const { client_id } = await registered.json();
  const { challenge } = await pkcePair();
  const params = new URLSearchParams({
    response_type: "code",
    client_id,
    redirect_uri: ATTACKER,
    resource: notesByMail,
    scope: "notes:read",
    state: "attacker",
    code_challenge: challenge,
    code_challenge_method: "S256",
  });
  const codePage = await t.app.request(`/auth/email-code?${params}`);
  assert.equal(codePage.status, 200);
  const asking = hostedForm({ html: await codePage.text(), cookie: mergeCookies("", codePage) });
  const sent = await form(asking.action, {
    request: asking.request,
    csrf: asking.csrf,
    action: "send",
    email: "victim@example.com",
  }, asking.cookie);
  assert.equal(sent.status, 200);
  await sent.body?.cancel();

  // The victim opens the genuine mail's link in their own browser and presses its button.
  const [mail] = await t.db.sql`select body_text from astapa.mail_outbox
    where project_id = ${coded.id} and to_address = 'victim@example.com' order by id desc limit 1`;
  const link = /(\/auth\/email-code\/link\?p=proj_[a-z2-7]{16}&t=[\w-]{43})/.exec(mail.body_text)![1];
  const linkPage = await t.app.request(link);
  assert.equal(linkPage.status, 200);
  const confirm = hostedForm({ html: await linkPage.text(), cookie: mergeCookies("", linkPage) });
  const token = /name="token" value="([\w-]{43})"/.exec(confirm.html)![1];
  const signedIn = await form(confirm.action, {
    request: confirm.request,
    csrf: confirm.csrf,
    action: "link",
    token,
  }, confirm.cookie);
  assert.equal(signedIn.headers.get("location"), null, "no redirect to the attacker");
  assert.equal(await codesFor(client_id), 0, "no code was issued");
  const consent = hostedForm({ html: await signedIn.text(), cookie: mergeCookies(confirm.cookie, signedIn) });
  assert.equal(consent.action, "/auth/consent?lang=en", "the victim is asked first");
  assert.match(consent.html, /Notes Mailer/);
});

Deno.test("reset mail — the project's own client still goes straight back to the app after a reset", async () => {
  const own = await seedProject(t.db.sql, { name: "Own", redirectUri: "https://own.example/cb" });
  await seedPasswordUser(t.db.sql, own.id, "owner@example.com", "owner's old password");
  const asked = await submitForm(t, own, "/auth/forgot", { email: "owner@example.com" });
  assert.equal(asked.status, 200);
  await asked.body?.cancel();
  const [mail] = await t.db
    .sql`select body_text from astapa.mail_outbox where to_address = 'owner@example.com'`;
  const link = await openMailedLink(t, mail.body_text);
  const page = await t.app.request(link);
  const reset = hostedForm({ html: await page.text(), cookie: mergeCookies("", page) });
  const token = /name="token" value="([^"]+)"/.exec(reset.html)![1];
  const done = await form(reset.action, {
    request: reset.request,
    csrf: reset.csrf,
    token,
    password: "owner's new password",
  }, reset.cookie);
  assert.equal(done.status, 303);
  assert.ok(new URL(done.headers.get("location")!).searchParams.get("code"));
});

Deno.test("prompt=login — a fresh sign-in replaces the session: the old cookie no longer signs anyone in", async () => {
  const own = await seedProject(t.db.sql, { name: "Fresh", redirectUri: "https://fresh.example/cb" });
  await seedPasswordUser(t.db.sql, own.id, "fresh@example.com", "fresh password");
  const credentials = { email: "fresh@example.com", password: "fresh password" };
  const first = await submitForm(t, own, "/auth/login", credentials);
  const oldCookie = sessionCookie(first, own.id)!;
  assert.ok(oldCookie);
  const authorize = (cookie: string, extra = "") =>
    t.app.request(
      `/auth/login?${new URLSearchParams({
        client_id: own.clientId,
        redirect_uri: own.redirectUri,
      })}${extra}`,
      { headers: { cookie } },
    );
  assert.equal((await authorize(oldCookie)).status, 303, "the session signs in silently before");

  // prompt=login: the same browser (its session cookie sent along) signs in again.
  const page = await authorize(oldCookie, "&prompt=login");
  const again = hostedForm({ html: await page.text(), cookie: mergeCookies(oldCookie, page) });
  const second = await form(
    again.action,
    { request: again.request, csrf: again.csrf, ...credentials },
    again.cookie,
  );
  assert.equal(second.status, 303);
  const newCookie = sessionCookie(second, own.id)!;
  assert.notEqual(newCookie, oldCookie);

  const stale = await authorize(oldCookie);
  assert.equal(stale.status, 200, "the old session cookie shows the sign-in form");
  assert.match(await stale.text(), /<h1 id="auth-heading">Sign in<\/h1>/);
  assert.equal((await authorize(newCookie)).status, 303, "the new session works");
});
