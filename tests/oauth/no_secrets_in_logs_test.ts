/** Nothing secret reaches the logs: client secrets, codes, verifiers, refresh and access tokens. */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { basic, issueCode, pkcePair, seedProject, seedUser } from "../helpers/oauth.ts";
import { credentials, postForm, postJson } from "../helpers/token_client.ts";
import { sessionCookie, submitForm } from "../helpers/login.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

Deno.test("logs — a full token lifecycle, failures included, writes no secret", async () => {
  const project = await seedProject(t.db.sql);
  const userId = await seedUser(t.db.sql, project.id);
  const { verifier, challenge } = await pkcePair();
  const code = await issueCode(t.db.sql, project, { userId, codeChallenge: challenge });
  const secrets = [project.secret, code, verifier];

  const issued = await postJson(t, "/api/platform/token", {
    grant_type: "authorization_code",
    code,
    code_verifier: verifier,
    redirect_uri: project.redirectUri,
    ...credentials(project),
  });
  secrets.push(issued.body.access_token, issued.body.refresh_token);
  await postJson(t, "/api/platform/token", { grant_type: "authorization_code", code, redirect_uri: "x" });
  const refreshed = await postForm(t, "/api/platform/token?refresh_token=in-query", {
    grant_type: "refresh_token",
    refresh_token: issued.body.refresh_token,
  }, { authorization: basic(project.clientId, project.secret) });
  secrets.push(refreshed.body.refresh_token, refreshed.body.access_token);
  await postForm(t, "/api/platform/introspect", {
    token: refreshed.body.access_token,
    ...credentials(project),
  });
  await postForm(t, "/api/platform/token", {
    grant_type: "client_credentials",
    client_id: project.clientId,
    client_secret: `${project.secret}x`,
  });
  await t.app.request("/api/platform/userinfo", {
    headers: { authorization: `Bearer ${refreshed.body.access_token}` },
  });
  await postForm(t, "/api/platform/revoke", { token: refreshed.body.refresh_token, ...credentials(project) });

  const written = JSON.stringify(t.logs);
  assert.equal(t.logs.filter((line) => line.msg === "request").length, 7, "every request was logged");
  for (const secret of secrets) {
    assert.equal(typeof secret, "string");
    assert.ok(!written.includes(secret), `a secret (${secret.slice(0, 6)}…) appears in the logs`);
  }
  assert.ok(!written.includes("in-query"), "query strings are not logged");
});

Deno.test("logs — the hosted login (password, session cookie, CSRF token, codes, mailed links) writes no secret", async () => {
  const project = await seedProject(t.db.sql, { redirectUri: "https://logs.example/cb" });
  const password = "correct horse battery staple";
  const signedUp = await submitForm(t, project, "/auth/signup", { email: "quiet@example.com", password });
  const secrets = [password, project.secret];
  const session = sessionCookie(signedUp, project.id)!;
  secrets.push(session.split("=")[1], new URL(signedUp.headers.get("location")!).searchParams.get("code")!);
  await submitForm(t, project, "/auth/login", {
    email: "quiet@example.com",
    password: "wrong but secret too",
  });
  secrets.push("wrong but secret too");
  await submitForm(t, project, "/auth/forgot", { email: "quiet@example.com" });
  const mails = await t.db
    .sql`select body_text from astapa.mail_outbox where to_address = 'quiet@example.com'`;
  for (const mail of mails) {
    const token = /[?&]t=([A-Za-z0-9_-]+)/.exec(mail.body_text)?.[1];
    if (token) secrets.push(token);
  }
  assert.ok(secrets.length >= 6, "the verification and reset tokens were found");
  const written = JSON.stringify(t.logs);
  for (const secret of secrets) {
    assert.ok(!written.includes(secret), `a secret (${secret.slice(0, 4)}…) appears in the logs`);
  }
});
