/**
 * Passkeys in a real browser (issue 20, Tests): Chromium's virtual authenticator (CTAP2, resident keys, user
 * verification) runs the real ceremonies — a new person adds a passkey right after sign-up, signs out, signs in
 * with the button, and the project's MFA policy is met by the passkey (alone, or as the second step after the
 * password on /auth/mfa); removing it leaves it useless. Where the address must be confirmed first, the mailed
 * confirmation is what signs the new person in, and the offer follows it. The
 * amr claim is verified with jose. Every context and authenticator is closed in `finally` (shared browser).
 */
import assert from "node:assert/strict";
import { createRemoteJWKSet, jwtVerify } from "jose";
import type { Page } from "playwright-core";
import { testApp } from "../helpers/app.ts";
import { disconnectBrowser, openPage, screenshot } from "../helpers/browser.ts";
import { seedProject } from "../helpers/identity.ts";
import { postForm } from "../helpers/token_client.ts";
import { addVirtualAuthenticator, signedAssertion, type VirtualCredential } from "../helpers/webauthn.ts";
import { csrfOf } from "../helpers/csrf.ts";

const t = await testApp({ listen: true, localhost: true });
const app = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
  const url = new URL(req.url);
  return new Response(`<h1 id="arrived">code ${url.searchParams.get("code") ? "received" : "missing"}</h1>`, {
    headers: { "content-type": "text/html" },
  });
});
const redirectUri = `http://127.0.0.1:${app.addr.port}/callback`;
const project = await seedProject(t.db.sql, {
  name: "Toko Kunci",
  redirectUri,
  settings: { passkeys: true },
});
const other = await seedProject(t.db.sql, { name: "Toko Lain", redirectUri, settings: { passkeys: true } });
/** A project that makes people confirm their address before they sign in. */
const confirming = await seedProject(t.db.sql, {
  name: "Toko Pasti",
  redirectUri,
  settings: { passkeys: true, require_verified_email: true },
});
/** The passkey the sign-up test made, as the virtual authenticator exported it (its private key too). */
let exported: VirtualCredential | undefined;

Deno.test.afterAll(async () => {
  await disconnectBrowser();
  await app.shutdown();
  await t.close();
});

const requestOf = (p = project) =>
  new URLSearchParams({ client_id: p.clientId, redirect_uri: p.redirectUri, state: "s" }).toString();
const loginUrl = (params: Record<string, string> = {}) =>
  `${t.origin}/auth/login?${requestOf()}&${new URLSearchParams(params)}`;

/** Redeems the code the app received and verifies the access token with jose; returns its amr. */
async function amrAtApp(page: Page, p = project): Promise<unknown> {
  await page.waitForURL(/\/callback\?/);
  assert.equal(await page.locator("#arrived").innerText(), "code received");
  const { res, body } = await postForm(t, "/api/platform/token", {
    grant_type: "authorization_code",
    code: new URL(page.url()).searchParams.get("code")!,
    redirect_uri: p.redirectUri,
    client_id: p.clientId,
    client_secret: p.secret,
  });
  assert.equal(res.status, 200, JSON.stringify(body));
  const jwks = createRemoteJWKSet(new URL(`${t.origin}/.well-known/jwks.json`));
  const { payload } = await jwtVerify(body.access_token, jwks, {
    issuer: t.origin,
    audience: p.clientId,
    algorithms: ["RS256"],
  });
  return payload.amr;
}

async function signOut(page: Page) {
  await page.goto(`${t.origin}/auth/logout?client_id=${project.clientId}`);
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByText("You are signed out.").waitFor();
}

async function audited(action: string, p = project): Promise<Record<string, unknown>[]> {
  return await t.db.sql`select details from astapa.audit_log where project_id = ${p.id}
    and action = ${action} order by id`.then((rows) => rows.map((r) => r.details));
}

