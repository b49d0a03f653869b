/**
 * The dashboard's user page shows the profile (name, given and family name, locale, the picture's address as a
 * link, never an image), and markup in any of it is text, never a tag; search finds a user by their profile name.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { getAs, signInDeveloper } from "../helpers/dashboard.ts";
import { seedProject, seedUser } from "../helpers/identity.ts";
import { asApp } from "@/db/client.ts";
import { addMember } from "@/db/accounts.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

const owner = await signInDeveloper(t, "owner@dev.example");
const project = await seedProject(t.db.sql, { name: "Shop" });
await asApp(t.db.sql, project.id, (tx) => addMember(tx, project.id, owner.accountId, "owner"));
const base = `/dashboard/projects/${project.id}`;

Deno.test("users — a user's page shows the profile; the picture is a link, not an image", async () => {
  const sari = await seedUser(t.db.sql, project.id, "sari@example.com");
  await t.db
    .sql`update astapa.users set name = 'Sari Wulandari', given_name = 'Sari', family_name = 'Wulandari',
                 locale = 'id-ID', picture = 'https://example.com/sari.png' where id = ${sari}`;
  const html = await (await getAs(t, owner, `${base}/users/${sari}`)).text();
  assert.match(html, /<dt>Name<\/dt><dd>Sari Wulandari<\/dd>/);
  assert.match(html, /Sari · Wulandari/);
  assert.match(html, /<code>id-ID<\/code>/);
  assert.match(html, /<a href="https:\/\/example\.com\/sari\.png" rel="noopener noreferrer nofollow"/);
  assert.ok(!html.includes('<img src="https://example.com/sari.png"'));
  await seedUser(t.db.sql, project.id, "budi@example.com");
  const found = await (await getAs(t, owner, `${base}/users?q=sari%20w`)).text();
  assert.match(found, /sari@example\.com/);
  assert.ok(!found.includes("budi@example.com"));
});

Deno.test("users — markup in a profile is text on the dashboard", async () => {
  const mallory = await seedUser(t.db.sql, project.id, "mallory@example.com");
  await t.db
    .sql`update astapa.users set name = '<script>alert(1)</script>', given_name = '<img src=x onerror=alert(1)>'
                 where id = ${mallory}`;
  const html = await (await getAs(t, owner, `${base}/users/${mallory}`)).text();
  assert.ok(!html.includes("<script>alert(1)"));
  assert.ok(!html.includes("<img src=x"));
  assert.match(html, /&lt;script>alert\(1\)&lt;\/script>/);
});

Deno.test("users — the list names each person: the profile's name, else given and family name", async () => {
  const dewi = await seedUser(t.db.sql, project.id, "dewi@list.example");
  const eko = await seedUser(t.db.sql, project.id, "eko@list.example");
  await seedUser(t.db.sql, project.id, "nameless@list.example");
  await t.db.sql`update astapa.users set name = 'Dewi Lestari', given_name = 'Dewi' where id = ${dewi}`;
  await t.db.sql`update astapa.users set given_name = 'Eko', family_name = 'Prasetyo' where id = ${eko}`;
  const html = await (await getAs(t, owner, `${base}/users?q=%40list.example`)).text();
  assert.match(html, /<th scope="col">Name<\/th>/);
  const nameOf = (email: string) =>
    html.match(new RegExp(`${email.replaceAll(".", "\\.")}</a></td><td data-label="Name">([^<]*)</td>`))?.[1];
  assert.equal(nameOf("dewi@list.example"), "Dewi Lestari");
  assert.equal(nameOf("eko@list.example"), "Eko Prasetyo");
  assert.equal(nameOf("nameless@list.example"), "");
  const byName = await (await getAs(t, owner, `${base}/users?q=dewi%20les`)).text();
  assert.equal(
    byName.match(/data-label="Name">([^<]*)</)?.[1],
    "Dewi Lestari",
    "a name search lists the name",
  );
});

Deno.test("users — markup in a name is text in the list", async () => {
  const eve = await seedUser(t.db.sql, project.id, "eve@xss.example");
  const joe = await seedUser(t.db.sql, project.id, "joe@xss.example");
  await t.db.sql`update astapa.users set name = '<script>alert(1)</script>' where id = ${eve}`;
  await t.db.sql`update astapa.users set given_name = '<img src=x onerror=alert(1)>' where id = ${joe}`;
  const html = await (await getAs(t, owner, `${base}/users?q=%40xss.example`)).text();
  assert.ok(!html.includes("<script>alert(1)"));
  assert.ok(!html.includes("<img src=x"));
  assert.match(html, /data-label="Name">&lt;script>alert\(1\)&lt;\/script><\/td>/);
  assert.match(html, /data-label="Name">&lt;img src=x onerror=alert\(1\)><\/td>/);
});

Deno.test("users — the page shows the rest of the profile (set ones only); the website a link; markup text; search by family name", async () => {
  const rudi = await seedUser(t.db.sql, project.id, "rudi@example.com");
  await t.db
    .sql`update astapa.users set given_name = 'Rudi', middle_name = 'Hartono', family_name = 'Simanjuntak',
                 nickname = '<b>Ru</b>', preferred_username = 'rudi.h', zoneinfo = 'Asia/Jakarta',
                 birthdate = '0000-11-10', gender = 'male', website = 'http://rudi.example/'
                 where id = ${rudi}`;
  const html = await (await getAs(t, owner, `${base}/users/${rudi}`)).text();
  assert.match(html, /<dt>Given · middle · family name<\/dt><dd>Rudi · Hartono · Simanjuntak<\/dd>/);
  assert.match(html, /<dt>Nickname<\/dt><dd>&lt;b>Ru&lt;\/b><\/dd>/);
  for (
    const [label, value] of [["Username", "rudi.h"], ["Time zone", "Asia/Jakarta"], [
      "Birthdate",
      "0000-11-10",
    ]]
  ) {
    assert.match(html, new RegExp(`<dt>${label}</dt><dd>${value.replaceAll(".", "\\.")}</dd>`), label);
  }
  assert.match(
    html,
    /<a href="http:\/\/rudi\.example\/" rel="noopener noreferrer nofollow" target="_blank">/,
  );
  const plain = await seedUser(t.db.sql, project.id, "plain@example.com");
  const bare = await (await getAs(t, owner, `${base}/users/${plain}`)).text();
  assert.ok(
    !bare.includes("<dt>Nickname</dt>") && !bare.includes("<dt>Website</dt>"),
    "unset facts are left out",
  );
  const found = await (await getAs(t, owner, `${base}/users?q=simanj`)).text();
  assert.match(found, /rudi@example\.com/);
});
