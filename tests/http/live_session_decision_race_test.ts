/**
 * The signed-in browser's race (docs/security.md, the lock-order paragraphs of "Pre-account hijacking"): a page
 * finds the session live in one transaction (api.login_session) and issues a code, starts a step-up or approves
 * a device in a later one. A sign-out everywhere, a reset, a claim or a disable is made to land exactly there by
 * a seam: the app's pool, wrapped so that right after api.login_session returned, the test's own transaction ends
 * every way in and holds the user's row until the page's next step waits for it (pg_stat_activity, no sleeps),
 * then commits. Each path then shows the sign-in page again, and nothing is left for the ended session: no code,
 * no challenge, no approved device.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { endHolding, onceAfter, pausingPool } from "../helpers/pausing_pool.ts";
import { randomSecret, sha256 } from "@/lib/secrets.ts";
import { ACR_MFA } from "@/lib/login/factors/policy.ts";
import { testApp } from "../helpers/app.ts";
import { seedProject, seedUser } from "../helpers/identity.ts";
import { type Ender, enders, waysLeft } from "../helpers/enders.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const project = await seedProject(t.db.sql, { redirectUri: "https://warung.example/cb" });

const { signOutEverywhere, reset, claim, disable } = enders(project.id);

/** A user signed in by a live session of `amr`; returns its cookie token. */
async function signedIn(email: string, verified: boolean): Promise<{ user: string; token: string }> {
  const user = await seedUser(t.db.sql, project.id, email, { verified });
  const token = randomSecret();
  await t.db.sql`insert into astapa.login_sessions (project_id, token_hash, user_id, expires_at, amr)
    values (${project.id}, ${await sha256(token)}, ${user}, now() + interval '1 day', '{pwd}')`;
  return { user, token };
}

/** Runs `request` through the app while `end` lands between the page's live check and its decision. */
async function racing(
  user: string,
  end: Ender,
  request: () => Response | Promise<Response>,
): Promise<Response> {
  const pool = t.deps.sql;
  const ended: Promise<unknown>[] = [];
  t.deps.sql = pausingPool(
    pool,
    onceAfter("api.login_session(", () => endHolding(t.db.sql, project.id, (tx) => end(tx, user), ended)),
  );
  try {
    const res = await request();
    assert.equal(ended.length, 1, "the ender ran between the live check and the decision");
    await Promise.all(ended);
    return res;
  } finally {
    t.deps.sql = pool;
  }
}

const CSRF = randomSecret();
function cookies(token: string): string {
  return `astapa_session_${project.id}=${token}; astapa_csrf=${CSRF}`;
}
function authorizeQuery(extra: Record<string, string> = {}): string {
  return new URLSearchParams({
    client_id: project.clientId,
    redirect_uri: project.redirectUri,
    response_type: "code",
    scope: "openid",
    state: "s1",
    ...extra,
  }).toString();
}
async function postForm(path: string, token: string, fields: Record<string, string>): Promise<Response> {
  return await t.app.request(path, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookies(token) },
    body: new URLSearchParams({ csrf: CSRF, ...fields }),
  });
}

/** What the ended session's decisions left: nothing, once an ender ran. */
function left(user: string) {
  return waysLeft(t.db.sql, project.id, user);
}

/** Sent to sign in again (the hosted login, not the app), and that page asks for a sign-in. */
async function signInAgain(res: Response, token: string) {
  assert.equal(res.status, 303, await res.clone().text());
  const location = res.headers.get("location")!;
  assert.match(location, /^\/auth\/login\?/, "the sign-in page again, not the app with a code");
  const page = await t.app.request(location, { headers: { cookie: cookies(token) } });
  assert.equal(page.status, 200);
  assert.match(await page.text(), /name="password"/, "the sign-in form");
}

Deno.test("live session race — the returning person's code: a sign-out everywhere lands first, no code", async () => {
  const { user, token } = await signedIn("kembali@example.com", true);
  const res = await racing(
    user,
    signOutEverywhere,
    () => t.app.request(`/auth/login?${authorizeQuery()}`, { headers: { cookie: cookies(token) } }),
  );
  await signInAgain(res, token);
  assert.deepEqual(await left(user), { codes: 0, challenges: 0, approvals: 0 });
});

Deno.test("live session race — the consent step's code: a reset lands first, no code", async () => {
  const { user, token } = await signedIn("setuju@example.com", true);
  const res = await racing(
    user,
    reset,
    () => postForm("/auth/consent", token, { request: authorizeQuery(), decision: "allow" }),
  );
  await signInAgain(res, token);
  assert.deepEqual(await left(user), { codes: 0, challenges: 0, approvals: 0 });
});

Deno.test("live session race — the organization step's code: a claim lands first, no code", async () => {
  const { user, token } = await signedIn("organisasi@example.com", false);
  const res = await racing(
    user,
    claim,
    () => postForm("/auth/organization", token, { request: authorizeQuery(), organization: "" }),
  );
  await signInAgain(res, token);
  assert.deepEqual(await left(user), { codes: 0, challenges: 0, approvals: 0 });
});

Deno.test("live session race — a step-up's challenge: a disable lands first, no challenge", async () => {
  const { user, token } = await signedIn("naik@example.com", true);
  const res = await racing(
    user,
    disable,
    () =>
      t.app.request(`/auth/login?${authorizeQuery({ acr_values: ACR_MFA })}`, {
        headers: { cookie: cookies(token) },
      }),
  );
  assert.ok(
    !res.headers.getSetCookie().some((c) => c.startsWith(`astapa_mfa_${project.id}=`)),
    "no challenge",
  );
  assert.equal(res.status, 303);
  assert.match(res.headers.get("location")!, /^\/auth\/login\?/);
  assert.deepEqual(await left(user), { codes: 0, challenges: 0, approvals: 0 });
});

Deno.test("live session race — a device approval at /device: a sign-out everywhere lands first, not approved", async () => {
  const { user, token } = await signedIn("perangkat@example.com", true);
  const userCode = "BCDFGHJK";
  await asApp(
    t.db.sql,
    project.id,
    async (tx) =>
      tx`select api.start_device_authorization(${await sha256(
        "race-device",
      )}, ${userCode}, ${project.clientId},
        '', null, 600, 1000)`,
  );
  const res = await racing(
    user,
    signOutEverywhere,
    () => postForm("/device", token, { user_code: userCode, step: "decide", decision: "allow" }),
  );
  assert.equal(res.status, 303, await res.clone().text());
  const location = new URL(res.headers.get("location")!, t.origin);
  assert.equal(location.pathname, "/auth/login", "through the hosted login again");
  assert.equal(location.searchParams.get("redirect_uri"), `${t.origin}/device/callback`);
  assert.deepEqual(await left(user), { codes: 0, challenges: 0, approvals: 0 });
  const [device] = await t.db
    .sql`select status from astapa.device_authorizations where user_code = ${userCode}`;
  assert.equal(device.status, "pending", "still waiting for a decision from a live session");
});
