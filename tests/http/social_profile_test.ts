/**
 * A provider's profile at sign-up and first link, through the hosted login against the local fakes: Google's
 * profile claims and GitHub's name and avatar fill the empty fields of a new account or of one linked now, never
 * a field the person set, never again at a later sign-in; a name with a right-to-left override, a javascript:
 * picture or a huge value is dropped and the sign-in still succeeds. The access token stays as it was.
 */
import assert from "node:assert/strict";
import { appTokenClaims, followBack, socialTestApp, startSignIn } from "../helpers/social.ts";
import { seedProject, seedUser } from "../helpers/identity.ts";

const { google, github, t } = await socialTestApp();
const project = await seedProject(t.db.sql, { name: "Warung Kopi" });

async function signIn(provider: "google" | "github") {
  const started = await startSignIn(t, project, provider, "en", { state: "app-st" });
  return await appTokenClaims(t, await followBack(t, started), project);
}

const profileOf = async (sub: unknown) =>
  (await t.db
    .sql`select name, given_name, family_name, picture, locale, profile_updated_at is not null as dated
                  from astapa.users where id = ${String(sub)}`)[0];

Deno.test("social profile — Google's sign-up fills the profile; a later sign-in with other values changes nothing", async () => {
  google.approveAs = {
    sub: "g-profile-1",
    email: "ayu@gmail.test",
    email_verified: true,
    name: "Ayu Lestari",
    given_name: "Ayu",
    family_name: "Lestari",
    picture: "https://lh3.googleusercontent.com/a/ACg8ocAyu=s96-c",
    locale: "id",
  };
  const claims = await signIn("google");
  assert.deepEqual(await profileOf(claims.sub), {
    name: "Ayu Lestari",
    given_name: "Ayu",
    family_name: "Lestari",
    picture: "https://lh3.googleusercontent.com/a/ACg8ocAyu=s96-c",
    locale: "id",
    dated: true,
  });
  // The access token is the product page's: no profile claims in it.
  for (const claim of ["name", "given_name", "family_name", "picture", "locale", "updated_at"]) {
    assert.equal(claims[claim], undefined, claim);
  }
  google.approveAs = { ...google.approveAs, name: "Someone Else", picture: "https://example.com/other.png" };
  await signIn("google");
  assert.equal((await profileOf(claims.sub)).name, "Ayu Lestari");
  const [audit] = await t.db.sql`select details from astapa.audit_log
    where target = ${"user:" + claims.sub} and action = 'user.profile_updated'`;
  assert.deepEqual(audit.details.by, "provider");
  assert.deepEqual(audit.details.provider, "google");
});

Deno.test("social profile — a first link fills only the fields the person left empty", async () => {
  const user = await seedUser(t.db.sql, project.id, "budi@gmail.test", { verified: true });
  await t.db.sql`update astapa.users set name = 'Budi (chosen)' where id = ${user}`;
  google.approveAs = {
    sub: "g-profile-2",
    email: "budi@gmail.test",
    email_verified: true,
    name: "Budi Santoso",
    given_name: "Budi",
    locale: "en-GB",
  };
  const claims = await signIn("google");
  assert.equal(claims.sub, user);
  const after = await profileOf(user);
  assert.deepEqual([after.name, after.given_name, after.locale], ["Budi (chosen)", "Budi", "en-GB"]);
});

Deno.test("social profile — GitHub's display name and avatar; a null name leaves the name empty", async () => {
  github.approveAs = {
    id: 7001,
    login: "citra",
    emails: [{ email: "citra@github.test", primary: true, verified: true }],
    name: "Citra Dewi",
    avatar_url: "https://avatars.githubusercontent.com/u/7001?v=4",
  };
  const named = await profileOf((await signIn("github")).sub);
  assert.deepEqual([named.name, named.picture], [
    "Citra Dewi",
    "https://avatars.githubusercontent.com/u/7001?v=4",
  ]);
  github.approveAs = {
    id: 7002,
    login: "nameless",
    emails: [{ email: "nameless@github.test", primary: true, verified: true }],
    name: null,
  };
  const nameless = await profileOf((await signIn("github")).sub);
  assert.deepEqual([nameless.name, nameless.picture], [
    null,
    "https://avatars.githubusercontent.com/u/7002?v=4",
  ]);
});

Deno.test("social profile — GitHub's login is the preferred_username, its blog the website (a bare host as https)", async () => {
  github.approveAs = {
    id: 7003,
    login: "dewi-dev",
    emails: [{ email: "dewi@github.test", primary: true, verified: true }],
    name: "Dewi",
    blog: "dewi.example.id/notes",
  };
  const sub = (await signIn("github")).sub;
  const [row] = await t.db.sql`select preferred_username, website from astapa.users where id = ${
    String(sub)
  }`;
  assert.deepEqual({ ...row }, { preferred_username: "dewi-dev", website: "https://dewi.example.id/notes" });
  // A blog that is no web address (javascript:, a sentence) is dropped; the sign-in goes on.
  github.approveAs = {
    id: 7004,
    login: "eko",
    emails: [{ email: "eko@github.test", primary: true, verified: true }],
    blog: "javascript:alert(1)",
  };
  const eko = (await signIn("github")).sub;
  const [dropped] = await t.db.sql`select preferred_username, website from astapa.users where id = ${
    String(eko)
  }`;
  assert.deepEqual({ ...dropped }, { preferred_username: "eko", website: null });
});

Deno.test("social profile — hostile values are dropped, the sign-in goes on", async () => {
  google.approveAs = {
    sub: "g-profile-3",
    email: "mallory@gmail.test",
    email_verified: true,
    name: "Mallory\u202Egnp.exe",
    given_name: "x".repeat(10_000),
    family_name: "<script>alert(1)</script>",
    picture: "javascript:alert(document.cookie)",
    locale: "en_US",
  };
  const claims = await signIn("google");
  assert.deepEqual(await profileOf(claims.sub), {
    name: null,
    given_name: null,
    family_name: "<script>alert(1)</script>",
    picture: null,
    locale: "en-US",
    dated: true,
  });
});
