/**
 * docs/sdk.md's table of calls names functions the SDK's client has: each `a.b(…)` at the start of a row, and
 * each `.c(…)` after it in the same row (a sibling of the last full name: `webhooks.endpoints.list()`,
 * `.create(…)`), and each alternative of `a.b/c(…)`. A call renamed or removed fails here instead of leaving the guide wrong.
 */
import assert from "node:assert/strict";
import { createAstapa } from "@/sdk/mod.ts";

const DOC = await Deno.readTextFile(new URL("../../docs/sdk.md", import.meta.url));
const CALL = /`(\.?[a-zA-Z][a-zA-Z0-9]*(?:\.[a-zA-Z][a-zA-Z0-9]*)*)((?:\/[a-zA-Z][a-zA-Z0-9]*)*)\(/g;

/** Every call the table's first column names, relative ones resolved against the full name before them. */
function documentedCalls(): string[] {
  const calls = new Set<string>();
  for (const line of DOC.split("\n")) {
    if (!line.startsWith("| `")) continue;
    let parent = "";
    for (const [, name, alternatives] of line.split("|")[1].matchAll(CALL)) {
      const full = name.startsWith(".") ? parent + name : name;
      if (!name.startsWith(".")) parent = name.split(".").slice(0, -1).join(".");
      const prefix = full.split(".").slice(0, -1).join(".");
      calls.add(full);
      for (const other of alternatives.split("/").slice(1)) calls.add(`${prefix}.${other}`);
    }
  }
  return [...calls];
}

Deno.test("docs/sdk.md — every call its table names is a function of the SDK's client", () => {
  const client = createAstapa({
    baseUrl: "https://auth.example.com",
    clientId: "cid",
    clientSecret: "secret",
  });
  const calls = documentedCalls();
  assert.ok(calls.length >= 60, `calls: ${calls.length}`);
  const missing = calls.filter((name) => {
    const found = name.split(".").reduce<unknown>(
      (at, part) => at === undefined || at === null ? undefined : (at as Record<string, unknown>)[part],
      client,
    );
    return typeof found !== "function";
  });
  assert.deepEqual(missing, [], "the SDK has no such function");
});
