/**
 * The SDK's guests against a served Astapa: anonymousUserSettings (defaults, update, a typed 400), signInAnonymously
 * alone (no secret, as a browser calls it) and as a client method, a guest the SDK verifies (is_anonymous),
 * refreshes and lists with users.list({ isAnonymous }); off is a typed 403; loginUrl's guestIdToken.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { seedProject } from "../helpers/identity.ts";
import { AstapaError, createAstapa, signInAnonymously } from "@/sdk/mod.ts";

const t = await testApp({ listen: true });
Deno.test.afterAll(() => t.close());
const project = await seedProject(t.db.sql, { redirectUri: "http://localhost:3000/callback" });
const astapa = createAstapa({
  baseUrl: t.origin,
  clientId: project.clientId,
  clientSecret: project.secret,
  projectId: project.id,
});

Deno.test("sdk — anonymousUserSettings and signInAnonymously: off is a typed 403; on, a guest verified, refreshed and listed", async () => {
  await assert.rejects(
    signInAnonymously({ baseUrl: t.origin, clientId: project.clientId }),
    (error: unknown) =>
      error instanceof AstapaError && error.status === 403 && error.code === "anonymous_sign_ins_disabled",
  );
  assert.deepEqual(await astapa.anonymousUserSettings.get(), {
    enabled: false,
    sweep_after_days: 30,
    hourly_limit: 1000,
  });
  await assert.rejects(
    astapa.anonymousUserSettings.update({ sweep_after_days: 0 }),
    (error: unknown) =>
      error instanceof AstapaError && error.status === 400 && /1 to 365/.test(error.message),
  );
  const on = await astapa.anonymousUserSettings.update({ enabled: true, sweep_after_days: 14 });
  assert.deepEqual(on, { enabled: true, sweep_after_days: 14, hourly_limit: 1000 });

  const tokens = await signInAnonymously({ baseUrl: t.origin, clientId: project.clientId });
  assert.ok(tokens.idToken, "openid by default: an ID token for the later sign-up");
  const claims = await astapa.verify(tokens.accessToken);
  assert.equal(claims.is_anonymous, true);
  assert.equal(claims.email, undefined);
  const refreshed = await astapa.refresh(tokens.refreshToken);
  assert.equal((await astapa.verify(refreshed.accessToken)).sub, claims.sub);
  const second = await astapa.signInAnonymously();
  const guests = await astapa.users.list({ isAnonymous: true });
  assert.deepEqual(
    guests.users.map((u) => [u.sub, u.is_anonymous]).sort(),
    [[claims.sub, true], [(await astapa.verify(second.accessToken)).sub, true]].sort(),
  );
  assert.deepEqual((await astapa.users.list({ isAnonymous: false })).users, []);
});

Deno.test("sdk — loginUrl({ guestIdToken }): the sign-up (prompt=create) naming the guest by id_token_hint", async () => {
  const login = await astapa.loginUrl({
    redirectUri: project.redirectUri,
    scope: "openid",
    guestIdToken: "eyJ.guest",
  });
  const url = new URL(login.url);
  assert.equal(url.searchParams.get("prompt"), "create");
  assert.equal(url.searchParams.get("id_token_hint"), "eyJ.guest");
  assert.equal(url.searchParams.get("code_challenge_method"), "S256");
  const plain = new URL((await astapa.loginUrl({ redirectUri: project.redirectUri })).url);
  assert.equal(plain.searchParams.get("prompt"), null);
  assert.equal(plain.searchParams.get("id_token_hint"), null);
});
