/**
 * Second factors through the hosted login (issue 19): enrolment, codes, replay, recovery codes, lockout,
 * per-project policy, step-up with acr_values and max_age, and amr/acr/auth_time in the tokens. Codes are
 * computed with otpauth, as an authenticator app would.
 */
import assert from "node:assert/strict";
import * as OTPAuth from "otpauth";
import { createLocalJWKSet, jwtVerify } from "jose";
import { asApp } from "@/db/client.ts";
import { testApp } from "../helpers/app.ts";
import { FormBrowser } from "../helpers/form_browser.ts";
import { pkcePair, seedProject } from "../helpers/oauth.ts";
import { postForm } from "../helpers/token_client.ts";
import type { SeededProject } from "../helpers/identity.ts";
import { ACR_MFA } from "@/lib/login/factors/policy.ts";
import { randomSecret, sha256 } from "@/lib/secrets.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const required = await seedProject(t.db.sql, {
  name: "Toko Aman",
  settings: { mfa: { policy: "required" } },
});
const optional = await seedProject(t.db.sql, { name: "Toko Biasa" });
const off = await seedProject(t.db.sql, { name: "Toko Lama", settings: { mfa: { policy: "off" } } });

/** A browser: keeps cookies between requests, posts forms whole and follows nothing by itself. */
class Browser extends FormBrowser {
  constructor(app = t) {
    super(app);
  }
}

const authorizeQuery = (project: SeededProject, extra: Record<string, string> = {}) =>
  new URLSearchParams({ client_id: project.clientId, redirect_uri: project.redirectUri, ...extra })
    .toString();

/** The code an authenticator app holding `key` shows, `steps` time steps from now. */
function appCode(key: string, steps = 0): string {
  const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(key.replace(/\s+/g, "")) });
  return totp.generate({ timestamp: Date.now() + steps * 30_000 });
}

async function signUp(
  browser: Browser,
  project: SeededProject,
  email: string,
  extra: Record<string, string> = {},
) {
  return await browser.submit(`/auth/signup?${authorizeQuery(project, extra)}`, {
    email,
    password: "correct horse",
  });
}

async function signIn(
  browser: Browser,
  project: SeededProject,
  email: string,
  extra: Record<string, string> = {},
) {
  return await browser.submit(`/auth/login?${authorizeQuery(project, extra)}`, {
    email,
    password: "correct horse",
  });
}

/** Enrols through the page; returns the key (as the app took it) and the recovery codes shown once. */
async function enrol(browser: Browser, project: SeededProject) {
  const page = await browser.get(`/auth/mfa?${authorizeQuery(project)}`);
  assert.equal(page.status, 200);
  const html = await page.text();
  const key = /<code class="totp-key">([A-Z2-7 ]+)<\/code>/.exec(html)![1];
  const enrolledWith = appCode(key);
  const done = await browser.post(html, { code: enrolledWith });
  assert.equal(done.status, 200, await done.clone().text());
  const codes = [...(await done.text()).matchAll(/<li><code>([a-z2-9-]{14})<\/code><\/li>/g)].map((m) =>
    m[1]
  );
  return { key, codes, enrolledWith };
}

const sessionOf = (browser: Browser, project: SeededProject) =>
  browser.cookies.get(`astapa_session_${project.id}`);
const challengeOf = (browser: Browser, project: SeededProject) =>
  browser.cookies.get(`astapa_mfa_${project.id}`);

async function redeem(project: SeededProject, location: string, verifier?: string) {
  const code = new URL(location).searchParams.get("code");
  assert.ok(code, `no code in ${location}`);
  const { res, body } = await postForm(t, "/api/platform/token", {
    grant_type: "authorization_code",
    code,
    redirect_uri: project.redirectUri,
    client_id: project.clientId,
    client_secret: project.secret,
    ...(verifier ? { code_verifier: verifier } : {}),
  });
  assert.equal(res.status, 200, JSON.stringify(body));
  return body as { access_token: string; id_token?: string; refresh_token?: string };
}

async function verified(jwt: string) {
  const set = await (await t.app.request("/.well-known/jwks.json")).json();
  const { payload } = await jwtVerify(jwt, createLocalJWKSet(set), {
    issuer: t.origin,
    algorithms: ["RS256"],
  });
  return payload;
}

