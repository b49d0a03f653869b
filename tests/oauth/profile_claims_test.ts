/**
 * The OIDC profile scope through the token endpoint and /userinfo (OIDC Core §5.1, §5.4): with `openid profile`
 * the ID token and userinfo carry name, given_name, family_name, picture, locale and updated_at (the ones the user
 * has), a refresh keeps them in step with the profile, and without `profile` neither does. The access token never
 * carries them (the product page's claims).
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { issueCode, seedProject, seedUser } from "../helpers/oauth.ts";
import { claimsOf, credentials, postForm, postJson } from "../helpers/token_client.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const project = await seedProject(t.db.sql);
const PROFILE = [
  "name",
  "given_name",
  "family_name",
  "picture",
  "locale",
  "nickname",
  "middle_name",
  "preferred_username",
  "website",
  "zoneinfo",
  "birthdate",
  "gender",
  "updated_at",
];

async function tokensFor(userId: string, scope: string) {
  const code = await issueCode(t.db.sql, project, { userId, scope, nonce: "n-1" });
  const { res, body } = await postJson(t, "/api/platform/token", {
    grant_type: "authorization_code",
    code,
    redirect_uri: project.redirectUri,
    ...credentials(project),
  });
  assert.equal(res.status, 200, JSON.stringify(body));
  return body as { access_token: string; id_token: string; refresh_token: string; scope?: string };
}

async function userinfo(accessToken: string) {
  const res = await t.app.request("/api/platform/userinfo", {
    headers: { authorization: `Bearer ${accessToken}` },
  });
  assert.equal(res.status, 200);
  return await res.json() as Record<string, unknown>;
}

const pick = (claims: Record<string, unknown>) =>
  Object.fromEntries(PROFILE.filter((k) => claims[k] !== undefined).map((k) => [k, claims[k]]));

Deno.test("profile scope — the ID token and userinfo carry the profile claims the user has; the access token none", async () => {
  const user = await seedUser(t.db.sql, project.id, "ayu@example.com", { verified: true });
  await t.db.sql`update astapa.users set name = 'Ayu Lestari', given_name = 'Ayu', locale = 'id-ID',
                 picture = 'https://example.com/ayu.png', profile_updated_at = to_timestamp(1780000000)
                 where id = ${user}`;
  const expected = {
    name: "Ayu Lestari",
    given_name: "Ayu",
    picture: "https://example.com/ayu.png",
    locale: "id-ID",
    updated_at: 1780000000,
  };
  const tokens = await tokensFor(user, "openid profile email");
  const idToken = claimsOf(tokens.id_token);
  assert.deepEqual(pick(idToken), expected);
  assert.equal(idToken.family_name, undefined, "a claim the user lacks is left out, not null");
  assert.deepEqual(pick(claimsOf(tokens.access_token)), {}, "the access token is unchanged");
  assert.deepEqual(pick(await userinfo(tokens.access_token)), expected);

  // A refresh reads the profile afresh.
  await t.db.sql`update astapa.users set name = 'Ayu L.' where id = ${user}`;
  const refreshed = await postForm(t, "/api/platform/token", {
    grant_type: "refresh_token",
    refresh_token: tokens.refresh_token,
    ...credentials(project),
  });
  assert.equal(refreshed.res.status, 200);
  assert.equal(claimsOf(refreshed.body.id_token).name, "Ayu L.");
});

Deno.test("profile scope — nickname, middle_name, preferred_username, website, zoneinfo, birthdate and gender too", async () => {
  const user = await seedUser(t.db.sql, project.id, "citra@example.com", { verified: true });
  await t.db.sql`update astapa.users set nickname = 'Cici', middle_name = 'Ayu', preferred_username = 'citra',
                 website = 'https://citra.example/', zoneinfo = 'Asia/Jayapura', birthdate = '0000-12-25',
                 gender = 'female', profile_updated_at = to_timestamp(1780000000)
                 where id = ${user}`;
  const expected = {
    nickname: "Cici",
    middle_name: "Ayu",
    preferred_username: "citra",
    website: "https://citra.example/",
    zoneinfo: "Asia/Jayapura",
    birthdate: "0000-12-25",
    gender: "female",
    updated_at: 1780000000,
  };
  const tokens = await tokensFor(user, "openid profile");
  assert.deepEqual(pick(claimsOf(tokens.id_token)), expected);
  assert.deepEqual(pick(claimsOf(tokens.access_token)), {}, "never in the access token");
  assert.deepEqual(pick(await userinfo(tokens.access_token)), expected);
  const without = await tokensFor(user, "openid email");
  assert.deepEqual(pick(claimsOf(without.id_token)), {});
  assert.deepEqual(pick(await userinfo(without.access_token)), {});
});

Deno.test("profile scope — without it neither the ID token nor userinfo says a word of the profile", async () => {
  const user = await seedUser(t.db.sql, project.id, "budi@example.com", { verified: true });
  await t.db.sql`update astapa.users set name = 'Budi', profile_updated_at = now() where id = ${user}`;
  const tokens = await tokensFor(user, "openid email");
  assert.deepEqual(pick(claimsOf(tokens.id_token)), {});
  const info = await userinfo(tokens.access_token);
  assert.deepEqual(pick(info), {});
  assert.equal(info.email, "budi@example.com");
});

Deno.test("profile scope — the discovery document lists the profile claims", async () => {
  const res = await t.app.request("/.well-known/openid-configuration");
  const { claims_supported, scopes_supported } = await res.json();
  for (const claim of PROFILE) assert.ok(claims_supported.includes(claim), claim);
  assert.ok(scopes_supported.includes("profile"));
});
