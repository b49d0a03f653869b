/**
 * The signed-in person's own credential pages against the end of their session (docs/security.md, the
 * lock-order paragraphs of "Pre-account hijacking"): /auth/passkeys finds the session live (api.own_passkeys),
 * checks the new passkey's attestation and stores it; /auth/mfa/manage finds it live (api.own_factor), checks
 * the app's code and writes new recovery codes; /auth/mfa, at a step-up of someone with no factor yet, reads the
 * challenge (api.mfa_challenge) and sets the app up. A claim, a reset or a sign-out everywhere is made to land
 * between the two by a seam: the app's pool, wrapped so that right after the page's live check returned, the
 * test's own transaction ends every way in and holds the user's row until the page's write waits for it
 * (pg_stat_activity, no sleeps), then commits. The page then asks for a sign-in (not a 500), and nothing it
 * would have added is there.
 */
import assert from "node:assert/strict";
import * as OTPAuth from "otpauth";
import { asApp } from "@/db/client.ts";
import { endHolding, onceAfter, pausingPool } from "../helpers/pausing_pool.ts";
import { ACR_MFA } from "@/lib/login/factors/policy.ts";
import { testApp } from "../helpers/app.ts";
import { seedProject } from "../helpers/identity.ts";
import { type Ender, enders } from "../helpers/enders.ts";
import { FormBrowser, HostedBrowser } from "../helpers/form_browser.ts";
import { noneRegistration } from "../helpers/passkey_registration.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const project = await seedProject(t.db.sql, { name: "Toko Kunci", settings: { passkeys: true } });
const requestOf = new URLSearchParams({ client_id: project.clientId, redirect_uri: project.redirectUri })
  .toString();

const { signOutEverywhere, reset, claim } = enders(project.id);

/** Runs `request` through the app while `end` lands between the page's live check (`marker`) and its write. */
async function racing(
  marker: string,
  user: string,
  end: Ender,
  request: () => Promise<Response>,
): Promise<Response> {
  const pool = t.deps.sql;
  const ended: Promise<unknown>[] = [];
  t.deps.sql = pausingPool(
    pool,
    onceAfter(marker, () => endHolding(t.db.sql, project.id, (tx) => end(tx, user), ended)),
  );
  try {
    const res = await request();
    assert.equal(ended.length, 1, "the ender ran between the live check and the write");
    await Promise.all(ended);
    return res;
  } finally {
    t.deps.sql = pool;
  }
}

async function userOf(email: string): Promise<string> {
  const [row] = await t.db.sql`select id::text from astapa.users where project_id = ${project.id}
    and email_lower = ${email}`;
  return row.id;
}

/** A person who just signed up with a password (a recent sign-in), on their /auth/passkeys page. */
async function onPasskeysPage(email: string): Promise<{ b: HostedBrowser; user: string }> {
  const b = new HostedBrowser(t, requestOf);
  await b.read(`/auth/signup?${requestOf}`);
  const res = await b.send("/auth/signup?lang=en", { email, password: "correct horse" });
  assert.equal(res.status, 303, await res.text());
  await b.read(`/auth/passkeys?${requestOf}&lang=en`);
  return { b, user: await userOf(email) };
}

/** A registration for a new register challenge of the browser's person. */
async function newPasskey(b: HostedBrowser): Promise<string> {
  const res = await b.send("/auth/passkey/options", { purpose: "register" });
  assert.equal(res.status, 200, await res.clone().text());
  return await noneRegistration((await res.json()).challenge, t.origin);
}

const passkeysOf = async (user: string) =>
  (await t.db.sql`select count(*)::int as n from astapa.passkeys where user_id = ${user}`)[0].n;

/** The page's "sign in" state: no list, no form to add a key (401). */
async function asksToSignIn(res: Response) {
  const html = await res.text();
  assert.equal(res.status, 401, html.slice(0, 300));
  assert.doesNotMatch(html, /name="credential"/, "no form to add a passkey");
}

Deno.test("live session credential race — a passkey registers while the session is live", async () => {
  const { b, user } = await onPasskeysPage("kunci-hidup@example.com");
  const res = await b.send("/auth/passkeys?lang=en", {
    action: "add",
    name: "Laptop",
    credential: await newPasskey(b),
  });
  assert.equal(res.status, 200, (await res.text()).slice(0, 300));
  assert.equal(await passkeysOf(user), 1);
});

for (const [ender, end, verified] of [["a claim", claim, false], ["a reset", reset, true]] as const) {
  Deno.test(`live session credential race — adding a passkey: ${ender} lands first, no passkey`, async () => {
    const { b, user } = await onPasskeysPage(`kunci-${verified ? "reset" : "klaim"}@example.com`);
    if (verified) await t.db.sql`update astapa.users set email_verified = true where id = ${user}`;
    const credential = await newPasskey(b);
    const res = await racing(
      "api.own_passkeys(",
      user,
      end,
      () => b.send("/auth/passkeys?lang=en", { action: "add", name: "Laptop", credential }),
    );
    await asksToSignIn(res);
    assert.equal(await passkeysOf(user), 0, "nothing added for the ended session");
  });
}

/** The code an authenticator app holding `key` shows, `steps` time steps from now. */
function appCode(key: string, steps = 0): string {
  const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(key.replace(/\s+/g, "")) });
  return totp.generate({ timestamp: Date.now() + steps * 30_000 });
}

