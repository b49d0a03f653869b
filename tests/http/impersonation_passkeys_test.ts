/**
 * Support staff signed in as a person (docs/impersonation.md) cannot change how the person signs in: on
 * /auth/passkeys an impersonated session may neither remove one of the person's passkeys (it could within the
 * impersonation's first ten minutes, as "recent" counted its opening as a sign-in) nor open a ceremony to add
 * one. The page says why, in English and Indonesian, and the keys stay.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { seedPasskey, seedProject, seedUser } from "../helpers/identity.ts";
import { HostedBrowser, redirectTarget } from "../helpers/form_browser.ts";
import { impersonationFlows } from "../helpers/impersonation.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const { sql } = t.db;
const shop = await seedProject(sql, {
  name: "Toko Kunci",
  redirectUri: "https://kunci.example/cb",
  settings: { passkeys: true },
});
const requestOf = new URLSearchParams({ client_id: shop.clientId, redirect_uri: shop.redirectUri })
  .toString();
const { someone, impersonate, open } = impersonationFlows(t);
let keys = 30;

/** A person with two passkeys, and a browser support opened their impersonation link in. */
async function impersonatedBrowser() {
  const user = await seedUser(sql, shop.id, someone(), { verified: true });
  const first = await seedPasskey(sql, shop.id, user, ++keys, { name: "Laptop" });
  await seedPasskey(sql, shop.id, user, ++keys, { name: "Phone" });
  const browser = new HostedBrowser(t, requestOf);
  await open(browser, (await impersonate(shop, user)).url);
  return { user, first, browser };
}

const keysOf = async (user: string) =>
  (await sql`select name from astapa.passkeys where project_id = ${shop.id} and user_id = ${user}
    order by name`).map((r) => r.name as string);

Deno.test("impersonation passkeys — removing the person's passkey is refused, saying why (en, id); the key stays", async () => {
  const { user, first, browser } = await impersonatedBrowser();
  const page = await browser.read(`/auth/passkeys?${requestOf}`);
  assert.equal(page.res.status, 200);
  for (
    const [lang, says] of [["en", /Support staff signed in as this person/], ["id", /Staf dukungan/]] as const
  ) {
    const res = await browser.send(`/auth/passkeys?lang=${lang}`, { action: "remove", id: first.toHex() });
    assert.equal(res.status, 403, lang);
    assert.match(await res.text(), says, lang);
  }
  assert.deepEqual(await keysOf(user), ["Laptop", "Phone"]);
  assert.doesNotMatch(page.html, /name="action" value="remove"/, "no removal offered");
  assert.match(page.html, /Support staff signed in as this person/);
  const [audit] = await sql`select count(*)::int as n from astapa.audit_log
    where project_id = ${shop.id} and action = 'user.passkey_removed' and target = ${"user:" + user}`;
  assert.equal(audit.n, 0);
});

Deno.test("impersonation passkeys — no ceremony to add a passkey opens for an impersonated session", async () => {
  const { user, browser } = await impersonatedBrowser();
  await browser.read(`/auth/passkeys?${requestOf}`);
  const options = await browser.send("/auth/passkey/options", { purpose: "register" });
  assert.equal(options.status, 403, await options.clone().text());
  assert.equal((await options.json()).error, "impersonated");
  const [opened] = await sql`select count(*)::int as n from astapa.webauthn_challenges
    where project_id = ${shop.id} and user_id = ${user}`;
  assert.equal(opened.n, 0);
});

Deno.test("impersonation passkeys — no silent passkey upgrade and no password-manager signals for an impersonated session", async () => {
  const { browser } = await impersonatedBrowser();
  await sql`update astapa.projects set settings = settings || '{"passkey_upgrade": true}' where id = ${shop.id}`;
  try {
    // The upgrade's stop sends support staff straight on (Postgres would refuse the registration anyway).
    const to = redirectTarget(await browser.get(`/auth/passkeys/upgrade?${requestOf}`));
    assert.ok(to.startsWith("/auth/login?"), to);
    // The list page tells their browser's password manager nothing about the person's account.
    const page = await browser.read(`/auth/passkeys?${requestOf}`);
    assert.equal(page.res.status, 200);
    assert.match(page.html, /Laptop/);
    assert.doesNotMatch(page.html, /data-island="PasskeySignals"/);
    // Nor does the account page, which sends them to the person's own browser.
    const account = await browser.read(`/account?client_id=${shop.clientId}`);
    assert.equal(account.res.status, 200);
    assert.match(account.html, /Laptop/);
    assert.doesNotMatch(account.html, /data-island="PasskeySignals"/);
  } finally {
    await sql`update astapa.projects set settings = settings - 'passkey_upgrade' where id = ${shop.id}`;
  }
});