Deno.test("passkeys e2e — add one right after sign-up, sign out, sign in with the button; MFA met by it", async () => {
  const { page, close } = await openPage();
  // A browser without conditional UI (autofill): only the button signs in, so the button is what is tested.
  await page.addInitScript(() => {
    PublicKeyCredential.isConditionalMediationAvailable = () => Promise.resolve(false);
  });
  const authenticator = await addVirtualAuthenticator(page);
  try {
    await page.goto(loginUrl());
    await page.getByRole("link", { name: "Create an account" }).click();
    await page.waitForURL(/\/auth\/signup/); // the sign-up form, not the sign-in one still shown
    await page.getByLabel("Email").fill("kartika@example.com");
    await page.getByLabel("Password").fill("kopi tubruk panas");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByRole("heading", { name: "Passkeys" }).waitFor();
    await page.getByText("Sign in faster next time").waitFor();
    await page.getByLabel("Name for the new passkey").fill("Laptop kantor");
    await page.getByRole("button", { name: "Add a passkey" }).click();
    await page.getByText("Your passkey was added.").waitFor();
    assert.match(await page.locator("ul.passkeys li").innerText(), /Laptop kantor[\s\S]*Not used yet/);
    const [stored] = await authenticator.credentials();
    assert.equal(stored.isResidentCredential, true);
    assert.equal(
      new TextDecoder().decode(Uint8Array.from(atob(stored.userHandle!), (c) => c.charCodeAt(0))),
      (await t.db.sql`select id::text from astapa.users where email = 'kartika@example.com'`)[0].id,
    );
    await screenshot(page, "passkeys-added-en");
    await page.getByRole("link", { name: "Back to the app" }).click();
    assert.deepEqual(await amrAtApp(page), ["pwd"]);

    await signOut(page);
    await page.goto(loginUrl());
    await page.getByRole("button", { name: "Sign in with a passkey" }).click();
    // A platform authenticator that verified the person: one key, two factors (RFC 8176 hwk + mfa).
    assert.deepEqual(await amrAtApp(page), ["hwk", "mfa"]);
    const [row] = await t.db
      .sql`select sign_count, last_used_at from astapa.passkeys where project_id = ${project.id}`;
    assert.ok(row.last_used_at, "the sign-in is recorded as the passkey's last use");

    // The project now requires a second factor: the passkey meets it, while a password alone owes one.
    await t.db.sql`update astapa.projects set settings = settings || '{"mfa":{"policy":"required"}}'
      where id = ${project.id}`;
    await signOut(page);
    await page.goto(loginUrl());
    await page.getByRole("button", { name: "Sign in with a passkey" }).click();
    assert.deepEqual(await amrAtApp(page), ["hwk", "mfa"]);
    await signOut(page);
    await page.goto(loginUrl());
    await page.getByLabel("Email").fill("kartika@example.com");
    await page.getByLabel("Password").fill("kopi tubruk panas");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    // A password owes a second factor; her passkey counts as one, so she is not made to set up an app — she
    // may, though.
    await page.getByRole("heading", { name: "Two-step verification" }).waitFor();
    await page.getByRole("link", { name: "Set up an authenticator app instead" }).click();
    await page.getByRole("heading", { name: "Set up two-step verification" }).waitFor();
    await page.goBack();
    await page.getByRole("heading", { name: "Two-step verification" }).waitFor();
    await screenshot(page, "mfa-passkey-en");
    const countBefore = (await authenticator.credentials())[0].signCount;
    await page.getByRole("button", { name: "Use a passkey" }).click();
    // The password and the passkey with user verification: RFC 8176 pwd + hwk, and mfa.
    assert.deepEqual(await amrAtApp(page), ["hwk", "mfa", "pwd"]);
    const [used] = await t.db.sql`select sign_count from astapa.passkeys where project_id = ${project.id}`;
    assert.ok(Number(used.sign_count) > countBefore, "the second step recorded the passkey's counter");
    // Exported last: the later tests continue from the counter Postgres holds now.
    [exported] = await authenticator.credentials();
  } finally {
    await t.db.sql`update astapa.projects set settings = settings - 'mfa' where id = ${project.id}`;
    await authenticator.remove();
    await close();
  }
});

Deno.test("passkeys e2e — autofill: the email field offers the passkey (conditional UI) and signs in", async () => {
  assert.ok(exported, "the sign-up test ran first");
  const { page, close } = await openPage();
  const authenticator = await addVirtualAuthenticator(page);
  try {
    await authenticator.cdp.send("WebAuthn.addCredential", {
      authenticatorId: authenticator.id,
      credential: { ...exported, signCount: exported.signCount + 10 },
    });
    // The field as the page serves it: read from the browser, it would race the sign-in, which needs no click
    // and may leave the page before a locator finds the field (under load it did, and the wait ran out).
    const served = await (await fetch(loginUrl())).text();
    const emailField = [...served.matchAll(/<input\b[^>]*>/g)].map((m) => m[0]).find((tag) =>
      /name="email"/.test(tag)
    );
    assert.match(emailField ?? "", /autocomplete="username webauthn"/);
    await page.goto(loginUrl());
    // Nothing is clicked: the virtual authenticator picks the passkey from the autofill request, as a person
    // picks it from the field's suggestions.
    assert.deepEqual(await amrAtApp(page), ["hwk", "mfa"]);
  } finally {
    await authenticator.remove();
    await close();
  }
});