Deno.test("mfa — policy required: sign-up enrols (QR, key, one-time-code input) before any session or code", async () => {
  const browser = new Browser();
  const signedUp = await signUp(browser, required, "enrol@example.com", { state: "s1" });
  assert.equal(signedUp.status, 303);
  assert.match(signedUp.headers.get("location")!, /^\/auth\/mfa\?/);
  assert.equal(sessionOf(browser, required), undefined, "no session before the second factor");
  assert.ok(challengeOf(browser, required));
  const page = await browser.get(`/auth/mfa?${authorizeQuery(required, { state: "s1" })}`);
  const html = await page.text();
  assert.match(html, /<img src="data:image\/svg\+xml;base64,[^"]+" alt="QR code/);
  assert.match(html, /autocomplete="one-time-code"/);
  assert.match(html, /inputmode="numeric"/);
  assert.match(html, /name="csrf"/);
  assert.doesNotMatch(html, /<script(?![^>]*type="module")/, "the enrolment needs no script");
  const key = /<code class="totp-key">([A-Z2-7 ]+)<\/code>/.exec(html)![1];
  const wrong = await browser.post(html, { code: appCode(key) === "000000" ? "111111" : "000000" });
  assert.equal(wrong.status, 422);
  const again = await wrong.text();
  assert.match(again, /That code did not work/);
  assert.equal(
    /<code class="totp-key">([A-Z2-7 ]+)<\/code>/.exec(again)![1],
    key,
    "the same key is shown again",
  );
  const done = await browser.post(again, { code: appCode(key) });
  assert.equal(done.status, 200);
  const codesPage = await done.text();
  const codes = [...codesPage.matchAll(/<li><code>([a-z2-9-]{14})<\/code><\/li>/g)].map((m) => m[1]);
  assert.equal(codes.length, 10);
  assert.equal(new Set(codes).size, 10);
  assert.match(codesPage, /download="recovery-codes.txt"/);
  assert.ok(sessionOf(browser, required), "signed in once the factor is confirmed");
  assert.equal(challengeOf(browser, required), undefined);
  const onward = /<a class="button" href="([^"]+)"/.exec(codesPage)![1].replace(/&amp;/g, "&");
  const back = await browser.get(onward);
  assert.equal(back.status, 303);
  assert.equal(new URL(back.headers.get("location")!).searchParams.get("state"), "s1");
  const tokens = await redeem(required, back.headers.get("location")!);
  const claims = await verified(tokens.access_token);
  assert.deepEqual(claims.amr, ["mfa", "otp", "pwd"]);
  assert.equal(claims.acr, ACR_MFA);
  assert.equal(typeof claims.auth_time, "number");
  // Nothing secret reached the log.
  const logged = JSON.stringify(t.logs);
  assert.equal(logged.includes(key.replace(/\s+/g, "")), false);
  for (const code of codes) assert.equal(logged.includes(code), false);
});

Deno.test("mfa — sign-in asks for the code; a replayed code is refused, the next step's is accepted; amr in the ID token", async () => {
  const first = new Browser();
  await signUp(first, required, "codes@example.com");
  const { key, enrolledWith } = await enrol(first, required);
  const browser = new Browser();
  const { verifier, challenge } = await pkcePair();
  const pkce = {
    code_challenge: challenge,
    code_challenge_method: "S256",
    scope: "openid email",
    nonce: "n1",
  };
  const asked = await signIn(browser, required, "codes@example.com", pkce);
  assert.equal(asked.status, 303);
  assert.match(asked.headers.get("location")!, /^\/auth\/mfa\?/);
  assert.equal(sessionOf(browser, required), undefined);
  const form = await browser.get(`/auth/mfa?${authorizeQuery(required, pkce)}`);
  const html = await form.text();
  assert.match(html, /Enter the 6-digit code/);
  // The enrolment's code again is a replay (recomputing it here could cross into the next 30 s step).
  const replay = await browser.post(html, { code: enrolledWith });
  assert.equal(replay.status, 422);
  assert.equal(sessionOf(browser, required), undefined);
  const malformed = await browser.post(html, { code: "12ab56" });
  assert.equal(malformed.status, 422);
  // One code for both uses below: computed again, it could cross into the next 30 s step and be a new code.
  const nextStep = appCode(key, 1);
  const next = await browser.post(html, { code: nextStep });
  assert.equal(next.status, 303, await next.clone().text());
  assert.ok(sessionOf(browser, required));
  const tokens = await redeem(required, next.headers.get("location")!, verifier);
  const id = await verified(tokens.id_token!);
  assert.deepEqual(id.amr, ["mfa", "otp", "pwd"]);
  assert.equal(id.acr, ACR_MFA);
  assert.equal(id.nonce, "n1");
  // The same code on another instance's race: the challenge is spent, and the step too.
  const other = new Browser();
  await signIn(other, required, "codes@example.com");
  const reused = await other.submit(`/auth/mfa?${authorizeQuery(required)}`, { code: nextStep });
  assert.equal(reused.status, 422);
});

