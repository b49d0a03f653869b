/**
 * db/api/anonymous_users.sql: settings.anonymous_users (defaults, every refusal of its validator), api.sign_in_anonymously
 * (off, another client, DPoP required, a bad refresh hash, an undeclared scope; a guest row with no email and its
 * refresh family, in the project's mode), the guest constraints on astapa.users, api.list_environment_users's
 * filter, and the sweep of guests who never came back (kept: recent, refreshed, subscribed, with a checkout).
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { sha256 } from "@/lib/secrets.ts";
import { testDatabase } from "../helpers/db.ts";
import { appValue, rejectsAs, type SeededProject, seedProject, seedUser } from "../helpers/identity.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const guestsOn = (extra: Record<string, unknown> = {}) =>
  seedProject(db.sql, { settings: { anonymous_users: { enabled: true, ...extra } } });

/** api.sign_in_anonymously as the project, from `address`; the grant's claims. */
async function signIn(
  p: SeededProject,
  options: { clientId?: string; address?: string; hash?: Uint8Array } = {},
) {
  const hash = options.hash ?? await sha256(crypto.randomUUID());
  return await appValue<Record<string, unknown>>(
    db.sql,
    p.id,
    (tx) =>
      tx`select api.sign_in_anonymously(${options.clientId ?? p.clientId}, ${options.address ?? "192.0.2.1"},
                                        ${hash}, 'openid') as r`,
  );
}

const problem = (value: unknown) =>
  appValue<string | null>(
    db.sql,
    null,
    (tx) => tx`select astapa.anonymous_users_settings_problem(${tx.json(value as never)}) as p`,
  );

Deno.test("astapa.anonymous_users_settings — defaults; its validator says what is wrong", async () => {
  const defaults = await appValue(
    db.sql,
    null,
    (tx) => tx`select astapa.anonymous_users_settings('{}') as s`,
  );
  assert.deepEqual(defaults, { enabled: false, sweep_after_days: 30, hourly_limit: 1000 });
  assert.equal(await problem({ enabled: true, sweep_after_days: 365, hourly_limit: 1 }), null);
  assert.equal(await problem({ enabled: null }), null, "null: back to the default");
  assert.match((await problem([]))!, /takes enabled, sweep_after_days and hourly_limit only/);
  assert.match((await problem({ other: 1 }))!, /only/);
  assert.match((await problem({ enabled: "true" }))!, /enabled must be true or false/);
  assert.match(
    (await problem({ sweep_after_days: 0 }))!,
    /sweep_after_days must be a whole number from 1 to 365/,
  );
  assert.match((await problem({ sweep_after_days: 1.5 }))!, /whole number/);
  assert.match(
    (await problem({ hourly_limit: "5" }))!,
    /hourly_limit must be a whole number from 1 to 100000/,
  );
});

Deno.test("api.sign_in_anonymously — refusals: off (AS4A0), another client, DPoP required, bad hash, undeclared scope; nothing made", async () => {
  const off = await seedProject(db.sql);
  await rejectsAs(signIn(off), "anonymous_sign_ins_disabled");
  const on = await guestsOn();
  const other = await seedProject(db.sql);
  await rejectsAs(signIn(on, { clientId: other.clientId }), "unauthorized_client", /own client/);
  const dpop = await seedProject(db.sql, {
    settings: { anonymous_users: { enabled: true }, dpop: { required: true } },
  });
  await rejectsAs(signIn(dpop), "unauthorized_client", /DPoP/);
  await rejectsAs(signIn(on, { hash: new Uint8Array(3) }), "validation_failed", /SHA-256/);
  await rejectsAs(
    appValue(
      db.sql,
      on.id,
      (tx) =>
        tx`select api.sign_in_anonymously(${on.clientId}, '192.0.2.1', ${new Uint8Array(
          32,
        )}, 'openid nope') as r`,
    ),
    "invalid_scope",
  );
  const [made] = await db.sql`select count(*)::int as n from astapa.users
    where project_id in (${off.id}, ${on.id}, ${dpop.id})`;
  assert.equal(made.n, 0);
});

