/** api.search_environment_users (db/api/users.sql): the dashboard's user search and its keyset pages. */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { appValue, rejectsAs, seedProject, seedUser } from "../helpers/identity.ts";
import { testDatabase } from "../helpers/db.ts";
import { takeLive } from "../helpers/live_keys.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const p = await seedProject(db.sql);
const ayu = await seedUser(db.sql, p.id, "Ayu.Lestari@Example.com");
const ayuWork = await seedUser(db.sql, p.id, "ayu@work.example");
const budi = await seedUser(db.sql, p.id, "budi@example.com");
const citra = await seedUser(db.sql, p.id, "citra@other.example");
await asApp(
  db.sql,
  p.id,
  (tx) => tx`select api.set_user_claims(${p.id}, ${citra}::bigint, '{"extra":{"name":"Ayuni Citra"}}')`,
);
await asApp(
  db.sql,
  p.id,
  (tx) => tx`select api.set_user_claims(${p.id}, ${budi}::bigint, '{"extra":{"name":"Budi_%"}}')`,
);
// Another project's user with a matching email and name never shows.
const other = await seedProject(db.sql);
await seedUser(db.sql, other.id, "ayu@example.com");

async function search(query: string, size = 50, after = "0", project = p.id): Promise<string[]> {
  const users = await appValue<{ id: string }[]>(
    db.sql,
    project,
    (tx) => tx`select api.search_environment_users(${project}, ${query}, ${size}, ${after}::bigint)`,
  );
  return users.map((u) => u.id);
}
const ids = (...list: string[]) => list.toSorted((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));

Deno.test("api.search_environment_users — email prefix or name prefix in any case, domain, sub exactly", async () => {
  assert.deepEqual(await search("ayu"), ids(ayu, ayuWork, citra), "email prefix ayu…, and the name Ayuni");
  assert.deepEqual(await search("  AYU.l "), [ayu]);
  assert.deepEqual(await search("ayu@work.example"), [ayuWork], "a whole email is its own prefix");
  assert.deepEqual(await search("@example.com"), ids(ayu, budi), "the domain exactly, not other.example");
  assert.deepEqual(await search("@EXAMPLE.COM"), ids(ayu, budi));
  assert.deepEqual(await search("@example"), [], "a domain is matched whole");
  assert.deepEqual(await search("ayuni c"), [citra]);
  assert.deepEqual(await search(budi), [budi], "digits are a sub");
  assert.deepEqual(await search(budi.slice(0, -1)), [], "a sub is matched exactly, not as a prefix");
  assert.deepEqual(await search("99999999999999999999"), [], "past bigint is no sub and no error");
  // LIKE's wildcards are plain characters here.
  assert.deepEqual(await search("%"), []);
  assert.deepEqual(await search("budi_%"), [budi]);
  assert.deepEqual(await search("_"), []);
});

Deno.test("api.search_environment_users — keyset pages in id order; only the current environment", async () => {
  const first = await search("ayu", 2);
  assert.deepEqual(first, ids(ayu, ayuWork, citra).slice(0, 2));
  assert.deepEqual(await search("ayu", 2, first[1]), ids(ayu, ayuWork, citra).slice(2));
  assert.deepEqual(await search("@example.com", 1, ids(ayu, budi)[0]), [ids(ayu, budi)[1]]);

  const q = await seedProject(db.sql);
  await seedUser(db.sql, q.id, "sandbox@example.com");
  await takeLive(db.sql, q.id);
  const live = await seedUser(db.sql, q.id, "live@example.com");
  assert.deepEqual(await search("@example.com", 50, "0", q.id), [live]);
});

Deno.test("api.search_environment_users — bad input is validation_failed; another project's is not found", async () => {
  await rejectsAs(
    asApp(db.sql, p.id, (tx) => tx`select api.search_environment_users(${p.id}, '  ')`),
    "validation_failed",
  );
  await rejectsAs(
    asApp(db.sql, p.id, (tx) => tx`select api.search_environment_users(${p.id}, null)`),
    "validation_failed",
  );
  await rejectsAs(
    asApp(db.sql, p.id, (tx) => tx`select api.search_environment_users(${p.id}, ${"a".repeat(255)})`),
    "validation_failed",
  );
  await rejectsAs(
    asApp(db.sql, p.id, (tx) => tx`select api.search_environment_users(${p.id}, 'a', 0)`),
    "validation_failed",
  );
  await rejectsAs(
    asApp(db.sql, other.id, (tx) => tx`select api.search_environment_users(${p.id}, 'ayu')`),
    "not_found",
  );
});

Deno.test("api.search_environment_users — the prefix and domain searches can use their indexes", async () => {
  // Not a timing: the plan of the function's own conditions, with the sequential scan priced out, names the
  // migration's indexes (a condition an index cannot serve would still show a Seq Scan or a Filter).
  const plans = await db.sql.begin(async (tx) => {
    await tx`set local enable_seqscan = off`;
    const plan = async (query: string) =>
      (await tx.unsafe(`explain ${query}`)).map((r) => r["QUERY PLAN"] as string).join("\n");
    return [
      await plan(`select id from astapa.users where project_id = 'x' and environment = 'sandbox'
        and lower(email) ~>=~ 'ayu' and lower(email) ~<~ ('ayu' || chr(1114111))`),
      await plan(`select id from astapa.users where project_id = 'x' and environment = 'sandbox'
        and lower(split_part(email, '@', 2)) = 'example.com' and id > 0 order by id limit 50`),
      await plan(`select user_id from astapa.user_claims where project_id = 'x'
        and lower(extra ->> 'name') ~>=~ 'ayu' and lower(extra ->> 'name') ~<~ ('ayu' || chr(1114111))`),
    ];
  });
  assert.match(plans[0], /users_email_prefix_idx/);
  assert.match(plans[1], /users_email_domain_idx/);
  assert.match(plans[2], /user_claims_name_prefix_idx/);
});