Deno.test("mfa — a recovery code signs in once, is audited and mailed; the wrong one counts toward the lockout", async () => {
  const first = new Browser();
  await signUp(first, required, "lost-phone@example.com");
  const { codes } = await enrol(first, required);
  const browser = new Browser();
  await signIn(browser, required, "lost-phone@example.com");
  const page = await browser.get(`/auth/mfa?${authorizeQuery(required)}&method=recovery`);
  const html = await page.text();
  assert.match(html, /Recovery code/);
  const used = await browser.post(html, {
    method: "recovery",
    code: codes[3].toUpperCase().replace(/-/g, " "),
  });
  assert.equal(used.status, 303);
  assert.ok(new URL(used.headers.get("location")!).searchParams.get("code"));
  const again = new Browser();
  await signIn(again, required, "lost-phone@example.com");
  const reused = await again.submit(`/auth/mfa?${authorizeQuery(required)}&method=recovery`, {
    method: "recovery",
    code: codes[3],
  });
  assert.equal(reused.status, 422);
  const [audit] = await asApp(
    t.db.sql,
    required.id,
    (tx) => tx`select count(*)::int as n from astapa.audit_log where action = 'user.recovery_code_used'`,
  );
  assert.equal(audit.n, 1);
  const [mail] = await asApp(
    t.db.sql,
    required.id,
    (tx) => tx`select subject, body_text from astapa.mail_outbox where kind = 'recovery_code_used'`,
  );
  assert.match(mail.subject, /recovery code was used/);
  assert.match(mail.body_text, /9 remain/);
  assert.equal(mail.body_text.includes(codes[3]), false);
});

Deno.test("mfa — wrong codes lock the user's second step (shared in Postgres), even with the right code after", async () => {
  const first = new Browser();
  await signUp(first, optional, "guessed@example.com", { acr_values: ACR_MFA });
  const { key } = await enrol(first, optional);
  const browser = new Browser();
  await signIn(browser, optional, "guessed@example.com");
  const html = await (await browser.get(`/auth/mfa?${authorizeQuery(optional)}`)).text();
  const right = appCode(key, 1);
  const wrongCode = right === "123456" ? "654321" : "123456";
  // The optional project is a sandbox (the seed's mode): 30 a window.
  let status = 0;
  for (let i = 0; i < 40 && status !== 429; i++) {
    status = (await browser.post(html, { code: wrongCode })).status;
  }
  assert.equal(status, 429);
  const locked = await browser.post(html, { code: right });
  assert.equal(locked.status, 429);
  assert.match(await locked.text(), /Too many attempts/);
  const [row] = await asApp(
    t.db.sql,
    optional.id,
    (tx) => tx`select count(*)::int as n from astapa.audit_log where action = 'sign_in.mfa_locked_out'`,
  );
  assert.ok(row.n >= 1);
});

