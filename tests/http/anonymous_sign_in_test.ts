/**
 * Guests (docs/anonymous-users.md) through the real routes: the settings over the Platform API (defaults, merged,
 * validated, audited); POST /api/platform/anonymous off by default, then tokens for a user with no email
 * (is_anonymous, amr anon, the default plan) that refresh like any; the guest listed and filtered by the Platform
 * API and announced by user.created; the per-address limit and the project's hourly cap (429 + Retry-After);
 * the bot check when the project lists "anonymous"; a project that requires DPoP makes none.
 */
import assert from "node:assert/strict";
import { decodeJwt } from "jose";
import { basic, seedProject } from "../helpers/oauth.ts";
import { botProtectionApp } from "../helpers/bot_protection.ts";
import type { SeededProject } from "../helpers/identity.ts";

const { t, protectedProject, turnstile } = await botProtectionApp();

async function settings(method: string, p: SeededProject, body?: unknown) {
  const res = await t.app.request("/api/platform/anonymous-user-settings", {
    method,
    headers: {
      authorization: basic(p.clientId, p.secret),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { res, body: await res.json() };
}

/** A guest's sign-in from `address`, as a front end posts it. */
async function guest(p: SeededProject, fields: Record<string, string> = {}, address = "198.51.100.20") {
  const res = await t.app.request("/api/platform/anonymous", {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-forwarded-for": address,
      origin: "https://shop.example",
    },
    body: new URLSearchParams({ client_id: p.clientId, ...fields }),
  });
  return { res, body: await res.json() };
}

async function guestsProject(extra: Record<string, unknown> = {}) {
  return await seedProject(t.db.sql, {
    name: "Warung",
    settings: { anonymous_users: { enabled: true }, allowed_origins: ["https://shop.example"], ...extra },
  });
}

const guestCount = async (p: SeededProject) =>
  (await t.db.sql`select count(*)::int as n from astapa.users where project_id = ${p.id} and is_anonymous`)[0]
    .n;

Deno.test("anonymous-user-settings — defaults, merged key by key, null back to default, bad values 400, audited", async () => {
  const project = await seedProject(t.db.sql, { name: "Tamu" });
  const read = await settings("GET", project);
  assert.equal(read.res.status, 200);
  assert.equal(read.res.headers.get("cache-control"), "no-store");
  assert.deepEqual(read.body, { enabled: false, sweep_after_days: 30, hourly_limit: 1000 });
  const on = await settings("PATCH", project, { enabled: true, hourly_limit: 50 });
  assert.deepEqual(on.body, { enabled: true, sweep_after_days: 30, hourly_limit: 50 });
  const days = await settings("PATCH", project, { sweep_after_days: 7, hourly_limit: null });
  assert.deepEqual(days.body, { enabled: true, sweep_after_days: 7, hourly_limit: 1000 });
  const [stored] = await t.db
    .sql`select settings -> 'anonymous_users' as s from astapa.projects where id = ${project.id}`;
  assert.deepEqual(stored.s, { enabled: true, sweep_after_days: 7 });
  for (
    const body of [{}, { enabled: "yes" }, { sweep_after_days: 0 }, { hourly_limit: 100001 }, { other: 1 }]
  ) {
    const refused = await settings("PATCH", project, body);
    assert.equal(refused.res.status, 400, JSON.stringify(body));
    assert.equal(refused.body.error, "validation_failed", JSON.stringify(refused.body));
  }
  assert.deepEqual((await settings("GET", project)).body, {
    enabled: true,
    sweep_after_days: 7,
    hourly_limit: 1000,
  });
  const audits = await t.db.sql`select details -> 'anonymous_users' as d from astapa.audit_log
    where project_id = ${project.id} and action = 'project.settings' order by id`;
  assert.deepEqual(audits.map((a) => a.d), [{ enabled: true, hourly_limit: 50 }, {
    sweep_after_days: 7,
    hourly_limit: null,
  }]);
});

Deno.test("POST /api/platform/anonymous — off by default (403, no user), unknown client 401, malformed 400, CORS for front ends", async () => {
  const project = await seedProject(t.db.sql, {
    name: "Tutup",
    settings: { allowed_origins: ["https://shop.example"] },
  });
  const off = await guest(project);
  assert.equal(off.res.status, 403);
  assert.equal(off.body.error, "anonymous_sign_ins_disabled");
  assert.equal(off.res.headers.get("access-control-allow-origin"), "*");
  assert.equal(await guestCount(project), 0);
  const unknown = await guest({ ...project, clientId: "cid_aaaaaaaaaaaaaaaaaaaaaaaa" });
  assert.equal(unknown.res.status, 401);
  assert.equal(unknown.body.error, "invalid_client");
  const malformed = await guest({ ...project, clientId: "not-a-client" });
  assert.equal(malformed.res.status, 400);
  const undeclared = await guest(await guestsProject(), { scope: "openid payments:write" });
  assert.equal(undeclared.res.status, 400);
  assert.equal(undeclared.body.error, "invalid_scope");
});

Deno.test("POST /api/platform/anonymous — a guest: tokens without email, is_anonymous, amr anon, default plan; refreshes; listed and announced", async () => {
  const project = await guestsProject();
  const { res, body } = await guest(project);
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.equal(res.headers.get("cache-control"), "no-store");
  assert.equal(body.token_type, "Bearer");
  assert.ok(body.refresh_token && body.id_token && body.access_token);
  const access = decodeJwt(body.access_token);
  assert.equal(access.is_anonymous, true);
  assert.equal(access.email, undefined);
  assert.equal(access.email_verified, undefined);
  assert.deepEqual(access.amr, ["anon"]);
  assert.equal(access.project_id, project.id);
  assert.equal(access.client_id, project.clientId);
  assert.equal((access.custom_claims as { plan: string }).plan, "free");
  const id = decodeJwt(body.id_token);
  assert.equal(id.sub, access.sub);
  assert.equal(id.is_anonymous, true);
  assert.equal(id.aud, project.clientId);

  const [row] = await t.db
    .sql`select email, phone_number, password_hash, is_anonymous, environment, last_sign_in_at
    from astapa.users where project_id = ${project.id} and id = ${access.sub as string}::bigint`;
  assert.equal(row.email, null);
  assert.equal(row.is_anonymous, true);
  assert.ok(row.last_sign_in_at);
  assert.equal(access.environment === "sandbox", row.environment === "sandbox");
  const [event] = await t.db
    .sql`select data from astapa.events where project_id = ${project.id} and type = 'user.created'`;
  assert.equal(event.data.user.id, access.sub);
  assert.equal(event.data.user.is_anonymous, true);
  assert.equal(event.data.user.email, null);
  const [audit] = await t.db.sql`select details from astapa.audit_log where project_id = ${project.id}
    and action = 'user.create'`;
  assert.equal(audit.details.is_anonymous, true);

  // The app's backend refreshes it with the client secret, as any refresh token; rotation keeps the guest a guest.
  const refreshed = await t.app.request("/api/platform/token", {
    method: "POST",
    headers: {
      authorization: basic(project.clientId, project.secret),
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: body.refresh_token }),
  });
  const fresh = await refreshed.json();
  assert.equal(refreshed.status, 200, JSON.stringify(fresh));
  assert.notEqual(fresh.refresh_token, body.refresh_token);
  assert.equal(decodeJwt(fresh.access_token).is_anonymous, true);
  assert.deepEqual(decodeJwt(fresh.access_token).amr, ["anon"]);

  const list = async (query: string) => {
    const listed = await t.app.request(`/api/platform/users?${query}`, {
      headers: { authorization: basic(project.clientId, project.secret) },
    });
    assert.equal(listed.status, 200);
    return (await listed.json()).users as { sub: string; is_anonymous: boolean; email: string | null }[];
  };
  const member = await t.app.request("/api/platform/users", {
    method: "POST",
    headers: { authorization: basic(project.clientId, project.secret), "content-type": "application/json" },
    body: JSON.stringify({ email: "ayu@example.com" }),
  });
  assert.equal(member.status, 201);
  const everyone = await list("");
  assert.equal(everyone.length, 2);
  assert.deepEqual((await list("is_anonymous=true")).map((u) => [u.sub, u.is_anonymous, u.email]), [
    [access.sub, true, null],
  ]);
  assert.deepEqual((await list("is_anonymous=false")).map((u) => u.email), ["ayu@example.com"]);
  const userinfo = await t.app.request("/api/platform/userinfo", {
    headers: { authorization: `Bearer ${fresh.access_token}` },
  });
  assert.equal((await userinfo.json()).is_anonymous, true);
});

Deno.test("POST /api/platform/anonymous — 30 guests an hour from one address, the project's hourly cap: 429 with Retry-After", async () => {
  const project = await guestsProject();
  for (let n = 0; n < 30; n++) assert.equal((await guest(project, {}, "198.51.100.31")).res.status, 200);
  const limited = await guest(project, {}, "198.51.100.31");
  assert.equal(limited.res.status, 429);
  assert.equal(limited.body.error, "rate_limited");
  assert.match(limited.res.headers.get("retry-after") ?? "", /^\d+$/);
  assert.equal((await guest(project, {}, "198.51.100.32")).res.status, 200, "another address goes on");
  assert.equal(await guestCount(project), 31);

  const capped = await guestsProject({ anonymous_users: { enabled: true, hourly_limit: 2 } });
  assert.equal((await guest(capped, {}, "198.51.100.41")).res.status, 200);
  assert.equal((await guest(capped, {}, "198.51.100.42")).res.status, 200);
  const third = await guest(capped, {}, "198.51.100.43");
  assert.equal(third.res.status, 429);
  assert.match(third.body.error_description, /hourly_limit/);
  assert.equal(await guestCount(capped), 2);
});

Deno.test("POST /api/platform/anonymous — the bot check when listed: missing 400, wrong or another form's 403, solved 200", async () => {
  const project = await protectedProject("turnstile", ["anonymous"], {
    anonymous_users: { enabled: true },
    allowed_origins: ["https://shop.example"],
  });
  const missing = await guest(project);
  assert.equal(missing.res.status, 400);
  const wrong = await guest(project, { "cf-turnstile-response": "not-solved" });
  assert.equal(wrong.res.status, 403);
  assert.equal(wrong.body.error, "bot_check_failed");
  const otherForm = await guest(project, { "cf-turnstile-response": turnstile("sign_up") });
  assert.equal(otherForm.res.status, 403);
  assert.equal(await guestCount(project), 0);
  const solved = await guest(project, { "cf-turnstile-response": turnstile("anonymous") });
  assert.equal(solved.res.status, 200, JSON.stringify(solved.body));
  assert.equal(await guestCount(project), 1);
});

Deno.test("POST /api/platform/anonymous — a project that requires DPoP makes no guest", async () => {
  const project = await guestsProject({ dpop: { required: true } });
  const refused = await guest(project);
  assert.equal(refused.res.status, 400);
  assert.equal(refused.body.error, "unauthorized_client");
  assert.equal(await guestCount(project), 0);
});

Deno.test("POST /api/platform/anonymous — a browser on an origin the project does not allow makes no guest (403); no Origin is not a browser's", async () => {
  const project = await guestsProject();
  const from = (origin?: string) =>
    t.app.request("/api/platform/anonymous", {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "x-forwarded-for": "198.51.100.77",
        ...(origin ? { origin } : {}),
      },
      body: new URLSearchParams({ client_id: project.clientId }),
    });
  for (const origin of ["https://evil.example", "null", "https://shop.example.evil.example"]) {
    const refused = await from(origin);
    assert.equal(refused.status, 403, origin);
    assert.equal((await refused.json()).error, "forbidden", origin);
  }
  assert.equal(await guestCount(project), 0, "nothing made, nothing counted");
  assert.equal((await from("https://shop.example")).status, 200);
  assert.equal((await from()).status, 200, "a native app or server sends no Origin");
  assert.equal((await from(new URL(t.config.baseUrl).origin)).status, 200, "Astapa's own origin");
  assert.equal(await guestCount(project), 3);
});
