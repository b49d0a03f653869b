/**
 * Links between the guides land: every Markdown link from docs/*.md or the README to a guide names a file that
 * exists, and its #anchor is the id of one of that guide's headings (as the docs site renders them, lib/docs.ts
 * headingId). A heading renamed or a section moved breaks the links to it here, not for a reader.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { headingId } from "@/lib/docs.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const LINK = /\]\(((?:\.\/|docs\/)?([a-z0-9-]+)\.md)?(#[^)\s]*)?\)/g;

/** A heading's id from its Markdown: code spans and links read as their text, then headingId. */
function idOf(heading: string): string {
  return headingId(heading.replace(/`/g, "").replace(/\[([^\]]*)\]\([^)]*\)/g, "$1"));
}

/** The ids of a guide's headings (lines starting with #, outside fenced code). */
function headingIds(markdown: string): Set<string> {
  const ids = new Set<string>();
  let fenced = false;
  for (const line of markdown.split("\n")) {
    if (line.startsWith("```")) fenced = !fenced;
    else if (!fenced && /^#{1,6} /.test(line)) ids.add(idOf(line.replace(/^#+ /, "")));
  }
  return ids;
}

async function guides(): Promise<Map<string, string>> {
  const texts = new Map<string, string>();
  for await (const entry of Deno.readDir(join(ROOT, "docs"))) {
    if (entry.name.endsWith(".md")) {
      texts.set(entry.name.slice(0, -3), await Deno.readTextFile(join(ROOT, "docs", entry.name)));
    }
  }
  return texts;
}

Deno.test("docs — every link to a guide names one that exists, and an anchor one of its headings", async () => {
  const docs = await guides();
  const ids = new Map([...docs].map(([slug, text]) => [slug, headingIds(text)]));
  const sources: [string, string, string | null][] = [
    ...[...docs].map(([slug, text]): [string, string, string | null] => [`docs/${slug}.md`, text, slug]),
    ["README.md", await Deno.readTextFile(join(ROOT, "README.md")), null],
  ];
  const broken: string[] = [];
  let checked = 0;
  for (const [file, text, own] of sources) {
    for (const match of text.replace(/```[\s\S]*?```/g, "").matchAll(LINK)) {
      const [, path, slug, anchor] = match;
      if (!path && !anchor) continue;
      if (file === "README.md" && path && !path.startsWith("docs/")) continue; // README links into its folders
      const target = slug ?? own;
      if (target === null) continue;
      checked++;
      if (!ids.has(target)) broken.push(`${file}: ${match[0]} (no docs/${target}.md)`);
      else if (anchor && anchor !== "#" && !ids.get(target)!.has(anchor.slice(1))) {
        broken.push(`${file}: ${match[0]} (no such heading in docs/${target}.md)`);
      }
    }
  }
  assert.ok(checked >= 50, `links checked: ${checked}`);
  assert.deepEqual(broken, [], "fix these links or the headings they name");
});
