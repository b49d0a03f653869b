/**
 * Support staff sign in as a user (docs/impersonation.md): the project's client makes a one-time link, the browser
 * that opens it is signed in as the user, and every token issued from that session names the actor (act.sub) —
 * after a refresh too — until ends_at or an early end. The machine and self-registered clients' 403 is the route
 * matrix's (tests/http/authorization_matrix_test.ts).
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { randomSecret, sha256 } from "@/lib/secrets.ts";
import { testApp } from "../helpers/app.ts";
import { type SeededProject, seedProject, seedUser } from "../helpers/identity.ts";
import { FormBrowser } from "../helpers/form_browser.ts";
import { ACTOR, impersonationFlows } from "../helpers/impersonation.ts";
import { claimsOf } from "../helpers/token_client.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const { sql } = t.db;
const shop = await seedProject(sql, { name: "Toko Dewi", redirectUri: "https://shop.example/cb" });
const strict = await seedProject(sql, {
  name: "Toko Aman",
  redirectUri: "https://aman.example/cb",
  settings: { mfa: { policy: "required" } },
});
const elsewhere = await seedProject(sql, { name: "Toko Lain", redirectUri: "https://lain.example/cb" });

const { someone, api, impersonate, open, signIn, impersonatedSignIn, refresh, exchangingServer } =
  impersonationFlows(t);

async function audited(p: SeededProject, action: string) {
  return await sql`select actor, target, details from astapa.audit_log where project_id = ${p.id}
    and action = ${action} order by id`;
}

Deno.test("impersonation — create, open, authorize, token: act names the actor in both tokens and after a refresh", async () => {
  const email = someone();
  const user = await seedUser(sql, shop.id, email, { verified: true });
  const made = await impersonate(shop, user, { minutes: 30 });
  assert.match(made.id, /^imp_[a-z2-7]{24}$/);
  assert.match(made.url, new RegExp(`^${t.origin.replace(/[.:/]/g, "\\$&")}/auth/impersonate\\?`));
  const created = Date.parse(made.expires_at) - 5 * 60_000;
  assert.ok(Math.abs(Date.parse(made.ends_at) - created - 30 * 60_000) < 5_000, "ends_at: 30 minutes on");
  const [row] = await sql`select token_hash from astapa.impersonations where id = ${made.id}`;
  const token = new URL(made.url).searchParams.get("token")!;
  assert.deepEqual(new Uint8Array(row.token_hash), await sha256(token), "only the SHA-256 is kept");

  const browser = new FormBrowser(t);
  const opened = await open(browser, made.url);
  assert.match(opened.askHtml, new RegExp(email));
  assert.equal(opened.status, 200);
  assert.match(
    opened.html,
    new RegExp(`You are signed in as ${email} for Toko Dewi until \\d\\d:\\d\\d UTC`),
  );
  assert.match(opened.html, /acting as support:dewi@shop\.example/);
  assert.match(opened.html, /href="https:\/\/shop\.example\/"/, "a button to the app");

  const tokens = await signIn(browser, shop);
  assert.ok(tokens, "the app's sign-in finds the session");
  const access = claimsOf(tokens.access_token);
  const id = claimsOf(tokens.id_token);
  assert.equal(access.sub, user);
  const act = { sub: ACTOR, impersonation_id: made.id };
  assert.deepEqual(access.act, act);
  assert.deepEqual(id.act, act);
  assert.deepEqual(access.amr, ["imp"]);
  assert.ok(
    (access.exp as number) <= Date.parse(made.ends_at) / 1000 + 1,
    "no access token outlives ends_at",
  );

  const refreshed = await refresh(shop, tokens.refresh_token);
  assert.equal(refreshed.res.status, 200, JSON.stringify(refreshed.body));
  assert.deepEqual(claimsOf(refreshed.body.access_token).act, act);
  assert.deepEqual(claimsOf(refreshed.body.id_token ?? refreshed.body.access_token).act, act);
  const [latest] = await sql`select bool_and(r.expires_at <= i.ends_at) as capped, count(*)::int as tokens
    from astapa.refresh_tokens r join astapa.impersonations i on i.project_id = r.project_id
      and i.id = r.impersonation_id
    where r.impersonation_id = ${made.id}`;
  assert.equal(latest.tokens, 2, "the first refresh token and its successor name the impersonation");
  assert.equal(latest.capped, true, "refresh tokens expire at ends_at at the latest");

  const createdAudit = await audited(shop, "user.impersonation_created");
  assert.ok(createdAudit.some((a) => a.details.actor === ACTOR && a.details.reason === "ticket 42"));
  const openedAudit = await audited(shop, "user.impersonated");
  assert.ok(openedAudit.some((a) => a.details.impersonation_id === made.id && a.target === `user:${user}`));

  const listed = await api(shop, "GET", `/${user}/impersonations`);
  assert.equal(listed.status, 200);
  assert.deepEqual(listed.body.impersonations.map((i: { id: string }) => i.id), [made.id]);
  assert.ok(!("token_hash" in listed.body.impersonations[0]));
});

Deno.test("impersonation — a link opens once; a second open (and an expired link) is a readable 400 page, en and id", async () => {
  const user = await seedUser(sql, shop.id, someone(), { verified: true });
  const made = await impersonate(shop, user);
  const path = new URL(made.url).pathname + new URL(made.url).search;
  await open(new FormBrowser(t), made.url);
  for (const [lang, says] of [["en", /no longer works/], ["id", /tidak berlaku lagi/]] as const) {
    const again = await new FormBrowser(t).get(`${path}&lang=${lang}`);
    assert.equal(again.status, 400);
    assert.match(await again.text(), says);
  }

  const late = await impersonate(shop, user);
  await sql`update astapa.impersonations set created_at = now() - interval '6 minutes',
    link_expires_at = now() - interval '1 minute' where id = ${late.id}`;
  const expired = await new FormBrowser(t).get(new URL(late.url).pathname + new URL(late.url).search);
  assert.equal(expired.status, 400);
  assert.match(await expired.text(), /no longer works/);
  const [row] = await sql`select opened_at from astapa.impersonations where id = ${late.id}`;
  assert.equal(row.opened_at, null);
});

Deno.test("impersonation — after ends_at nothing issued from it works: no refresh, no silent sign-in", async () => {
  const { user, made, browser, tokens } = await impersonatedSignIn(shop);
  // Time passes: the impersonation (and the session it opened, which lasts as long) is over.
  await sql`update astapa.impersonations set created_at = now() - interval '20 minutes',
    link_expires_at = now() - interval '15 minutes', ends_at = now() - interval '1 second' where id = ${made.id}`;
  await sql`update astapa.login_sessions set created_at = now() - interval '19 minutes',
    expires_at = now() - interval '1 second' where impersonation_id = ${made.id}`;
  const refused = await refresh(shop, tokens.refresh_token);
  assert.equal(refused.res.status, 400);
  assert.equal(refused.body.error, "invalid_grant");
  assert.equal(await signIn(browser, shop), null, "the sign-in page asks again");
  const listed = await api(shop, "GET", `/${user}/impersonations`);
  assert.deepEqual(listed.body.impersonations, []);
});

Deno.test("impersonation — DELETE ends it now: the session, every refresh token and the link", async () => {
  const { user, made, browser, tokens } = await impersonatedSignIn(shop);
  const ended = await api(shop, "DELETE", `/${user}/impersonations/${made.id}`);
  assert.equal(ended.status, 200, JSON.stringify(ended.body));
  assert.ok(ended.body.ended_at);
  const refused = await refresh(shop, tokens.refresh_token);
  assert.equal(refused.body.error, "invalid_grant");
  assert.equal(await signIn(browser, shop), null);
  const [revoked] = await sql`select count(*)::int as live from astapa.refresh_tokens
    where impersonation_id = ${made.id} and revoked_at is null`;
  assert.equal(revoked.live, 0);
  const ends = await audited(shop, "user.impersonation_ended");
  assert.ok(ends.some((a) => a.details.impersonation_id === made.id && a.details.refresh_tokens === 1));

  const unopened = await impersonate(shop, user);
  assert.equal((await api(shop, "DELETE", `/${user}/impersonations/${unopened.id}`)).status, 200);
  const dead = await new FormBrowser(t).get(new URL(unopened.url).pathname + new URL(unopened.url).search);
  assert.equal(dead.status, 400, "an ended link does not open");
  await dead.body?.cancel();
});

Deno.test("impersonation — another project's client gets 404; disabled 409; unknown 404; bad input 400", async () => {
  const user = await seedUser(sql, shop.id, someone(), { verified: true });
  const made = await impersonate(shop, user);
  const foreign = await api(elsewhere, "POST", `/${user}/impersonations`, { actor: ACTOR });
  assert.equal(foreign.status, 404);
  assert.equal((await api(elsewhere, "GET", `/${user}/impersonations`)).status, 404);
  assert.equal((await api(elsewhere, "DELETE", `/${user}/impersonations/${made.id}`)).status, 404);
  // Another project's link opened with this project's client id: unknown here.
  const swapped = new URL(made.url);
  swapped.searchParams.set("client_id", elsewhere.clientId);
  const crossed = await new FormBrowser(t).get(swapped.pathname + swapped.search);
  assert.equal(crossed.status, 400);
  await crossed.body?.cancel();

  await sql`update astapa.users set disabled = true where id = ${user}`;
  const disabled = await api(shop, "POST", `/${user}/impersonations`, { actor: ACTOR });
  assert.equal(disabled.status, 409);
  assert.equal(disabled.body.error, "conflict");
  assert.equal((await api(shop, "POST", "/999999999/impersonations", { actor: ACTOR })).status, 404);
  const other = await seedUser(sql, shop.id, someone(), { verified: true });
  for (
    const body of [{}, { actor: "" }, { actor: "x".repeat(201) }, { actor: "dewi\nadmin" }, {
      actor: ACTOR,
      minutes: 61,
    }]
  ) {
    assert.equal(
      (await api(shop, "POST", `/${other}/impersonations`, body)).status,
      400,
      JSON.stringify(body),
    );
  }
});

Deno.test("impersonation — a browser holding another person's session: it is ended first and said so, never mixed", async () => {
  const mine = await seedUser(sql, shop.id, someone(), { verified: true });
  const session = randomSecret();
  await asApp(
    sql,
    shop.id,
    async (tx) => tx`select api.start_login_session(${mine}, ${await sha256(session)})`,
  );
  const browser = new FormBrowser(t);
  browser.cookies.set(`astapa_session_${shop.id}`, session);

  const user = await seedUser(sql, shop.id, someone(), { verified: true });
  const made = await impersonate(shop, user);
  const opened = await open(browser, made.url);
  assert.match(
    opened.html,
    /The account that was signed in to Toko Dewi in this browser was signed out first/,
  );
  const [previous] = await sql`select ended_at from astapa.login_sessions where token_hash = ${await sha256(
    session,
  )}`;
  assert.ok(previous.ended_at, "the other person's session ended");
  const tokens = await signIn(browser, shop);
  assert.ok(tokens);
  assert.equal(claimsOf(tokens.access_token).sub, user);
  assert.deepEqual(claimsOf(tokens.access_token).act, { sub: ACTOR, impersonation_id: made.id });
  const [audit] = await audited(shop, "user.impersonated").then((rows) =>
    rows.filter((a) => a.details.impersonation_id === made.id)
  );
  assert.equal(audit.details.ended_session_of, `user:${mine}`);
});

Deno.test("impersonation — a project that requires MFA does not ask the actor for the person's factor", async () => {
  const { tokens, made } = await impersonatedSignIn(strict);
  const access = claimsOf(tokens.access_token);
  assert.deepEqual(access.amr, ["imp"]);
  assert.equal(access.acr, "0");
  assert.deepEqual(access.act, { sub: ACTOR, impersonation_id: made.id });
});

Deno.test("impersonation — a stale form opens nothing: 403, the question again", async () => {
  const user = await seedUser(sql, shop.id, someone(), { verified: true });
  const made = await impersonate(shop, user);
  const browser = new FormBrowser(t);
  const asked = await browser.get(new URL(made.url).pathname + new URL(made.url).search);
  const html = await asked.text();
  browser.cookies.clear();
  const stale = await browser.post(html, {});
  assert.equal(stale.status, 403);
  assert.match(await stale.text(), /This form expired/);
  const [row] = await sql`select opened_at from astapa.impersonations where id = ${made.id}`;
  assert.equal(row.opened_at, null);
});

Deno.test("impersonation — the account page refuses the person's sensitive changes, saying why in en and id", async () => {
  const email = someone();
  const user = await seedUser(sql, shop.id, email, { verified: true });
  const made = await impersonate(shop, user);
  const browser = new FormBrowser(t);
  await open(browser, made.url);
  const csrf = randomSecret();
  browser.cookies.set("astapa_csrf", csrf);
  const post = (path: string, fields: Record<string, string>) =>
    t.app.request(path, {
      method: "POST",
      headers: { cookie: browser.header(), "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ request: `client_id=${shop.clientId}`, csrf, ...fields }),
    });
  for (
    const fields of [
      { action: "password", password: "a fresh passphrase" } as Record<string, string>,
      { action: "email", email: "elsewhere@imp.example" },
      { action: "delete", confirm: email },
    ]
  ) {
    const res = await post("/account", fields);
    assert.equal(res.status, 303, `${fields.action}: ${(await res.clone().text()).slice(0, 600)}`);
    const back = new URL(res.headers.get("location")!, t.origin);
    assert.equal(back.searchParams.get("problem"), "impersonated", fields.action);
  }
  // The phone section too (its second-factor switch): the account page again, saying why, not an error page.
  const phone = await post("/account/phone", { action: "factor_on" });
  assert.equal(phone.status, 303, (await phone.clone().text()).slice(0, 600));
  assert.equal(new URL(phone.headers.get("location")!, t.origin).searchParams.get("problem"), "impersonated");
  const exported = await post("/account/export", { action: "export" });
  assert.equal(exported.status, 303, (await exported.clone().text()).slice(0, 600));
  assert.equal(
    new URL(exported.headers.get("location")!, t.origin).searchParams.get("problem"),
    "impersonated",
  );
  for (
    const [lang, says] of [["en", /Support staff signed in as this person/], ["id", /Staf dukungan/]] as const
  ) {
    const shown = await browser.get(`/account?client_id=${shop.clientId}&problem=impersonated&lang=${lang}`);
    assert.equal(shown.status, 200);
    const html = await shown.text();
    assert.match(html, says);
    if (lang === "en") {
      assert.match(html, /support staff \(support:dewi@shop\.example\) signed in as you/, "the session list");
    }
  }
  const [row] = await sql`select email, deleted_at, password_hash from astapa.users where id = ${user}`;
  assert.equal(row.email, email);
  assert.equal(row.deleted_at, null);
  assert.equal(row.password_hash, null, "no password was set");
});

Deno.test("impersonation — token exchange nests the actor and passes on no more time than the subject has left", async () => {
  const NOTES = "https://notes.shop.example/mcp";
  const CALENDAR = "https://calendar.shop.example/api";
  const { server, exchange } = await exchangingServer(shop, NOTES, CALENDAR);

  const user = await seedUser(sql, shop.id, someone(), { verified: true });
  const made = await impersonate(shop, user, { minutes: 2 });
  const browser = new FormBrowser(t);
  await open(browser, made.url);
  const tokens = await signIn(browser, shop, { scope: "notes:read", resource: NOTES });
  assert.ok(tokens);
  const subject = claimsOf(tokens.access_token);
  const act = { sub: ACTOR, impersonation_id: made.id };
  assert.deepEqual(subject.act, act);
  const { res, body } = await exchange(tokens.access_token);
  assert.equal(res.status, 200, JSON.stringify(body));
  const exchanged = claimsOf(body.access_token);
  assert.deepEqual(exchanged.act, { sub: server.clientId, act }, "the impersonation travels with its actor");
  assert.ok((exchanged.exp as number) <= (subject.exp as number), "not past the impersonation's end");
});
