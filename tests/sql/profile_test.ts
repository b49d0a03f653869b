/**
 * db/api/profile.sql and the users_<field>_check rules of migration 4261: a person's profile set by the person or
 * the app (all or nothing, the broken rule named), filled by a provider (empty fields only, a bad value dropped),
 * and the OIDC profile claims — in a grant's result only with the profile scope, in userinfo likewise — and the
 * user.updated event with the previous values. The attacks: markup, javascript:/data:/http: pictures, huge values,
 * control, bidi-override and zero-width characters.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { testDatabase } from "../helpers/db.ts";
import { appValue, rejectsAs, seedProject, seedUser } from "../helpers/identity.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());
const project = await seedProject(db.sql);
const other = await seedProject(db.sql);

const save = (user: string, change: unknown, projectId = project.id) =>
  appValue<string[]>(
    db.sql,
    projectId,
    (tx) =>
      tx`select astapa.save_profile(${projectId}, ${user}::bigint, ${
        JSON.stringify(change)
      }::text::jsonb, 'user')`,
  );
const fill = (user: string, claims: unknown, projectId = project.id) =>
  appValue<string[]>(
    db.sql,
    projectId,
    (tx) => tx`select api.fill_profile(${user}::bigint, 'google', ${JSON.stringify(claims)}::text::jsonb)`,
  );
const stored = async (user: string) =>
  (await db.sql`select name, given_name, family_name, picture, locale, profile_updated_at
                from astapa.users where id = ${user}`)[0];

/** Values every profile text field refuses, and why. */
const BAD_TEXT: [string, string][] = [
  ["a\u0007b", "a control character"],
  ["line\nbreak", "a newline"],
  ["evil\u202Egnp.exe", "a right-to-left override"],
  ["in\u2066vis\u2069ible", "a bidi isolate"],
  ["zero\u200Bwidth", "a zero-width space"],
  ["\uFEFFbom", "a byte-order mark"],
  ["x".repeat(257), "257 characters"],
];

const BAD_PICTURES = [
  "javascript:alert(1)",
  "data:image/svg+xml;base64,PHN2Zz4=",
  "http://example.com/a.png",
  "https://user:pass@example.com/a.png",
  'https://example.com/"><script>alert(1)</script>',
  "https://example.com/" + "a".repeat(2100),
  " javascript:alert(1)",
  "HTTPS://example.com/a.png",
];

Deno.test("astapa.save_profile — sets, trims, clears and dates the profile; audits the fields changed", async () => {
  const ayu = await seedUser(db.sql, project.id, "ayu@example.com");
  assert.deepEqual(
    await save(ayu, {
      name: " Ayu Lestari ",
      given_name: "Ayu",
      family_name: "Lestari",
      picture: "https://lh3.googleusercontent.com/a/ACg8oc=s96-c",
      locale: "id_ID",
    }),
    ["name", "given_name", "family_name", "picture", "locale"],
  );
  const set = await stored(ayu);
  assert.deepEqual([set.name, set.locale, set.picture], [
    "Ayu Lestari",
    "id-ID",
    "https://lh3.googleusercontent.com/a/ACg8oc=s96-c",
  ]);
  assert.ok(set.profile_updated_at);
  // Unchanged values change nothing (no new date, no audit); blank and null clear.
  assert.deepEqual(await save(ayu, { name: "Ayu Lestari" }), []);
  assert.equal((await stored(ayu)).profile_updated_at.getTime(), set.profile_updated_at.getTime());
  assert.deepEqual(await save(ayu, { given_name: "  ", family_name: null }), ["given_name", "family_name"]);
  assert.deepEqual([(await stored(ayu)).given_name, (await stored(ayu)).family_name], [null, null]);
  // Scripts that need ZWNJ/ZWJ inside words keep them; markup is text (pages escape it).
  await save(ayu, { name: "می\u200Cخواهم <b>Ayu</b>" });
  assert.equal((await stored(ayu)).name, "می\u200Cخواهم <b>Ayu</b>");
  const audits = await db.sql`select details from astapa.audit_log
    where target = ${"user:" + ayu} and action = 'user.profile_updated' order by id`;
  assert.deepEqual(audits.map((a) => a.details.fields), [
    ["name", "given_name", "family_name", "picture", "locale"],
    ["given_name", "family_name"],
    ["name"],
  ]);
  assert.equal(audits[0].details.by, "user");
});

