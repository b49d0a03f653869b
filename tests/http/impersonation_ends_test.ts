/**
 * How an impersonation ends, over HTTP (docs/impersonation.md): after its DELETE, introspection calls its access
 * tokens inactive (their signature still verifies: JWKS alone cannot see the end), also once exchanged, and its
 * refresh tokens are revoked (a rotated one retried inside the grace window too); the person's password reset and a sign-out everywhere void a link not yet opened and
 * end an opened one; and a fresh sign-in (prompt=login, max_age) asked of its session is refused, not sent to the
 * person's password: login_required for prompt=none, a page in en and id otherwise.
 */
import assert from "node:assert/strict";
import { randomSecret, sha256 } from "@/lib/secrets.ts";
import { verifyAccessToken } from "@/lib/tokens/verify_access_token.ts";
import { testApp } from "../helpers/app.ts";
import { type SeededProject, seedProject, seedUser } from "../helpers/identity.ts";
import { FormBrowser } from "../helpers/form_browser.ts";
import { ACTOR, impersonationFlows } from "../helpers/impersonation.ts";
import { basic } from "../helpers/oauth.ts";
import { postForm } from "../helpers/token_client.ts";
import { submitForm } from "../helpers/login.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const { sql } = t.db;
const shop = await seedProject(sql, { name: "Toko Dewi", redirectUri: "https://shop.example/cb" });
const elsewhere = await seedProject(sql, { name: "Toko Lain", redirectUri: "https://lain.example/cb" });
const { someone, api, impersonate, open, signIn, impersonatedSignIn, refresh, exchangingServer } =
  impersonationFlows(t);

async function introspect(token: string, caller: { clientId: string; secret: string } = shop) {
  const { res, body } = await postForm(t, "/api/platform/introspect", { token }, {
    authorization: basic(caller.clientId, caller.secret),
  });
  assert.equal(res.status, 200, JSON.stringify(body));
  return body as { active: boolean; act?: unknown };
}

const linkPath = (url: string) => new URL(url).pathname + new URL(url).search;

function userinfo(accessToken: string) {
  return t.app.request("/api/platform/userinfo", { headers: { authorization: `Bearer ${accessToken}` } });
}

Deno.test("impersonation ends — after the DELETE introspection says inactive, userinfo refuses; the refresh token is revoked; the signature still verifies", async () => {
  const { user, made, tokens } = await impersonatedSignIn(shop);
  const live = await introspect(tokens.access_token);
  assert.equal(live.active, true);
  assert.deepEqual(live.act, { sub: ACTOR, impersonation_id: made.id });
  assert.equal((await introspect(tokens.access_token, elsewhere)).active, false, "another project's client");
  const before = await userinfo(tokens.access_token);
  assert.equal(before.status, 200);
  assert.equal((await before.json()).sub, user);

  assert.equal((await api(shop, "DELETE", `/${user}/impersonations/${made.id}`)).status, 200);
  assert.deepEqual(await introspect(tokens.access_token), { active: false }, "replayed after the end");
  const after = await userinfo(tokens.access_token);
  assert.equal(after.status, 401);
  assert.match(after.headers.get("www-authenticate") ?? "", /invalid_token/);
  await after.body?.cancel();
  assert.deepEqual(await introspect(tokens.refresh_token), { active: false });
  const refused = await refresh(shop, tokens.refresh_token);
  assert.equal(refused.body.error, "invalid_grant");
  const [row] =
    await sql`select revoked_reason from astapa.refresh_tokens where impersonation_id = ${made.id}`;
  assert.equal(row.revoked_reason, "impersonation_ended");
  // What a resource server checking the signature against the JWKS sees: valid until exp (<= ends_at).
  const verified = await verifyAccessToken(t.deps.keys, t.config.baseUrl, tokens.access_token);
  assert.equal(verified?.sub, user, "JWKS alone cannot see the end; introspection can");
});

