/** lib/import/export_stream.ts: NDJSON page by page, ending after a short or empty page, asking lazily. */
import assert from "node:assert/strict";
import { EXPORT_PAGE_SIZE, ndjsonExport } from "@/lib/import/export_stream.ts";

const users = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => ({ sub: String(from + i), email: `u${from + i}@example.com` }));

Deno.test("export stream — full pages then an empty one: every line once, then the end", async () => {
  const asked: string[] = [];
  const pages = [users(EXPORT_PAGE_SIZE + 1, EXPORT_PAGE_SIZE), []];
  const stream = ndjsonExport(users(1, EXPORT_PAGE_SIZE), (afterId) => {
    asked.push(afterId);
    return Promise.resolve(pages.shift()!);
  });
  const lines = (await new Response(stream).text()).trim().split("\n");
  assert.equal(lines.length, 2 * EXPORT_PAGE_SIZE);
  assert.deepEqual(JSON.parse(lines.at(-1)!), { sub: "1000", email: "u1000@example.com" });
  assert.deepEqual(asked, [String(EXPORT_PAGE_SIZE), String(2 * EXPORT_PAGE_SIZE)]);
});

Deno.test("export stream — a short page ends it without asking again; no users is an empty body", async () => {
  let asked = 0;
  const next = () => (asked++, Promise.resolve(users(9, 1)));
  assert.equal((await new Response(ndjsonExport(users(1, 3), next)).text()).split("\n").length, 4);
  assert.equal(await new Response(ndjsonExport([], next)).text(), "");
  assert.equal(asked, 0);
});
