/**
 * The files the guides and the README point at exist: every repository path they name (`lib/…/x.ts`,
 * `tests/sql/x_test.ts`, `db/api/x.sql`, …) is a file of this checkout. A module or test renamed, merged or
 * removed fails here instead of sending a reader to nothing. Patterns (`NNNN_verb_object.sql`, `[id].ts`
 * examples) and `a[s]` shorthands are read as such.
 */
import assert from "node:assert/strict";
import { join } from "node:path";

const ROOT = new URL("../../", import.meta.url).pathname;
const PATH =
  /(?<![\w/.-])(?:lib|tests|db|routes|components|islands|sdk|examples|bench|static|\.ci)\/[\][\w./-]+\.(?:tsx?|sql|json|md|mjs|js|txt)\b/g;
/** Illustrations, not files: the migration naming pattern and the README's routing example. */
const PATTERNS = [/NNNN_/, /^routes\/a\/\[id\]\.ts$/];

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(join(ROOT, path));
    return true;
  } catch {
    return false;
  }
}

/** `x[s]_test.ts` names x_test.ts and xs_test.ts; a bracketed route segment (`[provider]`) is a real name. */
function spellings(path: string): string[] {
  const optional = /([a-z])\[([a-z]+)\]/.exec(path);
  if (!optional) return [path];
  return [path.replace(optional[0], optional[1]), path.replace(optional[0], optional[1] + optional[2])];
}

Deno.test("docs — every repository file the guides and the README name exists", async () => {
  const files = ["README.md", ...[...Deno.readDirSync(join(ROOT, "docs"))].map((e) => `docs/${e.name}`)]
    .filter((file) => file.endsWith(".md"));
  const missing: string[] = [];
  let checked = 0;
  for (const file of files) {
    const text = await Deno.readTextFile(join(ROOT, file));
    for (const path of new Set(text.match(PATH) ?? [])) {
      if (PATTERNS.some((pattern) => pattern.test(path))) continue;
      checked++;
      for (const spelling of spellings(path)) {
        if (!await exists(spelling)) missing.push(`${file}: ${spelling}`);
      }
    }
  }
  assert.ok(checked >= 300, `paths checked: ${checked}`);
  assert.deepEqual(missing, [], "renamed or removed? point these at the file as it is now");
});