Deno.test("impersonation ends — a token exchanged from its access token is inactive after the end, and its access token is no longer exchanged", async () => {
  const NOTES = "https://notes.ends.example/mcp";
  const CALENDAR = "https://calendar.ends.example/api";
  const { server, exchange } = await exchangingServer(shop, NOTES, CALENDAR);
  const user = await seedUser(sql, shop.id, someone(), { verified: true });
  const made = await impersonate(shop, user);
  const browser = new FormBrowser(t);
  await open(browser, made.url);
  const tokens = await signIn(browser, shop, { scope: "notes:read", resource: NOTES });
  assert.ok(tokens);
  const { res, body } = await exchange(tokens.access_token);
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.equal((await introspect(body.access_token, server)).active, true);
  assert.equal((await api(shop, "DELETE", `/${user}/impersonations/${made.id}`)).status, 200);
  assert.deepEqual(await introspect(body.access_token, server), { active: false });
  const replayed = await exchange(tokens.access_token);
  assert.equal(replayed.res.status, 400, "the ended impersonation's token mints nothing more");
  assert.equal(replayed.body.error, "invalid_request");
  assert.match(replayed.body.error_description, /impersonation that has ended/);
  const [refusal] = await sql`select details from astapa.audit_log where project_id = ${shop.id}
    and action = 'token.exchange_refused' order by id desc limit 1`;
  assert.match(refusal.details.refused, /impersonation that has ended/, "audited");
});

Deno.test("impersonation ends — the person's password reset voids a link not yet opened and ends an opened one", async () => {
  const user = await seedUser(sql, shop.id, someone(), { verified: true });
  const unopened = await impersonate(shop, user);
  const opened = await impersonate(shop, user);
  const browser = new FormBrowser(t);
  await open(browser, opened.url);
  const tokens = await signIn(browser, shop);
  assert.ok(tokens);

  const token = randomSecret();
  await sql`insert into astapa.email_tokens (project_id, token_hash, user_id, purpose, expires_at)
    values (${shop.id}, ${await sha256(token)}, ${user}, 'reset_password', now() + interval '1 hour')`;
  const reset = await submitForm(
    t,
    shop,
    "/auth/reset",
    { password: "a passphrase of my own 2026" },
    {},
    `&token=${token}`,
  );
  assert.equal(reset.status, 303, (await reset.clone().text()).slice(0, 400));
  await reset.body?.cancel();

  const dead = await new FormBrowser(t).get(linkPath(unopened.url));
  assert.equal(dead.status, 400, "the link left unopened no longer works");
  assert.match(await dead.text(), /no longer works/);
  assert.deepEqual(await introspect(tokens.access_token), { active: false }, "support's tokens end with it");
  assert.equal((await refresh(shop, tokens.refresh_token)).body.error, "invalid_grant");
  assert.equal(await signIn(browser, shop), null, "support's browser is signed out");
  assert.deepEqual((await api(shop, "GET", `/${user}/impersonations`)).body.impersonations, []);
});

Deno.test("impersonation ends — a sign-out everywhere voids a link not yet opened: opening it later is a 400", async () => {
  const user = await seedUser(sql, shop.id, someone(), { verified: true });
  const made = await impersonate(shop, user);
  const browser = new FormBrowser(t);
  const asked = await browser.get(linkPath(made.url));
  const question = await asked.text();
  assert.equal(asked.status, 200);
  const out = await t.app.request(`/api/platform/users/${user}/sessions`, {
    method: "DELETE",
    headers: { authorization: basic(shop.clientId, shop.secret) },
  });
  assert.equal(out.status, 200, await out.clone().text());
  assert.equal((await out.json()).impersonation_links, 1);
  // The question page was shown before: its button now opens nothing.
  const posted = await browser.post(question, {});
  assert.equal(posted.status, 400);
  assert.match(await posted.text(), /no longer works/);
  const [row] = await sql`select opened_at, ended_at from astapa.impersonations where id = ${made.id}`;
  assert.equal(row.opened_at, null);
  assert.ok(row.ended_at);
});

