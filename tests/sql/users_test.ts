/** api.* user and account functions: happy paths, each error, and what "the same user" means. */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { appValue, rejectsAs, seedProject, seedUser } from "../helpers/identity.ts";
import { testDatabase } from "../helpers/db.ts";
import { takeLive } from "../helpers/live_keys.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const ARGON = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA";

Deno.test("api.create_user — user in the project's current environment, id is the sub; audited", async () => {
  const p = await seedProject(db.sql);
  const user = await appValue<Record<string, unknown>>(
    db.sql,
    p.id,
    (tx) => tx`select api.create_user(${p.id}, ' Ada@Example.com ', ${ARGON}, true)`,
  );
  assert.match(user.id as string, /^\d+$/);
  assert.deepEqual(
    [
      user.email,
      user.email_verified,
      user.disabled,
      user.environment,
      user.last_sign_in_at,
      user.mfa_enrolled,
    ],
    ["Ada@Example.com", true, false, "sandbox", null, false],
  );
  assert.ok(!("password_hash" in user));
  const audit = await appValue(
    db.sql,
    p.id,
    (tx) => tx`select target from astapa.audit_log where action = 'user.create'`,
  );
  assert.equal(audit, `user:${user.id}`);
});

Deno.test("api.create_user — emails differing only in case are the same user; refusals", async () => {
  const p = await seedProject(db.sql);
  await seedUser(db.sql, p.id, "grace@example.com");
  await rejectsAs(
    asApp(db.sql, p.id, (tx) => tx`select api.create_user(${p.id}, 'GRACE@Example.COM')`),
    "conflict",
    /already exists/,
  );
  await rejectsAs(
    asApp(db.sql, p.id, (tx) => tx`select api.create_user(${p.id}, 'not-an-email')`),
    "validation_failed",
  );
  await rejectsAs(
    asApp(db.sql, p.id, (tx) => tx`select api.create_user(${p.id}, 'x@example.com', 'plaintext')`),
    "validation_failed",
    /argon2id/,
  );
  const other = await seedProject(db.sql);
  await rejectsAs(
    asApp(db.sql, p.id, (tx) => tx`select api.create_user(${other.id}, 'x@example.com')`),
    "not_found",
  );
});

Deno.test("users — the same email in two projects is two users; in two environments of one project, two", async () => {
  const a = await seedProject(db.sql);
  const b = await seedProject(db.sql);
  const inA = await seedUser(db.sql, a.id, "lin@example.com");
  const inB = await seedUser(db.sql, b.id, "LIN@example.com");
  assert.notEqual(inA, inB);

  await takeLive(db.sql, a.id);
  const production = await seedUser(db.sql, a.id, "Lin@Example.com");
  assert.notEqual(production, inA);
  const found = await appValue<Record<string, unknown>>(
    db.sql,
    a.id,
    (tx) => tx`select api.find_user_by_email(${a.id}, 'lin@EXAMPLE.com')`,
  );
  assert.deepEqual([found.id, found.environment], [production, "production"]);
});

Deno.test("api.find_user_by_email / api.get_user / api.list_users — found, missing, paged", async () => {
  const p = await seedProject(db.sql);
  const first = await seedUser(db.sql, p.id, "one@example.com");
  const second = await seedUser(db.sql, p.id, "two@example.com");
  assert.equal(
    await appValue(
      db.sql,
      p.id,
      (tx) => tx`select api.find_user_by_email(${p.id}, 'ONE@example.com') ->> 'id'`,
    ),
    first,
  );
  assert.equal(
    await appValue(db.sql, p.id, (tx) => tx`select api.find_user_by_email(${p.id}, 'nobody@example.com')`),
    null,
  );
  assert.equal(
    await appValue(db.sql, p.id, (tx) => tx`select api.get_user(${p.id}, ${second}) ->> 'email'`),
    "two@example.com",
  );
  await rejectsAs(
    asApp(db.sql, p.id, (tx) => tx`select api.get_user(${p.id}, 999999)`),
    "not_found",
    /was not found/,
  );

  // Listed by id; two users made in one millisecond have ids in either order.
  const [lower, higher] = [first, second].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
  const all = await appValue<{ id: string }[]>(db.sql, p.id, (tx) => tx`select api.list_users(${p.id})`);
  assert.deepEqual(all.map((u) => u.id), [lower, higher]);
  const page = await appValue<{ id: string }[]>(
    db.sql,
    p.id,
    (tx) => tx`select api.list_users(${p.id}, 1, ${lower})`,
  );
  assert.deepEqual(page.map((u) => u.id), [higher]);
  await rejectsAs(asApp(db.sql, p.id, (tx) => tx`select api.list_users(${p.id}, 0)`), "validation_failed");
  await rejectsAs(asApp(db.sql, null, (tx) => tx`select api.list_users(${p.id})`), "not_found");
});