Deno.test("api.sign_in_anonymously — a guest in the project's mode, its refresh family (amr anon), the claims to sign", async () => {
  const project = await guestsOn();
  const hash = await sha256("guest-refresh");
  const grant = await signIn(project, { hash });
  assert.equal(grant.is_anonymous, true);
  assert.equal(grant.email, undefined);
  assert.deepEqual(grant.amr, ["anon"]);
  assert.equal(grant.scope, "openid");
  const [row] = await db.sql`select u.email, u.is_anonymous, u.environment = p.mode as same_mode
    from astapa.users u join astapa.projects p on p.id = u.project_id
    where u.project_id = ${project.id} and u.id = ${grant.sub as string}::bigint`;
  assert.deepEqual({ ...row }, { email: null, is_anonymous: true, same_mode: true });
  const [token] = await db.sql`select user_id::text, client_id, amr, scope from astapa.refresh_tokens
    where project_id = ${project.id} and token_hash = ${hash}`;
  assert.deepEqual({ ...token }, {
    user_id: grant.sub,
    client_id: project.clientId,
    amr: ["anon"],
    scope: "openid",
  });
});

Deno.test("astapa.users — a guest holds no email, phone nor password; a signed-up user needs one of email or phone", async () => {
  const project = await guestsOn();
  const sub = (await signIn(project)).sub as string;
  for (const change of ["phone_number = '+6281234567890'", "email = 'x@example.com'"]) {
    await assert.rejects(
      db.sql.unsafe(`update astapa.users set ${change} where project_id = '${project.id}' and id = ${sub}`),
      /users_is_anonymous_check/,
    );
  }
  await assert.rejects(
    db.sql`update astapa.users set is_anonymous = false where project_id = ${project.id} and id = ${sub}::bigint`,
    /users_email_or_phone_check/,
  );
  await db.sql`update astapa.users set is_anonymous = false, email = 'tamu@example.com'
    where project_id = ${project.id} and id = ${sub}::bigint`;
});

Deno.test("api.list_environment_users — is_anonymous: guests only, no guests, everyone", async () => {
  const project = await guestsOn();
  const guest = (await signIn(project)).sub;
  const member = await seedUser(db.sql, project.id, "anggota@example.com");
  const page = (filter: boolean | null) =>
    appValue<{ id: string }[]>(
      db.sql,
      project.id,
      (tx) => tx`select api.list_environment_users(${project.id}, 50, 0, ${filter}::boolean) as r`,
    ).then((users) => users.map((u) => u.id));
  assert.deepEqual(await page(true), [guest]);
  assert.deepEqual(await page(false), [member]);
  assert.deepEqual((await page(null)).sort(), [guest, member].sort());
});

const sweep = () => asApp(db.sql, null, async (tx) => (await tx`select api.sweep_grants() as s`)[0].s);

