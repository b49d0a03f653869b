/**
 * A guest signs up with a passkey in Chromium (docs/anonymous-users.md; virtual authenticator): the app's
 * request with prompt=create and the guest's ID token as id_token_hint opens a passkeys-only project's sign-up;
 * the mailed code makes the guest's own row the account (same sub, no longer a guest, plan kept) and the passkey
 * is stored for it; the app's code is for the guest's sub. An address an account has is that account's sign-up
 * (nothing merged: the guest stays a guest); a hint that names no guest goes back to the app. Every context and authenticator is
 * closed in `finally` (shared browser).
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { testApp } from "../helpers/app.ts";
import { disconnectBrowser, openPage } from "../helpers/browser.ts";
import { seedUser } from "../helpers/identity.ts";
import { addVirtualAuthenticator } from "../helpers/webauthn.ts";
import {
  assertStillAGuest,
  guestRequest,
  guestRow,
  guestsProject,
  payingGuest,
  redeemedIdClaims,
} from "../helpers/guests.ts";

const t = await testApp({ listen: true, localhost: true });
const app = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
  const url = new URL(req.url);
  return new Response(
    `<h1 id="arrived">${url.searchParams.get("code") ? "code" : url.searchParams.get("error")}</h1>`,
    {
      headers: { "content-type": "text/html" },
    },
  );
});
Deno.test.afterAll(async () => {
  await disconnectBrowser();
  await app.shutdown();
  await t.close();
});
const redirectUri = `http://127.0.0.1:${app.addr.port}/callback`;
const keysOnly = await guestsProject(t, { passwords: false, passkeys: true }, redirectUri);

/** The 6-digit code of the newest mail to `to`, from the outbox (no sender runs in this file). */
async function mailedCode(to: string): Promise<string> {
  const [mail] = await t.db.sql`select body_text from astapa.mail_outbox where project_id = ${keysOnly.id}
    and lower(to_address) = lower(${to}) order by id desc limit 1`;
  return /^\s+(\d{6})$/m.exec(mail.body_text as string)![1];
}

/** The guest's sign-up page, its address typed and a code asked for. */
async function askForCode(page: Page, query: URLSearchParams, email: string) {
  await page.goto(`${t.origin}/auth/signup?${query}&lang=en`);
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByRole("button", { name: "Email me a code" }).click();
  await page.getByRole("status").filter({ hasText: "a code is on its way" }).waitFor();
}

Deno.test("guest passkey sign-up e2e — email, mailed code, passkey: the guest's own sub, plan kept, no longer a guest", async () => {
  const guest = await payingGuest(t, keysOnly);
  const { query, verifier } = await guestRequest(keysOnly, guest.idToken);
  const { page, problems, close } = await openPage();
  await page.addInitScript(() => {
    PublicKeyCredential.isConditionalMediationAvailable = () => Promise.resolve(false);
  });
  const authenticator = await addVirtualAuthenticator(page);
  try {
    await askForCode(page, query, "kunci@example.com");
    await page.getByLabel("Code from the email").fill(await mailedCode("kunci@example.com"));
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByText("Your email is confirmed. Now add the passkey").waitFor();
    await page.getByLabel("Name for the new passkey").fill("Ponsel Tamu");
    await page.getByRole("button", { name: "Add a passkey" }).click();
    await page.waitForURL(/\/callback\?/);
    const { id } = await redeemedIdClaims(t, keysOnly, page.url(), verifier);
    assert.equal(id.sub, guest.sub, "the guest's sub");
    assert.equal(id.is_anonymous, undefined);
    assert.equal(id.email, "kunci@example.com");
    assert.deepEqual(await guestRow(t, keysOnly, guest.sub), {
      email: "kunci@example.com",
      email_verified: true,
      phone_number: null,
      is_anonymous: false,
      plan: "pro",
    });
    const [stored] = await authenticator.credentials();
    assert.equal(
      new TextDecoder().decode(Uint8Array.from(atob(stored.userHandle!), (c) => c.charCodeAt(0))),
      guest.sub,
      "the passkey is the guest's",
    );
    const [converted] = await t.db.sql`select details from astapa.audit_log where project_id = ${keysOnly.id}
      and action = 'user.converted' and target = ${"user:" + guest.sub}`;
    assert.equal(converted.details.provider, "passkey");
    assert.deepEqual(problems, []);
  } finally {
    await authenticator.remove();
    await close();
  }
});

Deno.test("guest passkey sign-up e2e — an address an account has: its account gets the passkey and the app its sub; the guest stays a guest", async () => {
  // An account with no way in yet (as an abandoned sign-up leaves one): the mailed code opens it, as for anyone.
  const member = await seedUser(t.db.sql, keysOnly.id, "ada@example.com", { verified: true });
  const guest = await payingGuest(t, keysOnly);
  const { query, verifier } = await guestRequest(keysOnly, guest.idToken);
  const { page, close } = await openPage();
  await page.addInitScript(() => {
    PublicKeyCredential.isConditionalMediationAvailable = () => Promise.resolve(false);
  });
  const authenticator = await addVirtualAuthenticator(page);
  try {
    await askForCode(page, query, "ada@example.com");
    await page.getByLabel("Code from the email").fill(await mailedCode("ada@example.com"));
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByText("Your email is confirmed. Now add the passkey").waitFor();
    await page.getByRole("button", { name: "Add a passkey" }).click();
    await page.waitForURL(/\/callback\?/);
    const { id } = await redeemedIdClaims(t, keysOnly, page.url(), verifier);
    assert.equal(id.sub, member, "the account the address belongs to, never the guest");
    await assertStillAGuest(t, keysOnly, guest.sub);
  } finally {
    await authenticator.remove();
    await close();
  }
});

Deno.test("guest passkey sign-up e2e — a hint that names no guest goes back to the app as invalid_request", async () => {
  const { query } = await guestRequest(keysOnly, "not-an-id-token");
  const { page, close } = await openPage();
  try {
    await page.goto(`${t.origin}/auth/signup?${query}&lang=en`);
    await page.waitForURL(/\/callback\?/);
    assert.equal(new URL(page.url()).searchParams.get("error"), "invalid_request");
    assert.equal(new URL(page.url()).searchParams.get("state"), "guest-state");
  } finally {
    await close();
  }
});