/** A browser's hosted-login form state outside the browser: the CSRF cookie and token. */
async function formSession(p = project) {
  const res = await fetch(`${t.origin}/auth/login?${requestOf(p)}`);
  const html = await res.text();
  const cookie = res.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  return { p, cookie, csrf: csrfOf(html) };
}
type FormSession = Awaited<ReturnType<typeof formSession>>;

function post(s: FormSession, path: string, fields: Record<string, string>) {
  return fetch(`${t.origin}${path}`, {
    method: "POST",
    redirect: "manual",
    headers: { cookie: s.cookie, origin: t.origin, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ request: requestOf(s.p), csrf: s.csrf, ...fields }),
  });
}

async function openChallenge(s: FormSession): Promise<string> {
  const res = await post(s, "/auth/passkey/options", { purpose: "sign_in" });
  assert.equal(res.status, 200);
  const options = await res.json();
  assert.equal(options.rpId, "localhost");
  assert.equal(options.allowCredentials, undefined, "discoverable: no credential list for anyone to read");
  return options.challenge;
}

const storedCount = async () =>
  Number(
    (await t.db.sql`select sign_count from astapa.passkeys where project_id = ${project.id}`)[0].sign_count,
  );

Deno.test("passkeys — replay, wrong origin or RP ID, foreign challenge or credential, cloned key, malformed: 4xx, audited", async () => {
  assert.ok(exported, "the sign-up test ran first");
  const s = await formSession();
  const good = { origin: t.origin, rpId: "localhost" };
  const signIn = async (assertion: unknown, session = s) => {
    const res = await post(session, "/auth/passkey", { credential: JSON.stringify(assertion) });
    await res.body?.cancel();
    return res;
  };
  const reasons = async () => (await audited("sign_in.passkey_refused")).map((d) => d.reason);

  // The key itself works, with a challenge of this project and this deployment's origin and RP ID.
  const challenge = await openChallenge(s);
  const accepted = await signedAssertion(exported, {
    ...good,
    challenge,
    signCount: await storedCount() + 1,
  });
  const ok = await signIn(accepted);
  assert.equal(ok.status, 303);
  assert.ok(ok.headers.get("location")!.startsWith(`${redirectUri}?code=`));

  const before = (await reasons()).length;
  assert.equal((await signIn(accepted)).status, 400, "a replayed assertion (its challenge is used up)");
  const wrongOrigin = await signedAssertion(exported, {
    challenge: await openChallenge(s),
    origin: "http://localhost.evil.example",
    rpId: "localhost",
    signCount: await storedCount() + 1,
  });
  assert.equal((await signIn(wrongOrigin)).status, 400);
  const wrongRp = await signedAssertion(exported, {
    challenge: await openChallenge(s),
    origin: t.origin,
    rpId: "evil.example",
    signCount: await storedCount() + 1,
  });
  assert.equal((await signIn(wrongRp)).status, 400);
  const elsewhere = await formSession(other);
  const foreign = await signedAssertion(exported, {
    ...good,
    challenge: await openChallenge(elsewhere),
    signCount: await storedCount() + 1,
  });
  assert.equal((await signIn(foreign)).status, 400, "another project's challenge");
  const otherProjectsKey = await signedAssertion(exported, {
    ...good,
    challenge: await openChallenge(elsewhere),
    signCount: await storedCount() + 1,
  });
  assert.equal((await signIn(otherProjectsKey, elsewhere)).status, 400, "a credential of another project");
  const otherUser = await signedAssertion(exported, {
    ...good,
    challenge: await openChallenge(s),
    signCount: await storedCount() + 1,
    userHandle: btoa("999999").replace(/=+$/, ""),
  });
  assert.equal((await signIn(otherUser)).status, 400, "a user handle naming someone else");
  for (
    const garbage of ["{", "null", "[".repeat(20_000), JSON.stringify({ id: "x".repeat(20), response: 1 })]
  ) {
    const res = await post(s, "/auth/passkey", { credential: garbage });
    await res.body?.cancel();
    assert.equal(res.status, 400, garbage.slice(0, 20));
  }
  assert.deepEqual((await reasons()).slice(before, before + 5).map((r) => String(r).split(":")[0]), [
    "challenge_not_open",
    "not_verified",
    "not_verified",
    "challenge_not_open",
    "user_handle_mismatch",
  ]);
  // The other project hears of its own refusal only: the credential is unknown there.
  assert.deepEqual((await audited("sign_in.passkey_refused", other)).map((d) => d.reason), [
    "unknown_credential",
  ]);

  // A counter that does not move forwards: two copies of the key exist. Refused, marked, audited, and the
  // credential stays refused even with a counter that moves on again.
  const stored = await storedCount();
  const clone = await signedAssertion(exported, {
    ...good,
    challenge: await openChallenge(s),
    signCount: stored,
  });
  assert.equal((await signIn(clone)).status, 400);
  const [cloned] = await audited("user.passkey_cloned");
  assert.equal(cloned.presented_count, stored);
  const later = await signedAssertion(exported, {
    ...good,
    challenge: await openChallenge(s),
    signCount: stored + 5,
  });
  assert.equal((await signIn(later)).status, 400);
  assert.deepEqual((await reasons()).slice(-2), ["counter_regressed", "counter_regressed"]);
});

