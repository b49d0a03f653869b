/** `astapa db migrate|status|schema`: the DBA's view of the migrations and the schema they made. */
import type { Sql } from "@/db/client.ts";
import { migrate, migrationStatus } from "@/db/migrate.ts";
import { dumpSchema, SCHEMA_FILE } from "@/db/schema_dump.ts";
import { type ParsedArgs, UsageError } from "./args.ts";
import type { Output } from "./output.ts";

export const DB_USAGE =
  `  db migrate [--reapply]     apply pending migrations (--reapply: this build's db/api, even if replaced)
  db status                  list applied and pending migrations and db/api files
  db schema [--write]        print the schema from the catalogs (--write: into db/schema.sql)`;

export async function dbCommand(sql: Sql, args: ParsedArgs, out: Output): Promise<number> {
  const [, action] = args.positionals;
  if (action === "migrate") {
    const applied = await migrate(sql, undefined, undefined, { reapply: args.flags.has("reapply") });
    const names = applied.map((m) => `${m.version}_${m.name}`);
    out.result({ applied: names }, names.length ? `Applied:\n  ${names.join("\n  ")}` : "Up to date.");
    return 0;
  }
  if (action === "status") {
    const status = await migrationStatus(sql);
    out.result(
      {
        applied: status.applied.map((m) => ({ version: m.version, name: m.name, applied_at: m.appliedAt })),
        pending: status.pending.map((m) => ({ version: m.version, name: m.name })),
        problems: status.problems,
        current_files: status.currentFiles,
      },
      [
        ...status.applied.map((m) => `applied  ${m.version}_${m.name}  ${m.appliedAt.toISOString()}`),
        ...status.pending.map((m) => `pending  ${m.version}_${m.name}`),
        ...(status.currentFiles?.changed ?? []).map((name) => `pending  db/api/${name} (changed)`),
        ...status.problems.map((p) => `problem  ${p}`),
      ].join("\n") || "No migrations.",
    );
    return status.problems.length ? 1 : 0;
  }
  if (action === "schema") {
    await migrate(sql);
    const schema = await dumpSchema(sql);
    if (args.flags.has("write")) {
      await Deno.writeTextFile(SCHEMA_FILE, schema);
      console.log(`Wrote ${SCHEMA_FILE.pathname}`);
    } else {
      console.log(schema.trimEnd());
    }
    return 0;
  }
  throw new UsageError(`Unknown db command "${action ?? ""}"`);
}
