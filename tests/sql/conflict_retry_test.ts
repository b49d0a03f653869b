/**
 * db/conflicts.ts: a transaction Postgres broke off (40P01 deadlock_detected, 40001 serialization_failure) is run
 * again by asApp and asAppStatement, twice at most; the third failure in a row reaches the caller, who answers 503.
 * A real deadlock between two transactions of the test, made to happen for certain, is retried too.
 */
import assert from "node:assert/strict";
import { asApp, asAppStatement } from "@/db/client.ts";
import { conflictsRetried } from "@/db/conflicts.ts";
import { toAppError } from "@/lib/http/errors.ts";
import { testDatabase } from "../helpers/db.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

// A function that fails with `code` while the attempts counted by a sequence (not rolled back with the failed
// transaction, unlike a table) are at most `failures`.
await db.sql.unsafe(`
  create sequence public.conflict_attempts;
  create function public.conflict_until(code text, failures integer) returns integer language plpgsql as $$
  declare
    attempt integer := pg_catalog.nextval('public.conflict_attempts');
  begin
    if attempt <= failures then
      raise exception 'broken off (attempt %)', attempt using errcode = code;
    end if;
    return attempt;
  end $$;
  create table public.conflict_pair (id integer primary key);
  insert into public.conflict_pair values (1), (2);
  grant usage, update on sequence public.conflict_attempts to astapa_app;
  grant select, update on public.conflict_pair to astapa_app;`);

async function restartAttempts(): Promise<void> {
  await db.sql`select setval('public.conflict_attempts', 1, false)`;
}

const retried = () => ({ ...conflictsRetried });

Deno.test("asApp — a deadlock's victim (40P01) is run again and commits", async () => {
  await restartAttempts();
  const before = retried();
  const attempt = await asApp(
    db.sql,
    null,
    async (tx) => (await tx`select public.conflict_until('40P01', 1) as n`)[0].n,
  );
  assert.equal(attempt, 2, "one broken-off attempt, then the one that committed");
  assert.equal(conflictsRetried.all - before.all, 1);
  assert.equal(
    conflictsRetried.detectedDeadlocks - before.detectedDeadlocks,
    0,
    "raised by a function, not detected",
  );
});

Deno.test("asAppStatement — a serialization failure (40001) is run again, twice at most", async () => {
  await restartAttempts();
  const [row] = await asAppStatement(
    db.sql,
    null,
    (app) => db.sql`with ${app} select public.conflict_until('40001', 2) as n from app`,
  );
  assert.equal(row.n, 3);
});

Deno.test("asApp — the third conflict in a row reaches the caller, who answers 503 with Retry-After", async () => {
  await restartAttempts();
  const failed = await asApp(db.sql, null, (tx) => tx`select public.conflict_until('40001', 3)`).then(
    () => assert.fail("three conflicts in a row are not hidden"),
    (error) => error,
  );
  assert.equal(failed.code, "40001");
  const [row] = await db.sql`select last_value::int as n from public.conflict_attempts`;
  assert.equal(row.n, 3, "three attempts, no more");
  const answered = toAppError(failed);
  assert.equal(answered.status, 503);
  assert.equal(answered.code, "service_unavailable");
});

Deno.test("asApp — other errors are not run again", async () => {
  await restartAttempts();
  await assert.rejects(
    asApp(db.sql, null, (tx) => tx`select public.conflict_until('23505', 1)`),
    (error: { code?: string }) => error.code === "23505",
  );
  const [row] = await db.sql`select last_value::int as n from public.conflict_attempts`;
  assert.equal(row.n, 1);
});

Deno.test("asApp — a real deadlock: Postgres breaks it off, the victim is run again, both commit", async () => {
  const before = retried();
  let firstLocked!: () => void;
  let secondLocked!: () => void;
  const first = new Promise<void>((resolve) => firstLocked = resolve);
  const second = new Promise<void>((resolve) => secondLocked = resolve);
  // Row 1 then row 2, against row 2 then row 1: each holds one row and waits for the other's, for certain (each
  // asks for its second row only once the other holds its first). Whichever Postgres breaks off runs again
  // while the other commits; the signals it waits for are given already.
  const results = await Promise.allSettled([
    asApp(db.sql, null, async (tx) => {
      await tx`select from public.conflict_pair where id = 1 for update`;
      firstLocked();
      await second;
      await tx`select from public.conflict_pair where id = 2 for update`;
    }),
    asApp(db.sql, null, async (tx) => {
      await first;
      await tx`select from public.conflict_pair where id = 2 for update`;
      secondLocked();
      await tx`select from public.conflict_pair where id = 1 for update`;
    }),
  ]);
  assert.deepEqual(
    results.map((r) => r.status),
    ["fulfilled", "fulfilled"],
    String(results.map((r) => (r as PromiseRejectedResult).reason)),
  );
  assert.equal(
    conflictsRetried.detectedDeadlocks - before.detectedDeadlocks,
    1,
    "one deadlock detected and retried",
  );
  // The deadlock is counted: tests/helpers/db.ts would otherwise fail this test for it.
  conflictsRetried.detectedDeadlocks = before.detectedDeadlocks;
});
