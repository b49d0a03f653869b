/**
 * The project's users over the Platform API (routes/api/platform/users): create one (password checked as at
 * sign-up, 409 on a taken address), page through and search them, read one, disable and re-enable, list and end
 * their sessions, erase them (a second erasure is a 404) — never another project's or environment's user, and
 * bad input is a 400 that changes nothing.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { seedProject, seedSession, seedUser } from "../helpers/identity.ts";
import { platformApi } from "../helpers/platform_api.ts";

const t = await testApp({ env: { PWNED_PASSWORDS_URL: "off" } });
Deno.test.afterAll(() => t.close());
const project = await seedProject(t.db.sql, { name: "Toko Users" });
const other = await seedProject(t.db.sql, { name: "Other Users" });
const api = platformApi(t, project);

const audit = async (target: string) =>
  (await t.db.sql`select action, details from astapa.audit_log where project_id = ${project.id}
                  and target = ${target} order by id`).map((r) => ({ action: r.action, details: r.details }));
const events = async (type: string) =>
  (await t.db.sql`select data from astapa.events where project_id = ${project.id} and type = ${type}`)
    .map((r) => r.data);

Deno.test("users API — create: a password checked as at sign-up and stored as argon2id; a taken address is 409", async () => {
  const created = await api("POST", "/users", {
    email: "Nadia@Toko.example",
    password: "a long passphrase here",
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.match(created.body.sub, /^\d+$/);
  assert.equal(created.body.email, "Nadia@Toko.example");
  assert.equal(created.body.email_verified, false);
  assert.equal(created.body.id, undefined, "the Platform API names it sub");
  const [row] = await t.db.sql`select password_hash from astapa.users where id = ${created.body.sub}`;
  assert.match(row.password_hash, /^\$argon2id\$/);
  assert.ok((await events("user.created")).some((e) => e.user.id === created.body.sub));

  const taken = await api("POST", "/users", { email: "nadia@toko.example" });
  assert.equal(taken.status, 409);
  for (const [password, reason] of [["short", /at least 8/], ["password123", /most used/]] as const) {
    const weak = await api("POST", "/users", { email: `weak-${password}@toko.example`, password });
    assert.equal(weak.status, 400);
    assert.match(weak.body.fields.password[0], reason);
  }
  const verified = await api("POST", "/users", { email: "checked@toko.example", email_verified: true });
  assert.equal(verified.status, 201);
  assert.equal(verified.body.email_verified, true);
  for (const bad of [{}, { email: "not-an-address" }, { email: "x@toko.example", role: "admin" }]) {
    assert.equal((await api("POST", "/users", bad)).status, 400, JSON.stringify(bad));
  }
  const count = await t.db.sql`select count(*)::int as n from astapa.users where project_id = ${project.id}
                               and email_lower like '%toko.example'`;
  assert.equal(count[0].n, 2, "nothing but the two good requests created a user");
});

Deno.test("users API — pages in sub order with next_after, searches, never another project's users", async () => {
  const listed = await seedProject(t.db.sql, { name: "Toko Paged" });
  const paged = platformApi(t, listed);
  const subs = [];
  for (const name of ["ana", "budi", "citra"]) {
    subs.push(await seedUser(t.db.sql, listed.id, `${name}@paged.example`));
  }
  await seedUser(t.db.sql, other.id, "dewi@paged.example");
  const first = await paged("GET", "/users?limit=2");
  assert.equal(first.status, 200);
  assert.deepEqual(first.body.users.map((u: { sub: string }) => u.sub), subs.slice(0, 2));
  assert.equal(first.body.next_after, subs[1]);
  const second = await paged("GET", `/users?limit=2&after=${first.body.next_after}`);
  assert.deepEqual(second.body.users.map((u: { sub: string }) => u.sub), [subs[2]]);
  assert.equal(second.body.next_after, null);
  const search = await paged("GET", "/users?q=bu");
  assert.deepEqual(search.body.users.map((u: { email: string }) => u.email), ["budi@paged.example"]);
  const domain = await paged("GET", `/users?q=${encodeURIComponent("@paged.example")}`);
  assert.equal(domain.body.users.length, 3, "dewi is another project's");
  // The single-user lookup keeps its answer: the user, not a page.
  const one = await paged("GET", "/users?email=CITRA@paged.example");
  assert.equal(one.body.sub, subs[2]);
  for (const bad of ["?limit=0", "?limit=201", "?after=abc", "?email=a@b.c&phone=0812"]) {
    assert.equal((await paged("GET", `/users${bad}`)).status, 400, bad);
  }
});

Deno.test("users API — read one; disable and re-enable it (audited); another project's sub is 404", async () => {
  const sub = await seedUser(t.db.sql, project.id, "rina@toko.example", { verified: true });
  const read = await api("GET", `/users/${sub}`);
  assert.equal(read.status, 200);
  assert.equal(read.body.email, "rina@toko.example");
  assert.equal((await api("GET", `/users/${sub}`, undefined, other)).status, 404);
  assert.equal((await api("PATCH", `/users/${sub}`, { disabled: true }, other)).status, 404);
  assert.equal((await api("GET", "/users/not-a-sub")).status, 404);
  assert.equal((await api("GET", "/users/99999999999")).status, 404);

  const disabled = await api("PATCH", `/users/${sub}`, { disabled: true });
  assert.equal(disabled.status, 200);
  assert.equal(disabled.body.disabled, true);
  for (const bad of [{}, { disabled: "yes" }, { disabled: true, role: "admin" }]) {
    assert.equal((await api("PATCH", `/users/${sub}`, bad)).status, 400, JSON.stringify(bad));
  }
  assert.equal((await api("PATCH", `/users/${sub}`, { disabled: false })).body.disabled, false);
  assert.deepEqual((await audit(`user:${sub}`)).map((a) => a.action), [
    "user.create",
    "user.disable",
    "user.enable",
  ]);
});

Deno.test("users API — PATCH email: unverified unless said, the old address's links die, a taken one is 409", async () => {
  const sub = await seedUser(t.db.sql, project.id, "lama@toko.example", { verified: true });
  await seedUser(t.db.sql, project.id, "taken@toko.example");
  await t.db.sql`insert into astapa.email_tokens (project_id, token_hash, user_id, purpose, expires_at)
                 values (${project.id}, ${
    new Uint8Array(32).fill(7)
  }, ${sub}, 'reset_password', now() + interval '1 hour')`;
  assert.equal((await api("PATCH", `/users/${sub}`, { email: "TAKEN@toko.example" })).status, 409);
  const moved = await api("PATCH", `/users/${sub}`, { email: "baru@toko.example" });
  assert.equal(moved.status, 200, JSON.stringify(moved.body));
  assert.deepEqual([moved.body.email, moved.body.email_verified], ["baru@toko.example", false]);
  const [link] = await t.db.sql`select used_at from astapa.email_tokens where user_id = ${sub}`;
  assert.ok(link.used_at, "a reset link mailed to the old address no longer works");
  const checked = await api("PATCH", `/users/${sub}`, { email_verified: true });
  assert.equal(checked.body.email_verified, true);
  const both = await api("PATCH", `/users/${sub}`, { email: "lagi@toko.example", email_verified: true });
  assert.deepEqual([both.body.email, both.body.email_verified], ["lagi@toko.example", true]);
  for (const bad of [{ email: "nope" }, { email_verified: "yes" }, { email: null }]) {
    assert.equal((await api("PATCH", `/users/${sub}`, bad)).status, 400, JSON.stringify(bad));
  }
  assert.deepEqual(
    (await audit(`user:${sub}`)).filter((a) => a.action.startsWith("user.email")).map((
      a,
    ) => [a.action, a.details]),
    [
      ["user.email_changed", { by: "admin", email_verified: false }],
      ["user.email_verified", { by: "admin" }],
      ["user.email_changed", { by: "admin", email_verified: true }],
    ],
  );
});

Deno.test("users API — PATCH password: checked as at sign-up, signs the user out; null removes it unless it is the last way in", async () => {
  const sub = await seedUser(t.db.sql, project.id, "sandi@toko.example", { verified: true });
  await seedSession(t.db.sql, project.id, sub);
  const weak = await api("PATCH", `/users/${sub}`, { password: "password123", email_verified: false });
  assert.equal(weak.status, 400);
  assert.equal((await api("GET", `/users/${sub}`)).body.email_verified, true, "all or nothing");
  const set = await api("PATCH", `/users/${sub}`, { password: "a brand new passphrase" });
  assert.equal(set.status, 200);
  const [row] = await t.db.sql`select password_hash from astapa.users where id = ${sub}`;
  assert.match(row.password_hash, /^\$argon2id\$/);
  const [session] = await t.db.sql`select ended_at from astapa.login_sessions where user_id = ${sub}`;
  assert.ok(session.ended_at, "as a reset: the sessions from before end");
  const last = await api("PATCH", `/users/${sub}`, { password: null });
  assert.equal(last.status, 409);
  assert.match(last.body.error_description ?? last.body.detail ?? JSON.stringify(last.body), /last way/);
  // Where email codes sign in, the password may go.
  const coded = await seedProject(t.db.sql, { name: "Toko Codes", settings: { email_codes: true } });
  const codedApi = platformApi(t, coded);
  const made = await codedApi("POST", "/users", {
    email: "kode@toko.example",
    password: "a long passphrase here",
    email_verified: true,
  });
  const removed = await codedApi("PATCH", `/users/${made.body.sub}`, { password: null });
  assert.equal(removed.status, 200);
  const [gone] = await t.db.sql`select password_hash from astapa.users where id = ${made.body.sub}`;
  assert.equal(gone.password_hash, null);
  const actions = (await audit(`user:${sub}`)).map((a) => a.action);
  assert.ok(actions.includes("user.password_set"));
});

Deno.test("users API — sessions listed newest first; DELETE signs the user out everywhere and says what ended", async () => {
  const sub = await seedUser(t.db.sql, project.id, "sigit@toko.example", { verified: true });
  await seedSession(t.db.sql, project.id, sub);
  await seedSession(t.db.sql, project.id, sub);
  const phone =
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile";
  await t.db.sql`update astapa.login_sessions set user_agent = ${phone}, last_used_at = now()
                 where project_id = ${project.id} and user_id = ${sub}
                   and created_at = (select max(created_at) from astapa.login_sessions where user_id = ${sub})`;
  const listed = await api("GET", `/users/${sub}/sessions`);
  assert.equal(listed.status, 200);
  assert.deepEqual(listed.body.sessions.map((s: { live: boolean }) => s.live), [true, true]);
  // Which device each is: the User-Agent it started with and when it was last seen (null: not since).
  assert.deepEqual(
    listed.body.sessions.map((s: { user_agent: string | null; last_used_at: string | null }) => [
      s.user_agent,
      s.last_used_at !== null,
    ]),
    [[phone, true], [null, false]],
  );
  assert.equal((await api("DELETE", `/users/${sub}/sessions`, undefined, other)).status, 404);
  const ended = await api("DELETE", `/users/${sub}/sessions`);
  assert.equal(ended.status, 200);
  assert.equal(ended.body.sessions, 2);
  const after = await api("GET", `/users/${sub}/sessions?limit=1`);
  assert.deepEqual(after.body.sessions.map((s: { live: boolean }) => s.live), [false]);
  assert.equal((await api("GET", `/users/${sub}/sessions?limit=500`)).status, 400);
});

Deno.test("users API — DELETE erases the user (audited by admin, user.deleted to the app); again is a 404", async () => {
  const sub = await seedUser(t.db.sql, project.id, "hapus@toko.example", { verified: true });
  await seedSession(t.db.sql, project.id, sub);
  assert.equal((await api("DELETE", `/users/${sub}`, undefined, other)).status, 404);
  const erased = await t.app.request(`/api/platform/users/${sub}`, {
    method: "DELETE",
    headers: { authorization: `Basic ${btoa(`${project.clientId}:${project.secret}`)}` },
  });
  assert.equal(erased.status, 204);
  assert.equal(await erased.text(), "");
  assert.equal((await api("GET", `/users/${sub}`)).status, 404);
  assert.equal((await api("DELETE", `/users/${sub}`)).status, 404, "a tombstone is not found");
  const [row] = await t.db.sql`select email, deleted_at from astapa.users where id = ${sub}`;
  assert.equal(row.email, `deleted-${sub}@deleted.invalid`);
  assert.ok(row.deleted_at);
  const [session] = await t.db.sql`select ended_at from astapa.login_sessions where user_id = ${sub}`;
  assert.ok(session.ended_at, "every way in ended");
  const deleted = (await audit(`user:${sub}`)).find((a) => a.action === "user.deleted");
  assert.equal(deleted?.details.by, "admin");
  assert.ok((await events("user.deleted")).some((e) => e.user.id === sub));
  // No goodbye mail: the app tells the person in its own words.
  const mails = await t.db
    .sql`select count(*)::int as n from astapa.mail_outbox where project_id = ${project.id}
                               and kind = 'account_deleted'`;
  assert.equal(mails[0].n, 0);
});

Deno.test("users API — export and import keep their own routes beside /users/{sub}", async () => {
  const exported = await t.app.request("/api/platform/users/export", {
    headers: { authorization: `Basic ${btoa(`${project.clientId}:${project.secret}`)}` },
  });
  assert.notEqual(exported.status, 404);
  await exported.body?.cancel();
});
