/**
 * The guides name the environment variables config.ts reads, and only variables something reads: the README's
 * table is checked in readme_config_test.ts; these check docs/self-hosting.md's table and the guides under
 * docs/, where a variable added without a word, or renamed and left under its old name, would go unnoticed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { CONFIG_VARIABLES } from "@/config.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const SKIPPED_FOLDERS = ["node_modules", ".git", "_build", "build", "scratch", "artifacts", "docs"];

/** Variables named in backticks in the first column of docs/self-hosting.md's "Configuration" table. */
async function selfHostingTable(): Promise<Set<string>> {
  const doc = await Deno.readTextFile(join(ROOT, "docs/self-hosting.md"));
  const section = doc.split("\n## Configuration\n")[1]?.split("\n#")[0] ?? "";
  const rows = section.split("\n").filter((line) => line.startsWith("| ") && !/^\| (Variable|-)/.test(line));
  assert.ok(rows.length >= 20, `docs/self-hosting.md has a configuration table (rows: ${rows.length})`);
  return new Set(
    rows.flatMap((row) => [...row.split("|")[1].matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1])),
  );
}

/** Every file under docs/, as one text per file. */
async function guides(): Promise<Map<string, string>> {
  const texts = new Map<string, string>();
  for await (const entry of Deno.readDir(join(ROOT, "docs"))) {
    if (entry.name.endsWith(".md")) {
      texts.set(entry.name, await Deno.readTextFile(join(ROOT, "docs", entry.name)));
    }
  }
  return texts;
}

/** ASTAPA_* names in the repository's code (server, CLI, SDK, examples, benchmarks, tests), not its docs. */
async function namesInCode(): Promise<Set<string>> {
  const found = new Set<string>();
  const scan = async (path: string) => {
    for await (const entry of Deno.readDir(path)) {
      if (entry.isDirectory && !SKIPPED_FOLDERS.includes(entry.name)) await scan(join(path, entry.name));
      else if (entry.isFile && /\.(tsx?|m?js)$/.test(entry.name)) {
        const text = await Deno.readTextFile(join(path, entry.name));
        for (const match of text.matchAll(/\bASTAPA_[A-Z0-9_]+\b/g)) found.add(match[0]);
      }
    }
  };
  await scan(ROOT);
  return found;
}

Deno.test("docs/self-hosting.md — the configuration table lists every ASTAPA_* variable config.ts reads", async () => {
  const table = await selfHostingTable();
  const missing = CONFIG_VARIABLES.filter((name) => name.startsWith("ASTAPA_") && !table.has(name));
  assert.deepEqual(missing, [], "add these to docs/self-hosting.md's configuration table");
});

Deno.test("docs/self-hosting.md — the configuration table names no variable config.ts does not read", async () => {
  const unknown = [...await selfHostingTable()].filter((name) => !CONFIG_VARIABLES.includes(name));
  assert.deepEqual(unknown, [], "the table names variables nothing reads");
});

Deno.test("docs — every variable config.ts reads is explained in a guide under docs/", async () => {
  const texts = [...(await guides()).values()];
  const unexplained = CONFIG_VARIABLES.filter((name) =>
    !texts.some((text) => new RegExp(`\\b${name}\\b`).test(text))
  );
  assert.deepEqual(unexplained, [], "say in the guide of their feature what these do");
});

Deno.test("docs — every ASTAPA_* name the guides use is one the code reads or sets", async () => {
  const known = new Set([...CONFIG_VARIABLES, ...await namesInCode()]);
  const stale = [...await guides()].flatMap(([file, text]) =>
    [...new Set(text.match(/\bASTAPA_[A-Z0-9_]+\b/g) ?? [])].filter((name) => !known.has(name)).map((name) =>
      `${file}: ${name}`
    )
  );
  assert.deepEqual(stale, [], "these names are in no code: renamed or removed?");
});
