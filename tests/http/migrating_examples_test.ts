/**
 * docs/migrating.md's sample files (examples/import/) import as they are, and every sample user signs in on
 * the hosted login with the password the page names — the recipes' output is what the import reads.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { basic, seedProject } from "../helpers/oauth.ts";
import { submitForm } from "../helpers/login.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

const examples = new URL("../../examples/import/", import.meta.url);
const read = (name: string) => Deno.readTextFile(new URL(name, examples));
const PASSWORD = "correct horse battery staple";
const storedHash = async (projectId: string, email: string) =>
  String(
    (await t.db.sql`select password_hash from astapa.users
                         where project_id = ${projectId} and email = ${email}`)[0]?.password_hash,
  );

async function importFile(project: { clientId: string; secret: string }, body: string, type: string) {
  const res = await t.app.request("/api/platform/users/import", {
    method: "POST",
    headers: { authorization: basic(project.clientId, project.secret), "content-type": type },
    body,
  });
  assert.equal(res.status, 200);
  return await res.json();
}

Deno.test("migrating — each recipe's sample imports whole and its users sign in with their passwords", async () => {
  const project = await seedProject(t.db.sql);
  const signIns: [string, string][] = [];
  for (const name of ["auth0.ndjson", "supabase.ndjson", "clerk.ndjson", "django.ndjson"]) {
    const text = await read(name);
    const result = await importFile(project, text, "application/x-ndjson");
    const rows = text.trim().split("\n").map((line) => JSON.parse(line));
    assert.deepEqual(result.refused, [], name);
    assert.equal(result.created, rows.length, name);
    for (const row of rows) if (row.password_hash) signIns.push([row.email, PASSWORD]);
  }
  const firebase = JSON.parse(await read("firebase-users.json"));
  const { hash_config } = JSON.parse(await read("firebase-hash-config.json"));
  const result = await importFile(
    project,
    JSON.stringify({ hash_config, users: firebase.users }),
    "application/json",
  );
  assert.deepEqual([result.created, result.refused], [1, []]);
  signIns.push(["user1@example.com", "user1password"]);
  // Auth0's nickname and username, Clerk's username and the preferred_username Supabase keeps from GitHub.
  const handles = await t.db.sql`select email, nickname, preferred_username from astapa.users
    where project_id = ${project.id} and (nickname is not null or preferred_username is not null) order by email`;
  assert.deepEqual(handles.map((p) => ({ ...p })), [
    { email: "ayu@example.com", nickname: null, preferred_username: "ayulestari" },
    { email: "budi@example.com", nickname: "budi", preferred_username: null },
    { email: "rina@example.com", nickname: null, preferred_username: "rina_w" },
    { email: "siti@example.com", nickname: "siti", preferred_username: "siti.rahma" },
  ]);
  // Each recipe keeps the names and pictures its export has (the profile, docs/identity.md).
  const profiles = await t.db
    .sql`select email, name, given_name, family_name, picture, locale from astapa.users
    where project_id = ${project.id} and email in ('budi@example.com', 'ayu@example.com', 'rina@example.com',
                                                   'user1@example.com') order by email`;
  assert.deepEqual(profiles.map((p) => ({ ...p })), [
    {
      email: "ayu@example.com",
      name: "Ayu Lestari",
      given_name: null,
      family_name: null,
      picture: "https://avatars.githubusercontent.com/u/1234?v=4",
      locale: null,
    },
    {
      email: "budi@example.com",
      name: "Budi Santoso",
      given_name: "Budi",
      family_name: "Santoso",
      picture: "https://lh3.googleusercontent.com/a/ACg8ocBudi=s96-c",
      locale: "id",
    },
    {
      email: "rina@example.com",
      name: "Rina Wijaya",
      given_name: "Rina",
      family_name: "Wijaya",
      picture: "https://img.clerk.com/eyJ0eXBlIjoicHJveHkifQ",
      locale: null,
    },
    {
      email: "user1@example.com",
      name: "User One",
      given_name: null,
      family_name: null,
      picture: "https://lh3.googleusercontent.com/a/ACg8ocUserOne=s96-c",
      locale: null,
    },
  ]);
  assert.equal(signIns.length, 8);
  for (const [email, password] of signIns) {
    const before = await storedHash(project.id, email);
    assert.doesNotMatch(before, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/, `${email}: the imported hash first`);
    const res = await submitForm(t, project, "/auth/login", { email, password }, { response_type: "code" });
    assert.equal(res.status, 303, email);
    assert.match(
      await storedHash(project.id, email),
      /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/,
      `${email}: then argon2id`,
    );
  }
  const [budi] = await t.db.sql`select i.provider, i.subject from astapa.identities i
                                join astapa.users u on u.project_id = i.project_id and u.id = i.user_id
                                where u.project_id = ${project.id} and u.email = 'budi@example.com'`;
  assert.deepEqual({ ...budi }, { provider: "google", subject: "108234567890123456789" });
});
