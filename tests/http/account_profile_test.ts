/**
 * /account's profile form through the real app: the fields saved and shown back, blank clearing one, and the
 * attacks — markup in a name shown as text (never a tag), javascript:/data:/http: pictures, a right-to-left
 * override and a zero-width space refused with the field's own message in English and Indonesian, a huge value
 * refused before SQL — each leaving the stored profile as it was.
 */
import assert from "node:assert/strict";
import { asApp } from "@/db/client.ts";
import { randomSecret, sha256 } from "@/lib/secrets.ts";
import { testApp } from "../helpers/app.ts";
import { seedProject, seedUser } from "../helpers/oauth.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const project = await seedProject(t.db.sql, { name: "Warung" });
const CSRF = randomSecret();
const accountQuery = `client_id=${project.clientId}`;

async function browser(email: string) {
  const user = await seedUser(t.db.sql, project.id, email, { verified: true });
  const token = randomSecret();
  await asApp(
    t.db.sql,
    project.id,
    async (tx) => tx`select api.start_login_session(${user}, ${await sha256(token)})`,
  );
  const cookie = `astapa_session_${project.id}=${token}; astapa_csrf=${CSRF}`;
  const get = (path: string) => t.app.request(path, { headers: { cookie } });
  const post = (fields: Record<string, string>, lang = "en") =>
    t.app.request(`/account?lang=${lang}`, {
      method: "POST",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ request: accountQuery, csrf: CSRF, action: "profile", ...fields }),
    });
  return { user, get, post };
}

const profileOf = async (user: string) =>
  (await t.db
    .sql`select name, given_name, family_name, picture, locale from astapa.users where id = ${user}`)[0];

Deno.test("account profile — saves every field, shows them back, blank clears; audited and a user.updated event", async () => {
  const b = await browser("profile@example.com");
  const saved = await b.post({
    name: "Dewi Sartika",
    given_name: "Dewi",
    family_name: "Sartika",
    locale: "id-ID",
    picture: "https://example.com/dewi.png",
  });
  assert.equal(saved.status, 303);
  assert.match(saved.headers.get("location")!, /done=profileSaved/);
  const html = await (await b.get(saved.headers.get("location")!)).text();
  for (const value of ["Dewi Sartika", "Sartika", "id-ID", "https://example.com/dewi.png"]) {
    assert.ok(html.includes(`value="${value}"`), value);
  }
  assert.match(html, /Your profile was saved/);
  await b.post({ name: "Dewi Sartika", given_name: "", family_name: "", locale: "", picture: "" });
  assert.deepEqual(await profileOf(b.user), {
    name: "Dewi Sartika",
    given_name: null,
    family_name: null,
    picture: null,
    locale: null,
  });
  const [audits] = await t.db.sql`select count(*)::int as n from astapa.audit_log
    where target = ${"user:" + b.user} and action = 'user.profile_updated' and details ->> 'by' = 'user'`;
  assert.equal(audits.n, 2);
  const [events] = await t.db.sql`select count(*)::int as n from astapa.events
    where type = 'user.updated' and data -> 'user' ->> 'id' = ${b.user}`;
  assert.equal(events.n, 2);
});

Deno.test("account profile — markup in a name is text on the page, never a tag", async () => {
  const b = await browser("xss@example.com");
  const name = `"><script>alert(1)</script><img src=x onerror=alert(1)>`;
  await b.post({ name });
  const html = await (await b.get(`/account?${accountQuery}`)).text();
  assert.ok(!html.includes("<script>alert(1)"));
  assert.ok(!html.includes("<img src=x"));
  // Inside the attribute's quotes: its quote and every < escaped (a > there opens nothing).
  assert.ok(html.includes(`value="&quot;>&lt;script>alert(1)&lt;/script>&lt;img src=x onerror=alert(1)>"`));
  assert.equal((await profileOf(b.user)).name, name);
});

