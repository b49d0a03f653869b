/** db/api/user_import.sql: api.import_users, api.upgrade_imported_password, api.export_users. */
import assert from "node:assert/strict";
import { asApp, type Sql } from "@/db/client.ts";
import { exportUsersPage, importUsers, upgradeImportedPassword } from "@/db/user_import.ts";
import { createPlan } from "@/db/plans.ts";
import { appValue, rejectsAs, seedProject, seedUser } from "../helpers/identity.ts";
import { testDatabase } from "../helpers/db.ts";
import { sha256 } from "@/lib/secrets.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const BCRYPT = "$2b$10$abcdefghijklmnopqrstuuCQs.1lBLSzJtTd5UG1sV1DkL4HqNNHq";
const ASTAPA = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA";
const OTHER_ASTAPA = "$argon2id$v=19$m=19456,t=2,p=1$b3RoZXJzYWx0$b3RoZXJoYXNob3RoZXJoYXNo";

function run(sql: Sql, projectId: string, rows: object[], dryRun = false, kind?: "machine") {
  return asApp(
    sql,
    projectId,
    (tx) => importUsers(tx, projectId, rows, { dryRun, source: "claims_api" }),
    kind ? { clientKind: kind } : {},
  );
}

/** What the owner sees of a user (the app role cannot read password_hash). */
async function stored(sql: Sql, projectId: string, email: string) {
  const [row] = await sql`
    select u.id::text, u.email, u.email_verified, u.external_id, u.password_hash, u.created_at, u.disabled,
           c.role, c.feature_flags, c.extra
    from astapa.users u left join astapa.user_claims c on c.project_id = u.project_id and c.user_id = u.id
    where u.project_id = ${projectId} and lower(u.email) = lower(${email})`;
  return row;
}

Deno.test("api.import_users — creates users with hash, claims, plan and identities; audited once", async () => {
  const p = await seedProject(db.sql);
  await asApp(db.sql, p.id, (tx) => createPlan(tx, p.id, { key: "pro", name: "Pro" }));
  const result = await run(db.sql, p.id, [{
    row: 1,
    email: "ayu@example.com",
    email_verified: true,
    external_id: "auth0|1",
    created_at: "2021-05-01T10:00:00Z",
    name: "Ayu",
    given_name: "Ayu",
    picture: "https://example.com/ayu.png",
    locale: "id_ID",
    role: "admin",
    feature_flags: ["beta"],
    custom_claims: { org: "acme" },
    plan: "pro",
    identities: [{ provider: "google", subject: "g-1", email: "ayu@gmail.com" }],
    password_hash: BCRYPT,
  }, { row: 2, email: "budi@example.com" }]);
  assert.deepEqual(result, { created: 2, updated: 0, dry_run: false, refused: [] });
  const ayu = await stored(db.sql, p.id, "ayu@example.com");
  assert.deepEqual(
    [ayu.email_verified, ayu.external_id, ayu.password_hash, ayu.created_at.toISOString(), ayu.role],
    [true, "auth0|1", BCRYPT, "2021-05-01T10:00:00.000Z", "admin"],
  );
  assert.deepEqual([ayu.feature_flags, ayu.extra], [["beta"], { org: "acme" }]);
  // The name is the profile's now, not a custom claim.
  const [profile] = await db
    .sql`select name, given_name, picture, locale from astapa.users where id = ${ayu.id}`;
  assert.deepEqual(profile, {
    name: "Ayu",
    given_name: "Ayu",
    picture: "https://example.com/ayu.png",
    locale: "id-ID",
  });
  const plan = await appValue(db.sql, p.id, (tx) => tx`select astapa.user_plan(${p.id}, ${ayu.id}::bigint)`);
  assert.equal(plan, "pro");
  const identity = await appValue(db.sql, p.id, (tx) => tx`select user_id::text from astapa.identities`);
  assert.equal(identity, ayu.id);
  const audit = await appValue<Record<string, unknown>>(
    db.sql,
    p.id,
    (tx) => tx`select details from astapa.audit_log where action = 'user.import'`,
  );
  assert.deepEqual(audit, { created: 2, updated: 0, refused: 0, environment: "sandbox" });
});

