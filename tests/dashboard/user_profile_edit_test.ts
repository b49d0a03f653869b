/**
 * The user page's profile form (POST …/users/:sub/profile): an admin sets and clears the profile through
 * api.update_user, as the Platform API's PATCH does (the same audit entry, by admin); what the shared schema or
 * the database refuses (a future birthdate, a javascript: website, an unknown zone, a huge name, a repeated field)
 * comes back with 422 beside its field, with what was typed, and changes nothing; viewers get no form and a 403;
 * another project's user is a 404; the form needs the CSRF token. A field the form does not show (email,
 * disabled, a password hash, the environment) is never written; another environment's user is a 404 too, and a
 * cross-site Origin a 403.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { addDeveloperTo, getAs, inviteDeveloper, postAs, signInDeveloper } from "../helpers/dashboard.ts";
import { seedProject, seedUser } from "../helpers/identity.ts";
import { platformApi } from "../helpers/platform_api.ts";
import { changeLog } from "../helpers/change_log.ts";
import { asApp } from "@/db/client.ts";
import { addMember } from "@/db/accounts.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const { sql } = t.db;
const changes = await changeLog(sql);

const owner = await signInDeveloper(t, "owner@dev.example");
await inviteDeveloper(t, "admin@dev.example");
const admin = await signInDeveloper(t, "admin@dev.example");
await inviteDeveloper(t, "viewer@dev.example");
const viewer = await signInDeveloper(t, "viewer@dev.example");
const project = await seedProject(sql, { name: "Shop" });
const other = await seedProject(sql, { name: "Other shop" });
await asApp(sql, project.id, (tx) => addMember(tx, project.id, owner.accountId, "owner"));
await asApp(sql, other.id, (tx) => addMember(tx, other.id, owner.accountId, "owner"));
await addDeveloperTo(t, project.id, admin.accountId, "admin");
await addDeveloperTo(t, project.id, viewer.accountId, "viewer");
const base = `/dashboard/projects/${project.id}`;

const FULL = {
  name: "Sari Wulandari",
  given_name: "Sari",
  middle_name: "Dewi",
  family_name: "Wulandari",
  nickname: "Sar",
  preferred_username: "sari.w",
  locale: "id_ID",
  zoneinfo: "asia/jakarta",
  birthdate: "0000-04-21",
  gender: "female",
  picture: "https://example.com/sari.png",
  website: "https://sari.example/",
};

/** The tables written since `mark`, but the developer's session each signed-in request touches. */
const writtenSince = async (mark: number) =>
  (await changes.changedSince(mark)).filter((table) => table !== "dashboard_sessions");

const profileOf = async (user: string) =>
  (await sql`select name, given_name, middle_name, family_name, nickname, preferred_username, locale, zoneinfo,
                    birthdate, gender, picture, website
             from astapa.users where id = ${user}`)[0];

const auditOf = async (user: string) =>
  await sql`select actor, details from astapa.audit_log
            where action = 'user.profile_updated' and target = ${`user:${user}`} order by id`;

/** The message shown beside `field` on a re-rendered page, or undefined. */
const besides = (html: string, field: string) =>
  html.match(new RegExp(`<span class="field-error" id="profile-${field}-error">([^<]*)</span>`))?.[1];