Deno.test("account profile — refused values say which field (en and id) and change nothing", async () => {
  const b = await browser("refused@example.com");
  await b.post({ name: "Rina" });
  const cases: [Record<string, string>, RegExp, RegExp][] = [
    [{ picture: "javascript:alert(1)" }, /https:\/\/ address of at most 2048/, /alamat https:\/\//],
    [{ picture: "data:image/png;base64,AAAA" }, /https:\/\/ address/, /alamat https:\/\//],
    [{ picture: "http://example.com/a.png" }, /https:\/\/ address/, /alamat https:\/\//],
    [{ name: "Rina\u202Egnp.exe" }, /A name is at most 256/, /Nama paling banyak 256/],
    [{ given_name: "Ri\u200Bna" }, /A given name is at most 128/, /Nama depan paling banyak/],
    [{ family_name: "x".repeat(300) }, /A family name is at most 128/, /Nama belakang paling banyak/],
    [{ locale: "Bahasa Indonesia" }, /language tag such as id-ID/, /tag bahasa seperti id-ID/],
  ];
  for (const [fields, english, indonesian] of cases) {
    for (const [lang, words] of [["en", english], ["id", indonesian]] as const) {
      const res = await b.post({ name: "Changed", ...fields }, lang);
      assert.equal(res.status, 303);
      const page = await (await b.get(res.headers.get("location")!)).text();
      assert.match(page, words, JSON.stringify(fields));
    }
  }
  assert.equal((await profileOf(b.user)).name, "Rina");
  // Past the form's bounds: refused before any SQL, with a page rather than a crash.
  const huge = await b.post({ name: "x".repeat(100_000) });
  assert.equal(huge.status, 400);
  await huge.body?.cancel();
  assert.equal((await profileOf(b.user)).name, "Rina");
});

Deno.test("account profile — nickname, middle name, username, time zone and website: saved, shown; refused ones named (en and id)", async () => {
  const b = await browser("more@example.com");
  const saved = await b.post({
    nickname: "Wulan",
    middle_name: "Ayu",
    preferred_username: "wulan.ayu",
    zoneinfo: "asia/makassar",
    website: "https://wulan.example/",
  });
  assert.equal(saved.status, 303);
  assert.match(saved.headers.get("location")!, /done=profileSaved/);
  const html = await (await b.get(saved.headers.get("location")!)).text();
  for (const value of ["Wulan", "Ayu", "wulan.ayu", "Asia/Makassar", "https://wulan.example/"]) {
    assert.ok(html.includes(`value="${value}"`), value);
  }
  const [row] = await t.db.sql`select nickname, zoneinfo, website from astapa.users where id = ${b.user}`;
  assert.deepEqual({ ...row }, {
    nickname: "Wulan",
    zoneinfo: "Asia/Makassar",
    website: "https://wulan.example/",
  });

  const cases: [Record<string, string>, RegExp, RegExp][] = [
    [
      { website: "javascript:alert(1)" },
      /https:\/\/ or http:\/\/ address/,
      /alamat https:\/\/ atau http:\/\//,
    ],
    [
      { zoneinfo: "Jakarta Time" },
      /time zone name such as Asia\/Jakarta/,
      /nama zona waktu seperti Asia\/Jakarta/,
    ],
    [{ zoneinfo: "Asia/Atlantis" }, /time zone name such as Asia\/Jakarta/, /nama zona waktu seperti/],
    [{ nickname: "Wu\u202Elan" }, /A nickname is at most 128/, /Nama panggilan paling banyak/],
    [{ middle_name: "x".repeat(200) }, /A middle name is at most 128/, /Nama tengah paling banyak/],
    [{ preferred_username: "tab\there" }, /A username is at most 128/, /Nama pengguna paling banyak/],
  ];
  for (const [fields, english, indonesian] of cases) {
    for (const [lang, words] of [["en", english], ["id", indonesian]] as const) {
      const res = await b.post({ nickname: "Changed", ...fields }, lang);
      assert.equal(res.status, 303);
      const page = await (await b.get(res.headers.get("location")!)).text();
      assert.match(page, words, JSON.stringify(fields));
    }
  }
  assert.equal((await profileOf(b.user)).name, null);
  const [still] = await t.db.sql`select nickname from astapa.users where id = ${b.user}`;
  assert.equal(still.nickname, "Wulan", "all or nothing");
});

Deno.test("account profile — birthdate and gender are shown, with who keeps them, never taken from the form", async () => {
  const b = await browser("sensitive@example.com");
  await t.db.sql`update astapa.users set birthdate = '0000-03-08', gender = 'female' where id = ${b.user}`;
  const html = await (await b.get(`/account?${accountQuery}`)).text();
  assert.match(html, /Date of birth: 0000-03-08/);
  assert.match(html, /Gender: female/);
  assert.match(html, /Warung keeps these; ask Warung to change them/);
  const idHtml = await (await b.get(`/account?${accountQuery}&lang=id`)).text();
  assert.match(idHtml, /Tanggal lahir: 0000-03-08/);
  assert.doesNotMatch(html, /name="birthdate"|name="gender"/, "no input for them");
  // A hand-made form with them: the fields are not read (the form's schema drops them; SQL refuses them too).
  const res = await b.post({ nickname: "Sisi", birthdate: "1990-01-01", gender: "male" });
  assert.equal(res.status, 303);
  const [row] = await t.db.sql`select nickname, birthdate, gender from astapa.users where id = ${b.user}`;
  assert.deepEqual({ ...row }, { nickname: "Sisi", birthdate: "0000-03-08", gender: "female" });
});