Deno.test("mfa — optional policy: no factor, no question; acr_values steps a live session up; off never asks", async () => {
  const browser = new Browser();
  const signedUp = await signUp(browser, optional, "plain@example.com");
  assert.equal(signedUp.status, 303);
  assert.match(signedUp.headers.get("location")!, /^https:\/\/app\.example\/callback\?code=/);
  const single = await redeem(optional, signedUp.headers.get("location")!);
  const claims = await verified(single.access_token);
  assert.deepEqual(claims.amr, ["pwd"]);
  assert.equal(claims.acr, "0");
  // The app asks for MFA: the signed-in person sets up a factor before the app gets a code.
  const stepUp = await browser.get(`/auth/login?${authorizeQuery(optional, { acr_values: ACR_MFA })}`);
  assert.equal(stepUp.status, 303);
  assert.match(stepUp.headers.get("location")!, /^\/auth\/mfa\?/);
  const none = await browser.get(
    `/auth/login?${authorizeQuery(optional, { acr_values: ACR_MFA, prompt: "none" })}`,
  );
  assert.equal(new URL(none.headers.get("location")!).searchParams.get("error"), "interaction_required");
  // An abandoned enrolment stores nothing: the next plain sign-in asks for nothing.
  const again = new Browser();
  const plain = await signIn(again, optional, "plain@example.com");
  assert.match(plain.headers.get("location")!, /^https:\/\/app\.example\/callback\?code=/);
  // Policy off: even a request for MFA signs in with one factor (the token's acr says so).
  const legacy = new Browser();
  const offUp = await signUp(legacy, off, "legacy@example.com", { acr_values: ACR_MFA });
  assert.match(offUp.headers.get("location")!, /^https:\/\/app\.example\/callback\?code=/);
});

Deno.test("mfa — max_age: an older session signs in again; a fresh one is reused with its amr and auth_time", async () => {
  const browser = new Browser();
  await signUp(browser, optional, "aged@example.com");
  const fresh = await browser.get(`/auth/login?${authorizeQuery(optional, { max_age: "600" })}`);
  assert.equal(fresh.status, 303);
  await t.db.sql`update astapa.login_sessions set created_at = created_at - interval '2 hours'
    where user_id = (select id from astapa.users where email = 'aged@example.com')`;
  const aged = await browser.get(`/auth/login?${authorizeQuery(optional, { max_age: "600" })}`);
  assert.equal(aged.status, 200, "the sign-in form, not a code");
  const reused = await browser.get(`/auth/login?${authorizeQuery(optional)}`);
  const tokens = await redeem(optional, reused.headers.get("location")!);
  const claims = await verified(tokens.access_token);
  assert.ok(Date.now() / 1000 - (claims.auth_time as number) > 7000, "auth_time is the session's sign-in");
  const bad = await browser.get(`/auth/login?${authorizeQuery(optional, { max_age: "-1" })}`);
  assert.equal(new URL(bad.headers.get("location")!).searchParams.get("error"), "invalid_request");
});

Deno.test("mfa — the form needs its CSRF token and a live challenge; discovery lists acr_values_supported", async () => {
  const browser = new Browser();
  await signUp(browser, required, "csrf@example.com");
  const html = await (await browser.get(`/auth/mfa?${authorizeQuery(required)}`)).text();
  const forged = await browser.post(html.replace(/name="csrf" value="[^"]+"/, 'name="csrf" value="x"'), {
    code: "123456",
  });
  assert.equal(forged.status, 403);
  const stranger = new Browser();
  const noChallenge = await stranger.get(`/auth/mfa?${authorizeQuery(required)}`);
  assert.equal(noChallenge.status, 400);
  assert.match(await noChallenge.text(), /Sign in again/);
  const id = await t.app.request(`/auth/mfa?${authorizeQuery(required)}&lang=id`, {
    headers: { cookie: browser.header() },
  });
  assert.match(await id.text(), /Siapkan verifikasi dua langkah/);
  const metadata = await (await t.app.request("/.well-known/openid-configuration")).json();
  assert.ok(metadata.acr_values_supported.includes(ACR_MFA));
  assert.ok(metadata.claims_supported.includes("amr"));
});

