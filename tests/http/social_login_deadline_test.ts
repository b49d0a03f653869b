/**
 * Google and GitHub that accept a sign-in's request and never answer, with SOCIAL_LOGIN_TIMEOUT_MS at 300 ms
 * set the way the server reads it: the unmodified oauth4webapi gives up and the person reads the sign-in error
 * page (in their language, naming the provider) with 504 Gateway Timeout — not a 400 (the person did nothing
 * wrong), not a 500 or a request that never ends.
 */
import assert from "node:assert/strict";
import { seedProject } from "../helpers/identity.ts";
import type { FakeServer } from "../fakes/serve.ts";
import { followBack, OUTAGE_SAYS, socialTestApp, startSignIn } from "../helpers/social.ts";

const { google, github, t } = await socialTestApp({
  SOCIAL_LOGIN_TIMEOUT_MS: "300",
});

const project = await seedProject(t.db.sql, { name: "Warung Kopi" });

/** "Continue with …" through the provider's authorize endpoint, then its redirect back to the callback. */
async function signIn(provider: string, lang: "en" | "id"): Promise<Response> {
  return await followBack(t, await startSignIn(t, project, provider, lang));
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
