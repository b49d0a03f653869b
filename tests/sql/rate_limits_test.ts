import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { testDatabase } from "../helpers/db.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const hit = (bucket: string, max: number, window: number) =>
  asApp(
    db.sql,
    null,
    async (tx) => (await tx`select api.rate_limit_hit(${bucket}, ${max}, ${window}) as wait`)[0].wait,
  );
const wait = (bucket: string, max: number) =>
  asApp(
    db.sql,
    null,
    async (tx) => (await tx`select api.rate_limit_wait(${bucket}, ${max}) as wait`)[0].wait,
  );

Deno.test("api.rate_limit_hit — allows max_hits per window, then says how long to wait", async () => {
  const results = [];
  for (let i = 0; i < 4; i++) results.push(await hit("t:a", 3, 60));
  assert.deepEqual(results.slice(0, 3), [0, 0, 0]);
  assert.ok(results[3] > 0 && results[3] <= 60, `wait ${results[3]}`);
});

Deno.test("api.rate_limit_hit — a new window starts fresh", async () => {
  await hit("t:b", 1, 1);
  assert.ok((await hit("t:b", 1, 1)) > 0);
  await db
    .sql`update astapa.rate_limits set window_start = now() - interval '2 seconds' where bucket = 't:b'`;
  assert.equal(await hit("t:b", 1, 1), 0);
});

Deno.test("api.rate_limit_hit — concurrent hits are all counted (instances share the counter)", async () => {
  await Promise.all(Array.from({ length: 20 }, () => hit("t:c", 100, 60)));
  const [row] = await db.sql`select hits from astapa.rate_limits where bucket = 't:c'`;
  assert.equal(row.hits, 20);
});

Deno.test("api.rate_limit_wait — reports a lockout without counting", async () => {
  assert.equal(await wait("t:d", 2), 0);
  await hit("t:d", 2, 60);
  assert.equal(await wait("t:d", 2), 0);
  await hit("t:d", 2, 60);
  assert.ok((await wait("t:d", 2)) > 0);
  const [row] = await db.sql`select hits from astapa.rate_limits where bucket = 't:d'`;
  assert.equal(row.hits, 2, "wait did not count");
});

Deno.test("api.rate_limit_hit — nonsense limits raise AS400", async () => {
  await assert.rejects(() => hit("t:e", 0, 60), (e: { code?: string }) => e.code === "AS400");
  await assert.rejects(() => hit("t:e", 1, 0), (e: { code?: string }) => e.code === "AS400");
});
