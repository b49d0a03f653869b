/**
 * The SDK and the profile against a served Astapa: users.create and users.update carry it (a bad value is a typed
 * 400), and userInfo gives the profile claims for an access token with the profile scope, none without.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { issueCode, seedProject } from "../helpers/oauth.ts";
import { AstapaError, createAstapa } from "@/sdk/mod.ts";

const t = await testApp({ listen: true });
Deno.test.afterAll(() => t.close());
const project = await seedProject(t.db.sql, { redirectUri: "http://localhost:3000/callback" });
const astapa = createAstapa({
  baseUrl: t.origin,
  clientId: project.clientId,
  clientSecret: project.secret,
  redirectUri: project.redirectUri,
});

Deno.test("sdk — users.create and users.update with a profile; a bad picture is a typed 400", async () => {
  const made = await astapa.users.create({
    email: "sdk-profile@users.example",
    name: "Sari",
    locale: "id-ID",
  });
  assert.deepEqual([made.name, made.locale, made.picture], ["Sari", "id-ID", null]);
  const changed = await astapa.users.update(made.sub, { family_name: "Wulandari", name: null });
  assert.deepEqual([changed.name, changed.family_name], [null, "Wulandari"]);
  await assert.rejects(
    astapa.users.update(made.sub, { picture: "javascript:alert(1)" }),
    (error: unknown) =>
      error instanceof AstapaError && error.status === 400 && error.code === "validation_failed",
  );
});

Deno.test("sdk — userInfo: the profile claims with the profile scope, none without", async () => {
  const made = await astapa.users.create({
    email: "sdk-info@users.example",
    name: "Budi",
    given_name: "Budi",
  });
  for (const [scope, expected] of [["openid profile", "Budi"], ["openid", undefined]] as const) {
    const code = await issueCode(t.db.sql, project, { userId: made.sub, scope });
    const tokens = await astapa.exchangeCode({ code, codeVerifier: "" });
    const info = await astapa.userInfo(tokens.accessToken);
    assert.equal(info.sub, made.sub);
    assert.equal(info.name, expected, scope);
    assert.equal(info.given_name, expected, scope);
  }
});

Deno.test("sdk — the rest of the profile: typed on create, update and userInfo", async () => {
  const made = await astapa.users.create({
    email: "sdk-more@users.example",
    nickname: "Tata",
    zoneinfo: "Asia/Makassar",
    birthdate: "0000-01-31",
  });
  assert.deepEqual([made.nickname, made.zoneinfo, made.birthdate, made.gender], [
    "Tata",
    "Asia/Makassar",
    "0000-01-31",
    null,
  ]);
  const changed = await astapa.users.update(made.sub, { website: "https://tata.example/", nickname: null });
  assert.deepEqual([changed.website, changed.nickname], ["https://tata.example/", null]);
  await assert.rejects(
    astapa.users.update(made.sub, { zoneinfo: "Nowhere/Special" }),
    (error: unknown) => error instanceof AstapaError && error.status === 400,
  );
  const code = await issueCode(t.db.sql, project, { userId: made.sub, scope: "openid profile" });
  const info = await astapa.userInfo((await astapa.exchangeCode({ code, codeVerifier: "" })).accessToken);
  assert.deepEqual([info.zoneinfo, info.birthdate, info.website], [
    "Asia/Makassar",
    "0000-01-31",
    "https://tata.example/",
  ]);
});
