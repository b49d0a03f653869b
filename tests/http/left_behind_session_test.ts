/**
 * A browser session or a second step left behind for a person who may no longer sign in (astapa.user_may_sign_in):
 * the user disabled or marked deleted by an owner's edit, which voids nothing (api.disable_user and
 * astapa.erase_user would). The hosted pages show sign-in again — never a silent sign-in, never a 500 — and a
 * re-enable brings back the session that was never ended.
 */
import assert from "node:assert/strict";
import * as OTPAuth from "otpauth";
import { testApp } from "../helpers/app.ts";
import { FormBrowser } from "../helpers/form_browser.ts";
import { seedProject } from "../helpers/identity.ts";
import { seedPasswordUser } from "../helpers/dynamic_clients.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const project = await seedProject(t.db.sql, { name: "Warung Lama", redirectUri: "https://lama.example/cb" });
const required = await seedProject(t.db.sql, {
  name: "Warung Aman",
  redirectUri: "https://aman.example/cb",
  settings: { mfa: { policy: "required" } },
});

const query = (p: typeof project) =>
  `client_id=${p.clientId}&redirect_uri=${encodeURIComponent(p.redirectUri)}`;
const edit = {
  disable: (user: string) => t.db.sql`update astapa.users set disabled = true where id = ${user}`,
  enable: (user: string) => t.db.sql`update astapa.users set disabled = false where id = ${user}`,
  erase: (user: string) => t.db.sql`update astapa.users set deleted_at = now() where id = ${user}`,
};

/** Where the sign-in page sends a browser that holds a session: the app (silently), or the form (200). */
async function signInPage(browser: FormBrowser): Promise<string> {
  const res = await browser.get(`/auth/login?${query(project)}`);
  const html = await res.text();
  if (res.status === 303) return new URL(res.headers.get("location")!, t.origin).origin;
  assert.equal(res.status, 200, html.slice(0, 300));
  assert.match(html, /name="password"/, "the sign-in form");
  return "form";
}

Deno.test("left behind — a disabled or erased user's session: the sign-in page and /account ask to sign in again", async () => {
  const user = await seedPasswordUser(t.db.sql, project.id, "left@example.com", "long enough");
  const browser = new FormBrowser(t);
  const signedIn = await browser.submit(`/auth/login?${query(project)}`, {
    email: "left@example.com",
    password: "long enough",
  });
  assert.equal(signedIn.status, 303);
  assert.equal(await signInPage(browser), "https://lama.example", "signed in: straight back to the app");

  await edit.disable(user);
  assert.equal(await signInPage(browser), "form", "disabled: no silent sign-in");
  const account = await browser.get(`/account?client_id=${project.clientId}`);
  assert.equal(account.status, 303);
  assert.equal(new URL(account.headers.get("location")!, t.origin).pathname, "/auth/login");

  await edit.enable(user);
  assert.equal(await signInPage(browser), "https://lama.example", "re-enabled: the session was never ended");

  await edit.erase(user);
  assert.equal(await signInPage(browser), "form", "erased (even if not disabled): no silent sign-in");
});

Deno.test("left behind — a second step shown before a disable: met after it, the page says to sign in again", async () => {
  const user = await seedPasswordUser(t.db.sql, required.id, "left.mfa@example.com", "long enough");
  const browser = new FormBrowser(t);
  const asked = await browser.submit(`/auth/login?${query(required)}`, {
    email: "left.mfa@example.com",
    password: "long enough",
  });
  assert.equal(asked.status, 303);
  assert.match(asked.headers.get("location")!, /^\/auth\/mfa\?/);
  const page = await browser.get(`/auth/mfa?${query(required)}`);
  assert.equal(page.status, 200);
  const html = await page.text();
  const key = /<code class="totp-key">([A-Z2-7 ]+)<\/code>/.exec(html)![1];

  await edit.disable(user);
  const code = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(key.replace(/\s+/g, "")) }).generate();
  const met = await browser.post(html, { code });
  assert.equal(met.status, 400);
  assert.match(await met.text(), /This sign-in step has expired\. Sign in again\./);
  assert.equal(browser.cookies.get(`astapa_session_${required.id}`), undefined, "no session");
  const [left] = await t.db.sql`select
    (select count(*)::int from astapa.user_factors where user_id = ${user}) as factors,
    (select count(*)::int from astapa.login_sessions where user_id = ${user}) as sessions`;
  assert.deepEqual({ ...left }, { factors: 0, sessions: 0 }, "nothing set up, nothing started");
});
