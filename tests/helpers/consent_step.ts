/**
 * The consent step's page (/auth/signup/continue) as the tests of each way a first sign-in is held read it: the
 * expired page, and the app redeeming the code the step sent it.
 */
import assert from "node:assert/strict";
import type { TestApp } from "./app.ts";
import type { SeededProject } from "./identity.ts";
import { claimsOf, postForm } from "./token_client.ts";

/** The step for a token that finds nothing: 400, saying so in the page's language. */
export async function assertStepExpired(res: Response, lang: "en" | "id" = "en") {
  const html = await res.text();
  assert.equal(res.status, 400, html.slice(0, 400));
  assert.ok(
    html.includes(
      lang === "en"
        ? "This step expired or was already used. Sign in again to create your account."
        : "Langkah ini sudah kedaluwarsa atau sudah dipakai. Masuk lagi untuk membuat akun Anda.",
    ),
    html.slice(0, 800),
  );
}

/** The app redeems the code it got at `location` (its redirect URI, with `state`): the access token's claims. */
export async function redeemedAtApp(t: TestApp, project: SeededProject, location: string, state: string) {
  const to = new URL(location);
  assert.equal(to.origin + to.pathname, project.redirectUri, location);
  assert.equal(to.searchParams.get("state"), state);
  const { res, body } = await postForm(t, "/api/platform/token", {
    grant_type: "authorization_code",
    code: to.searchParams.get("code")!,
    redirect_uri: project.redirectUri,
    client_id: project.clientId,
    client_secret: project.secret,
  });
  assert.equal(res.status, 200, JSON.stringify(body));
  return claimsOf(body.access_token);
}
