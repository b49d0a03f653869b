/**
 * The Platform API and a user's profile: POST /users creates one with it (a bad value creates nobody), PATCH
 * /users/{sub} sets and clears fields, GET and the list show them; a value that breaks a rule is a 400
 * validation_failed naming the field (javascript:/data: pictures, bidi overrides, zero-width spaces, huge values),
 * never another project's user; each change audited and heard as user.updated.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { seedProject, seedUser } from "../helpers/oauth.ts";
import { platformApi } from "../helpers/platform_api.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const project = await seedProject(t.db.sql, { name: "Toko" });
const other = await seedProject(t.db.sql, { name: "Other" });
const api = platformApi(t, project);

Deno.test("users API — POST creates a user with a profile; GET and the list show it", async () => {
  const created = await api("POST", "/users", {
    email: "sari@toko.example",
    name: "Sari Wulandari",
    given_name: "Sari",
    family_name: "Wulandari",
    picture: "https://example.com/sari.png",
    locale: "id-ID",
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.body.name, "Sari Wulandari");
  assert.equal(created.body.locale, "id-ID");
  assert.ok(created.body.profile_updated_at);
  const got = await api("GET", `/users/${created.body.sub}`);
  assert.equal(got.body.family_name, "Wulandari");
  assert.equal(got.body.picture, "https://example.com/sari.png");
  const listed = await api("GET", "/users?q=sari");
  assert.equal(listed.body.users[0].given_name, "Sari");
  // Without a profile: every field null.
  const plain = await api("POST", "/users", { email: "plain@toko.example" });
  assert.deepEqual(
    [plain.body.name, plain.body.given_name, plain.body.picture, plain.body.profile_updated_at],
    [null, null, null, null],
  );
});

Deno.test("users API — a POST whose profile breaks a rule is a 400 naming the field and creates nobody", async () => {
  const bad = await api("POST", "/users", { email: "bad@toko.example", picture: "javascript:alert(1)" });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error, "validation_failed");
  assert.match(bad.body.error_description, /picture is an https/);
  const [n] = await t.db.sql`select count(*)::int as n from astapa.users where email = 'bad@toko.example'`;
  assert.equal(n.n, 0);
});

Deno.test("users API — PATCH sets and clears profile fields, audited and heard as user.updated", async () => {
  const sub = await seedUser(t.db.sql, project.id, "budi@toko.example");
  const set = await api("PATCH", `/users/${sub}`, { name: "Budi", locale: "en_GB" });
  assert.equal(set.status, 200, JSON.stringify(set.body));
  assert.deepEqual([set.body.name, set.body.locale], ["Budi", "en-GB"]);
  const cleared = await api("PATCH", `/users/${sub}`, { name: null, locale: "" });
  assert.deepEqual([cleared.body.name, cleared.body.locale], [null, null]);
  const audits = await t.db.sql`select details from astapa.audit_log
    where target = ${"user:" + sub} and action = 'user.profile_updated' order by id`;
  assert.deepEqual(audits.map((a) => [a.details.fields, a.details.by]), [
    [["name", "locale"], "admin"],
    [["name", "locale"], "admin"],
  ]);
  const events = await t.db.sql`select data from astapa.events
    where type = 'user.updated' and data -> 'user' ->> 'id' = ${sub} order by id`;
  assert.deepEqual(events.map((e) => e.data.previous), [{ name: null, locale: null }, {
    name: "Budi",
    locale: "en-GB",
  }]);
});

Deno.test("users API — PATCH refuses hostile values with a 400 naming the field; nothing changes; other projects 404", async () => {
  const sub = await seedUser(t.db.sql, project.id, "citra@toko.example");
  await api("PATCH", `/users/${sub}`, { name: "Citra" });
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ picture: "data:text/html,<script>alert(1)</script>" }, /picture/],
    [{ picture: "http://example.com/a.png" }, /picture/],
    [{ name: "Citra\u202Egnp.exe" }, /^name is at most 256/],
    [{ given_name: "Ci\u200Btra" }, /^given_name/],
    [{ family_name: "x".repeat(200) }, /^family_name/],
    [{ locale: "Bahasa Indonesia" }, /^locale/],
  ];
  for (const [change, says] of cases) {
    const res = await api("PATCH", `/users/${sub}`, { ...change, email_verified: true });
    assert.equal(res.status, 400, JSON.stringify(change));
    assert.equal(res.body.error, "validation_failed");
    assert.match(res.body.error_description, says);
  }
  // Past the body's bounds: zod's field errors, before SQL.
  const huge = await api("PATCH", `/users/${sub}`, { name: "x".repeat(5000) });
  assert.equal(huge.status, 400);
  assert.ok(huge.body.fields?.name, JSON.stringify(huge.body));
  const typed = await api("PATCH", `/users/${sub}`, { name: 42 });
  assert.equal(typed.status, 400);
  const [row] = await t.db.sql`select name, email_verified from astapa.users where id = ${sub}`;
  assert.deepEqual(row, { name: "Citra", email_verified: false }, "all or nothing");
  assert.equal((await api("PATCH", `/users/${sub}`, { name: "Mallory" }, other)).status, 404);
});

Deno.test("users API — the rest of the OIDC profile: POST, GET, PATCH round trip; bad values 400 naming the field; search by family name", async () => {
  const more = {
    nickname: "Dodo",
    middle_name: "Pratama",
    preferred_username: "dodo.p",
    website: "https://dodo.example/blog",
    zoneinfo: "asia/jakarta",
    birthdate: "1992-06-30",
    gender: "male",
  };
  const created = await api("POST", "/users", {
    email: "dodo@toko.example",
    given_name: "Dodo",
    family_name: "Kusumawardhana",
    ...more,
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const expected = { ...more, zoneinfo: "Asia/Jakarta" };
  const got = await api("GET", `/users/${created.body.sub}`);
  for (const [key, value] of Object.entries(expected)) assert.equal(got.body[key], value, key);
  // The Platform API search finds the family name's prefix, in any case.
  const found = await api("GET", "/users?q=KUSUMA");
  assert.deepEqual(found.body.users.map((u: { sub: string }) => u.sub), [created.body.sub]);

  const patched = await api("PATCH", `/users/${created.body.sub}`, {
    birthdate: "0000-06-30",
    website: null,
  });
  assert.equal(patched.status, 200, JSON.stringify(patched.body));
  assert.deepEqual([patched.body.birthdate, patched.body.website, patched.body.gender], [
    "0000-06-30",
    null,
    "male",
  ]);
  const events = await t.db.sql`select data from astapa.events
    where type = 'user.updated' and data -> 'user' ->> 'id' = ${created.body.sub} order by id`;
  assert.deepEqual(events.at(-1)?.data.previous, {
    birthdate: "1992-06-30",
    website: "https://dodo.example/blog",
  });

  const cases: [Record<string, unknown>, RegExp][] = [
    [{ website: "javascript:alert(1)" }, /^website is an https:\/\/ or http:\/\//],
    [{ zoneinfo: "Asia/Atlantis" }, /^zoneinfo is an IANA time zone name/],
    [{ birthdate: "2999-12-31" }, /^birthdate is a date in the past/],
    [{ birthdate: "1990-02-30" }, /^birthdate/],
    [{ nickname: "Do\u202Edo" }, /^nickname is at most 128/],
    [{ gender: "x".repeat(65) }, /^gender is at most 64/],
  ];
  for (const [change, says] of cases) {
    const res = await api("PATCH", `/users/${created.body.sub}`, change);
    assert.equal(res.status, 400, JSON.stringify(change));
    assert.equal(res.body.error, "validation_failed");
    assert.match(res.body.error_description, says);
  }
  const huge = await api("PATCH", `/users/${created.body.sub}`, {
    website: "https://x.example/" + "a".repeat(5000),
  });
  assert.ok(huge.body.fields?.website, JSON.stringify(huge.body));
  const after = await api("GET", `/users/${created.body.sub}`);
  assert.deepEqual(
    [after.body.birthdate, after.body.zoneinfo],
    ["0000-06-30", "Asia/Jakarta"],
    "nothing changed",
  );
});