Deno.test("api.disable_user — disables and re-enables; audited; unknown user refused", async () => {
  const p = await seedProject(db.sql);
  const id = await seedUser(db.sql, p.id, "off@example.com");
  assert.equal(
    await appValue(db.sql, p.id, (tx) => tx`select api.disable_user(${p.id}, ${id}) ->> 'disabled'`),
    "true",
  );
  assert.equal(
    await appValue(db.sql, p.id, (tx) => tx`select api.disable_user(${p.id}, ${id}, false) ->> 'disabled'`),
    "false",
  );
  const actions = await appValue(
    db.sql,
    p.id,
    (tx) => tx`select array_agg(action order by id) from astapa.audit_log where target = ${"user:" + id}`,
  );
  assert.deepEqual(actions, ["user.create", "user.disable", "user.enable"]);
  await rejectsAs(asApp(db.sql, p.id, (tx) => tx`select api.disable_user(${p.id}, 999999)`), "not_found");
});

Deno.test("api.user_for_sign_in — the hash for the acting project only; the app role cannot select it", async () => {
  const p = await seedProject(db.sql);
  const other = await seedProject(db.sql);
  const id = await asApp(
    db.sql,
    p.id,
    async (tx) =>
      (await tx`select api.create_user(${p.id}, 'pw@example.com', ${ARGON}) ->> 'id' as id`)[0].id,
  );
  const found = await appValue(
    db.sql,
    p.id,
    (tx) => tx`select api.user_for_sign_in(${p.id}, 'PW@example.com')`,
  );
  assert.deepEqual(found, { id, password_hash: ARGON, disabled: false, email_verified: false });
  assert.equal(
    await appValue(db.sql, p.id, (tx) => tx`select api.user_for_sign_in(${p.id}, 'no@example.com')`),
    null,
  );
  await rejectsAs(
    asApp(db.sql, other.id, (tx) => tx`select api.user_for_sign_in(${p.id}, 'pw@example.com')`),
    "forbidden",
  );
  await rejectsAs(asApp(db.sql, p.id, (tx) => tx`select password_hash from astapa.users`), "forbidden");
  await rejectsAs(asApp(db.sql, p.id, (tx) => tx`select * from astapa.users`), "forbidden");
  await rejectsAs(
    asApp(db.sql, p.id, (tx) => tx`select id from astapa.users where password_hash like '$argon2id$%'`),
    "forbidden",
  );
});

Deno.test("api.create_account / api.add_member — accounts unique in any case; memberships per project", async () => {
  const p = await seedProject(db.sql);
  const account = await appValue<Record<string, string>>(
    db.sql,
    null,
    (tx) => tx`select api.create_account('Dev@Example.com', ${ARGON})`,
  );
  assert.equal(account.email, "Dev@Example.com");
  await rejectsAs(
    asApp(db.sql, null, (tx) => tx`select api.create_account('dev@EXAMPLE.com', null)`),
    "conflict",
  );
  await rejectsAs(
    asApp(db.sql, null, (tx) => tx`select api.create_account('nope', null)`),
    "validation_failed",
  );
  await rejectsAs(
    asApp(db.sql, null, (tx) => tx`select api.create_account('a@b.c', 'plain')`),
    "validation_failed",
  );

  const member = await appValue(
    db.sql,
    p.id,
    (tx) => tx`select api.add_member(${p.id}, ${account.id}, 'admin')`,
  );
  assert.deepEqual(member, { project_id: p.id, account_id: account.id, role: "admin" });
  await rejectsAs(
    asApp(db.sql, p.id, (tx) => tx`select api.add_member(${p.id}, ${account.id}, 'viewer')`),
    "conflict",
  );
  await rejectsAs(
    asApp(db.sql, p.id, (tx) => tx`select api.add_member(${p.id}, ${account.id}, 'god')`),
    "validation_failed",
  );
  await rejectsAs(
    asApp(db.sql, p.id, (tx) => tx`select api.add_member(${p.id}, 999999, 'viewer')`),
    "not_found",
  );
  await rejectsAs(
    asApp(db.sql, null, (tx) => tx`select api.add_member(${p.id}, ${account.id}, 'viewer')`),
    "not_found",
  );
  await rejectsAs(asApp(db.sql, null, (tx) => tx`select password_hash from astapa.accounts`), "forbidden");
});

Deno.test("api.delete_user — erases a user of the current environment once; others are AS404", async () => {
  const p = await seedProject(db.sql);
  const other = await seedProject(db.sql);
  const sandboxUser = await seedUser(db.sql, p.id, "sandbox-erase@example.com");
  const strangerUser = await seedUser(db.sql, other.id, "stranger-erase@example.com");
  const erase = (projectId: string, userId: string) =>
    asApp(db.sql, projectId, (tx) => tx`select api.delete_user(${projectId}, ${userId}::bigint)`);
  // Another project's user, through this project's context or naming the other project: not found.
  await rejectsAs(erase(p.id, strangerUser), "not_found");
  await rejectsAs(
    asApp(db.sql, p.id, (tx) => tx`select api.delete_user(${other.id}, ${strangerUser}::bigint)`),
    "not_found",
  );
  await takeLive(db.sql, p.id);
  await rejectsAs(erase(p.id, sandboxUser), "not_found", /not found/);
  const live = await seedUser(db.sql, p.id, "live-erase@example.com");
  await erase(p.id, live);
  const [row] = await db.sql`select email, disabled, deleted_at from astapa.users where id = ${live}`;
  assert.deepEqual([row.email, row.disabled, row.deleted_at !== null], [
    `deleted-${live}@deleted.invalid`,
    true,
    true,
  ]);
  const [audited] = await db.sql`select details from astapa.audit_log where project_id = ${p.id}
                                 and action = 'user.deleted' and target = ${"user:" + live}`;
  assert.equal(audited.details.by, "admin");
  await rejectsAs(erase(p.id, live), "not_found");
  const [kept] = await db.sql`select deleted_at from astapa.users where id = ${sandboxUser}`;
  assert.equal(kept.deleted_at, null, "the sandbox user stays as it was");
});