Deno.test("astapa.save_profile — refuses unknown keys, non-strings and every value that breaks a rule (AS400 naming the field), all or nothing", async () => {
  const budi = await seedUser(db.sql, project.id, "budi@example.com");
  await save(budi, { name: "Budi" });
  await rejectsAs(save(budi, { nick: "b" }), "validation_failed", /profile has name/);
  await rejectsAs(save(budi, { name: 5 }), "validation_failed", /name must be a string/);
  await rejectsAs(save(budi, []), "validation_failed");
  for (const [value, why] of BAD_TEXT) {
    for (const field of ["name", "given_name", "family_name"]) {
      await rejectsAs(
        save(budi, { [field]: value }),
        "validation_failed",
        new RegExp(`^${field} is at most`),
      );
    }
    assert.equal((await stored(budi)).name, "Budi", why);
  }
  await rejectsAs(save(budi, { given_name: "x".repeat(129) }), "validation_failed", /given_name/);
  for (const picture of BAD_PICTURES) {
    await rejectsAs(save(budi, { picture, name: "Changed" }), "validation_failed", /picture is an https/);
  }
  for (const locale of ["englishlanguage", "en-", "1d", "en US", "x".repeat(40), "<script>"]) {
    await rejectsAs(save(budi, { locale }), "validation_failed", /locale is a BCP 47/);
  }
  // Nothing of a refused change was kept.
  assert.deepEqual([(await stored(budi)).name, (await stored(budi)).picture], ["Budi", null]);
  // Another project's user is not found.
  await rejectsAs(save(budi, { name: "x" }, other.id), "not_found");
});

Deno.test("users checks — the table refuses what the functions refuse, even from the owner", async () => {
  const cici = await seedUser(db.sql, project.id, "cici@example.com");
  for (const [value] of BAD_TEXT) {
    await assert.rejects(
      db.sql`update astapa.users set name = ${value} where id = ${cici}`,
      /users_name_check/,
    );
  }
  for (const picture of BAD_PICTURES) {
    await assert.rejects(
      db.sql`update astapa.users set picture = ${picture} where id = ${cici}`,
      /users_picture_check/,
    );
  }
  await assert.rejects(
    db.sql`update astapa.users set name = ' padded' where id = ${cici}`,
    /users_name_check/,
  );
  await assert.rejects(
    db.sql`update astapa.users set locale = 'en_US' where id = ${cici}`,
    /users_locale_check/,
  );
});

Deno.test("api.fill_profile — fills empty fields only; drops a value that breaks its rule; strings only; audited by provider", async () => {
  const dewi = await seedUser(db.sql, project.id, "dewi@example.com");
  await save(dewi, { name: "Dewi (my own)" });
  assert.deepEqual(
    await fill(dewi, {
      name: "Dewi Google",
      given_name: "Dewi",
      family_name: "x".repeat(500),
      picture: "javascript:alert(1)",
      locale: "id",
      email: "not-a-profile-field@example.com",
      nickname: 7,
    }),
    ["given_name", "locale"],
  );
  const after = await stored(dewi);
  assert.deepEqual(
    [after.name, after.given_name, after.family_name, after.picture, after.locale],
    ["Dewi (my own)", "Dewi", null, null, "id"],
  );
  // A second provider fills what is still empty, nothing else.
  assert.deepEqual(
    await fill(dewi, { given_name: "Other", picture: "https://avatars.example.com/u/1?v=4" }),
    [
      "picture",
    ],
  );
  assert.deepEqual(await fill(dewi, { name: "Again" }), []);
  assert.deepEqual(await fill(dewi, { name: 42, picture: { url: "https://x" } }), []);
  assert.deepEqual(await fill(dewi, null), []);
  const [audit] = await db.sql`select details from astapa.audit_log
    where target = ${"user:" + dewi} and action = 'user.profile_updated' and details ->> 'by' = 'provider'
    order by id limit 1`;
  assert.deepEqual(audit.details, { fields: ["given_name", "locale"], by: "provider", provider: "google" });
  // Another project's user: nothing.
  assert.deepEqual(await fill(dewi, { family_name: "X" }, other.id), []);
});

