/**
 * A passkey as the second step over HTTP (docs/mfa.md): after a password in a project that requires a second
 * factor, /auth/mfa offers the passkey to a person without an app; the options name only their passkeys and
 * require user verification; an assertion without user verification or of another person's passkey is refused
 * (422, audited, counted); the right one signs in with amr pwd + hwk + mfa. Assertions are signed with a
 * WebCrypto key whose COSE form is stored as the passkey (tests/helpers/webauthn.ts signs them).
 */
import assert from "node:assert/strict";
import { base64url } from "@/lib/secrets.ts";
import { testApp } from "../helpers/app.ts";
import { seedProject } from "../helpers/identity.ts";
import { HostedBrowser } from "../helpers/form_browser.ts";
import { signedAssertion, storedPasskey, type VirtualCredential } from "../helpers/webauthn.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const project = await seedProject(t.db.sql, {
  name: "Toko Dua Langkah",
  settings: { passkeys: true, mfa: { policy: "required" } },
});
const rp = { origin: t.origin, rpId: new URL(t.origin).hostname };
const request = new URLSearchParams({ client_id: project.clientId, redirect_uri: project.redirectUri })
  .toString();
/** A P-256 passkey of `userId` (tests/helpers/webauthn.ts). */
const passkeyOf = (userId: string) => storedPasskey(t.db.sql, project.id, userId, rp.rpId);

/** One browser: its cookies, and the CSRF token of the last hosted page it read. */
const browser = () => new HostedBrowser(t, request);

/** Signs up with a password (the policy then owes a second factor) and gives the person a passkey. */
async function signedUpWithPasskey(email: string) {
  const b = browser();
  await b.read(`/auth/signup?${request}`);
  const res = await b.send(`/auth/signup?lang=en`, { email, password: "correct horse" });
  assert.equal(res.status, 303, await res.text());
  assert.match(res.headers.get("location")!, /^\/auth\/mfa\?/);
  const [user] = await t.db.sql`select id::text from astapa.users where project_id = ${project.id}
    and email = ${email}`;
  return { b, userId: user.id as string, key: await passkeyOf(user.id) };
}

async function secondFactorChallenge(b: ReturnType<typeof browser>) {
  const res = await b.send("/auth/passkey/options", { purpose: "second_factor" });
  assert.equal(res.status, 200);
  return await res.json();
}

const audited = async (action: string) =>
  (await t.db.sql`select details from astapa.audit_log where project_id = ${project.id} and action = ${action}
    order by id`).map((r) => r.details);

Deno.test("/auth/mfa — a passkey with user verification meets the challenge; without it, or another's, refused", async () => {
  const { b, userId, key } = await signedUpWithPasskey("dewi@example.com");
  const someoneElse = await passkeyOf((await signedUpWithPasskey("eko@example.com")).userId);
  const page = await b.read(`/auth/mfa?${request}&lang=en`);
  assert.equal(page.res.status, 200);
  assert.match(page.html, /Use a passkey/);
  assert.match(page.html, /Set up an authenticator app instead/, "an app stays optional");
  assert.doesNotMatch(page.html, /totp-key/, "not made to set up an app");

  const options = await secondFactorChallenge(b);
  assert.equal(options.userVerification, "required");
  assert.deepEqual(options.allowCredentials.map((c: { id: string }) => c.id), [
    base64url.encode(Uint8Array.from(atob(key.credentialId), (c) => c.charCodeAt(0))),
  ]);
  const submit = async (credential: VirtualCredential, userVerified = true, challenge?: string) =>
    await b.send("/auth/mfa?lang=en", {
      method: "passkey",
      code: "",
      credential: JSON.stringify(
        await signedAssertion(credential, {
          ...rp,
          challenge: challenge ?? (await secondFactorChallenge(b)).challenge,
          signCount: 1,
          userVerified,
        }),
      ),
    });

  const unverified = await submit(key, false, options.challenge);
  assert.equal(unverified.status, 422);
  assert.match(await unverified.text(), /That passkey did not work here/);
  const other = await submit(someoneElse);
  assert.equal(other.status, 422);
  await other.body?.cancel();
  const refused = (await audited("sign_in.passkey_refused")).map((
    d,
  ) => [String(d.reason).split(":")[0], d.step]);
  assert.deepEqual(refused, [["not_verified", "mfa"], ["other_user", "mfa"]]);
  assert.deepEqual((await audited("sign_in.mfa_failed")).map((d) => d.method), ["passkey", "passkey"]);

  const met = await submit(key);
  assert.equal(met.status, 303);
  assert.ok(met.headers.get("location")!.startsWith(`${project.redirectUri}?code=`));
  const [session] = await t.db.sql`select amr from astapa.login_sessions where project_id = ${project.id}
    and user_id = ${userId}`;
  assert.deepEqual(session.amr, ["hwk", "mfa", "pwd"]);
});

Deno.test("/auth/passkey/options — second_factor needs this browser's live challenge", async () => {
  const b = browser();
  await b.read(`/auth/login?${request}`);
  const res = await b.send("/auth/passkey/options", { purpose: "second_factor" });
  assert.equal(res.status, 403);
  await res.body?.cancel();
});

Deno.test('/auth/mfa — after a passkey, "Remember this browser" is offered; the next password sign-in skips the step', async () => {
  await t.db.sql`update astapa.projects set settings = jsonb_set(settings, '{mfa,remember_days}', '30')
    where id = ${project.id}`;
  try {
    const { b, userId, key } = await signedUpWithPasskey("rina@example.com");
    const page = await b.read(`/auth/mfa?${request}&lang=en`);
    assert.match(page.html, /name="remember" value="on"[^>]*\/?> Remember this browser for 30 days/);
    const idPage = await b.read(`/auth/mfa?${request}&lang=id`);
    assert.match(idPage.html, /Ingat browser ini selama 30 hari/);
    const met = await b.send("/auth/mfa?lang=en", {
      method: "passkey",
      code: "",
      remember: "on",
      credential: JSON.stringify(
        await signedAssertion(key, {
          ...rp,
          challenge: (await secondFactorChallenge(b)).challenge,
          signCount: 1,
        }),
      ),
    });
    assert.equal(met.status, 303);
    assert.ok(b.cookies.has(`astapa_mfa_remember_${project.id}`), "the browser is remembered");
    const [row] = await t.db.sql`select count(*)::int as n from astapa.remembered_browsers
      where project_id = ${project.id} and user_id = ${userId}`;
    assert.equal(row.n, 1);

    b.cookies.delete(`astapa_session_${project.id}`); // signed out
    await b.read(`/auth/login?${request}`);
    const again = await b.send("/auth/login?lang=en", {
      email: "rina@example.com",
      password: "correct horse",
    });
    assert.equal(again.status, 303);
    assert.ok(again.headers.get("location")!.startsWith(`${project.redirectUri}?code=`), "no second step");
  } finally {
    await t.db.sql`update astapa.projects set settings = settings #- '{mfa,remember_days}'
      where id = ${project.id}`;
  }
});