Deno.test("api.import_users — a re-run updates by external_id, then email; never duplicates", async () => {
  const p = await seedProject(db.sql);
  await run(db.sql, p.id, [{ row: 1, email: "old@example.com", external_id: "x1", password_hash: BCRYPT }]);
  const again = await run(db.sql, p.id, [
    { row: 1, email: "new@example.com", external_id: "x1", email_verified: true },
    { row: 2, email: "NEW2@example.com" },
  ]);
  assert.deepEqual([again.created, again.updated], [1, 1]);
  const byEmail = await run(db.sql, p.id, [{ row: 1, email: "new2@EXAMPLE.com", name: "N" }]);
  assert.deepEqual([byEmail.created, byEmail.updated], [0, 1]);
  const moved = await stored(db.sql, p.id, "new@example.com");
  assert.deepEqual([moved.external_id, moved.email_verified, moved.password_hash], ["x1", true, BCRYPT]);
  const count = await appValue(db.sql, p.id, (tx) => tx`select count(*)::int from astapa.users`);
  assert.equal(count, 2);
});

Deno.test("api.import_users — a new address is unproven unless the row says so; the same address keeps its flag", async () => {
  const p = await seedProject(db.sql);
  await run(db.sql, p.id, [{ row: 1, email: "kept@example.com", external_id: "v1", email_verified: true }]);
  // The same person found by external_id with another address and no email_verified: the new one is unproven.
  await run(db.sql, p.id, [{ row: 1, email: "moved@example.com", external_id: "v1" }]);
  assert.equal((await stored(db.sql, p.id, "moved@example.com")).email_verified, false);
  // The same address (any case) with no email_verified keeps what it had.
  await run(db.sql, p.id, [{ row: 1, email: "moved@example.com", external_id: "v1", email_verified: true }]);
  await run(db.sql, p.id, [{ row: 1, email: "MOVED@example.com", external_id: "v1", name: "V" }]);
  await run(db.sql, p.id, [{ row: 1, email: "moved@example.com", name: "V" }]);
  assert.equal((await stored(db.sql, p.id, "moved@example.com")).email_verified, true);
});

Deno.test("api.import_users — a disabled user stays disabled unless the row says otherwise, found by external_id or email", async () => {
  const p = await seedProject(db.sql);
  await run(db.sql, p.id, [
    { row: 1, email: "off1@example.com", external_id: "d1", disabled: true },
    { row: 2, email: "off2@example.com", disabled: true },
  ]);
  const again = await run(db.sql, p.id, [
    { row: 1, email: "off1-moved@example.com", external_id: "d1", name: "By external_id" },
    { row: 2, email: "OFF2@example.com", name: "By email" },
  ]);
  assert.deepEqual([again.updated, again.refused], [2, []]);
  assert.equal((await stored(db.sql, p.id, "off1-moved@example.com")).disabled, true);
  assert.equal((await stored(db.sql, p.id, "off2@example.com")).disabled, true);
  await run(db.sql, p.id, [{ row: 1, email: "off2@example.com", disabled: false }]);
  assert.equal((await stored(db.sql, p.id, "off2@example.com")).disabled, false);
});

Deno.test("api.import_users — re-enabled by a row, a user keeps no session started while disabled", async () => {
  const p = await seedProject(db.sql);
  await run(db.sql, p.id, [{ row: 1, email: "kembali@example.com", disabled: true }]);
  const user = (await stored(db.sql, p.id, "kembali@example.com")).id;
  const start = (token: string) =>
    asApp(
      db.sql,
      p.id,
      async (tx) => tx`select api.start_login_session(${user}, ${await sha256(token)}, 3600, '{ext}')`,
    );
  await start("while-disabled");
  // Still disabled after this row (it says nothing of it): the session stays, inert.
  await run(db.sql, p.id, [{ row: 1, email: "kembali@example.com", name: "Kembali" }]);
  const live = async () =>
    (await db.sql`select started_while_disabled as marked from astapa.login_sessions
      where project_id = ${p.id} and user_id = ${user} and ended_at is null`).map((r) => r.marked);
  assert.deepEqual(await live(), [true]);
  await run(db.sql, p.id, [{ row: 1, email: "kembali@example.com", disabled: false }]);
  assert.equal((await stored(db.sql, p.id, "kembali@example.com")).disabled, false);
  assert.deepEqual(await live(), [], "the re-enable ended it");
});

