/**
 * Proves db/api restates the history exactly: migrates one throwaway database with the versioned
 * migrations only and another with them plus db/api, and compares the two schemas as db/schema.sql prints
 * them (every function's pg_get_functiondef, comments, grants, policies, triggers). Run it after
 * extract_current_files.ts; it holds until a current file is edited on purpose.
 *
 *   deno run -A db/tools/verify_current_files.ts
 */
import postgres from "postgres";
import { createPool } from "../client.ts";
import { startEmbeddedPostgres } from "../embedded.ts";
import { migrate, MIGRATIONS_DIR } from "../migrate.ts";
import { dumpSchema } from "../schema_dump.ts";
import { withDatabase } from "@/tests/helpers/db.ts";

const dir = await Deno.makeTempDir({ prefix: "astapa-verify-pg-" });
const cluster = await startEmbeddedPostgres(dir, { durable: false });
try {
  const admin = postgres(cluster.url, { max: 1, onnotice: () => {} });
  await admin.unsafe("create database verify_versioned_only");
  await admin.unsafe("create database verify_with_current_files");
  await admin.end();
  const versionedOnly = await migratedSchema("verify_versioned_only", null);
  const withCurrentFiles = await migratedSchema("verify_with_current_files", undefined);
  if (versionedOnly === withCurrentFiles) {
    console.log(`Identical: ${withCurrentFiles.split("\n").length} lines of schema either way.`);
  } else {
    const a = versionedOnly.split("\n");
    const b = withCurrentFiles.split("\n");
    const first = a.findIndex((line, i) => line !== b[i]);
    console.error(`The schemas differ from line ${first + 1}:`);
    console.error(`  versioned only:  ${a.slice(first, first + 5).join("\n                   ")}`);
    console.error(`  with db/api:     ${b.slice(first, first + 5).join("\n                   ")}`);
    Deno.exitCode = 1;
  }
} finally {
  await cluster.stop();
  await Deno.remove(dir, { recursive: true });
}

async function migratedSchema(database: string, apiDir: null | undefined): Promise<string> {
  const sql = createPool(withDatabase(cluster.url, database), { max: 2 });
  try {
    await migrate(sql, MIGRATIONS_DIR, apiDir);
    return await dumpSchema(sql);
  } finally {
    await sql.end();
  }
}
