/** Issue 17 #12: a sandbox user's refresh token is inactive once the project goes live (it can no longer refresh). */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { basic, issueCode, seedProject, seedUser } from "../helpers/oauth.ts";
import { credentials, postForm } from "../helpers/token_client.ts";
import { takeLive } from "../helpers/live_keys.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

Deno.test("introspect — a sandbox user's refresh token says active:false after going live, and refreshing fails", async () => {
  const project = await seedProject(t.db.sql);
  const userId = await seedUser(t.db.sql, project.id, "tester@example.com");
  const code = await issueCode(t.db.sql, project, { userId });
  const { body: tokens } = await postForm(t, "/api/platform/token", {
    grant_type: "authorization_code",
    code,
    redirect_uri: project.redirectUri,
    ...credentials(project),
  });
  const introspect = () =>
    postForm(t, "/api/platform/introspect", { token: tokens.refresh_token }, {
      authorization: basic(project.clientId, project.secret),
    });
  assert.equal((await introspect()).body.active, true, "while in sandbox");
  await takeLive(t.db.sql, project.id);
  assert.deepEqual((await introspect()).body, { active: false });
  const refreshed = await postForm(t, "/api/platform/token", {
    grant_type: "refresh_token",
    refresh_token: tokens.refresh_token,
    ...credentials(project),
  });
  assert.equal(refreshed.body.error, "invalid_grant");
});