Deno.test("api.import_users — a hash Astapa made since is kept; an imported one is replaced", async () => {
  const p = await seedProject(db.sql);
  await run(db.sql, p.id, [{ row: 1, email: "a@example.com", password_hash: ASTAPA }]);
  await run(db.sql, p.id, [{ row: 1, email: "b@example.com", password_hash: BCRYPT }]);
  const other = BCRYPT.replace("$10$", "$11$");
  await run(db.sql, p.id, [
    { row: 1, email: "a@example.com", password_hash: other },
    { row: 2, email: "b@example.com", password_hash: other },
  ]);
  assert.equal((await stored(db.sql, p.id, "a@example.com")).password_hash, ASTAPA);
  assert.equal((await stored(db.sql, p.id, "b@example.com")).password_hash, other);
});

Deno.test("api.import_users — bad rows are refused alone, with reasons; the rest is stored", async () => {
  const p = await seedProject(db.sql);
  const other = await seedUser(db.sql, p.id, "taken@example.com");
  await run(db.sql, p.id, [{ row: 1, email: "owner@example.com", external_id: "e9" }]);
  const result = await run(db.sql, p.id, [
    { row: 1, email: "ok@example.com" },
    { row: 2, email: "not-an-email" },
    { row: 3, email: "hash@example.com", password_hash: "md5$abc" },
    { row: 4, email: "plan@example.com", plan: "nope" },
    { row: 5, email: "taken@example.com", external_id: "e9" },
    { row: 6, email: "OK@example.com" },
    { row: 7, email: "claims@example.com", custom_claims: { sub: "x" } },
    { row: 8, email: "when@example.com", created_at: "not a date" },
  ]);
  assert.deepEqual([result.created, result.updated], [1, 0]);
  assert.deepEqual(result.refused.map((r) => r.row), [2, 3, 4, 5, 6, 7, 8]);
  const reasons = result.refused.map((r) => r.reason);
  assert.match(reasons[0], /email address/);
  assert.match(reasons[1], /no format Astapa imports/);
  assert.match(reasons[2], /plan/i);
  assert.match(reasons[3], /external_id belongs to one user/);
  assert.match(reasons[4], /already in row 1/);
  assert.match(reasons[5], /reserved/);
  assert.match(reasons[6], /wrong type or format/);
  // Nothing of a refused row was written (its claims and plan included).
  for (const email of ["plan@example.com", "claims@example.com", "hash@example.com"]) {
    assert.equal(await stored(db.sql, p.id, email), undefined);
  }
  assert.equal((await stored(db.sql, p.id, "taken@example.com")).id, other);
});

Deno.test("api.import_users — an identity of another user is refused; a dry run writes nothing", async () => {
  const p = await seedProject(db.sql);
  const google = { provider: "google", subject: "g-7" };
  await run(db.sql, p.id, [{ row: 1, email: "first@example.com", identities: [google] }]);
  const clash = await run(db.sql, p.id, [{ row: 1, email: "second@example.com", identities: [google] }]);
  assert.match(clash.refused[0].reason, /already signs in another user/);
  assert.equal(await stored(db.sql, p.id, "second@example.com"), undefined);
  const dry = await run(db.sql, p.id, [{ row: 1, email: "dry@example.com" }, { row: 2, email: "x" }], true);
  assert.deepEqual([dry.created, dry.refused.length, dry.dry_run], [1, 1, true]);
  assert.equal(await stored(db.sql, p.id, "dry@example.com"), undefined);
  const audits = await appValue(
    db.sql,
    p.id,
    (tx) => tx`select count(*)::int from astapa.audit_log where action = 'user.import'`,
  );
  assert.equal(audits, 2);
});

Deno.test("api.import_users — refusals: another project, a machine client, more than 10,000 rows", async () => {
  const p = await seedProject(db.sql);
  const q = await seedProject(db.sql);
  await rejectsAs(run(db.sql, p.id, [], false, "machine"), "unauthorized_client");
  await rejectsAs(
    asApp(db.sql, p.id, (tx) => importUsers(tx, q.id, [], { dryRun: false, source: "cli" })),
    "forbidden",
  );
  const many = Array.from({ length: 10_001 }, (_, i) => ({ row: i + 1, email: `u${i}@example.com` }));
  await rejectsAs(run(db.sql, p.id, many), "validation_failed", /10,000/);
});

