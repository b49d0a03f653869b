/**
 * The pending sign-in cookie /auth/start leaves (lib/login/pending_login.ts; docs/hosted-login.md "Sign-ins the
 * app did not start"): one a project, so two projects' pending actions live side by side and one project's sign-in
 * page never reads or clears the other's; the token sealed in it, so a copy is no mailed link, and one tampered
 * with, moved under another project's name, past its 10 minutes or sealed under an earlier master key (one still
 * listed in ASTAPA_MASTER_KEY_PREVIOUS, which may have leaked) is no pending action (and is cleared).
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { pkcePair, seedProject } from "../helpers/oauth.ts";
import { mergeCookies, seedPasswordUser } from "../helpers/dynamic_clients.ts";
import type { SeededProject } from "../helpers/identity.ts";
import { randomSecret, sha256 } from "@/lib/secrets.ts";
import { sealPendingLogin } from "@/lib/login/pending_login.ts";
import { deriveMasterKeys } from "@/lib/tokens/master_key.ts";

/** The deployment changed its master key: the earlier one still opens what it sealed at rest. */
const EARLIER_MASTER_KEY = "earlier-master-secret-".padEnd(44, "e");
const t = await testApp({
  env: {
    ASTAPA_MASTER_KEY: "current-master-secret-".padEnd(44, "c"),
    ASTAPA_MASTER_KEY_PREVIOUS: EARLIER_MASTER_KEY,
  },
});
Deno.test.afterAll(() => t.close());
const { sql } = t.db;

const toko = await seedProject(sql, {
  name: "Toko",
  redirectUri: "https://toko.example/cb",
  settings: { initiate_login_uri: "https://toko.example/start" },
});
const lain = await seedProject(sql, {
  name: "Lain",
  redirectUri: "https://lain.example/cb",
  settings: { initiate_login_uri: "https://lain.example/start" },
});

const get = (path: string, cookie = "") => t.app.request(path, { headers: cookie ? { cookie } : {} });

/** An /auth/start link for a new user's reset (the token stored as a reset mail stores it). */
async function resetLink(p: SeededProject, email: string) {
  const user = await seedPasswordUser(sql, p.id, email, `password of ${email}`);
  const token = randomSecret();
  await sql`insert into astapa.email_tokens (project_id, token_hash, user_id, purpose, expires_at)
            values (${p.id}, ${await sha256(token)}, ${user}, 'reset_password', now() + interval '1 hour')`;
  return { token, link: `/auth/start?${new URLSearchParams({ p: p.id, t: token })}` };
}

/** The project's sign-in page as the app's own request opens it, with `hint` as login_hint. */
async function signInPage(p: SeededProject, hint: string, jar: string) {
  const { challenge } = await pkcePair();
  return await get(
    `/auth/login?${new URLSearchParams({
      response_type: "code",
      client_id: p.clientId,
      redirect_uri: p.redirectUri,
      scope: "openid",
      state: "s",
      code_challenge: challenge,
      code_challenge_method: "S256",
      login_hint: hint,
    })}`,
    jar,
  );
}

const pendingCookies = (res: Response) =>
  res.headers.getSetCookie().filter((c) => c.startsWith("astapa_pending_login"));

Deno.test("pending login — two projects' pending actions at once: each sign-in page shows its own and leaves the other's", async () => {
  let jar = mergeCookies("", await get((await resetLink(toko, "ayu@both.example")).link));
  jar = mergeCookies(jar, await get((await resetLink(lain, "budi@both.example")).link));
  // Project Lain's sign-in page, for another address: nothing of Toko's is read or cleared.
  const browsing = await signInPage(lain, "someone@both.example", jar);
  assert.equal(browsing.status, 200);
  assert.deepEqual(pendingCookies(browsing), []);
  const atLain = await signInPage(lain, "budi@both.example", jar);
  assert.equal(atLain.status, 303);
  assert.match(atLain.headers.get("location")!, /^\/auth\/reset\?/);
  assert.deepEqual(pendingCookies(atLain), []);
  const atToko = await signInPage(toko, "ayu@both.example", jar);
  assert.equal(atToko.status, 303, "Toko's pending reset survived the visit to Lain");
  const reset = await get(atToko.headers.get("location")!, jar);
  assert.match(await reset.text(), /for the account <strong>ayu@both\.example<\/strong>/);
});

Deno.test("pending login — the cookie is no mailed link; tampered with, moved to another project or past 10 minutes it is nothing, and cleared", async () => {
  const { token, link } = await resetLink(toko, "citra@sealed.example");
  const opened = await get(link);
  const [set] = pendingCookies(opened);
  const value = set.slice(set.indexOf("=") + 1, set.indexOf(";"));
  assert.ok(!value.includes(token));
  // The cookie's value as a link's token: not a token at all.
  assert.equal((await get(`/auth/start?${new URLSearchParams({ p: toko.id, t: value })}`)).status, 404);
  const flipped = value.slice(0, -2) + (value.at(-2) === "A" ? "B" : "A") + value.at(-1);
  const expired = await sealPendingLogin(t.deps.masterKeys.social, toko.id, token, Date.now() - 1);
  // Whoever holds a master key the deployment moved away from (it may have leaked) seals a cookie of their choosing.
  const earlier = await sealPendingLogin((await deriveMasterKeys(EARLIER_MASTER_KEY)).social, toko.id, token);
  const cases: [string, SeededProject, string][] = [
    ["tampered with", toko, `astapa_pending_login_${toko.id}=${flipped}`],
    ["moved under another project's name", lain, `astapa_pending_login_${lain.id}=${value}`],
    ["past its 10 minutes", toko, `astapa_pending_login_${toko.id}=${expired}`],
    ["sealed under the earlier master key", toko, `astapa_pending_login_${toko.id}=${earlier}`],
  ];
  await seedPasswordUser(sql, lain.id, "citra@sealed.example", "lain password of citra");
  for (const [label, p, cookie] of cases) {
    const page = await signInPage(p, "citra@sealed.example", cookie);
    assert.equal(page.status, 200, `${label}: the ordinary sign-in page`);
    assert.ok(
      pendingCookies(page).some((c) => c.startsWith(`astapa_pending_login_${p.id}=;`)),
      `${label}: cleared`,
    );
  }
  // The genuine cookie still opens the reset.
  const genuine = await signInPage(toko, "citra@sealed.example", `astapa_pending_login_${toko.id}=${value}`);
  assert.equal(genuine.status, 303);
});