Deno.test("mfa — a password reset does not skip the second factor", async () => {
  const first = new Browser();
  await signUp(first, required, "forgetful@example.com");
  await enrol(first, required);
  const token = randomSecret();
  await asApp(
    t.db.sql,
    required.id,
    async (tx) =>
      tx`select api.issue_email_token((select id from astapa.users where email = 'forgetful@example.com'),
      'reset_password', ${await sha256(token)})`,
  );
  const browser = new Browser();
  const reset = await browser.submit(`/auth/reset?${authorizeQuery(required)}&token=${token}`, {
    password: "a brand new password",
  });
  assert.equal(reset.status, 303);
  assert.match(reset.headers.get("location")!, /^\/auth\/mfa\?/);
  assert.equal(sessionOf(browser, required), undefined, "the new password alone signs nobody in");
});

Deno.test("mfa — remember this browser: the next sign-in skips the code, acr_values still asks, a reset forgets it", async () => {
  const remembering = await seedProject(t.db.sql, {
    name: "Toko Ingat",
    settings: { mfa: { policy: "required", remember_days: 30 } },
  });
  const browser = new Browser();
  await signUp(browser, remembering, "remember@example.com");
  const { key } = await enrol(browser, remembering);
  browser.cookies.delete(`astapa_session_${remembering.id}`); // signed out
  await signIn(browser, remembering, "remember@example.com");
  const html = await (await browser.get(`/auth/mfa?${authorizeQuery(remembering)}`)).text();
  assert.match(html, /Remember this browser for 30 days/);
  const met = await browser.post(html, { code: appCode(key, 1), remember: "on" });
  assert.equal(met.status, 303);
  const cookie = met.headers.getSetCookie().find((c) =>
    c.startsWith(`astapa_mfa_remember_${remembering.id}=`)
  );
  assert.match(cookie ?? "", /Max-Age=2592000/);
  assert.match(cookie ?? "", /HttpOnly/);
  browser.cookies.delete(`astapa_session_${remembering.id}`);
  const skipped = await signIn(browser, remembering, "remember@example.com");
  assert.match(skipped.headers.get("location")!, /^https:\/\/app\.example\/callback\?code=/);
  const tokens = await redeem(remembering, skipped.headers.get("location")!);
  assert.deepEqual((await verified(tokens.access_token)).amr, ["pwd"], "no factor was presented this time");
  browser.cookies.delete(`astapa_session_${remembering.id}`);
  const asked = await signIn(browser, remembering, "remember@example.com", { acr_values: ACR_MFA });
  assert.match(asked.headers.get("location")!, /^\/auth\/mfa\?/);
  // Another browser is asked, and an admin's reset forgets this one.
  const stranger = new Browser();
  assert.match(
    (await signIn(stranger, remembering, "remember@example.com")).headers.get("location")!,
    /\/auth\/mfa/,
  );
  const userId = await asApp(
    t.db.sql,
    remembering.id,
    async (tx) => (await tx`select id::text from astapa.users where email = 'remember@example.com'`)[0].id,
  );
  await asApp(
    t.db.sql,
    remembering.id,
    (tx) => tx`select api.reset_user_factors(${remembering.id}, ${userId})`,
  );
  browser.cookies.delete(`astapa_session_${remembering.id}`);
  browser.cookies.delete(`astapa_mfa_${remembering.id}`);
  const afterReset = await signIn(browser, remembering, "remember@example.com");
  assert.match(afterReset.headers.get("location")!, /^\/auth\/mfa\?/, "required policy: set up again");
});

const manageQuery = (project: SeededProject) => `/auth/mfa/manage?${authorizeQuery(project)}`;
const auditCount = async (project: SeededProject, action: string, method?: string) =>
  (await asApp(
    t.db.sql,
    project.id,
    (tx) =>
      tx`select count(*)::int as n from astapa.audit_log where action = ${action}
        and (${method ?? null}::text is null or details ->> 'method' = ${method ?? null})`,
  ))[0].n as number;
const newCodesOf = async (res: Response) =>
  [...(await res.text()).matchAll(/<li><code>([a-z2-9-]{14})<\/code><\/li>/g)].map((m) => m[1]);

