/**
 * "Every SQL function has tests", checked against the catalog: a function of schema api or astapa added
 * later without a test fails here by name. A test names what it tests (in its title or its SQL), so the rule
 * is a word-boundary match of the bare name over every file under tests/, as `grep -rw NAME tests` does.
 * An astapa.* helper may instead be called (in its body) by a function a test names: it runs under that test.
 * Only one step: a helper reached only through other unnamed helpers gets its own test. An api.* function
 * is the surface the app calls and is always named by a test; so is a trigger function, called by no body.
 */
import assert from "node:assert/strict";
import { testDatabase } from "../helpers/db.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const TESTS = new URL("../", import.meta.url);
const THIS_FILE = new URL(import.meta.url).pathname;

/** Every word (as grep -w reads one) of every file under tests/ but this one, which names no function. */
async function wordsInTests(dir: URL, words = new Set<string>()): Promise<Set<string>> {
  for await (const entry of Deno.readDir(dir)) {
    const path = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
    if (entry.isDirectory) await wordsInTests(path, words);
    else if (entry.isFile && path.pathname !== THIS_FILE) {
      for (const word of (await Deno.readTextFile(path)).match(/\w+/g) ?? []) words.add(word);
    }
  }
  return words;
}

type Fn = { name: string; bare: string; body: string; trigger: boolean };

/** The functions of api and astapa a test neither names nor reaches through a named caller, with why. */
function untested(functions: Fn[], words: Set<string>): string[] {
  const named = new Set(functions.filter((f) => words.has(f.bare)).map((f) => f.name));
  const namedCallers = new Map<string, Set<string>>();
  for (const caller of functions) {
    if (!named.has(caller.name)) continue;
    for (const [, callee] of caller.body.matchAll(/\b((?:api|astapa)\.\w+)\s*\(/g)) {
      if (!namedCallers.has(callee)) namedCallers.set(callee, new Set());
      namedCallers.get(callee)!.add(caller.name);
    }
  }
  const problems = new Set<string>();
  for (const f of functions) {
    if (named.has(f.name)) continue;
    if (f.name.startsWith("api.")) problems.add(`${f.name}: an api function no test names`);
    else if (f.trigger) problems.add(`${f.name}: a trigger function no test names`);
    else if (!namedCallers.has(f.name)) {
      problems.add(`${f.name}: no test names it nor any function calling it`);
    }
  }
  return [...problems].sort();
}

Deno.test("every function in api and astapa is named by a test, or (astapa) called by one a test names", async () => {
  const [functions, words] = await Promise.all([
    db.sql<Fn[]>`
      select n.nspname || '.' || p.proname as name, p.proname as bare, p.prosrc as body,
             p.prorettype = 'trigger'::regtype as trigger
      from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where n.nspname in ('api', 'astapa')`,
    wordsInTests(TESTS),
  ]);
  assert.ok(functions.length > 100 && words.size > 1000, "the catalog and the tests were read");
  assert.deepEqual(
    untested(functions, words),
    [],
    "No test names these (`grep -rw NAME tests` finds nothing). Write one in tests/sql/<area>_test.ts that calls " +
      'each, titled with its name (e.g. "api.get_plan — …"): its happy path, each error SQLSTATE its comment ' +
      "names, and, when it takes a project_id, that another project's rows are neither seen nor changed. A " +
      "trigger function: write to its table (by hand too) and check what it did.",
  );
});

Deno.test("the rule itself: a named caller reaches a helper one step down, not two; api and triggers need a name", () => {
  const fn = (name: string, body = "", trigger = false) => ({
    name,
    bare: name.split(".")[1],
    body,
    trigger,
  });
  const functions = [
    fn("api.named", "select astapa.helper(1)"),
    fn("astapa.helper", "select astapa.deeper()"),
    fn("astapa.deeper"),
    fn("api.unnamed", "select astapa.only_from_unnamed()"),
    fn("astapa.only_from_unnamed"),
    fn("astapa.on_insert", "", true),
  ];
  assert.deepEqual(untested(functions, new Set(["named", "helperish", "api"])), [
    "api.unnamed: an api function no test names",
    "astapa.deeper: no test names it nor any function calling it",
    "astapa.on_insert: a trigger function no test names",
    "astapa.only_from_unnamed: no test names it nor any function calling it",
  ]);
});
