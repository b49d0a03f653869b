/**
 * Automatic passkey upgrade in a real browser (docs/passkeys.md#automatic-passkey-upgrade): after a password
 * sign-in on a project with `passkey_upgrade`, the sign-in goes on through /auth/passkeys/upgrade, which asks
 * for a passkey with WebAuthn conditional create and moves on to the app within its bound.
 *
 * Chromium agrees to a conditional create only for a password its own password manager saved and just filled,
 * which a test browser cannot have: there the request stays pending, and the second test shows the sign-in
 * reaches the app all the same. The first stands in for a password manager that agrees: an init script hands
 * the conditional request to Chromium's virtual authenticator as a plain create (recording that it was
 * conditional), so the real attestation goes through the real registration, is stored, and then signs in.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { testApp } from "../helpers/app.ts";
import { disconnectBrowser, openPage } from "../helpers/browser.ts";
import { seedProject, seedUser } from "../helpers/identity.ts";
import { addVirtualAuthenticator } from "../helpers/webauthn.ts";
import { hashPassword } from "@/lib/passwords.ts";

const t = await testApp({ listen: true, localhost: true });
const app = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
  const url = new URL(req.url);
  return new Response(`<h1 id="arrived">code ${url.searchParams.get("code") ? "received" : "missing"}</h1>`, {
    headers: { "content-type": "text/html" },
  });
});
const redirectUri = `http://127.0.0.1:${app.addr.port}/callback`;
const upgrading = await seedProject(t.db.sql, {
  name: "Toko Naik",
  redirectUri,
  settings: { passkeys: true, passkey_upgrade: true },
});
const plain = await seedProject(t.db.sql, { name: "Toko Biasa", redirectUri, settings: { passkeys: true } });
const PASSWORD = "kopi tubruk panas";

Deno.test.afterAll(async () => {
  await disconnectBrowser();
  await app.shutdown();
  await t.close();
});

type Project = typeof plain;

async function personWithPassword(project: Project, email: string): Promise<string> {
  const user = await seedUser(t.db.sql, project.id, email, { verified: true });
  await t.db.sql`update astapa.users set password_hash = ${await hashPassword(PASSWORD)} where id = ${user}`;
  return user;
}

const loginUrl = (project: Project) =>
  `${t.origin}/auth/login?${new URLSearchParams({
    client_id: project.clientId,
    redirect_uri: project.redirectUri,
    state: "s",
  })}`;

/** Signs in with the password and waits for the app to receive its code. */
async function signInWithPassword(page: Page, project: Project, email: string) {
  await page.goto(loginUrl(project));
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.waitForURL(/\/callback\?/);
  assert.equal(await page.locator("#arrived").innerText(), "code received");
}

async function signOut(page: Page, project: Project) {
  await page.goto(`${t.origin}/auth/logout?client_id=${project.clientId}`);
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByText("You are signed out.").waitFor();
}

const passkeysOf = async (user: string) => [
  ...await t.db.sql`select name, device_type from astapa.passkeys where user_id = ${user}`,
];

/** The pages the browser loaded, by path. */
function pathsSeen(page: Page): string[] {
  const seen: string[] = [];
  page.on("request", (request) => seen.push(new URL(request.url()).pathname));
  return seen;
}

Deno.test("passkey upgrade e2e — after a password the password manager's silent passkey is stored, then signs in", async () => {
  const { page, close, problems } = await openPage();
  const mediations: string[] = [];
  await page.context().exposeBinding("__astapaCreateMediation", (_source, mediation: string) => {
    mediations.push(mediation);
  });
  await page.addInitScript(() => {
    // Only the button signs in with a passkey here (no autofill request to race it).
    PublicKeyCredential.isConditionalMediationAvailable = () => Promise.resolve(false);
    const create = navigator.credentials.create.bind(navigator.credentials);
    navigator.credentials.create = (asked?: CredentialCreationOptions) => {
      // Conditional create is newer than this TypeScript's DOM types.
      const options = asked as (CredentialCreationOptions & { mediation?: string }) | undefined;
      const record =
        (globalThis as unknown as { __astapaCreateMediation(m: string): void }).__astapaCreateMediation;
      record(options?.mediation ?? "none");
      if (options?.mediation !== "conditional") return create(options);
      // The password manager agrees: the virtual authenticator makes the passkey, with no prompt.
      const { mediation: _conditional, ...plainCreate } = options;
      return create(plainCreate);
    };
  });
  const authenticator = await addVirtualAuthenticator(page);
  try {
    const user = await personWithPassword(upgrading, "naik@example.com");
    const seen = pathsSeen(page);
    await signInWithPassword(page, upgrading, "naik@example.com");
    assert.ok(seen.includes("/auth/passkeys/upgrade"), seen.join(" "));
    assert.deepEqual(mediations, ["conditional"]);
    // Stored like any registration, for her, under the page's default name, before the app got its code.
    assert.deepEqual(await passkeysOf(user), [{ name: "Passkey", device_type: "singleDevice" }]);
    const [held] = await authenticator.credentials();
    assert.equal(
      new TextDecoder().decode(Uint8Array.from(atob(held.userHandle!), (c) => c.charCodeAt(0))),
      user,
    );
    const [added] = await t.db.sql`select details from astapa.audit_log where project_id = ${upgrading.id}
      and action = 'user.passkey_added'`;
    assert.equal(added.details.name, "Passkey");

    await signOut(page, upgrading);
    await page.goto(loginUrl(upgrading));
    await page.getByRole("button", { name: "Sign in with a passkey" }).click();
    await page.waitForURL(/\/callback\?/);
    assert.equal(await page.locator("#arrived").innerText(), "code received");
    const [used] = await t.db.sql`select last_used_at from astapa.passkeys where user_id = ${user}`;
    assert.ok(used.last_used_at, "the upgraded passkey signed her in");

    // A passkey counts as her second step now (docs/mfa.md): her next password sign-in asks for it, and once
    // the passkey met that step no upgrade is asked for.
    await signOut(page, upgrading);
    await page.goto(loginUrl(upgrading));
    await page.getByLabel("Email").fill("naik@example.com");
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.getByRole("button", { name: "Use a passkey" }).click();
    await page.waitForURL(/\/callback\?/);
    assert.deepEqual(mediations, ["conditional"]);
    assert.equal((await passkeysOf(user)).length, 1);
    assert.deepEqual(problems, []);
  } finally {
    await authenticator.remove();
    await close();
  }
});

Deno.test("passkey upgrade e2e — a password manager that never answers does not hold the sign-in back", async () => {
  const { page, close } = await openPage();
  const authenticator = await addVirtualAuthenticator(page);
  try {
    const user = await personWithPassword(upgrading, "tunggu@example.com");
    const seen = pathsSeen(page);
    // Chromium's own conditional create, left pending (no saved password): the page moves on within its bound.
    await signInWithPassword(page, upgrading, "tunggu@example.com");
    assert.ok(seen.includes("/auth/passkeys/upgrade"));
    assert.deepEqual(await passkeysOf(user), []);
    assert.deepEqual(await authenticator.credentials(), []);
  } finally {
    await authenticator.remove();
    await close();
  }
});

Deno.test("passkey upgrade e2e — off unless the project turns it on: the password goes straight to the app", async () => {
  const { page, close } = await openPage();
  try {
    const user = await personWithPassword(plain, "biasa@example.com");
    const seen = pathsSeen(page);
    await signInWithPassword(page, plain, "biasa@example.com");
    assert.equal(seen.includes("/auth/passkeys/upgrade"), false);
    assert.deepEqual(await passkeysOf(user), []);
  } finally {
    await close();
  }
});
