/**
 * Imported users in a real browser (issue 22): each signs in on the hosted login with the password they had
 * in the system they came from, lands at the app, and from then on Astapa holds an argon2id hash instead.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { disconnectBrowser, openPage } from "../helpers/browser.ts";
import { basic, seedProject } from "../helpers/oauth.ts";
import { FIREBASE_VECTOR, foreignHashes } from "../helpers/foreign_hashes.ts";

const t = await testApp({ listen: true });
const app = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
  const code = new URL(req.url).searchParams.get("code");
  return new Response(`<h1 id="arrived">code ${code ? "received" : "missing"}</h1>`, {
    headers: { "content-type": "text/html" },
  });
});
const project = await seedProject(t.db.sql, {
  name: "Pindahan",
  redirectUri: `http://127.0.0.1:${app.addr.port}/callback`,
});
Deno.test.afterAll(async () => {
  await disconnectBrowser();
  await app.shutdown();
  await t.close();
});

const PASSWORD = "nasi goreng pedas";

Deno.test("user import — imported users sign in in Chromium with their old passwords; then argon2id", async () => {
  const hashes = await foreignHashes(PASSWORD);
  const people = Object.entries(hashes).map(([format, hash]) => ({
    email: `${format.replaceAll("_", "-")}@example.com`,
    email_verified: true,
    password_hash: hash,
    password: PASSWORD,
  }));
  people.push(
    {
      email: "firebase@example.com",
      email_verified: true,
      password_hash: FIREBASE_VECTOR.passwordHash,
      password: FIREBASE_VECTOR.password,
      password_salt: FIREBASE_VECTOR.salt,
    } as (typeof people)[number],
  );
  const users = people.map(({ password: _password, ...row }) => row);
  const res = await fetch(`${t.origin}/api/platform/users/import`, {
    method: "POST",
    headers: { authorization: basic(project.clientId, project.secret), "content-type": "application/json" },
    body: JSON.stringify({ hash_config: FIREBASE_VECTOR.hash_config, users }),
  });
  assert.deepEqual(await res.json(), { created: people.length, updated: 0, dry_run: false, refused: [] });

  for (const person of people) {
    const { page, close } = await openPage();
    try {
      await page.goto(`${t.origin}/auth/login?${new URLSearchParams({
        client_id: project.clientId,
        redirect_uri: project.redirectUri,
        state: "s",
      })}`);
      await page.getByLabel("Email").fill(person.email);
      await page.getByLabel("Password", { exact: true }).fill(person.password);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL(/\/callback\?/);
      assert.equal(await page.locator("#arrived").innerText(), "code received", person.email);
    } finally {
      await close();
    }
    const [row] = await t.db.sql`select password_hash from astapa.users
                                 where project_id = ${project.id} and email = ${person.email}`;
    assert.match(row.password_hash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/, person.email);
  }
});