Deno.test("api.upgrade_imported_password — replaces only the hash it verified, else answers the current", async () => {
  const p = await seedProject(db.sql);
  await run(db.sql, p.id, [{ row: 1, email: "r@example.com", password_hash: BCRYPT }]);
  const user = await stored(db.sql, p.id, "r@example.com");
  const upgrade = (oldHash: string, newHash: string, projectId = p.id) =>
    asApp(db.sql, p.id, (tx) => upgradeImportedPassword(tx, projectId, { id: user.id, oldHash, newHash }));
  await rejectsAs(upgrade(BCRYPT, BCRYPT), "validation_failed", /argon2id/);
  const q = await seedProject(db.sql);
  await rejectsAs(upgrade(BCRYPT, ASTAPA, q.id), "forbidden");
  assert.equal(await upgrade("$2b$10$stale", ASTAPA), BCRYPT, "not replaced: the hash stored now");
  assert.equal(await upgrade(BCRYPT, ASTAPA), ASTAPA, "replaced: the new hash");
  assert.equal((await stored(db.sql, p.id, "r@example.com")).password_hash, ASTAPA);
  // The second of two racing sign-ins: nothing replaced, and the first one's hash to verify against.
  assert.equal(await upgrade(BCRYPT, OTHER_ASTAPA), ASTAPA);
  assert.equal((await stored(db.sql, p.id, "r@example.com")).password_hash, ASTAPA);
  const audit = await appValue(
    db.sql,
    p.id,
    (tx) => tx`select details ->> 'from' from astapa.audit_log where action = 'user.rehash_password'`,
  );
  assert.equal(audit, "2b");
});

Deno.test("api.export_users — keyset pages in the import's shape; hashes only when asked; audited", async () => {
  const p = await seedProject(db.sql);
  const imported = await run(db.sql, p.id, [
    { row: 1, email: "a@example.com", external_id: "1", password_hash: BCRYPT, name: "A", role: "r" },
    {
      row: 2,
      email: "b@example.com",
      identities: [{ provider: "github", subject: "42", email: "b@gh.example" }],
    },
    { row: 3, email: "c@example.com", disabled: true, custom_claims: { tier: 2 }, locale: "en-GB" },
  ]);
  assert.deepEqual(imported.refused, []);
  const page = (afterId: string, withPasswordHashes = false) =>
    asApp(db.sql, p.id, (tx) => exportUsersPage(tx, p.id, { afterId, size: 2, withPasswordHashes }));
  const first = await page("0");
  const second = await page(first[1].sub);
  assert.deepEqual([first.length, second.length], [2, 1]);
  // Ids are time-ordered with random low bits: users made in one millisecond come out in any order.
  const byEmail = Object.fromEntries([...first, ...second].map((u) => [u.email, u]));
  assert.deepEqual(Object.keys(byEmail).sort(), ["a@example.com", "b@example.com", "c@example.com"]);
  assert.deepEqual(
    { ...byEmail["a@example.com"], sub: "", created_at: "" },
    {
      sub: "",
      email: "a@example.com",
      email_verified: false,
      external_id: "1",
      created_at: "",
      name: "A",
      role: "r",
    },
  );
  assert.deepEqual(byEmail["b@example.com"].identities, [{
    provider: "github",
    subject: "42",
    email: "b@gh.example",
  }]);
  const c = byEmail["c@example.com"];
  assert.deepEqual([c.disabled, c.custom_claims, c.locale], [true, { tier: 2 }, "en-GB"]);
  const withHashes = await page("0", true);
  withHashes.push(...await page(withHashes[1].sub, true));
  assert.equal(withHashes.find((u) => u.email === "a@example.com")?.password_hash, BCRYPT);
  const audits = await appValue(
    db.sql,
    p.id,
    (tx) =>
      tx`select jsonb_agg(details -> 'with_password_hashes' order by id) from astapa.audit_log
         where action = 'user.export'`,
  );
  assert.deepEqual(audits, [false, true]);
  await rejectsAs(
    asApp(
      db.sql,
      p.id,
      (tx) => exportUsersPage(tx, p.id, { afterId: "0", size: 1001, withPasswordHashes: false }),
    ),
    "validation_failed",
  );
  await rejectsAs(
    asApp(
      db.sql,
      p.id,
      (tx) => exportUsersPage(tx, p.id, { afterId: "0", size: 1, withPasswordHashes: true }),
      { clientKind: "machine" },
    ),
    "unauthorized_client",
  );
  const q = await seedProject(db.sql);
  await rejectsAs(
    asApp(
      db.sql,
      q.id,
      (tx) => exportUsersPage(tx, p.id, { afterId: "0", size: 1, withPasswordHashes: true }),
    ),
    "forbidden",
  );
});

