/**
 * When /auth/passkeys sends the person's password manager the Signal API's hints (islands/PasskeySignals,
 * docs/passkeys.md#keeping-password-managers-in-sync): with the kept keys listed, and right after a removal here
 * (the empty list then makes the manager forget it); never while the person keeps none otherwise — a manager may
 * act on a signal late, and an empty list acted on after the passkey made on that very page would drop it.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { randomSecret, sha256 } from "@/lib/secrets.ts";
import { testApp } from "../helpers/app.ts";
import { seedPasskey, seedProject } from "../helpers/identity.ts";
import { seedPasswordUser } from "../helpers/dynamic_clients.ts";
import { HostedBrowser } from "../helpers/form_browser.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const { sql } = t.db;
const shop = await seedProject(sql, { name: "Toko Sinyal", settings: { passkeys: true } });
const requestOf = new URLSearchParams({ client_id: shop.clientId, redirect_uri: shop.redirectUri })
  .toString();
const SIGNALS = /data-island="PasskeySignals"/;

/** A browser signed in (just now: a removal counts as recent) as a new person of the shop, who has a password. */
async function signedIn(email: string) {
  const user = await seedPasswordUser(sql, shop.id, email, "kopi tubruk panas");
  const token = randomSecret();
  await asApp(
    sql,
    shop.id,
    async (tx) => tx`select api.start_login_session(${user}, ${await sha256(token)})`,
  );
  const browser = new HostedBrowser(t, requestOf);
  browser.cookies.set(`astapa_session_${shop.id}`, token);
  return { user, browser };
}

Deno.test("passkey signals — none while the person keeps no passkey (the welcome offer too); with one, its list", async () => {
  const { user, browser } = await signedIn("tanpa@sinyal.example");
  for (const path of [`/auth/passkeys?${requestOf}`, `/auth/passkeys?${requestOf}&welcome=1`]) {
    const page = await browser.read(path);
    assert.equal(page.res.status, 200, path);
    assert.match(page.html, /Add a passkey/, path);
    assert.doesNotMatch(page.html, SIGNALS, path);
  }
  await seedPasskey(sql, shop.id, user, 71, { name: "Laptop" });
  const kept = await browser.read(`/auth/passkeys?${requestOf}`);
  assert.match(kept.html, SIGNALS);
  assert.match(kept.html, /(&quot;|")accepted(&quot;|"):\[(&quot;|")[\w-]+(&quot;|")\]/);
});

Deno.test("passkey signals — right after the last passkey is removed here, the empty list is sent (the manager forgets it)", async () => {
  const { user, browser } = await signedIn("hapus@sinyal.example");
  const key = await seedPasskey(sql, shop.id, user, 72, { name: "Telepon" });
  await browser.read(`/auth/passkeys?${requestOf}`);
  const removed = await browser.send("/auth/passkeys?lang=en", { action: "remove", id: key.toHex() });
  assert.equal(removed.status, 200);
  const html = await removed.text();
  assert.match(html, /The passkey was removed/);
  assert.match(html, SIGNALS);
  assert.match(html, /&quot;accepted&quot;:\[\]|"accepted":\[\]/);
  const [left] = await sql`select count(*)::int as n from astapa.passkeys where project_id = ${shop.id}
    and user_id = ${user}`;
  assert.equal(left.n, 0);
});
