/** A Sign in with Apple driven against the local Apple (tests/fakes/apple.ts): its form_post, posted back. */
import assert from "node:assert/strict";
import type { TestApp } from "./app.ts";
import type { SeededProject } from "./identity.ts";
import type { FakeApple } from "../fakes/apple.ts";

const html = { accept: "text/html" };

export type StartedApple = {
  /** The flow cookie as the browser keeps it, and its Set-Cookie line (for its attributes). */
  cookie: string;
  setCookie: string;
  /** Where Apple's page posts, and the fields it posts. */
  action: URL;
  fields: URLSearchParams;
};

const unescape = (text: string) => text.replace(/&#(\d+);/g, (_, code) => String.fromCharCode(Number(code)));

/** The environment that points the app's deployment Apple at the fake. */
export function appleEnv(apple: FakeApple): Record<string, string> {
  return {
    APPLE_CLIENT_ID: apple.clientId,
    APPLE_TEAM_ID: apple.key.teamId,
    APPLE_KEY_ID: apple.key.keyId,
    // As an env file carries it: the PEM's line breaks written as \n.
    APPLE_PRIVATE_KEY: apple.key.privateKeyPem.replaceAll("\n", "\\n"),
    APPLE_ISSUER: apple.issuer,
  };
}

/**
 * "Continue with Apple": Astapa's start route, then Apple's authorize page and the form it would post. `extra`:
 * more of the app's authorization request (a guest's prompt=create and id_token_hint).
 */
export async function startApple(
  t: TestApp,
  project: SeededProject,
  lang: "en" | "id" = "en",
  extra: Record<string, string> = {},
): Promise<StartedApple> {
  const query = new URLSearchParams({
    client_id: project.clientId,
    redirect_uri: project.redirectUri,
    state: "app-st",
    lang,
    ...extra,
  });
  const res = await t.app.request(`/auth/social/apple?${query}`, { headers: html });
  assert.equal(res.status, 303, await res.text());
  const setCookie = res.headers.getSetCookie().find((c) => c.includes("astapa_social="))!;
  const page = await (await fetch(res.headers.get("location")!)).text();
  const action = /<form method="post" action="([^"]+)">/.exec(page);
  assert.ok(action, page);
  const fields = new URLSearchParams(
    [...page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((
      m,
    ) => [m[1], unescape(m[2])]),
  );
  return { cookie: setCookie.split(";")[0], setCookie, action: new URL(unescape(action[1])), fields };
}

/** Apple's page posting its form back: a cross-site POST (Origin: Apple's) carrying the flow cookie. */
export async function postBack(
  t: TestApp,
  apple: FakeApple,
  started: StartedApple,
  fields = started.fields,
  cookie = started.cookie,
): Promise<Response> {
  return await t.app.request(started.action.pathname, {
    method: "POST",
    headers: { ...html, cookie, origin: apple.issuer, "content-type": "application/x-www-form-urlencoded" },
    body: fields.toString(),
  });
}