Deno.test("passkeys e2e — remove one after a fresh sign-in; it no longer signs in", async () => {
  assert.ok(exported, "the sign-up test ran first");
  const { page, close } = await openPage({ locale: "id-ID" });
  await page.addInitScript(() => {
    PublicKeyCredential.isConditionalMediationAvailable = () => Promise.resolve(false);
  });
  const authenticator = await addVirtualAuthenticator(page);
  try {
    await authenticator.cdp.send("WebAuthn.addCredential", {
      authenticatorId: authenticator.id,
      credential: { ...exported, signCount: exported.signCount + 100 },
    });
    await page.goto(loginUrl({ lang: "id" }));
    await page.getByLabel("Email").fill("kartika@example.com");
    await page.getByLabel("Kata sandi").fill("kopi tubruk panas");
    await page.getByRole("button", { name: "Masuk", exact: true }).click();
    await page.waitForURL(/\/callback\?/);
    await page.goto(`${t.origin}/auth/passkeys?${requestOf()}&lang=id`);
    await page.getByRole("heading", { name: "Passkey" }).waitFor();
    await screenshot(page, "passkeys-list-id");
    // Rename and Remove are disclosures: each opens its own small form.
    await page.locator("summary", { hasText: "Ganti nama" }).click();
    await page.getByLabel("Nama baru").fill("Laptop lama");
    await screenshot(page, "passkeys-rename-id");
    await page.getByRole("button", { name: "Simpan nama" }).click();
    await page.getByText("Nama passkey sudah diganti.").waitFor();
    assert.match(await page.locator("ul.passkeys li").innerText(), /Laptop lama/);
    await page.locator("summary", { hasText: "Hapus" }).click();
    // Removing asks once more, naming the key, before anything is posted.
    await page.getByText("Hapus “Laptop lama”?").waitFor();
    assert.equal((await audited("user.passkey_removed")).length, 0);
    await screenshot(page, "passkeys-remove-id");
    // The page after the removal tells the password manager which keys remain (none): it forgets this one.
    await page.getByRole("button", { name: "Hapus passkey ini" }).click();
    await page.getByText("Passkey sudah dihapus.").waitFor();
    await page.getByText("Anda belum punya passkey.").waitFor();
    assert.equal((await audited("user.passkey_removed")).length, 1);
    await authenticator.waitForCount(0);
    assert.deepEqual(await authenticator.credentials(), []);

    await page.goto(`${t.origin}/auth/logout?client_id=${project.clientId}&lang=en`);
    await page.getByRole("button", { name: "Sign out" }).click();
    // A password manager that ignored the signal still offers it: the server refuses it.
    await authenticator.cdp.send("WebAuthn.addCredential", {
      authenticatorId: authenticator.id,
      credential: { ...exported, signCount: exported.signCount + 200 },
    });
    await page.goto(loginUrl({ lang: "en" }));
    await page.getByRole("button", { name: "Sign in with a passkey" }).click();
    await page.getByText("That passkey did not work here.").waitFor();
    assert.equal((await audited("sign_in.passkey_refused")).at(-1)!.reason, "unknown_credential");
  } finally {
    await authenticator.remove();
    await close();
  }
});

