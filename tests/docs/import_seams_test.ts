/**
 * The seams between the code's layers, checked on the source: imports name far files from the root (@/…),
 * db/ speaks no HTTP or OAuth (it returns results and throws plain errors that lib/ maps), and lib/dashboard
 * loads page data without importing the views that draw it.
 */
import assert from "node:assert/strict";
import { AppError, toAppError } from "@/lib/http/errors.ts";
import { GrantRefused } from "@/db/token_claims.ts";

const ROOT = new URL("../../", import.meta.url);
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["']([^"']+)["']/g;

async function* sources(dir: URL): AsyncGenerator<URL> {
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isDirectory && ["node_modules", "scratch", "build", "artifacts"].includes(entry.name)) continue;
    const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
    if (entry.isDirectory) yield* sources(url);
    else if (/\.tsx?$/.test(entry.name)) yield url;
  }
}

async function importsIn(dirs: string[]): Promise<{ file: string; specifier: string }[]> {
  const found = [];
  for (const dir of dirs) {
    for await (const url of sources(new URL(dir, ROOT))) {
      const text = await Deno.readTextFile(url);
      const file = url.pathname.slice(ROOT.pathname.length);
      for (const match of text.matchAll(SPECIFIER)) found.push({ file, specifier: match[1] });
    }
  }
  return found;
}

Deno.test("imports — none climbs two or more folders; far files are named from the root as @/…", async () => {
  const dirs = ["routes/", "lib/", "db/", "components/", "islands/", "tests/", "bench/", "examples/"];
  const climbing = (await importsIn(dirs)).filter((i) => i.specifier.startsWith("../../"));
  assert.deepEqual(climbing, []);
});

Deno.test("db/ — imports neither the HTTP error catalogue nor OAuth shapes", async () => {
  const http = (await importsIn(["db/"])).filter((i) => /lib\/(http\/errors\.ts|oauth\/)/.test(i.specifier));
  assert.deepEqual(http, []);
});

Deno.test("lib/dashboard — loads page data without importing view components", async () => {
  const views = (await importsIn(["lib/dashboard/"])).filter((i) => i.specifier.includes("components/"));
  assert.deepEqual(views, []);
});

Deno.test("db/ — a grant SQL refused reaches the client as invalid_grant with its reason", () => {
  const mapped = toAppError(new GrantRefused("The refresh token was used already."));
  assert.ok(mapped instanceof AppError);
  assert.equal(mapped.code, "invalid_grant");
  assert.equal(mapped.description, "The refresh token was used already.");
});
