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
// Dewi's name is her profile's (the account page, the Platform API, a provider).
const dewi = await seedUser(db.sql, p.id, "dewi@other.example");
await appValue(
  db.sql,
  p.id,
  (tx) => tx`select astapa.save_profile(${p.id}, ${dewi}::bigint, '{"name":"Dewi Ayunda"}', 'admin')`,
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
  assert.deepEqual(
    await search("ayu"),
    ids(ayu, ayuWork, citra),
    "email prefix ayu…, and the name claim Ayuni",
  );
  assert.deepEqual(await search("DEWI A"), [dewi], "a prefix of the profile's name");
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

Deno.test("users — lookups by email, prefix, domain and name use their indexes under the policies (migration 3090)", async () => {
  // Not a timing: the plans of the functions' own conditions, run as the app role so the row-level policies
  // apply (only leakproof conditions may use an index before them; lower() is not, the stored copies are), with
  // the sequential scan priced out. A condition an index cannot serve would show as a Filter.
  // The statistics know this project's users (with none known, every project_id index costs the same).
  await db.sql`analyze astapa.users`;
  await db.sql`analyze astapa.user_claims`;
  const plans = await asApp(db.sql, p.id, async (tx) => {
    await tx`set local enable_seqscan = off`;
    const plan = async (query: string) =>
      (await tx.unsafe(`explain ${query}`)).map((r) => r["QUERY PLAN"] as string).join("\n");
    const here = `project_id = '${p.id}' and environment = 'sandbox'`;
    return [
      await plan(`select id from astapa.users where ${here} and email_lower = lower('Ayu@Example.com')`),
      await plan(`select id from astapa.users where ${here}
        and email_lower ~>=~ 'ayu' and email_lower ~<~ ('ayu' || chr(1114111))`),
      await plan(`select id from astapa.users where ${here} and email_domain = 'example.com' and id > 0
        order by id limit 50`),
      await plan(`select user_id from astapa.user_claims where project_id = '${p.id}'
        and name_lower ~>=~ 'ayu' and name_lower ~<~ ('ayu' || chr(1114111))`),
      await plan(`select id from astapa.users where ${here}
        and name_lower ~>=~ 'ayu' and name_lower ~<~ ('ayu' || chr(1114111))`),
    ];
  });
  assert.match(plans[0], /users_email_(key|prefix_idx)/);
  assert.match(plans[1], /users_email_prefix_idx/);
  assert.match(plans[2], /users_email_domain_idx/);
  assert.match(plans[3], /user_claims_name_prefix_idx/);
  assert.match(plans[4], /users_name_prefix_idx/);
  for (const plan of plans) assert.doesNotMatch(plan, /Filter: .*(email|name)/, plan);
});

Deno.test("users — the stored lowercase copies follow the email and the name claim", async () => {
  const p = await seedProject(db.sql);
  const id = await seedUser(db.sql, p.id, "Ayu.Lestari@Example.CO.id");
  await db
    .sql`insert into astapa.user_claims (project_id, user_id, extra) values (${p.id}, ${id}, '{"name": "Ayu LESTARI"}')
               on conflict (project_id, user_id) do update set extra = excluded.extra`;
  const [row] = await db.sql`select u.email_lower, u.email_domain, c.name_lower from astapa.users u
    join astapa.user_claims c on c.project_id = u.project_id and c.user_id = u.id where u.id = ${id}`;
  assert.deepEqual(row, {
    email_lower: "ayu.lestari@example.co.id",
    email_domain: "example.co.id",
    name_lower: "ayu lestari",
  });
  await db.sql`update astapa.users set email = 'New@Mail.ID' where id = ${id}`;
  const [moved] = await db.sql`select email_lower, email_domain from astapa.users where id = ${id}`;
  assert.deepEqual(moved, { email_lower: "new@mail.id", email_domain: "mail.id" });
});
