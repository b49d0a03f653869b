/**
 * The largest claims a project may grant still make tokens Astapa itself accepts: a plan's and a user's custom
 * claims (4 KiB of JSON each) and feature flags (50 each, 64 characters) issue an access token longer than 8 KiB,
 * and /userinfo and introspection must take it back (token exchange reads it with the same verifier).
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { issueCode, seedProject, seedUser } from "../helpers/oauth.ts";
import { claimsOf, credentials, postForm, postJson } from "../helpers/token_client.ts";
import { asApp } from "@/db/client.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

/** Just under 4 KiB of JSON: 36 keys of 90-character values. */
const bulky = (prefix: string) =>
  Object.fromEntries(Array.from({ length: 36 }, (_, i) => [`${prefix}_${i}`, "x".repeat(90)]));
const flags = (prefix: string) =>
  Array.from({ length: 50 }, (_, i) => `${prefix}_${String(i).padStart(2, "0")}_${"f".repeat(55)}`);

Deno.test("large claims — an access token past 8 KiB of the largest allowed claims is accepted by userinfo and introspection", async () => {
  const project = await seedProject(t.db.sql);
  const userId = await seedUser(t.db.sql, project.id);
  await asApp(t.db.sql, project.id, async (tx) => {
    await tx`select api.create_plan(${project.id}, ${
      tx.json({ key: "big", name: "Big", claims: { ...bulky("plan"), feature_flags: flags("p") } })
    })`;
    await tx`select api.set_user_claims(${project.id}, ${userId},
       ${tx.json({ plan: "big", feature_flags: flags("u"), extra: bulky("own") })})`;
  });
  const code = await issueCode(t.db.sql, project, { userId, scope: "openid" });
  const { res, body } = await postJson(t, "/api/platform/token", {
    grant_type: "authorization_code",
    code,
    redirect_uri: project.redirectUri,
    ...credentials(project),
  });
  assert.equal(res.status, 200, JSON.stringify(body));
  const token = body.access_token as string;
  assert.ok(token.length > 8192, `the largest claims make a long token (${token.length})`);
  assert.equal((claimsOf(token).custom_claims as Record<string, unknown>).plan_0, "x".repeat(90));
  const info = await t.app.request("/api/platform/userinfo", {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(info.status, 200, await info.clone().text());
  assert.equal((await info.json()).sub, userId);
  const introspected = await postForm(t, "/api/platform/introspect", { token, ...credentials(project) });
  assert.equal(introspected.res.status, 200);
  assert.equal(introspected.body.active, true);
});