Deno.test("user profile form — an admin sets every field through api.update_user, audited as the API's PATCH is", async () => {
  const sari = await seedUser(sql, project.id, "sari@example.com");
  const page = await (await getAs(t, owner, `${base}/users/${sari}`)).text();
  assert.match(page, /<form method="post" action="[^"]+\/profile"/);
  assert.match(page, /<datalist id="profile-zones">.*<option value="Asia\/Jakarta"><\/option>/s);
  const saved = await postAs(t, admin, `${base}/users/${sari}/profile`, FULL);
  assert.equal(saved.status, 303, await saved.text());
  assert.equal(saved.headers.get("location"), `${base}/users/${sari}?done=profile_saved`);
  assert.deepEqual({ ...(await profileOf(sari)) }, {
    ...FULL,
    locale: "id-ID",
    zoneinfo: "Asia/Jakarta",
  });
  const shown = await (await getAs(t, owner, saved.headers.get("location")!)).text();
  assert.match(shown, /Profile saved/);
  assert.match(shown, /id="profile-nickname"[^>]*value="Sar"/);
  // Blank clears a field; only the fields that changed are audited.
  const cleared = await postAs(t, owner, `${base}/users/${sari}/profile`, {
    ...FULL,
    nickname: " ",
    gender: "",
  });
  assert.equal(cleared.status, 303);
  const after = await profileOf(sari);
  assert.deepEqual([after.nickname, after.gender, after.name], [null, null, "Sari Wulandari"]);
  const entries = await auditOf(sari);
  assert.equal(entries.length, 2);
  assert.equal(entries[0].actor, `account:${admin.accountId}`);
  assert.deepEqual(entries[1].details, { by: "admin", fields: ["nickname", "gender"] });
  // The Platform API's PATCH writes the same entry.
  const budi = await seedUser(sql, project.id, "budi@example.com");
  const patched = await platformApi(t, project)("PATCH", `/users/${budi}`, {
    nickname: "Bud",
    gender: "male",
  });
  assert.equal(patched.status, 200, JSON.stringify(patched.body));
  assert.deepEqual((await auditOf(budi))[0].details, entries[1].details);
});

