/** A Google/GitHub sign-in driven against the local fakes, and what it may have written, for the social tests. */
import assert from "node:assert/strict";
import type { Sql } from "@/db/client.ts";
import { type TestApp, testApp } from "./app.ts";
import type { SeededProject } from "./identity.ts";
import { claimsOf, credentials, postForm } from "./token_client.ts";
import { startFakeGoogle } from "../fakes/google.ts";
import { startFakeGitHub } from "../fakes/github.ts";

const html = { accept: "text/html" };

/**
 * A fake Google and GitHub, and the app with the deployment's credentials and addresses pointing at them (plus
 * `env`); all three closed after the file's tests.
 */
export async function socialTestApp(env: Record<string, string> = {}) {
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
      ...env,
    },
  });
  Deno.test.afterAll(async () => {
    await t.close();
    await google.close();
    await github.close();
  });
  return { google, github, t };
}

export type StartedSignIn = { cookie: string; back: URL };

/** "Continue with …": Astapa's start route, then the fake provider's authorize endpoint and its redirect back. */
export async function startSignIn(
  t: TestApp,
  project: SeededProject,
  provider: string,
  lang: "en" | "id",
  extra: Record<string, string> = {},
): Promise<StartedSignIn> {
  const query = new URLSearchParams({
    client_id: project.clientId,
    redirect_uri: project.redirectUri,
    lang,
    ...extra,
  });
  const res = await t.app.request(`/auth/social/${provider}?${query}`, { headers: html });
  assert.equal(res.status, 303, await res.text());
  const cookie = res.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  const upstream = await fetch(res.headers.get("location")!, { redirect: "manual" });
  await upstream.body?.cancel();
  return { cookie, back: new URL(upstream.headers.get("location")!) };
}

/** The provider's redirect back, as the browser that started the flow follows it. */
export async function followBack(t: TestApp, started: StartedSignIn, url = started.back): Promise<Response> {
  return await t.app.request(url.pathname + url.search, { headers: { ...html, cookie: started.cookie } });
}

/** Everything a sign-in could have created or changed for the project. */
export async function projectRows(sql: Sql, projectId: string): Promise<Record<string, number>> {
  const [row] = await sql`select
      (select count(*)::int from astapa.users where project_id = ${projectId}) as users,
      (select count(*)::int from astapa.identities where project_id = ${projectId}) as identities,
      (select count(*)::int from astapa.login_sessions where project_id = ${projectId}) as sessions,
      (select count(*)::int from astapa.audit_log where project_id = ${projectId}) as audit`;
  return { ...row };
}

/** The page's words for a provider that is down, slow or unreachable, as a person reads them. */
export const OUTAGE_SAYS = {
  en: (name: string) => `${name} is not answering right now. Try again in a moment or sign in another way.`,
  id: (name: string) =>
    `${name} sedang tidak merespons. Coba lagi sebentar lagi atau masuk dengan cara lain.`,
} as const;

/** The page's words for a refusal (invalid_grant, a failed ID-token check). */
export const FAILED_SAYS = {
  en: "The provider could not confirm who you are. Please try again.",
  id: "Penyedia tidak dapat memastikan identitas Anda. Silakan coba lagi.",
} as const;

/**
 * The app's side of a finished sign-in: `res` must send the browser to the app's redirect URI with a code and the
 * app's state ("app-st"); the code is redeemed and the access token's claims returned.
 */
export async function appTokenClaims(t: TestApp, res: Response, project: SeededProject) {
  assert.equal(res.status, 303, await res.clone().text());
  const location = new URL(res.headers.get("location")!);
  assert.equal(location.origin + location.pathname, project.redirectUri);
  assert.equal(location.searchParams.get("state"), "app-st");
  const tokens = await postForm(t, "/api/platform/token", {
    grant_type: "authorization_code",
    code: location.searchParams.get("code")!,
    redirect_uri: project.redirectUri,
    ...credentials(project),
  });
  assert.equal(tokens.res.status, 200, JSON.stringify(tokens.body));
  return claimsOf(tokens.body.access_token);
}
