/**
 * WebAuthn's Signal API in a real browser (docs/passkeys.md#keeping-password-managers-in-sync): Chromium's
 * virtual authenticator acts on the signals as a password manager would (it forgets a credential, renames the
 * account), and an init script records each call's arguments on its way to the real API, so the test reads what
 * the page said as well as what the authenticator did.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { testApp } from "../helpers/app.ts";
import { disconnectBrowser, openPage } from "../helpers/browser.ts";
import { seedProject, seedUser } from "../helpers/identity.ts";
import { addVirtualAuthenticator, storedPasskey } from "../helpers/webauthn.ts";
import { hashPassword } from "@/lib/passwords.ts";
import { base64url } from "@/lib/secrets.ts";

const t = await testApp({ listen: true, localhost: true });
const app = Deno.serve(
  { hostname: "127.0.0.1", port: 0, onListen: () => {} },
  () => new Response(`<h1 id="arrived">arrived</h1>`, { headers: { "content-type": "text/html" } }),
);
const redirectUri = `http://127.0.0.1:${app.addr.port}/callback`;
const project = await seedProject(t.db.sql, {
  name: "Toko Sinyal",
  redirectUri,
  settings: { passkeys: true },
});
const other = await seedProject(t.db.sql, {
  name: "Toko Tetangga",
  redirectUri,
  settings: { passkeys: true },
});
const PASSWORD = "kopi tubruk panas";

Deno.test.afterAll(async () => {
  await disconnectBrowser();
  await app.shutdown();
  await t.close();
});

type Project = typeof project;
type Signal = [name: string, options: Record<string, unknown>];

const requestOf = (p: Project) =>
  new URLSearchParams({ client_id: p.clientId, redirect_uri: p.redirectUri, state: "s" }).toString();

/** Records every signal the page sends (then sends it on) and keeps the autofill request out of the way. */
async function recordSignals(page: Page): Promise<Signal[]> {
  const signals: Signal[] = [];
  await page.context().exposeBinding("__astapaSignal", (_source, name: string, options: string) => {
    signals.push([name, JSON.parse(options)]);
  });
  await page.addInitScript(() => {
    PublicKeyCredential.isConditionalMediationAvailable = () => Promise.resolve(false);
    const api = PublicKeyCredential as unknown as Record<string, (options: unknown) => Promise<void>>;
    const record = (globalThis as unknown as { __astapaSignal(n: string, o: string): void }).__astapaSignal;
    for (
      const name of ["signalUnknownCredential", "signalAllAcceptedCredentials", "signalCurrentUserDetails"]
    ) {
      const real = api[name].bind(PublicKeyCredential);
      api[name] = (options) => {
        record(name, JSON.stringify(options));
        return real(options);
      };
    }
  });
  return signals;
}

async function personWithPassword(p: Project, email: string): Promise<string> {
  const user = await seedUser(t.db.sql, p.id, email, { verified: true });
  await t.db.sql`update astapa.users set password_hash = ${await hashPassword(PASSWORD)} where id = ${user}`;
  return user;
}

