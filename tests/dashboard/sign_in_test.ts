/** The dashboard signs developers in as an OAuth client of its own console project (codes issued in SQL). */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { issueCode } from "../helpers/oauth.ts";
import { seedUser } from "../helpers/identity.ts";
import { inviteDeveloper } from "../helpers/dashboard.ts";
import { csrfOf } from "../helpers/csrf.ts";
import { asApp } from "@/db/client.ts";

const t = await testApp({ env: { ASTAPA_BASE_URL: "https://astapa.test" } });
Deno.test.afterAll(() => t.close());
const consoleProject = {
  id: t.deps.consoleClient.projectId,
  clientId: t.deps.consoleClient.clientId,
  secret: "",
  redirectUri: "https://astapa.test/dashboard/callback",
};

const cookieOf = (res: Response, name: string) =>
  res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`)) ?? "";

/** /dashboard/login → (the hosted login, played by issueCode) → /dashboard/callback. */
async function signIn(email: string, options: { verified?: boolean; sub?: string } = {}) {
  const login = await t.app.request("/dashboard/login");
  assert.equal(login.status, 303);
  const to = new URL(login.headers.get("location")!);
  const loginCookie = cookieOf(login, "astapa_dashboard_login");
  const sub = options.sub ??
    await seedUser(t.db.sql, consoleProject.id, email, { verified: options.verified });
  const code = await issueCode(t.db.sql, consoleProject, {
    userId: sub,
    codeChallenge: to.searchParams.get("code_challenge")!,
  });
  const state = to.searchParams.get("state")!;
  const callback = await t.app.request(`/dashboard/callback?code=${code}&state=${state}`, {
    headers: { cookie: loginCookie.split(";")[0], accept: "text/html" },
  });
  return { to, loginCookie, callback, code, state, sub };
}

Deno.test("sign-in — /dashboard/login sends you to the console's hosted login with PKCE and state", async () => {
  const { to, loginCookie } = await signIn("first@dev.example");
  assert.equal(to.origin + to.pathname, "https://astapa.test/auth/login");
  assert.equal(to.searchParams.get("client_id"), t.deps.consoleClient.clientId);
  assert.equal(to.searchParams.get("redirect_uri"), consoleProject.redirectUri);
  assert.equal(to.searchParams.get("code_challenge_method"), "S256");
  assert.match(loginCookie, /HttpOnly/);
  assert.match(loginCookie, /Secure/);
  assert.match(loginCookie, /SameSite=Lax/);
});

Deno.test("sign-in — the first developer on a fresh install gets a session and owns the deployment", async () => {
  const [{ count }] = await t.db.sql`select count(*)::int as count from astapa.accounts`;
  assert.equal(count, 1, "the previous test's developer is the first");
  const { callback } = await signIn("second-try@dev.example").catch(() => ({ callback: null }));
  assert.equal(callback?.status, 403, "a second, uninvited developer is refused");
  assert.match(await callback!.text(), /invite-only: ask its owner to invite second-try@dev\.example/);
  const [owner] = await t.db.sql`select email, deployment_owner from astapa.accounts order by id limit 1`;
  assert.deepEqual({ ...owner }, { email: "first@dev.example", deployment_owner: true });
});

Deno.test("sign-in — the callback sets a Secure HttpOnly Lax session cookie that opens the dashboard", async () => {
  const sub =
    (await t.db.sql`select console_user_id::text as sub from astapa.accounts order by id limit 1`)[0].sub;
  const { callback } = await signIn("", { sub });
  assert.equal(callback.status, 303);
  assert.equal(callback.headers.get("location"), "/dashboard");
  const session = cookieOf(callback, "astapa_dashboard");
  assert.match(session, /HttpOnly/);
  assert.match(session, /Secure/);
  assert.match(session, /SameSite=Lax/);
  assert.match(session, /Path=\/dashboard/);
  const page = await t.app.request("/dashboard", { headers: { cookie: session.split(";")[0] } });
  assert.equal(page.status, 200);
  assert.match(await page.text(), /first@dev\.example/);
  const csrf = csrfOf(
    await (await t.app.request("/dashboard", {
      headers: { cookie: session.split(";")[0] },
    })).text(),
  );
  const out = await t.app.request("/dashboard/logout", {
    method: "POST",
    headers: { cookie: session.split(";")[0], "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ csrf }),
  });
  assert.equal(out.status, 303);
  const after = await t.app.request("/dashboard", { headers: { cookie: session.split(";")[0] } });
  assert.equal(after.status, 303, "the ended session no longer opens the dashboard");
});

Deno.test("sign-in — a wrong state, a missing cookie or a replayed code is refused", async () => {
  const sub =
    (await t.db.sql`select console_user_id::text as sub from astapa.accounts order by id limit 1`)[0].sub;
  const { loginCookie, code, state, callback } = await signIn("", { sub });
  assert.equal(callback.status, 303);
  const replay = await t.app.request(`/dashboard/callback?code=${code}&state=${state}`, {
    headers: { cookie: loginCookie.split(";")[0] },
  });
  assert.equal(replay.status, 400, "a code works once");
  const wrongState = await t.app.request(`/dashboard/callback?code=${code}&state=not-the-state`, {
    headers: { cookie: loginCookie.split(";")[0] },
  });
  assert.equal(wrongState.status, 400);
  const noCookie = await t.app.request(`/dashboard/callback?code=${code}&state=${state}`);
  assert.equal(noCookie.status, 400);
  const cancelled = await t.app.request("/dashboard/callback?error=access_denied");
  assert.equal(cancelled.status, 403);
});

Deno.test("sign-in — an invited developer must verify their email first, then joins (not as deployment owner)", async () => {
  await inviteDeveloper(t, "Invited@Dev.example");
  const unverified = await signIn("invited@dev.example", { verified: false });
  assert.equal(unverified.callback.status, 403);
  assert.match(await unverified.callback.text(), /Verify invited@dev\.example first/);
  await asApp(
    t.db.sql,
    consoleProject.id,
    (tx) => tx`update astapa.users set email_verified = true where id = ${unverified.sub}`,
  );
  const verified = await signIn("", { sub: unverified.sub });
  assert.equal(verified.callback.status, 303);
  const [account] = await t.db.sql`
    select deployment_owner, console_user_id::text as sub from astapa.accounts where lower(email) = 'invited@dev.example'`;
  assert.deepEqual({ ...account }, { deployment_owner: false, sub: unverified.sub });
});

Deno.test("sign-in — on a plain-http base URL off loopback, the login page explains instead of redirecting", async () => {
  const plain = await testApp();
  try {
    const res = await plain.app.request("/dashboard/login", { headers: { accept: "text/html" } });
    assert.equal(res.status, 200);
    assert.match(await res.text(), /Sign-in is not available on this address/);
  } finally {
    await plain.close();
  }
});