Deno.test("passkeys e2e — a browser without WebAuthn sees no passkey button, and the password still works", async () => {
  const { page, close } = await openPage();
  await page.addInitScript(() => {
    delete (globalThis as { PublicKeyCredential?: unknown }).PublicKeyCredential;
  });
  try {
    await page.goto(loginUrl());
    await page.locator("[data-island=PasskeyButton][data-hydrated=true]").waitFor({ state: "attached" });
    assert.equal(await page.getByRole("button", { name: "Sign in with a passkey" }).isVisible(), false);
    await page.getByLabel("Email").fill("kartika@example.com");
    await page.getByLabel("Password").fill("kopi tubruk panas");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    assert.deepEqual(await amrAtApp(page), ["pwd"]);
  } finally {
    await close();
  }
});

Deno.test("passkeys e2e — adding a second passkey on the same device says it already holds one", async () => {
  const { page, close } = await openPage();
  const authenticator = await addVirtualAuthenticator(page);
  try {
    await page.goto(loginUrl());
    await page.getByRole("link", { name: "Create an account" }).click();
    await page.waitForURL(/\/auth\/signup/); // the sign-up form, not the sign-in one still shown
    await page.getByLabel("Email").fill("sekali@example.com");
    await page.getByLabel("Password").fill("kopi tubruk panas");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByRole("button", { name: "Add a passkey" }).click();
    await page.getByText("Your passkey was added.").waitFor();
    // The options exclude her passkeys: the authenticator holding one refuses (InvalidStateError).
    await page.getByRole("button", { name: "Add a passkey" }).click();
    await page.getByRole("alert").filter({ hasText: "This device already holds a passkey for your account" })
      .waitFor();
    assert.equal(await page.getByText("The passkey prompt closed").count(), 0);
    assert.equal((await authenticator.credentials()).length, 1);
  } finally {
    await authenticator.remove();
    await close();
  }
});

Deno.test("passkeys e2e — where the address must be confirmed first, the confirmation link signs in and offers the passkey (id)", async () => {
  const { page, close } = await openPage();
  const authenticator = await addVirtualAuthenticator(page);
  try {
    await page.goto(`${t.origin}/auth/signup?${requestOf(confirming)}&lang=id`);
    await page.getByLabel("Email").fill("konfirmasi@example.com");
    await page.getByLabel("Kata sandi").fill("kopi tubruk panas");
    await page.getByRole("button", { name: "Buat akun" }).click();
    await page.getByText("Periksa email Anda").waitFor();
    const [mail] = await t.db.sql`select body_text from astapa.mail_outbox
      where project_id = ${confirming.id} and to_address = 'konfirmasi@example.com' and kind = 'verify_email'`;
    const link = /https?:\/\/[^/\s]+\/auth\/link\?p=proj_[a-z2-7]{16}&t=[\w-]{43}/.exec(mail.body_text)?.[0];
    assert.ok(link, mail.body_text);
    await page.goto(link);
    await page.getByRole("heading", { name: "Konfirmasi alamat email Anda" }).waitFor();
    await page.getByLabel("Kata sandi").fill("kopi tubruk panas");
    await page.getByRole("button", { name: "Konfirmasi alamat saya" }).click();
    // Confirmed and signed in: the offer a sign-up without confirmation gets.
    await page.getByText("Masuk lebih cepat lain kali").waitFor();
    await page.getByLabel("Nama untuk passkey baru").fill("HP pribadi");
    await page.getByRole("button", { name: "Tambah passkey" }).click();
    await page.getByText("Passkey Anda sudah ditambahkan").waitFor();
    await screenshot(page, "passkeys-after-confirmation-id");
    const [stored] = await authenticator.credentials();
    const [user] = await t.db.sql`select id::text, email_verified from astapa.users
      where project_id = ${confirming.id} and email_lower = 'konfirmasi@example.com'`;
    assert.equal(user.email_verified, true);
    assert.equal(
      new TextDecoder().decode(Uint8Array.from(atob(stored.userHandle!), (c) => c.charCodeAt(0))),
      user.id,
    );
    await page.getByRole("link", { name: "Kembali ke aplikasi" }).click();
    assert.deepEqual(await amrAtApp(page, confirming), ["pwd"]);
  } finally {
    await authenticator.remove();
    await close();
  }
});