Deno.test("api.sweep_grants — guests past their project's sweep_after_days with no refresh since are erased (user.deleted); recent, refreshed, subscribed or paying ones stay", async () => {
  const project = await guestsOn({ sweep_after_days: 10 });
  const defaults = await guestsOn();
  const make = async (p: SeededProject, ageDays: number) => {
    const sub = (await signIn(p)).sub as string;
    await db.sql`update astapa.users set created_at = now() - make_interval(days => ${ageDays})
      where project_id = ${p.id} and id = ${sub}::bigint`;
    await db.sql`update astapa.refresh_tokens set created_at = now() - make_interval(days => ${ageDays})
      where project_id = ${p.id} and user_id = ${sub}::bigint`;
    return sub;
  };
  const gone = await make(project, 11);
  const recent = await make(project, 9);
  const refreshed = await make(project, 11);
  await db.sql`update astapa.refresh_tokens set created_at = now() - interval '2 days'
    where project_id = ${project.id} and user_id = ${refreshed}::bigint`;
  const subscribed = await make(project, 11);
  await db.sql`insert into astapa.subscriptions (project_id, user_id, plan_key, status, source)
    values (${project.id}, ${subscribed}::bigint, 'free', 'trialing', 'cli')`;
  const paying = await make(project, 11);
  await db
    .sql`insert into astapa.checkouts (project_id, user_id, plan_key, amount, xendit_account, environment,
                                             expires_at)
    values (${project.id}, ${paying}::bigint, 'free', 10000, 'simulator', 'sandbox', now() + interval '1 day')`;
  const underDefault = await make(defaults, 20);
  const pastDefault = await make(defaults, 31);
  const member = await seedUser(db.sql, project.id, "lama@example.com");
  await db.sql`update astapa.users set created_at = now() - interval '400 days'
    where project_id = ${project.id} and id = ${member}::bigint`;

  assert.equal((await sweep()).abandoned_guests, 2);
  const rows = await db.sql`select id::text, deleted_at is not null as deleted from astapa.users
    where project_id in (${project.id}, ${defaults.id})`;
  const deleted = Object.fromEntries(rows.map((r) => [r.id, r.deleted]));
  assert.deepEqual(
    [gone, recent, refreshed, subscribed, paying, underDefault, pastDefault, member].map((id) => deleted[id]),
    [true, false, false, false, false, false, true, false],
  );
  const [event] = await db
    .sql`select data from astapa.events where project_id = ${project.id} and type = 'user.deleted'`;
  assert.equal(event.data.user.id, gone);
  const [audit] = await db.sql`select details ->> 'by' as by from astapa.audit_log
    where project_id = ${project.id} and action = 'user.deleted' and target = ${"user:" + gone}`;
  assert.equal(audit.by, "sweeper");
  assert.equal((await sweep()).abandoned_guests, 0, "once");
});

Deno.test("astapa.sweep_abandoned_guests — only inside api.sweep_grants (AS403)", async () => {
  await rejectsAs(
    appValue(db.sql, null, (tx) => tx`select astapa.sweep_abandoned_guests() as n`),
    "forbidden",
    /api.sweep_grants/,
  );
});

const ARGON = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA";
const signUpGuest = (p: SeededProject, id: string, email: string, hash = ARGON) =>
  appValue<Record<string, unknown>>(
    db.sql,
    p.id,
    (tx) => tx`select api.sign_up_guest(${p.id}, ${id}::bigint, ${email}, ${hash}) as r`,
  );

Deno.test("api.sign_up_guest — the guest's row gets the address (unverified) and password, stays its sub; audited user.converted", async () => {
  const project = await guestsOn();
  const sub = (await signIn(project)).sub as string;
  const user = await signUpGuest(project, sub, " tamu@example.com ");
  assert.equal(user.id, sub);
  assert.equal(user.email, "tamu@example.com");
  assert.equal(user.email_verified, false);
  assert.equal(user.is_anonymous, false);
  const [audit] = await db.sql`select action from astapa.audit_log where project_id = ${project.id}
    and target = ${"user:" + sub} order by id desc limit 1`;
  assert.equal(audit.action, "user.converted");
  await rejectsAs(signUpGuest(project, sub, "lagi@example.com"), "guest_signed_up", /signed up already/);
});

