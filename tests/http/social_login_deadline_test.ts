/**
 * Google and GitHub that accept a sign-in's request and never answer, with SOCIAL_LOGIN_TIMEOUT_MS at 300 ms
 * set the way the server reads it: the unmodified oauth4webapi gives up and the person reads the sign-in error
 * page (in their language, naming the provider) with 504 Gateway Timeout — not a 400 (the person did nothing
 * wrong), not a 500 or a request that never ends.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { seedProject } from "../helpers/identity.ts";
import { startFakeGoogle } from "../fakes/google.ts";
import { startFakeGitHub } from "../fakes/github.ts";
import type { FakeServer } from "../fakes/serve.ts";
import { OUTAGE_SAYS } from "../helpers/social.ts";

const google = await startFakeGoogle();
const github = startFakeGitHub();
const t = await testApp({
  env: {
    GOOGLE_CLIENT_ID: google.clientId,
    GOOGLE_CLIENT_SECRET: google.clientSecret,
    GOOGLE_ISSUER: google.issuer,
    GITHUB_CLIENT_ID: github.clientId,
    GITHUB_CLIENT_SECRET: github.clientSecret,
    GITHUB_BASE_URL: github.origin,
    GITHUB_API_URL: github.origin,
    SOCIAL_LOGIN_TIMEOUT_MS: "300",
  },
});
Deno.test.afterAll(async () => {
  await t.close();
  await google.close();
  await github.close();
});

const project = await seedProject(t.db.sql, { name: "Warung Kopi" });
const html = { accept: "text/html" };

/** "Continue with …" through the provider's authorize endpoint, then its redirect back to the callback. */
async function signIn(provider: string, lang: "en" | "id"): Promise<Response> {
  const query = new URLSearchParams({
    client_id: project.clientId,
    redirect_uri: project.redirectUri,
    lang,
  });
  const start = await t.app.request(`/auth/social/${provider}?${query}`, { headers: html });
  assert.equal(start.status, 303, await start.text());
  const cookie = start.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  const upstream = await fetch(start.headers.get("location")!, { redirect: "manual" });
  await upstream.body?.cancel();
  const back = new URL(upstream.headers.get("location")!);
  return await t.app.request(back.pathname + back.search, { headers: { ...html, cookie } });
}

/** Signs in while `fake` leaves `path` unanswered. */
async function whileHanging(fake: FakeServer, path: string, work: () => Promise<Response>) {
  fake.hangPaths.add(path);
  try {
    return await work();
  } finally {
    fake.hangPaths.delete(path);
  }
}

Deno.test("social deadline — Google's token endpoint never answers: a 504 sign-in error page, en and id", async () => {
  for (const lang of ["en", "id"] as const) {
    const message = OUTAGE_SAYS[lang]("Google");
    const res = await whileHanging(google, "/token", () => signIn("google", lang));
    assert.equal(
      res.status,
      504,
      "the provider kept Astapa waiting: a gateway timeout, not the person's fault",
    );
    const page = await res.text();
    assert.match(page, /role="alert"/);
    assert.ok(page.includes(message), page);
  }
  const stopped = t.logs.filter((line) => line.msg === "social_sign_in_stopped");
  assert.equal(stopped.at(-1)?.reason, "socialTimeout");
  assert.equal(stopped.at(-1)?.endpoint, "token");
  assert.equal(stopped.at(-1)?.level, "warn");
});

Deno.test("social deadline — GitHub's API never answers /user: a 504 sign-in error page", async () => {
  const res = await whileHanging(github, "/user", () => signIn("github", "id"));
  assert.equal(res.status, 504);
  assert.ok((await res.text()).includes(OUTAGE_SAYS.id("GitHub")));
});

Deno.test("social deadline — Google's JWKS never answers (the ID token's keys): a 504 page, en and id", async () => {
  for (const lang of ["en", "id"] as const) {
    const message = OUTAGE_SAYS[lang]("Google");
    const res = await whileHanging(google, "/oauth2/v3/certs", () => signIn("google", lang));
    assert.equal(res.status, 504, "an upstream deadline, not the person's bad request");
    assert.ok((await res.text()).includes(message));
  }
});