Deno.test("api.import_users — a new id that clashes with one already drawn is drawn again, the row still created", async () => {
  const p = await seedProject(db.sql);
  const taken = await seedUser(db.sql, p.id, "first@example.com");
  // A default that hands out the taken id twice, then real ones: what two same-millisecond draws would make.
  await db.sql.unsafe(`
    create sequence public.import_clash_draws;
    create function public.import_clashing_user_id() returns bigint language sql volatile set search_path = '' as
      $$ select case when pg_catalog.nextval('public.import_clash_draws') <= 2 then ${taken}::bigint
                     else astapa.new_user_id() end $$;
    grant usage on sequence public.import_clash_draws to public;
    grant execute on function public.import_clashing_user_id() to public;
    alter table astapa.users alter column id set default public.import_clashing_user_id();`);
  try {
    const result = await run(db.sql, p.id, [{ row: 1, email: "second@example.com" }]);
    assert.deepEqual(result.refused, []);
    assert.equal(result.created, 1);
    const second = await stored(db.sql, p.id, "second@example.com");
    assert.notEqual(second.id, taken);
    const [draws] = await db.sql`select last_value::int from public.import_clash_draws`;
    assert.equal(draws.last_value, 3, "drawn until free");
  } finally {
    await db.sql.unsafe(`alter table astapa.users alter column id set default astapa.new_user_id();
                         drop function public.import_clashing_user_id(); drop sequence public.import_clash_draws;`);
  }
});

Deno.test("astapa.refresh_user_statistics — analyzes, counting this transaction's rows; gives way at once to another holder", async () => {
  const p = await seedProject(db.sql);
  const counted = await db.sql.begin(async (tx) => {
    await tx`insert into astapa.users (project_id, email, environment)
             select ${p.id}, 'stat' || g || '@example.com', 'sandbox' from generate_series(1, 300) g`;
    const [done] = await tx`select astapa.refresh_user_statistics() as ok`;
    const [stats] = await tx`select reltuples from pg_class where oid = 'astapa.users'::regclass`;
    return { ok: done.ok, tuples: Number(stats.reltuples) };
  });
  assert.equal(counted.ok, true);
  assert.ok(counted.tuples >= 300, `the uncommitted rows are counted (${counted.tuples})`);
  const holder = await db.sql.reserve();
  try {
    await holder`begin`;
    await holder`lock table astapa.users in share update exclusive mode`;
    const [busy] = await db.sql`select astapa.refresh_user_statistics() as ok`;
    assert.equal(busy.ok, false, "another transaction holds the lock: no wait");
  } finally {
    await holder`rollback`;
    holder.release();
  }
});

Deno.test("api.import_users — email_verified false never takes an existing user's last way in (an email code)", async () => {
  const p = await seedProject(db.sql, { settings: { email_codes: true, passwords: false, passkeys: true } });
  await run(db.sql, p.id, [{ row: 1, email: "code.only@example.com", email_verified: true }]);
  const refused = await run(db.sql, p.id, [{
    row: 1,
    email: "code.only@example.com",
    email_verified: false,
  }]);
  assert.equal(refused.updated, 0);
  assert.equal(refused.refused.length, 1);
  assert.match(refused.refused[0].reason, /only way this user can sign in/);
  assert.equal(
    (await stored(db.sql, p.id, "code.only@example.com")).email_verified,
    true,
    "the row rolled back",
  );
  // With a Google identity in the same row (the deployment's defaults unknown here: the project's own app),
  // another way stays.
  const ownGoogle = { social_login: { google: { client_id: "own", client_secret_sealed: "s".repeat(43) } } };
  await db.sql`update astapa.projects set settings = settings || ${db.sql.json(ownGoogle)}
               where id = ${p.id}`;
  const withGoogle = await run(db.sql, p.id, [{
    row: 1,
    email: "code.only@example.com",
    email_verified: false,
    identities: [{ provider: "google", subject: "g-code-only" }],
  }]);
  assert.deepEqual([withGoogle.updated, withGoogle.refused], [1, []]);
  assert.equal((await stored(db.sql, p.id, "code.only@example.com")).email_verified, false);
  // Someone with no way in before (email codes off) is imported as the row says.
  const q = await seedProject(db.sql);
  await run(db.sql, q.id, [{ row: 1, email: "no.way@example.com", email_verified: true }]);
  const plain = await run(db.sql, q.id, [{ row: 1, email: "no.way@example.com", email_verified: false }]);
  assert.deepEqual([plain.updated, plain.refused], [1, []]);
});