Deno.test("mfa manage — new recovery codes need a fresh code; old ones stop working, new ones work once", async () => {
  const browser = new Browser();
  await signUp(browser, required, "regenerate@example.com");
  const { key, codes } = await enrol(browser, required);
  const page = await browser.get(manageQuery(required));
  assert.equal(page.status, 200);
  const html = await page.text();
  assert.match(html, /Manage two-step verification/);
  assert.match(html, /autocomplete="one-time-code"/);
  // The session alone is not enough: a wrong code is refused, and counted like one at sign-in.
  const right = appCode(key, 1);
  const wrong = await browser.post(html, {
    action: "regenerate",
    code: right === "123456" ? "654321" : "123456",
  });
  assert.equal(wrong.status, 422);
  assert.match(await wrong.text(), /That code did not work/);
  assert.equal(await auditCount(required, "sign_in.mfa_failed", "manage"), 1);
  const made = await browser.post(html, { action: "regenerate", code: right });
  assert.equal(made.status, 200);
  const fresh = await newCodesOf(made);
  assert.equal(fresh.length, 10);
  assert.equal(fresh.some((code) => codes.includes(code)), false);
  // The same app code twice is a replay.
  assert.equal((await browser.post(html, { action: "regenerate", code: right })).status, 422);
  assert.equal(await auditCount(required, "user.recovery_codes_regenerated"), 1);
  const [mail] = await asApp(
    t.db.sql,
    required.id,
    (tx) => tx`select subject, body_text from astapa.mail_outbox where kind = 'recovery_codes_regenerated'`,
  );
  assert.match(mail.subject, /New recovery codes/);
  assert.equal(fresh.some((code) => mail.body_text.includes(code)), false);
  const recover = async (code: string) => {
    const other = new Browser();
    await signIn(other, required, "regenerate@example.com");
    return await other.submit(`/auth/mfa?${authorizeQuery(required)}&method=recovery`, {
      method: "recovery",
      code,
    });
  };
  assert.equal((await recover(codes[0])).status, 422, "an old code no longer works");
  assert.equal((await recover(fresh[0])).status, 303, "a new one does");
  assert.equal((await recover(fresh[0])).status, 422, "once");
});

Deno.test("mfa manage — removing the app (proof: a recovery code): audited, mailed, webhook; next sign-in asks nothing", async () => {
  const browser = new Browser();
  await signUp(browser, optional, "remove-own@example.com", { acr_values: ACR_MFA });
  const { codes } = await enrol(browser, optional);
  const removed = await browser.submit(`${manageQuery(optional)}&lang=id`, {
    action: "remove",
    code: codes[2],
  });
  assert.equal(removed.status, 200);
  assert.match(await removed.text(), /Aplikasi autentikator dan kode pemulihan Anda sudah dihapus/);
  const [row] = await asApp(
    t.db.sql,
    optional.id,
    (tx) =>
      tx`select (select count(*)::int from astapa.audit_log where action = 'user.mfa_removed') as audits,
              (select count(*)::int from astapa.events where type = 'user.mfa_removed'
                and data -> 'user' ->> 'email' = 'remove-own@example.com') as events,
              (select count(*)::int from astapa.mail_outbox where kind = 'own_mfa_removed'
                and subject like 'Verifikasi dua langkah dihapus%') as mails`,
  );
  assert.deepEqual(row, { audits: 1, events: 1, mails: 1 });
  const next = new Browser();
  const signedIn = await signIn(next, optional, "remove-own@example.com");
  assert.match(signedIn.headers.get("location")!, /^https:\/\/app\.example\/callback\?code=/);
  const none = await browser.get(manageQuery(optional));
  assert.equal(none.status, 409);
  assert.match(await none.text(), /No authenticator app is set up/);
});

Deno.test("mfa manage — under policy required, removing the app means setting one up at the next sign-in", async () => {
  const browser = new Browser();
  await signUp(browser, required, "remove-required@example.com");
  const { key } = await enrol(browser, required);
  const removed = await browser.submit(manageQuery(required), { action: "remove", code: appCode(key, 1) });
  assert.equal(removed.status, 200);
  const next = new Browser();
  const signedIn = await signIn(next, required, "remove-required@example.com");
  assert.match(signedIn.headers.get("location")!, /^\/auth\/mfa\?/);
  assert.equal(sessionOf(next, required), undefined, "no session before the factor");
  const page = await next.get(`/auth/mfa?${authorizeQuery(required)}`);
  assert.match(await page.text(), /Set up two-step verification/);
});

