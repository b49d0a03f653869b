/**
 * For a migration's own test: a fresh database as the release before `version` left it (the versioned files below
 * it only; that release's db/api is not this build's), to put rows of the old shape in before the test runs the
 * migrations (`migrate(db.sql, MIGRATIONS_DIR)`).
 */
import { join } from "node:path";
import { migrate, readMigrations } from "@/db/migrate.ts";
import { type TestDatabase, testDatabase } from "./db.ts";

export async function databaseBefore(version: string): Promise<TestDatabase> {
  const db = await testDatabase({ empty: true });
  const folder = await Deno.makeTempDir({ prefix: "astapa-migrations-" });
  try {
    for (const m of (await readMigrations()).filter((m) => m.version < version)) {
      await Deno.writeTextFile(join(folder, `${m.version}_${m.name}.sql`), m.sql);
    }
    await migrate(db.sql, new URL(`file://${folder}/`), null);
    return db;
  } catch (error) {
    await db.close();
    throw error;
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
}