Deno.test("api.sign_up_guest — the address and the password go onto the guest's row in one write", async () => {
  const project = await guestsOn();
  const sub = (await signIn(project)).sub as string;
  const rowsUpdated = await asApp(db.sql, project.id, async (tx) => {
    // The backend's own counts, exact and never waiting for a flush; they may hold earlier transactions' counts
    // not yet flushed (Postgres 15), so the difference across the call is what it updated.
    const updates = async () => {
      const [stats] = await tx`select n_tup_upd from pg_catalog.pg_stat_xact_user_tables
        where relid = 'astapa.users'::regclass`;
      return Number(stats.n_tup_upd);
    };
    const before = await updates();
    await tx`select api.sign_up_guest(${project.id}, ${sub}::bigint, 'satu@example.com', ${ARGON})`;
    return await updates() - before;
  });
  assert.equal(rowsUpdated, 1, "one update of astapa.users");
  const [row] = await db.sql`select email, password_hash, is_anonymous from astapa.users
    where project_id = ${project.id} and id = ${sub}::bigint`;
  assert.deepEqual([row.email, row.password_hash, row.is_anonymous], ["satu@example.com", ARGON, false]);
});

Deno.test("api.sign_up_guest — refusals change nothing: a taken address (AS409), a closed project, a non-guest, another project's guest, an erased guest, a bad hash", async () => {
  const project = await guestsOn();
  const other = await guestsOn();
  const sub = (await signIn(project)).sub as string;
  const member = await seedUser(db.sql, project.id, "ada@example.com");
  await rejectsAs(signUpGuest(project, sub, "ADA@example.com"), "conflict");
  await rejectsAs(signUpGuest(project, member, "baru@example.com"), "guest_signed_up");
  const foreign = (await signIn(other)).sub as string;
  await rejectsAs(signUpGuest(project, foreign, "asing@example.com"), "guest_signed_up");
  await rejectsAs(signUpGuest(project, sub, "baru@example.com", "plain"), "validation_failed", /argon2id/);
  await rejectsAs(signUpGuest(project, sub, "not-an-address"), "validation_failed");
  const closed = await seedProject(db.sql, {
    settings: { anonymous_users: { enabled: true }, sign_up: { mode: "closed" } },
  });
  const shut = (await signIn(closed)).sub as string;
  await rejectsAs(signUpGuest(closed, shut, "tutup@example.com"), "sign_up_refused");
  const erased = (await signIn(project)).sub as string;
  await asApp(db.sql, project.id, (tx) => tx`select api.delete_user(${project.id}, ${erased}::bigint)`);
  await rejectsAs(signUpGuest(project, erased, "hapus@example.com"), "guest_signed_up");
  const rows = await db.sql`select id::text, email, is_anonymous from astapa.users
    where (project_id, id) in ((${project.id}, ${sub}::bigint), (${other.id}, ${foreign}::bigint),
                               (${closed.id}, ${shut}::bigint))`;
  assert.deepEqual(rows.map((r) => [r.email, r.is_anonymous]), [[null, true], [null, true], [null, true]]);
});

const withIdentity = (p: SeededProject, id: string, provider: string, subject: string, email: string) =>
  appValue<{ user_id: string; created: boolean; linked: boolean }>(
    db.sql,
    p.id,
    (tx) =>
      tx`select api.sign_up_guest_with_identity(${id}::bigint, ${provider}, ${subject}, ${email}, true) as r`,
  );

Deno.test("api.sign_up_guest_with_identity — a new identity and address go onto the guest; someone's address is theirs; AS4A1, AS400", async () => {
  const project = await guestsOn();
  const sub = (await signIn(project)).sub as string;
  assert.deepEqual(await withIdentity(project, sub, "google", "g-1", "tamu@gmail.test"), {
    user_id: sub,
    created: true,
    linked: false,
  });
  const [row] = await db.sql`select email, email_verified, is_anonymous from astapa.users
    where project_id = ${project.id} and id = ${sub}::bigint`;
  assert.deepEqual({ ...row }, { email: "tamu@gmail.test", email_verified: true, is_anonymous: false });
  const other = (await signIn(project)).sub as string;
  await rejectsAs(withIdentity(project, sub, "github", "gh-1", "lain@github.test"), "guest_signed_up");
  // The same Google identity from another guest: that account signs in, the other guest is untouched.
  assert.equal((await withIdentity(project, other, "google", "g-1", "tamu@gmail.test")).user_id, sub);
  const member = await seedUser(db.sql, project.id, "ada@gmail.test", { verified: true });
  const linked = await withIdentity(project, other, "google", "g-ada", "ada@gmail.test");
  assert.deepEqual(linked, { user_id: member, created: false, linked: true });
  const [still] = await db.sql`select is_anonymous from astapa.users where project_id = ${project.id}
    and id = ${other}::bigint`;
  assert.equal(still.is_anonymous, true);
  await rejectsAs(
    withIdentity(project, other, "facebook", "f-1", "x@facebook.test"),
    "validation_failed",
    /google, github, apple or microsoft/,
  );
});