async function signInWithPassword(page: Page, p: Project, email: string) {
  await page.goto(`${t.origin}/auth/login?${requestOf(p)}`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.waitForURL(/\/callback\?/);
}

/** Resolves with the next credential the virtual authenticator reports deleted or updated. */
function nextEvent(cdp: { on(event: string, listener: (params: unknown) => void): void }, event: string) {
  return new Promise<Record<string, unknown>>((resolve) =>
    cdp.on(`WebAuthn.${event}`, (p) => resolve(p as never))
  );
}

Deno.test("passkey signals e2e — the passkeys page names every kept key and the account; a deleted key is forgotten at sign-in", async () => {
  const { page, close, problems } = await openPage();
  const signals = await recordSignals(page);
  const authenticator = await addVirtualAuthenticator(page);
  try {
    const user = await personWithPassword(project, "sinyal@example.com");
    await signInWithPassword(page, project, "sinyal@example.com");
    await page.goto(`${t.origin}/auth/passkeys?${requestOf(project)}`);
    await page.getByLabel("Name for the new passkey").fill("Laptop");
    const renamed = nextEvent(authenticator.cdp, "credentialUpdated");
    await page.getByRole("button", { name: "Add a passkey" }).click();
    await page.getByText("Your passkey was added.").waitFor();
    const [held] = await authenticator.credentials();
    const id = base64url.encode(Uint8Array.from(atob(held.credentialId), (c) => c.charCodeAt(0)));
    const userId = base64url.encode(new TextEncoder().encode(user));
    // The page after adding lists it: all accepted credentials, and the account's current name.
    await renamed;
    assert.deepEqual(signals.slice(-2), [
      ["signalAllAcceptedCredentials", { rpId: "localhost", userId, allAcceptedCredentialIds: [id] }],
      ["signalCurrentUserDetails", {
        rpId: "localhost",
        userId,
        name: "sinyal@example.com",
        displayName: "sinyal@example.com",
      }],
    ]);
    assert.equal((await authenticator.credentials())[0].userName, "sinyal@example.com");

    // Removed behind the browser's back (as an admin on the dashboard would): the sign-in refuses it, and the
    // page asks the browser to forget exactly that credential.
    await t.db.sql`delete from astapa.passkeys where user_id = ${user}`;
    await page.context().clearCookies();
    await page.goto(`${t.origin}/auth/login?${requestOf(project)}`);
    await page.getByRole("button", { name: "Sign in with a passkey" }).click();
    await page.getByText("That passkey did not work here").waitFor();
    await authenticator.waitForCount(0);
    assert.deepEqual(signals.at(-1), ["signalUnknownCredential", { rpId: "localhost", credentialId: id }]);
    assert.deepEqual(await authenticator.credentials(), []);
    // The refusal's page answers 400, which the console reports; nothing else went wrong.
    assert.deepEqual(problems.filter((problem) => !problem.includes("status of 400")), []);
  } finally {
    await authenticator.remove();
    await close();
  }
});

Deno.test("passkey signals e2e — another project's passkey refused here is not forgotten (one RP ID for all)", async () => {
  const { page, close } = await openPage();
  const signals = await recordSignals(page);
  const authenticator = await addVirtualAuthenticator(page);
  try {
    const neighbour = await seedUser(t.db.sql, other.id, "tetangga@example.com", { verified: true });
    const key = await storedPasskey(t.db.sql, other.id, neighbour, "localhost");
    await authenticator.cdp.send("WebAuthn.addCredential", {
      authenticatorId: authenticator.id,
      credential: { ...key, userHandle: btoa(neighbour) },
    });
    await page.goto(`${t.origin}/auth/login?${requestOf(project)}`);
    await page.getByRole("button", { name: "Sign in with a passkey" }).click();
    await page.getByText("That passkey did not work here").waitFor();
    // Nothing asks the browser to forget it: the page has no signal to send.
    assert.equal(await page.locator("[data-island=PasskeySignals]").count(), 0);
    await page.locator("[data-island=PasskeyButton][data-hydrated=true]").waitFor({ state: "attached" });
    assert.deepEqual(signals, []);
    assert.equal((await authenticator.credentials()).length, 1);
  } finally {
    await authenticator.remove();
    await close();
  }
});

Deno.test("passkey signals e2e — an address changed elsewhere reaches the password manager from the account page", async () => {
  const { page, close, problems } = await openPage();
  const signals = await recordSignals(page);
  const authenticator = await addVirtualAuthenticator(page);
  try {
    const user = await personWithPassword(project, "lama@example.com");
    await signInWithPassword(page, project, "lama@example.com");
    await page.goto(`${t.origin}/auth/passkeys?${requestOf(project)}`);
    await page.getByLabel("Name for the new passkey").fill("Ponsel");
    await page.getByRole("button", { name: "Add a passkey" }).click();
    await page.getByText("Your passkey was added.").waitFor();
    assert.equal((await authenticator.credentials())[0].userName, "lama@example.com");
    // Support changes the address (the Platform API's user update, SCIM or the IdP would do the same).
    await t.db.sql`update astapa.users set email = 'baru@example.com' where id = ${user}`;
    const renamed = nextEvent(authenticator.cdp, "credentialUpdated");
    await page.goto(`${t.origin}/account?client_id=${project.clientId}`);
    await page.locator("[data-island=PasskeySignals][data-hydrated=true]").waitFor({ state: "attached" });
    await renamed;
    assert.equal((await authenticator.credentials())[0].userName, "baru@example.com");
    assert.deepEqual(signals.at(-1), ["signalCurrentUserDetails", {
      rpId: "localhost",
      userId: base64url.encode(new TextEncoder().encode(user)),
      name: "baru@example.com",
      displayName: "baru@example.com",
    }]);
    assert.deepEqual(problems, []);
  } finally {
    await authenticator.remove();
    await close();
  }
});