const grantResult = (user: string, scope: string) =>
  appValue<Record<string, unknown>>(
    db.sql,
    project.id,
    (tx) =>
      tx`select astapa.grant_result(${user}::bigint, ${scope}, null, now(), null, now() + interval '1 day', 600)`,
  );
const userInfo = (user: string, scope: string | null) =>
  appValue<Record<string, unknown>>(
    db.sql,
    project.id,
    (tx) => tx`select api.user_info(${user}::bigint, ${project.clientId}, ${scope})`,
  );

Deno.test("profile claims — a grant carries them only with the profile scope; userinfo likewise; updated_at in seconds", async () => {
  const eka = await seedUser(db.sql, project.id, "eka@example.com");
  assert.equal((await grantResult(eka, "openid profile")).profile, undefined, "an empty profile: no claims");
  await save(eka, { name: "Eka Putra", given_name: "Eka", locale: "id-ID" });
  const [{ at }] = await db.sql`select floor(extract(epoch from profile_updated_at))::bigint::int as at
                                from astapa.users where id = ${eka}`;
  const claims = { name: "Eka Putra", given_name: "Eka", locale: "id-ID", updated_at: at };
  assert.deepEqual((await grantResult(eka, "openid profile email")).profile, claims);
  assert.equal((await grantResult(eka, "openid email")).profile, undefined);
  assert.equal((await grantResult(eka, "openid profiles")).profile, undefined);
  const info = await userInfo(eka, "openid profile");
  assert.deepEqual(
    { name: info.name, given_name: info.given_name, locale: info.locale, updated_at: info.updated_at },
    claims,
  );
  assert.equal(info.family_name, undefined, "a claim the user lacks is left out");
  for (const scope of ["openid", null]) {
    const without = await userInfo(eka, scope);
    assert.equal(without.name, undefined);
    assert.equal(without.updated_at, undefined);
    assert.equal(without.email, "eka@example.com");
  }
});

Deno.test("user.updated — a profile change is an event with the user's profile and the previous values", async () => {
  const fajar = await seedUser(db.sql, project.id, "fajar@example.com");
  await save(fajar, { name: "Fajar", picture: "https://example.com/f.png" });
  await save(fajar, { name: "Fajar Nugroho" });
  await save(fajar, { name: "Fajar Nugroho" });
  const events = await asApp(
    db.sql,
    project.id,
    (tx) =>
      tx`select data from astapa.events where type = 'user.updated' and data -> 'user' ->> 'id' = ${fajar}
       order by id`,
  );
  assert.equal(events.length, 2, "an unchanged save emits nothing");
  assert.deepEqual(events[0].data.previous, { name: null, picture: null });
  assert.deepEqual(events[1].data.previous, { name: "Fajar" });
  assert.equal(events[1].data.user.name, "Fajar Nugroho");
  assert.equal(events[1].data.user.picture, "https://example.com/f.png");
  // The event's user is the API's (astapa.user_json).
  const now = await appValue(
    db.sql,
    project.id,
    (tx) => tx`select astapa.user_json(${project.id}, ${fajar}::bigint)`,
  );
  assert.deepEqual(events[1].data.user, now);
});