Deno.test("mfa manage — CSRF and a live session are required; wrong proofs reach the shared lockout", async () => {
  const browser = new Browser();
  await signUp(browser, optional, "manage-guard@example.com", { acr_values: ACR_MFA });
  const { key } = await enrol(browser, optional);
  const html = await (await browser.get(manageQuery(optional))).text();
  const forged = await browser.post(html.replace(/name="csrf" value="[^"]+"/, 'name="csrf" value="x"'), {
    action: "remove",
    code: appCode(key, 1),
  });
  assert.equal(forged.status, 403);
  const missing = await browser.post(html.replace(/<input type="hidden" name="csrf"[^>]*>/, ""), {
    action: "remove",
    code: appCode(key, 1),
  });
  assert.equal(missing.status, 400);
  const stranger = new Browser();
  const out = await stranger.get(manageQuery(optional));
  assert.equal(out.status, 401);
  assert.match(await out.text(), /Sign in first/);
  // Nothing changed: the app is still there.
  const still = await browser.get(manageQuery(optional));
  assert.equal(still.status, 200);
  const right = appCode(key, 1);
  const wrongCode = right === "123456" ? "654321" : "123456";
  let status = 0;
  for (let i = 0; i < 40 && status !== 429; i++) {
    status = (await browser.post(html, { action: "remove", code: wrongCode })).status;
  }
  assert.equal(status, 429, "the optional project is a sandbox: 30 a window");
  assert.equal((await browser.post(html, { action: "remove", code: right })).status, 429);
  // The same lockout covers the sign-in step of this person.
  const next = new Browser();
  await signIn(next, optional, "manage-guard@example.com");
  const step = await next.submit(`/auth/mfa?${authorizeQuery(optional)}`, { code: appCode(key, 0) });
  assert.equal(step.status, 429);
});

Deno.test("mfa — the console project with policy required: a developer sets up an app before the dashboard", async () => {
  // The dashboard signs in only from https (or localhost): a deployment of its own.
  const secure = await testApp({ env: { ASTAPA_BASE_URL: "https://astapa.test" } });
  try {
    const consoleId = secure.deps.consoleClient.projectId;
    await asApp(
      secure.db.sql,
      consoleId,
      (tx) => tx`select api.update_project_settings(${consoleId}, '{"mfa": {"policy": "required"}}'::jsonb)`,
    );
    const browser = new Browser(secure);
    const login = await browser.get("/dashboard/login");
    assert.equal(login.status, 303);
    const hosted = new URL(login.headers.get("location")!);
    const signUpPath = `/auth/signup${hosted.search}`;
    const signedUp = await browser.submit(signUpPath, {
      email: "dev-mfa@example.com",
      password: "correct horse",
    });
    assert.equal(signedUp.status, 303, await signedUp.clone().text());
    assert.match(signedUp.headers.get("location")!, /^\/auth\/mfa\?/, "the factor comes before any code");
    assert.equal(browser.cookies.get(`__Host-astapa_session_${consoleId}`), undefined);
    const page = await browser.get(signedUp.headers.get("location")!);
    const html = await page.text();
    assert.match(html, /Set up two-step verification/);
    const key = /<code class="totp-key">([A-Z2-7 ]+)<\/code>/.exec(html)![1];
    const done = await browser.post(html, { code: appCode(key) });
    assert.equal(done.status, 200);
    const onward = /<a class="button" href="([^"]+)"/.exec(await done.text())![1].replace(/&amp;/g, "&");
    const code = await browser.get(onward);
    const callback = new URL(code.headers.get("location")!);
    assert.equal(callback.pathname, "/dashboard/callback");
    const dashboard = await browser.get(callback.pathname + callback.search);
    assert.equal(dashboard.status, 303);
    assert.equal(dashboard.headers.get("location"), "/dashboard");
    const opened = await browser.get("/dashboard");
    assert.equal(opened.status, 200);
    assert.match(await opened.text(), /dev-mfa@example\.com/);
  } finally {
    await secure.close();
  }
});