Deno.test("api.import_users — the profile: a row states what it changes; a value breaking a rule refuses the row, in words", async () => {
  const p = await seedProject(db.sql);
  const first = await run(db.sql, p.id, [
    { row: 1, email: "dewi@example.com", name: "Dewi", family_name: "Sartika" },
    { row: 2, email: "evil@example.com", picture: "javascript:alert(1)" },
    { row: 3, email: "rtl@example.com", name: "Mallory\u202Egnp.exe" },
  ]);
  assert.equal(first.created, 1);
  assert.deepEqual(first.refused.map((r: { row: number; reason: string }) => [r.row, r.reason]), [
    [2, "picture is an https:// URL of at most 2048 characters (non-ASCII percent-encoded)."],
    [3, "name is at most 256 characters, without control or invisible formatting characters."],
  ]);
  // A new user's profile comes with the insert: user.created carries it, no user.updated follows.
  const events = await db.sql`select type, data -> 'user' ->> 'name' as name from astapa.events
    where project_id = ${p.id} and data -> 'user' ->> 'email' = 'dewi@example.com' order by id`;
  assert.deepEqual(events.map((e) => [e.type, e.name]), [["user.created", "Dewi"]]);
  // Again, stating only the given name: the other fields keep what they had.
  await run(db.sql, p.id, [{ row: 1, email: "dewi@example.com", given_name: "Dewi" }]);
  const [dewi] = await db.sql`select name, given_name, family_name from astapa.users
                              where project_id = ${p.id} and email = 'dewi@example.com'`;
  assert.deepEqual(dewi, { name: "Dewi", given_name: "Dewi", family_name: "Sartika" });
});

Deno.test("api.export_users and api.import_users — the rest of the profile goes out and comes back in; an unknown zone or future birthdate refuses the row", async () => {
  const from = await seedProject(db.sql);
  const profile = {
    nickname: "Yuyu",
    middle_name: "Kartika",
    preferred_username: "ayu.l",
    website: "http://ayu.example.id/",
    zoneinfo: "asia/makassar",
    birthdate: "0000-04-21",
    gender: "female",
  };
  const first = await run(db.sql, from.id, [
    { row: 1, email: "ayu@example.com", ...profile },
    { row: 2, email: "mars@example.com", zoneinfo: "Mars/Olympus" },
    { row: 3, email: "future@example.com", birthdate: "2999-01-01" },
  ]);
  assert.equal(first.created, 1);
  assert.deepEqual(first.refused.map((r: { row: number; reason: string }) => [r.row, r.reason]), [
    [2, "zoneinfo is an IANA time zone name, e.g. Asia/Jakarta."],
    [3, "birthdate is a date in the past as YYYY-MM-DD, or 0000-MM-DD without the year."],
  ]);
  const [exported] = await asApp(
    db.sql,
    from.id,
    (tx) => exportUsersPage(tx, from.id, { afterId: "0", size: 10, withPasswordHashes: false }),
  );
  const expected = { ...profile, zoneinfo: "Asia/Makassar" };
  for (const [key, value] of Object.entries(expected)) assert.equal(exported[key], value, key);
  // Into another project, as the export wrote it: the same profile.
  const to = await seedProject(db.sql);
  const { sub: _sub, ...row } = exported;
  assert.deepEqual((await run(db.sql, to.id, [{ row: 1, ...row }])).refused, []);
  const [back] = await db
    .sql`select nickname, middle_name, preferred_username, website, zoneinfo, birthdate, gender
                              from astapa.users where project_id = ${to.id}`;
  assert.deepEqual({ ...back }, expected);
  // A re-run stating one field changes that one only.
  await run(db.sql, to.id, [{ row: 1, email: "ayu@example.com", nickname: "Ayu" }]);
  const [again] = await db.sql`select nickname, gender from astapa.users where project_id = ${to.id}`;
  assert.deepEqual({ ...again }, { nickname: "Ayu", gender: "female" });
});