Deno.test("user profile form — a bad birthdate, website or zone is 422 beside its field, what was typed kept, nothing changed", async () => {
  const rudi = await seedUser(sql, project.id, "rudi@example.com");
  await postAs(t, owner, `${base}/users/${rudi}/profile`, { name: "Rudi", birthdate: "1990-01-02" });
  const refusals: [string, string, RegExp][] = [
    ["birthdate", "2999-01-01", /birthdate is a date in the past/],
    ["birthdate", "1990-02-30", /birthdate is a date in the past/],
    ["website", "javascript:alert(1)", /website is an https:\/\/ or http:\/\//],
    ["zoneinfo", "Mars/Olympus_Mons", /zoneinfo is an IANA time zone name/],
    ["name", "x".repeat(1001), /name is too long/],
    ["name", "x".repeat(300), /name is at most 256 characters/],
  ];
  for (const [field, value, says] of refusals) {
    const mark = await changes.mark();
    const res = await postAs(t, owner, `${base}/users/${rudi}/profile`, {
      name: "Rudi Hartono",
      nickname: "<b>Ru</b>",
      [field]: value,
    });
    const html = await res.text();
    assert.equal(res.status, 422, `${field}=${value}`);
    assert.match(besides(html, field) ?? "", says, `${field}=${value} is named beside the field`);
    assert.match(html, new RegExp(`id="profile-${field}"[^>]*aria-invalid="true"`));
    assert.match(html, /<details class="profile-form" open/);
    assert.match(html, /id="profile-nickname"[^>]*value="&lt;b>Ru&lt;\/b>"/, "what was typed is shown again");
    for (const elsewhere of ["birthdate", "website", "zoneinfo", "name"].filter((f) => f !== field)) {
      assert.equal(besides(html, elsewhere), undefined, `${field}: nothing said beside ${elsewhere}`);
    }
    assert.deepEqual(await writtenSince(mark), [], `${field}=${value} changed nothing`);
  }
  assert.equal((await auditOf(rudi)).length, 1, "only the first, accepted change is audited");
  const kept = await profileOf(rudi);
  assert.deepEqual([kept.name, kept.birthdate, kept.nickname], ["Rudi", "1990-01-02", null]);
});

Deno.test("user profile form — a repeated field is refused by the shared schema beside it", async () => {
  const eko = await seedUser(sql, project.id, "eko@example.com");
  const res = await t.app.request(`${base}/users/${eko}/profile`, {
    method: "POST",
    headers: {
      accept: "text/html",
      cookie: owner.cookie,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams([["csrf", owner.csrf], ["gender", "a"], ["gender", "b"]]),
  });
  assert.equal(res.status, 422);
  assert.match(besides(await res.text(), "gender") ?? "", /gender must be a string or null/);
  assert.equal((await profileOf(eko)).gender, null);
});

Deno.test("user profile form — viewers get no form and a 403; the CSRF token is needed; another project's user is a 404", async () => {
  const gita = await seedUser(sql, project.id, "gita@example.com");
  const stranger = await seedUser(sql, other.id, "stranger@example.com");
  await inviteDeveloper(t, "outsider@dev.example");
  const outsider = await signInDeveloper(t, "outsider@dev.example");
  const seen = await (await getAs(t, viewer, `${base}/users/${gita}`)).text();
  assert.ok(!seen.includes('/profile"'), "no profile form for a viewer");
  assert.ok(!seen.includes("<datalist"), "no zone list for a viewer");
  const mark = await changes.mark();
  assert.equal((await postAs(t, viewer, `${base}/users/${gita}/profile`, { name: "Viewer" })).status, 403);
  assert.equal((await postAs(t, owner, `${base}/users/${gita}/profile`, { name: "X" }, null)).status, 403);
  assert.equal((await postAs(t, owner, `${base}/users/${gita}/profile`, { name: "X" }, "wrong")).status, 403);
  // A user of the owner's other project, through this project's page: not found here.
  assert.equal((await postAs(t, owner, `${base}/users/${stranger}/profile`, { name: "Moved" })).status, 404);
  // A developer of no role in the project.
  assert.equal((await postAs(t, outsider, `${base}/users/${gita}/profile`, { name: "Out" })).status, 404);
  assert.deepEqual(await writtenSince(mark), []);
  assert.deepEqual([...await auditOf(gita), ...await auditOf(stranger)], []);
  assert.equal((await profileOf(gita)).name, null);
  assert.equal((await profileOf(stranger)).name, null);
});

Deno.test("user profile form — fields it does not show are ignored; another environment's user is 404; a cross-site Origin is 403", async () => {
  const nina = await seedUser(sql, project.id, "nina@example.com");
  const before = (await sql`select email, email_verified, disabled, password_hash, environment, phone_number
    from astapa.users where id = ${nina}`)[0];
  const res = await postAs(t, admin, `${base}/users/${nina}/profile`, {
    name: "Nina",
    email: "attacker@evil.example",
    email_verified: "true",
    disabled: "true",
    password_hash: "$argon2id$v=19$m=1,t=1,p=1$c2FsdA$aGFzaA",
    phone_number: "+6281234567890",
    environment: "production",
    project_id: other.id,
    id: "1",
  });
  assert.equal(res.status, 303, await res.text());
  const after = (await sql`select email, email_verified, disabled, password_hash, environment, phone_number
    from astapa.users where id = ${nina}`)[0];
  assert.deepEqual(after, before, "only the profile fields are written");
  assert.equal((await profileOf(nina)).name, "Nina");
  assert.doesNotMatch(JSON.stringify(await auditOf(nina)), /attacker|disabled|argon2|production|628/);

  const live = await seedUser(sql, project.id, "live.profile@example.com");
  await sql`update astapa.users set environment = 'production' where project_id = ${project.id}
    and id = ${live}::bigint`;
  const mark = await changes.mark();
  assert.equal((await postAs(t, admin, `${base}/users/${live}/profile`, { name: "Live" })).status, 404);
  const crossSite = await t.app.request(`${base}/users/${nina}/profile`, {
    method: "POST",
    headers: {
      accept: "text/html",
      cookie: admin.cookie,
      origin: "https://evil.example",
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams({ csrf: admin.csrf, name: "Forged" }),
  });
  assert.equal(crossSite.status, 403);
  assert.deepEqual(await writtenSince(mark), []);
  assert.equal((await profileOf(live)).name, null);
  assert.equal((await profileOf(nina)).name, "Nina");
});