Deno.test("astapa.lock_guest — holds a guest's row until the transaction ends; AS4A1 for a user who is no guest, a disabled guest or another project's", async () => {
  const project = await guestsOn();
  const other = await guestsOn();
  const sub = (await signIn(project)).sub as string;
  const member = await seedUser(db.sql, project.id, "anggota@example.com", { verified: true });
  const lock = (p: SeededProject, id: string) =>
    asApp(db.sql, p.id, (tx) => tx`select astapa.lock_guest(${p.id}, ${id}::bigint)`);
  // Held: another transaction cannot take the row meanwhile.
  await asApp(db.sql, project.id, async (tx) => {
    await tx`select astapa.lock_guest(${project.id}, ${sub}::bigint)`;
    const free = await db.sql`select id from astapa.users where id = ${sub}::bigint for update skip locked`;
    assert.equal(free.length, 0, "the guest's row is locked");
  });
  const after = await db.sql`select id from astapa.users where id = ${sub}::bigint for update skip locked`;
  assert.equal(after.length, 1, "and free once the transaction ended");
  await rejectsAs(lock(project, member), "guest_signed_up");
  await rejectsAs(lock(other, sub), "guest_signed_up");
  await db.sql`update astapa.users set disabled = true where id = ${sub}::bigint`;
  await rejectsAs(lock(project, sub), "guest_signed_up");
});

Deno.test("astapa.lock_guest — AS4A1 for a guest the app signed out (every refresh token revoked or expired), not for one still signed in", async () => {
  const project = await guestsOn();
  const lock = (id: string) =>
    asApp(db.sql, project.id, (tx) => tx`select astapa.lock_guest(${project.id}, ${id}::bigint)`);
  const revoked = (await signIn(project)).sub as string;
  await asApp(db.sql, project.id, (tx) => tx`select api.revoke_user_refresh_tokens(${revoked}::bigint)`);
  await rejectsAs(lock(revoked), "guest_signed_up", /signed out/);
  const expired = (await signIn(project)).sub as string;
  await db.sql`update astapa.refresh_tokens set expires_at = now() - interval '1 second'
    where project_id = ${project.id} and user_id = ${expired}::bigint`;
  await rejectsAs(lock(expired), "guest_signed_up", /signed out/);
  // One live token among revoked ones (a second sign-in of the same guest) is a guest still signed in.
  const live = (await signIn(project)).sub as string;
  await lock(live);
});

Deno.test("api.anonymous_user_settings — the project's settings with defaults; null for another project or none", async () => {
  const plain = await seedProject(db.sql);
  const set = await guestsOn({ sweep_after_days: 7 });
  const settings = (projectId: string | null, of: string) =>
    appValue(db.sql, projectId, (tx) => tx`select api.anonymous_user_settings(${of}) as s`);
  assert.deepEqual(await settings(plain.id, plain.id), {
    enabled: false,
    sweep_after_days: 30,
    hourly_limit: 1000,
  });
  assert.deepEqual(await settings(set.id, set.id), {
    enabled: true,
    sweep_after_days: 7,
    hourly_limit: 1000,
  });
  assert.equal(await settings(plain.id, set.id), null, "another project's settings are not visible");
  assert.equal(await settings(null, set.id), null, "nor without a project");
});