/** Signed up and stepped up to set an app up; returns the browser, the user, the key and the codes shown. */
async function withApp(email: string) {
  const browser = new FormBrowser(t);
  const signedUp = await browser.submit(
    `/auth/signup?${requestOf}&acr_values=${encodeURIComponent(ACR_MFA)}`,
    { email, password: "correct horse" },
  );
  assert.equal(signedUp.status, 303, await signedUp.clone().text());
  const page = await browser.get(`/auth/mfa?${requestOf}`);
  const html = await page.text();
  const key = /<code class="totp-key">([A-Z2-7 ]+)<\/code>/.exec(html)![1];
  const done = await browser.post(html, { code: appCode(key) });
  assert.equal(done.status, 200, (await done.clone().text()).slice(0, 300));
  return { browser, user: await userOf(email), key };
}

const recoveryCodesOf = async (user: string) =>
  (await t.db.sql`select count(*)::int as n from astapa.recovery_codes where user_id = ${user}
    and used_at is null`)[0].n;
const regenerated = async (user: string) =>
  (await t.db.sql`select count(*)::int as n from astapa.audit_log where target = ${`user:${user}`}
    and action = 'user.recovery_codes_regenerated'`)[0].n;

for (
  const [ender, end, left] of [["a sign-out everywhere", signOutEverywhere, 10], [
    "a claim",
    claim,
    0,
  ]] as const
) {
  Deno.test(`live session credential race — new recovery codes: ${ender} lands first, none written`, async () => {
    const { browser, user, key } = await withApp(`kode-${left}@example.com`);
    const manage = await browser.get(`/auth/mfa/manage?${requestOf}`);
    const html = await manage.text();
    assert.equal(manage.status, 200, html.slice(0, 300));
    const res = await racing(
      "api.own_factor(",
      user,
      end,
      () => browser.post(html, { action: "regenerate", code: appCode(key, 1) }),
    );
    const shown = await res.text();
    assert.equal(res.status, 401, shown.slice(0, 300));
    assert.doesNotMatch(shown, /<li><code>[a-z2-9-]{14}<\/code><\/li>/, "no new codes shown");
    assert.equal(await regenerated(user), 0, "nothing regenerated");
    assert.equal(await recoveryCodesOf(user), left, "the enrolment's codes, or none after a claim");
  });
}

/** Signed up without a factor, then stepped up from the live session: the app set-up page's form. */
async function settingUpApp(email: string): Promise<{ browser: FormBrowser; user: string; html: string }> {
  const browser = new FormBrowser(t);
  const signedUp = await browser.submit(`/auth/signup?${requestOf}`, { email, password: "correct horse" });
  assert.equal(signedUp.status, 303, await signedUp.clone().text());
  const stepUp = await browser.get(`/auth/login?${requestOf}&acr_values=${encodeURIComponent(ACR_MFA)}`);
  assert.equal(stepUp.status, 303, await stepUp.clone().text());
  assert.match(stepUp.headers.get("location")!, /^\/auth\/mfa\?/, "a step-up's challenge");
  const page = await browser.get(`/auth/mfa?${requestOf}`);
  const html = await page.text();
  assert.equal(page.status, 200, html.slice(0, 300));
  assert.match(html, /class="totp-key"/, "the set-up form");
  return { browser, user: await userOf(email), html };
}

const appsOf = async (user: string) =>
  (await t.db.sql`select count(*)::int as n from astapa.user_factors where user_id = ${user}`)[0].n;

/** The set-up refused as a sign-in step that expired: nothing set up, no new session. */
async function setUpRefused(res: Response, browser: FormBrowser, user: string, before: string | undefined) {
  const html = await res.text();
  assert.equal(res.status, 400, html.slice(0, 300));
  assert.doesNotMatch(html, /<li><code>[a-z2-9-]{14}<\/code><\/li>/, "no recovery codes shown");
  assert.equal(await appsOf(user), 0, "no app set up");
  assert.equal(browser.cookies.get(`astapa_session_${project.id}`), before, "no new session");
}

Deno.test("live session credential race — setting an app up at a step-up: a sign-out everywhere committed since, nothing set up", async () => {
  const { browser, user, html } = await settingUpApp("langkah-keluar@example.com");
  const before = browser.cookies.get(`astapa_session_${project.id}`);
  await asApp(t.db.sql, project.id, (tx) => signOutEverywhere(tx, user));
  const key = /<code class="totp-key">([A-Z2-7 ]+)<\/code>/.exec(html)![1];
  const res = await browser.post(html, { code: appCode(key) });
  await setUpRefused(res, browser, user, before);
});

Deno.test("live session credential race — setting an app up at a step-up: a sign-out everywhere lands first, nothing set up", async () => {
  const { browser, user, html } = await settingUpApp("langkah-balapan@example.com");
  const before = browser.cookies.get(`astapa_session_${project.id}`);
  const key = /<code class="totp-key">([A-Z2-7 ]+)<\/code>/.exec(html)![1];
  const res = await racing(
    "api.mfa_challenge(",
    user,
    signOutEverywhere,
    () => browser.post(html, { code: appCode(key) }),
  );
  await setUpRefused(res, browser, user, before);
});