/** The app's authorization request from `browser`, with `extra` (prompt, max_age, lang), unanswered. */
function authorize(browser: FormBrowser, p: SeededProject, extra: Record<string, string>) {
  const query = new URLSearchParams({
    client_id: p.clientId,
    redirect_uri: p.redirectUri,
    response_type: "code",
    scope: "openid",
    state: "s-1",
    ...extra,
  });
  return browser.get(`/auth/login?${query}`);
}

Deno.test("impersonation ends — prompt=login and an exceeded max_age are refused with a page (en, id), never the person's password form", async () => {
  const { made, browser } = await impersonatedSignIn(shop);
  await sql`update astapa.login_sessions set created_at = now() - interval '2 minutes'
    where impersonation_id = ${made.id}`;
  const asked = [
    [{ prompt: "login", lang: "en" }, /Support cannot sign in again as this person/],
    [{ max_age: "30", lang: "en" }, /Ask for a new sign-in link/],
    [{ prompt: "login", lang: "id" }, /Tim dukungan tidak dapat masuk lagi/],
  ] as const;
  for (const [extra, says] of asked) {
    const res = await authorize(browser, shop, extra);
    const html = await res.text();
    assert.equal(res.status, 403, JSON.stringify(extra));
    assert.match(html, says);
    assert.doesNotMatch(html, /type="password"/, "no password is asked of the actor");
  }
  const silent = await authorize(browser, shop, { prompt: "none", max_age: "30" });
  assert.equal(silent.status, 303);
  const back = new URL(silent.headers.get("location")!);
  assert.equal(back.origin + back.pathname, shop.redirectUri);
  assert.equal(back.searchParams.get("error"), "login_required");
  assert.equal(back.searchParams.get("state"), "s-1");
  assert.ok(await signIn(browser, shop), "within max_age, or without, the session still signs in");
  assert.ok(await signIn(browser, shop, { max_age: "3600" }));
});

Deno.test("impersonation ends — the person's own session with prompt=login still gets the sign-in form", async () => {
  const user = await seedUser(sql, shop.id, someone(), { verified: true });
  const session = randomSecret();
  await sql`insert into astapa.login_sessions (project_id, token_hash, user_id, expires_at)
    values (${shop.id}, ${await sha256(session)}, ${user}, now() + interval '1 day')`;
  const browser = new FormBrowser(t);
  browser.cookies.set(`astapa_session_${shop.id}`, session);
  const res = await authorize(browser, shop, { prompt: "login" });
  assert.equal(res.status, 200);
  assert.match(await res.text(), /type="password"/);
});

Deno.test("impersonation ends — a refresh token already rotated, retried inside the grace window after the end, gets nothing", async () => {
  const { user, made, tokens } = await impersonatedSignIn(shop);
  const rotated = await refresh(shop, tokens.refresh_token);
  assert.equal(rotated.res.status, 200, JSON.stringify(rotated.body));
  // The same token again at once is the grace window's retry: its successor, as long as the sign-in lives.
  const retried = await refresh(shop, tokens.refresh_token);
  assert.equal(retried.res.status, 200, JSON.stringify(retried.body));
  assert.equal(retried.body.refresh_token, rotated.body.refresh_token);
  assert.equal((await api(shop, "DELETE", `/${user}/impersonations/${made.id}`)).status, 200);
  for (const token of [tokens.refresh_token, rotated.body.refresh_token as string]) {
    const refused = await refresh(shop, token);
    assert.equal(refused.res.status, 400);
    assert.equal(refused.body.error, "invalid_grant");
    assert.equal(refused.body.access_token, undefined);
  }
  const [live] = await sql`select count(*)::int as n from astapa.refresh_tokens
    where impersonation_id = ${made.id} and revoked_at is null`;
  assert.equal(live.n, 0);
});
