/** Issue 29 #8: the dashboard's user search (email prefix, @domain, name, sub) and its keyset pages. */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { getAs, signInDeveloper } from "../helpers/dashboard.ts";
import { seedProject, seedUser } from "../helpers/identity.ts";
import { asApp } from "@/db/client.ts";
import { addMember } from "@/db/accounts.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

const owner = await signInDeveloper(t, "owner@search.example");
const project = await seedProject(t.db.sql, { name: "Search" });
await asApp(t.db.sql, project.id, (tx) => addMember(tx, project.id, owner.accountId, "viewer"));
const ayu = await seedUser(t.db.sql, project.id, "ayu@example.com");
const budi = await seedUser(t.db.sql, project.id, "budi@shop.example");
await asApp(
  t.db.sql,
  project.id,
  (tx) => tx`select api.set_user_claims(${project.id}, ${budi}::bigint, '{"extra":{"name":"Budi Santoso"}}')`,
);
const base = `/dashboard/projects/${project.id}`;

async function searchPage(query: string) {
  const res = await getAs(t, owner, `${base}/users?${new URLSearchParams({ q: query })}`);
  assert.equal(res.status, 200);
  return await res.text();
}

/** The emails in the result table (each links to the user's page). */
const listed = (html: string) => [...html.matchAll(/\/users\/\d+">([^<]+)<\/a>/g)].map((m) => m[1]);

Deno.test("user search — by email prefix, @domain, name and sub; a miss says so", async () => {
  const form = await searchPage("AYU");
  assert.match(form, /<label for="q">Search users<\/label>/);
  assert.match(form, /value="AYU"/, "the query stays in the field");
  assert.deepEqual(listed(form), ["ayu@example.com"]);
  assert.deepEqual(listed(await searchPage("@shop.example")), ["budi@shop.example"]);
  assert.deepEqual(listed(await searchPage("budi san")), ["budi@shop.example"]);
  assert.deepEqual(listed(await searchPage(ayu)), ["ayu@example.com"]);
  assert.match(await searchPage("zed"), /No sandbox user matches zed\./);
  const tooLong = await getAs(t, owner, `${base}/users?q=${"a".repeat(300)}`);
  assert.equal(tooLong.status, 400, "too long a search is a bad request page, not a crash");
});

Deno.test("user search — 50 a page; the next page keeps the search and starts after the last sub", async () => {
  const many: string[] = [];
  for (let i = 0; i < 51; i++) many.push(await seedUser(t.db.sql, project.id, `page${i}@many.example`));
  many.sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
  const first = await searchPage("@many.example");
  const next = first.match(/href="([^"]*after=[^"]*)"/)?.[1]?.replaceAll("&amp;", "&");
  assert.ok(next, "a next-page link");
  const url = new URL(next, "http://x");
  assert.equal(url.searchParams.get("q"), "@many.example");
  assert.equal(url.searchParams.get("after"), many[49]);
  assert.equal(listed(first).length, 50);
  const second = await (await getAs(t, owner, next)).text();
  assert.equal(listed(second).length, 1);
  assert.ok(second.includes(`<code>${many[50]}</code>`));
  assert.ok(!/after=/.test(second), "no next link on the last page");
});
