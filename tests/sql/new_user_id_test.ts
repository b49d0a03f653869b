/** Migration 2151: new users' ids (the `sub`) are time-ordered 63-bit numbers, not a count of users. */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { testDatabase } from "../helpers/db.ts";
import { seedProject, seedUser } from "../helpers/identity.ts";
import { isUserId } from "@/lib/http/user_id.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());
const project = await seedProject(db.sql);

Deno.test("astapa.new_user_id — positive, far past any sequence, never consecutive, ordered by time", async () => {
  const ids: bigint[] = [];
  for (let i = 0; i < 50; i++) {
    const [row] = await db.sql`select astapa.new_user_id()::text as id`;
    assert.ok(isUserId(row.id), `${row.id} is a decimal bigint`);
    ids.push(BigInt(row.id));
  }
  for (const id of ids) assert.ok(id > 2n ** 50n, "no small counter");
  const gaps = ids.slice(1).map((id, i) => id - ids[i]);
  assert.ok(gaps.every((gap) => gap !== 1n), "no two consecutive");
  assert.equal(new Set(ids).size, ids.length, "all different");
  // The high bits are the time: ids taken a few milliseconds apart sort in that order.
  const [first] = await db.sql`select astapa.new_user_id() >> 22 as ms`;
  await new Promise((done) => setTimeout(done, 5));
  const [later] = await db.sql`select astapa.new_user_id() >> 22 as ms`;
  assert.ok(BigInt(later.ms) > BigInt(first.ms));
  const [now] = await db
    .sql`select (extract(epoch from clock_timestamp()) * 1000)::bigint - 1577836800000 as ms`;
  assert.ok(BigInt(now.ms) - BigInt(later.ms) < 60_000n, "the high bits are milliseconds since 2020");
});

Deno.test("users — a new user's sub is one of those ids; the token's sub is its decimal string", async () => {
  const a = await seedUser(db.sql, project.id, "a@example.com");
  const b = await seedUser(db.sql, project.id, "b@example.com");
  for (const id of [a, b]) assert.ok(BigInt(id) > 2n ** 50n, `sub ${id}`);
  assert.notEqual(BigInt(b) - BigInt(a), 1n);
  const [row] = await asApp(db.sql, project.id, (tx) => tx`select api.get_user(${project.id}, ${b}) as u`);
  assert.equal(row.u.id, b, "the id goes out as text, exact beyond 2^53");
});

Deno.test("users — the column keeps ids it is given (existing users keep theirs) and has no sequence", async () => {
  const [column] = await db.sql`select is_identity, column_default from information_schema.columns
                                where table_schema = 'astapa' and table_name = 'users' and column_name = 'id'`;
  assert.equal(column.is_identity, "NO");
  assert.equal(column.column_default, "astapa.new_user_id()");
  await db.sql`insert into astapa.users (project_id, id, email, environment)
               values (${project.id}, 7, 'old@example.com', 'sandbox')`;
  const [old] = await db.sql`select id::text from astapa.users where email = 'old@example.com'`;
  assert.equal(old.id, "7");
});

Deno.test("api.create_user — an id drawn twice in one millisecond is drawn again, not reported as a taken email", async () => {
  const other = await seedProject(db.sql);
  const taken = await seedUser(db.sql, other.id, "first@example.com");
  // A default that hands out the taken id first, then real ones: the clash a same-millisecond draw makes.
  await db.sql.unsafe(`
    create sequence public.clash_draws;
    create function public.clashing_user_id() returns bigint language sql volatile set search_path = '' as
      $$ select case when pg_catalog.nextval('public.clash_draws') = 1 then ${taken}::bigint
                     else astapa.new_user_id() end $$;
    grant usage on sequence public.clash_draws to astapa_app;
    grant execute on function public.clashing_user_id() to astapa_app;
    alter table astapa.users alter column id set default public.clashing_user_id();`);
  try {
    const [row] = await asApp(
      db.sql,
      other.id,
      (tx) => tx`select api.create_user(${other.id}, 'second@example.com') as u`,
    );
    assert.notEqual(row.u.id, taken, "a fresh id");
    assert.equal(row.u.email, "second@example.com");
    const [draws] = await db.sql`select last_value::int from public.clash_draws`;
    assert.equal(draws.last_value, 2, "drawn once more");
    // The email clash is still the caller's 409.
    await assert.rejects(
      asApp(db.sql, other.id, (tx) => tx`select api.create_user(${other.id}, 'FIRST@example.com')`),
      (error: { code?: string }) => error.code === "AS409",
    );
  } finally {
    await db.sql.unsafe(`alter table astapa.users alter column id set default astapa.new_user_id();
                         drop function public.clashing_user_id(); drop sequence public.clash_draws;`);
  }
});

Deno.test("astapa.insert_user — the one insert: an email clash is the caller's; ids that keep clashing give up after five draws", async () => {
  const other = await seedProject(db.sql);
  const taken = await seedUser(db.sql, other.id, "kept@example.com");
  const insert = (email: string) =>
    asApp(
      db.sql,
      other.id,
      (tx) => tx`select astapa.insert_user(${other.id}, 'sandbox', ${email}, true, null) as id`,
    );
  const [made] = await insert("made@example.com");
  const [row] = await db
    .sql`select email_verified, external_id, disabled from astapa.users where id = ${made.id}`;
  assert.deepEqual(row, { email_verified: true, external_id: null, disabled: false });
  // An import's columns need the owner's rights: the app role is refused them, the owner sets them.
  await assert.rejects(
    asApp(
      db.sql,
      other.id,
      (tx) => tx`select astapa.insert_user(${other.id}, 'sandbox', 'x@example.com', true, null, 'ext-1')`,
    ),
    (error: { code?: string }) => error.code === "42501",
  );
  const [imported] = await db
    .sql`select astapa.insert_user(${other.id}, 'sandbox', 'imported@example.com', false, null,
                                   'ext-1', '2021-05-01T00:00:00Z') as id`;
  const [kept] = await db.sql`select external_id, created_at from astapa.users where id = ${imported.id}`;
  assert.deepEqual(kept, { external_id: "ext-1", created_at: new Date("2021-05-01T00:00:00Z") });
  await assert.rejects(
    insert("KEPT@example.com"),
    (error: { code?: string; constraint_name?: string }) =>
      error.code === "23505" && error.constraint_name !== "users_pkey",
  );
  // A default that only ever hands out the taken id: five draws, then the clash goes to the caller.
  await db.sql.unsafe(`
    create sequence public.stuck_draws;
    create function public.stuck_user_id() returns bigint language sql volatile set search_path = '' as
      $$ select ${taken}::bigint + 0 * pg_catalog.nextval('public.stuck_draws') $$;
    grant usage on sequence public.stuck_draws to astapa_app;
    grant execute on function public.stuck_user_id() to astapa_app;
    alter table astapa.users alter column id set default public.stuck_user_id();`);
  try {
    await assert.rejects(
      insert("never@example.com"),
      (error: { constraint_name?: string }) => error.constraint_name === "users_pkey",
    );
    const [draws] = await db.sql`select last_value::int from public.stuck_draws`;
    assert.equal(draws.last_value, 5);
  } finally {
    await db.sql.unsafe(`alter table astapa.users alter column id set default astapa.new_user_id();
                         drop function public.stuck_user_id(); drop sequence public.stuck_draws;`);
  }
});
