/**
 * Writes db/api/*.sql, the current-state files, from the migration history: reads every migration below
 * FIRST_LAYOUT_VERSION in order and keeps the last definition of each function (with its comment and
 * grants), trigger and policy. A transition tool: run it after rebasing onto a main that landed more
 * history-style migrations (numbered below 3000), then check with `verify_current_files.ts`. Once a current
 * file has been edited by hand, do not run it again (it would write the history's version back).
 *
 *   deno run -A db/tools/extract_current_files.ts
 */
import { join } from "node:path";
import { readMigrations } from "../migrate.ts";
import { API_DIR, API_ORDER_FILE, FIRST_LAYOUT_VERSION } from "../current_files.ts";
import { type Definition, readDefinitions } from "./sql_definitions.ts";
import { areaOfMigration, AREAS } from "./areas.ts";

const history = (await readMigrations()).filter((m) => m.version < FIRST_LAYOUT_VERSION);
let definitions: Definition[];
try {
  definitions = readDefinitions(history, areaOfMigration);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  Deno.exit(1);
}

const dir = API_DIR.pathname;
for await (const entry of Deno.readDir(dir)) {
  if (entry.name.endsWith(".sql")) await Deno.remove(join(dir, entry.name));
}
const written: string[] = [];
for (const area of AREAS) {
  const own = definitions.filter((d) => d.area === area.name);
  if (!own.length) continue;
  await Deno.writeTextFile(join(dir, `${area.name}.sql`), render(area.title, own));
  written.push(`${area.name}.sql`);
}
await Deno.writeTextFile(
  join(dir, API_ORDER_FILE),
  `# The order db/api files are applied in, one a line (see docs/database.md).\n${written.join("\n")}\n`,
);
console.log(`Wrote ${written.length} files, ${definitions.length} definitions, to db/api/.`);

function render(title: string, own: Definition[]): string {
  const header = `-- ${title}\n` +
    "-- The current definition of each function, trigger and policy of this area: edit it here, in place.\n" +
    "-- Re-applied (whole db/api set, one transaction) on start when any file changed; a removal or signature\n" +
    "-- change also needs a versioned `drop` migration. See docs/database.md.\n";
  const blocks = own.map((d) => [d.create, d.comment, ...d.privileges].filter(Boolean).join(";\n\n") + ";");
  return `${header}\n${blocks.join("\n\n")}\n`;
}
