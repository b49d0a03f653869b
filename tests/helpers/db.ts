/**
 * Each test file gets its own database, cloned from the run's migrated template (see tests/harness/run.ts).
 * Use inside a file:  const db = await testDatabase();  …  Deno.test.afterAll(() => db.close());
 */
import postgres from "postgres";
import { createPool, type Sql } from "@/db/client.ts";
import { conflictsRetried } from "@/db/conflicts.ts";

export type TestDatabase = { name: string; url: string; sql: Sql; close(): Promise<void> };

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

export function testEnv(name: string): string {
  const value = Deno.env.get(name);
  if (!value) throw new Error(`${name} is not set: run tests with \`deno task test\`, which provides it`);
  return value;
}

/**
 * Fails the test in which Postgres detected a deadlock among the app's transactions. asApp runs a deadlock's
 * victim again (db/conflicts.ts), so the race tests' outcomes would pass without this: a deadlock is a lock
 * order to fix (docs/database.md "Lock order"), and every file that uses a test database says so.
 */
let deadlocksSeen = conflictsRetried.detectedDeadlocks;

Deno.test.afterEach(() => {
  const detected = conflictsRetried.detectedDeadlocks - deadlocksSeen;
  deadlocksSeen = conflictsRetried.detectedDeadlocks;
  if (detected) {
    throw new Error(`Postgres detected ${detected} deadlock(s) that asApp ran again: a lock order to fix`);
  }
});

/** A fresh database: migrated (from the template) or empty (`{ empty: true }`, for migration tests). */
export async function testDatabase(options: { empty?: boolean } = {}): Promise<TestDatabase> {
  const adminUrl = testEnv("ASTAPA_TEST_ADMIN_URL");
  const template = testEnv("ASTAPA_TEST_TEMPLATE");
  const name = `${template.replace("astapa_template_", "astapa_test_")}_${crypto.randomUUID().slice(0, 8)}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(
      options.empty ? `create database ${name}` : `create database ${name} template ${template}`,
    );
  } finally {
    await admin.end();
  }
  const url = withDatabase(adminUrl, name);
  const sql = createPool(url, { max: 4, applicationName: "astapa-test" });
  return {
    name,
    url,
    sql,
    async close() {
      await sql.end({ timeout: 5 });
      const dropper = postgres(adminUrl, { max: 1, onnotice: () => {} });
      await dropper.unsafe(`drop database if exists ${name} with (force)`).finally(() => dropper.end());
    },
  };
}

const ROLLBACK = Symbol("rollback");

/** Runs `work` in a transaction that is always rolled back, returning what `work` returned. */
export async function rolledBack<T>(sql: Sql, work: (tx: postgres.TransactionSql) => Promise<T>): Promise<T> {
  let result: T;
  try {
    await sql.begin(async (tx) => {
      result = await work(tx);
      throw ROLLBACK;
    });
  } catch (error) {
    if (error !== ROLLBACK) throw error;
  }
  return result!;
}

/** Plain rows (postgres.js returns array subclasses that strict deep-equality tells apart). */
export function rows<T>(result: readonly T[]): T[] {
  return result.map((row) => ({ ...row }));
}
