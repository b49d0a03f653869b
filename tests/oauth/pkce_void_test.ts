/** Issue 17 #12: a failed PKCE check voids the code, so a later correct verifier gets nothing either. */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { issueCode, pkcePair, seedProject, seedUser } from "../helpers/oauth.ts";
import { credentials, postForm } from "../helpers/token_client.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const project = await seedProject(t.db.sql);

Deno.test("PKCE — a wrong code_verifier voids the code: the right one afterwards is invalid_grant too", async () => {
  const userId = await seedUser(t.db.sql, project.id, "pkce@example.com");
  const { verifier, challenge } = await pkcePair();
  const code = await issueCode(t.db.sql, project, { userId, codeChallenge: challenge });
  const redeem = (codeVerifier: string) =>
    postForm(t, "/api/platform/token", {
      grant_type: "authorization_code",
      code,
      redirect_uri: project.redirectUri,
      code_verifier: codeVerifier,
      ...credentials(project),
    });
  const guess = await redeem((await pkcePair()).verifier);
  assert.equal(guess.res.status, 400);
  assert.equal(guess.body.error, "invalid_grant");
  assert.match(guess.body.error_description, /void/);
  const late = await redeem(verifier);
  assert.equal(late.res.status, 400);
  assert.equal(late.body.error, "invalid_grant");
  assert.equal(late.body.access_token, undefined);
  assert.match(late.body.error_description, /void/);
});

Deno.test("PKCE — a missing verifier for a code with a challenge voids it as well", async () => {
  const userId = await seedUser(t.db.sql, project.id, "pkce2@example.com");
  const { verifier, challenge } = await pkcePair();
  const code = await issueCode(t.db.sql, project, { userId, codeChallenge: challenge });
  const body = {
    grant_type: "authorization_code",
    code,
    redirect_uri: project.redirectUri,
    ...credentials(project),
  };
  assert.equal((await postForm(t, "/api/platform/token", body)).body.error, "invalid_grant");
  const late = await postForm(t, "/api/platform/token", { ...body, code_verifier: verifier });
  assert.equal(late.body.error, "invalid_grant");
  assert.equal(late.body.access_token, undefined);
});
