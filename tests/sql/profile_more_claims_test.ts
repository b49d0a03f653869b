/**
 * The rest of the OIDC profile claims (migration 4280, db/api/profile.sql): nickname, middle_name,
 * preferred_username, website, zoneinfo, birthdate, gender — each field's rule with good and bad values (the
 * 0000-MM-DD birthdate, a future one, a day that does not exist, an unknown zone), in the table itself too; a
 * provider's bad value dropped; the claims in a grant and userinfo only with the profile scope; the account page
 * may not set birthdate or gender; erasure clears them; the search finds given and family names through their
 * indexes.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { testDatabase } from "../helpers/db.ts";
import { appValue, rejectsAs, seedProject, seedSession, seedUser } from "../helpers/identity.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());
const project = await seedProject(db.sql);

const save = (user: string, change: unknown) =>
  appValue<string[]>(
    db.sql,
    project.id,
    (tx) =>
      tx`select astapa.save_profile(${project.id}, ${user}::bigint, ${
        JSON.stringify(change)
      }::text::jsonb, 'admin')`,
  );
const stored = async (user: string) => ({
  ...(await db.sql`select nickname, middle_name, preferred_username, website, zoneinfo, birthdate, gender
                     from astapa.users where id = ${user}`)[0],
});

const isoDay = (offsetDays: number) =>
  new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

const BAD: Record<string, [unknown[], RegExp]> = {
  nickname: [["a\u0007b", "evil\u202Egnp", "zero\u200Bwidth", "x".repeat(129)], /^nickname is at most 128/],
  middle_name: [["line\nbreak", "\uFEFFbom", "x".repeat(129)], /^middle_name is at most 128/],
  preferred_username: [
    ["in\u2066vis\u2069ible", "tab\there", "x".repeat(129)],
    /^preferred_username is at most/,
  ],
  website: [
    [
      "javascript:alert(1)",
      "data:text/html,<b>x</b>",
      "ftp://example.com/",
      "https://user:pass@example.com/",
      'https://example.com/"><script>',
      "https://example.com/" + "a".repeat(2000),
      "example.com",
      "https://ex ample.com/",
    ],
    /^website is an https:\/\/ or http:\/\//,
  ],
  zoneinfo: [
    [
      "Mars/Olympus_Mons",
      "Asia/Jakartaa",
      "WIB",
      "UTC+7",
      "../../etc/passwd",
      "Asia/Jakarta; drop",
      "x".repeat(70),
    ],
    /^zoneinfo is an IANA time zone name/,
  ],
  birthdate: [
    [
      isoDay(3),
      "2999-01-01",
      "1990-02-30",
      "2023-02-29",
      "0000-02-30",
      "1990-13-01",
      "1990-00-10",
      "1990-1-1",
      "01/02/1990",
      "1990",
      "abcd-ef-gh",
    ],
    /^birthdate is a date in the past/,
  ],
  gender: [["x".repeat(65), "a\u0000b".replace("\u0000", "\u0001")], /^gender is at most 64/],
};

Deno.test("profile rules — each new field takes good values (zone spelled as the tz database does, the 0000 birthdate)", async () => {
  const ayu = await seedUser(db.sql, project.id, "ayu@example.com");
  assert.deepEqual(
    await save(ayu, {
      nickname: " Yuyu ",
      middle_name: "Kartika",
      preferred_username: "ayu.l",
      website: "https://ayu.example.id/blog?x=1#top",
      zoneinfo: "asia/jakarta",
      birthdate: "0000-02-29",
      gender: "female",
    }),
    ["nickname", "middle_name", "preferred_username", "website", "zoneinfo", "birthdate", "gender"],
  );
  assert.deepEqual(await stored(ayu), {
    nickname: "Yuyu",
    middle_name: "Kartika",
    preferred_username: "ayu.l",
    website: "https://ayu.example.id/blog?x=1#top",
    zoneinfo: "Asia/Jakarta",
    birthdate: "0000-02-29",
    gender: "female",
  });
  for (const birthdate of ["1990-07-14", "2000-02-29", isoDay(0), "1901-12-31"]) {
    await save(ayu, { birthdate });
    assert.equal((await stored(ayu)).birthdate, birthdate);
  }
  for (const zoneinfo of ["America/Argentina/Buenos_Aires", "Etc/GMT+7", "UTC", "Asia/Makassar"]) {
    await save(ayu, { zoneinfo });
    assert.equal((await stored(ayu)).zoneinfo, zoneinfo);
  }
  await save(ayu, { website: "http://localhost:8080/" });
  assert.equal((await stored(ayu)).website, "http://localhost:8080/");
  // Blank and null clear, as the other fields.
  await save(ayu, { gender: "", birthdate: null, website: "  " });
  assert.deepEqual([(await stored(ayu)).gender, (await stored(ayu)).birthdate, (await stored(ayu)).website], [
    null,
    null,
    null,
  ]);
});

Deno.test("profile rules — every bad value is AS400 naming the field, nothing kept; the table refuses them too", async () => {
  const budi = await seedUser(db.sql, project.id, "budi@example.com");
  await save(budi, { nickname: "Bud", zoneinfo: "Asia/Jayapura", birthdate: "1985-05-05" });
  for (const [field, [values, message]] of Object.entries(BAD)) {
    for (const value of values) {
      // With a good change beside it: all or nothing.
      const beside = field === "middle_name" ? { nickname: "Changed" } : { middle_name: "Changed" };
      await rejectsAs(save(budi, { ...beside, [field]: value }), "validation_failed", message);
    }
  }
  assert.deepEqual(await stored(budi), {
    nickname: "Bud",
    middle_name: null,
    preferred_username: null,
    website: null,
    zoneinfo: "Asia/Jayapura",
    birthdate: "1985-05-05",
    gender: null,
  });
  // The owner meets the constraints too: a well-shaped zone Postgres does not know breaks the foreign key.
  await assert.rejects(
    db.sql`update astapa.users set zoneinfo = 'Mars/Olympus_Mons' where id = ${budi}`,
    /users_zoneinfo_fkey/,
  );
  for (const [field, [values]] of Object.entries(BAD)) {
    for (const value of values) {
      if (field === "zoneinfo" && /^[A-Za-z][A-Za-z0-9_+\/-]*$/.test(value as string)) continue;
      await assert.rejects(
        db.sql`update astapa.users set ${db.sql(field)} = ${value as string} where id = ${budi}`,
        new RegExp(`users_${field}_check`),
        `${field} ${JSON.stringify(value)}`,
      );
    }
  }
});

Deno.test("astapa.time_zones — pg_timezone_names' zones, without the posix/right copies; a refresh adds what is missing", async () => {
  const [{ copied, listed }] = await db.sql`select (select count(*)::int from astapa.time_zones) as copied,
    (select count(*)::int from pg_timezone_names
     where name !~ '^(posix|right)/' and name not in ('posixrules', 'localtime', 'Factory')) as listed`;
  assert.equal(copied, listed);
  assert.ok(listed > 300);
  await db.sql`delete from astapa.time_zones where name = 'Pacific/Chatham'`;
  const [{ added }] = await db.sql`select astapa.refresh_time_zones() as added`;
  assert.equal(added, 1);
  assert.equal(
    await appValue(db.sql, project.id, (tx) => tx`select astapa.profile_zone('PACIFIC/CHATHAM')`),
    "Pacific/Chatham",
  );
});

Deno.test("api.time_zones — every zone a zoneinfo may be, sorted, for the app role", async () => {
  const zones = await appValue<string[]>(db.sql, project.id, (tx) => tx`select api.time_zones()`);
  const names = (await db.sql`select name from astapa.time_zones`).map((row) => row.name as string);
  assert.deepEqual([...zones].sort(), names.sort());
  assert.deepEqual(zones, [...zones].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  assert.ok(zones.includes("Asia/Jakarta") && !zones.some((zone) => zone.startsWith("posix/")));
});

Deno.test("api.fill_profile — a provider's new fields fill empty ones; an unknown zone or a bad website is dropped", async () => {
  const cici = await seedUser(db.sql, project.id, "cici@example.com");
  await save(cici, { nickname: "Her own" });
  const filled = await appValue<string[]>(
    db.sql,
    project.id,
    (tx) =>
      tx`select api.fill_profile(${cici}::bigint, 'sso', ${
        JSON.stringify({
          nickname: "Idp",
          preferred_username: "cici",
          website: "javascript:alert(1)",
          zoneinfo: "Mars/Base",
          birthdate: "1999-09-09",
          gender: 3,
        })
      }::text::jsonb)`,
  );
  assert.deepEqual(filled, ["preferred_username", "birthdate"]);
  assert.deepEqual(await stored(cici), {
    nickname: "Her own",
    middle_name: null,
    preferred_username: "cici",
    website: null,
    zoneinfo: null,
    birthdate: "1999-09-09",
    gender: null,
  });
  await appValue(
    db.sql,
    project.id,
    (tx) => tx`select api.fill_profile(${cici}::bigint, 'sso', '{"zoneinfo": "europe/london"}')`,
  );
  assert.equal((await stored(cici)).zoneinfo, "Europe/London");
});

Deno.test("profile claims — the new claims in a grant and userinfo only with the profile scope, only those set", async () => {
  const dewi = await seedUser(db.sql, project.id, "dewi@example.com");
  await save(dewi, {
    nickname: "Dee",
    website: "https://dewi.example/",
    zoneinfo: "Asia/Jakarta",
    birthdate: "0000-08-17",
  });
  const grant = (scope: string) =>
    appValue<Record<string, Record<string, unknown>>>(
      db.sql,
      project.id,
      (tx) =>
        tx`select astapa.grant_result(${dewi}::bigint, ${scope}, null, now(), null, now() + interval '1 day', 600)`,
    );
  const info = (scope: string) =>
    appValue<Record<string, unknown>>(
      db.sql,
      project.id,
      (tx) => tx`select api.user_info(${dewi}::bigint, ${project.clientId}, ${scope})`,
    );
  const expected = {
    nickname: "Dee",
    website: "https://dewi.example/",
    zoneinfo: "Asia/Jakarta",
    birthdate: "0000-08-17",
  };
  const { updated_at: _at, ...claims } = (await grant("openid profile")).profile;
  assert.deepEqual(claims, expected);
  const {
    sub: _sub,
    email: _e,
    email_verified: _v,
    project_id: _p,
    custom_claims: _c,
    updated_at: _u,
    ...userinfo
  } = await info("openid profile");
  assert.deepEqual(userinfo, expected, "the unset ones (gender, middle_name, …) are left out");
  assert.equal((await grant("openid email")).profile, undefined);
  const without = await info("openid email");
  for (const claim of Object.keys(expected)) assert.equal(without[claim], undefined, claim);
});

Deno.test("api.account_set_profile — the person sets their nickname and zone, not birthdate or gender", async () => {
  const eka = await seedUser(db.sql, project.id, "eka@example.com");
  const tokenHash = await seedSession(db.sql, project.id, eka);
  const set = (profile: unknown) =>
    appValue<string[]>(
      db.sql,
      project.id,
      (tx) => tx`select api.account_set_profile(${tokenHash}, ${JSON.stringify(profile)}::text::jsonb)`,
    );
  assert.deepEqual(await set({ nickname: "Ek", zoneinfo: "Asia/Makassar", preferred_username: "eka" }), [
    "nickname",
    "preferred_username",
    "zoneinfo",
  ]);
  await rejectsAs(
    set({ birthdate: "1990-01-01" }),
    "validation_failed",
    /birthdate and gender are set by the app/,
  );
  await rejectsAs(set({ nickname: "x", gender: "male" }), "validation_failed", /birthdate and gender/);
  assert.deepEqual([(await stored(eka)).nickname, (await stored(eka)).birthdate], ["Ek", null]);
});

Deno.test("erasure — the new profile fields go with the rest of the person", async () => {
  const fajar = await seedUser(db.sql, project.id, "fajar@example.com");
  await save(fajar, {
    nickname: "Jar",
    middle_name: "A",
    preferred_username: "fajar",
    website: "https://f.example/",
    zoneinfo: "UTC",
    birthdate: "1970-01-01",
    gender: "male",
  });
  await appValue(db.sql, project.id, (tx) => tx`select api.delete_user(${project.id}, ${fajar}::bigint)`);
  assert.deepEqual(await stored(fajar), {
    nickname: null,
    middle_name: null,
    preferred_username: null,
    website: null,
    zoneinfo: null,
    birthdate: null,
    gender: null,
  });
});

Deno.test("search — a prefix of the given or family name finds the user, through the prefix indexes", async () => {
  const gita = await seedUser(db.sql, project.id, "g.w@example.com");
  await save(gita, { given_name: "Gita", family_name: "Wirjawan" });
  const search = (query: string) =>
    appValue<{ id: string }[]>(
      db.sql,
      project.id,
      (tx) => tx`select api.search_environment_users(${project.id}, ${query})`,
    );
  assert.deepEqual((await search("wirja")).map((u) => u.id), [gita]);
  assert.deepEqual((await search("GIT")).map((u) => u.id), [gita]);
  assert.deepEqual(await search("irjawan"), [], "a prefix, not a substring");
  // The plan as the app role sees it, the policies in force: the family-name branch reads its index.
  const plan = await asApp(db.sql, project.id, async (tx) => {
    await tx`set local enable_seqscan = off`;
    return (await tx`explain select u.id from astapa.users as u
      where u.project_id = ${project.id} and u.environment = 'sandbox' and u.deleted_at is null
        and u.family_name_lower operator(pg_catalog.~>=~) 'wirja'
        and u.family_name_lower operator(pg_catalog.~<~) ${"wirja" + String.fromCodePoint(0x10ffff)}`)
      .map((r) => r["QUERY PLAN"]).join("\n");
  });
  assert.match(plan, /users_family_name_prefix_idx/);
  assert.match(plan, /Index Cond: .*family_name_lower ~>=~/);
});