Deno.test("api.update_user — all or nothing; unknown keys, wrong types, another environment and phone-only passwords refused", async () => {
  const p = await seedProject(db.sql);
  const sub = await seedUser(db.sql, p.id, "update-me@example.com", { verified: true });
  const update = (change: unknown, projectId = p.id, userId = sub) =>
    asApp(
      db.sql,
      projectId,
      (tx) =>
        tx`select api.update_user(${projectId}, ${userId}::bigint, ${JSON.stringify(change)}::text::jsonb)`,
    );
  await rejectsAs(update({}), "validation_failed", /Change one or more/);
  await rejectsAs(update({ role: "admin" }), "validation_failed", /Change one or more/);
  await rejectsAs(update({ disabled: "true" }), "validation_failed", /true or false/);
  // The address changes, then the hash is refused: neither stays.
  await rejectsAs(
    update({ email: "moved@example.com", password_hash: "plaintext" }),
    "validation_failed",
    /argon2id/,
  );
  const [kept] = await db
    .sql`select email, email_verified, password_hash from astapa.users where id = ${sub}`;
  assert.deepEqual([kept.email, kept.email_verified, kept.password_hash], [
    "update-me@example.com",
    true,
    null,
  ]);
  const changed = await appValue<Record<string, unknown>>(
    db.sql,
    p.id,
    (tx) =>
      tx`select api.update_user(${p.id}, ${sub}::bigint, ${
        JSON.stringify({ email: "Moved@Example.com", password_hash: ARGON })
      }::text::jsonb)`,
  );
  assert.deepEqual([changed.email, changed.email_verified], ["Moved@Example.com", false]);
  const actions = await db.sql`select action from astapa.audit_log where target = ${
    "user:" + sub
  } order by id`;
  assert.deepEqual(actions.map((a) => a.action), ["user.create", "user.email_changed", "user.password_set"]);
  // The same address in another case: no change of address, nothing voided.
  await update({ email: "moved@example.com" });
  const other = await seedProject(db.sql);
  await rejectsAs(update({ email_verified: true }, other.id), "not_found");
  const phoneOnly = await asApp(db.sql, p.id, async (tx) => {
    const [row] =
      await tx`insert into astapa.users (project_id, environment, phone_number, phone_number_verified)
                           values (${p.id}, 'sandbox', '+6281299990001', true) returning id::text`;
    return row.id as string;
  });
  await rejectsAs(update({ password_hash: ARGON }, p.id, phoneOnly), "conflict", /no(ne| email)/);
  await rejectsAs(update({ email_verified: true }, p.id, phoneOnly), "conflict", /no email address/);
  await takeLive(db.sql, p.id);
  await rejectsAs(update({ email_verified: true }), "not_found", /not found/);
});

Deno.test("astapa.move_user_email — to another address voids what was mailed to the old one; a respelling does not", async () => {
  const p = await seedProject(db.sql);
  const sub = await seedUser(db.sql, p.id, "pindah@example.com", { verified: true });
  const link = async (fill: number) => {
    await db.sql`insert into astapa.email_tokens (project_id, token_hash, user_id, purpose, expires_at)
                 values (${p.id}, ${
      new Uint8Array(32).fill(fill)
    }, ${sub}, 'reset_password', now() + interval '1 hour')`;
    return async () =>
      (await db.sql`select used_at from astapa.email_tokens where token_hash = ${
        new Uint8Array(32).fill(fill)
      }`)[0]
        .used_at;
  };
  const move = (email: string, verified: boolean) =>
    asApp(
      db.sql,
      p.id,
      (tx) =>
        tx`select astapa.move_user_email(${p.id}, ${sub}::bigint, ${email}, ${verified}, '{"by": "test"}'::jsonb)`,
    );
  const respelt = await link(11);
  await move("Pindah@Example.com", true);
  assert.equal(await respelt(), null, "the same address in another case keeps its links");
  await move("baru@example.com", false);
  assert.ok(await respelt(), "another address: the old one's link is void");
  const [row] = await db.sql`select email, email_verified from astapa.users where id = ${sub}`;
  assert.deepEqual([row.email, row.email_verified], ["baru@example.com", false]);
  const audits = await db.sql`select details from astapa.audit_log where target = ${"user:" + sub}
                              and action = 'user.email_changed' order by id`;
  assert.deepEqual(audits.map((a) => a.details), [{ by: "test" }, { by: "test" }]);
});
