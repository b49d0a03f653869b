/** Calls the token-family endpoints of a test app the way an app's backend would. */
import type { TestApp } from "./app.ts";
import type { SeededProject } from "./identity.ts";

export type Body = Record<string, string>;

export async function postJson(t: TestApp, path: string, body: Body, headers: Record<string, string> = {}) {
  const res = await t.app.request(path, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return {
    res,
    body: res.headers.get("content-type")?.includes("json") ? await res.json() : await res.text(),
  };
}

export async function postForm(t: TestApp, path: string, body: Body, headers: Record<string, string> = {}) {
  const res = await t.app.request(path, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded;charset=UTF-8", ...headers },
    body: new URLSearchParams(body).toString(),
  });
  return {
    res,
    body: res.headers.get("content-type")?.includes("json") ? await res.json() : await res.text(),
  };
}

/** client_secret_post credentials for a seeded project. */
export const credentials = (p: SeededProject): Body => ({
  client_id: p.clientId,
  client_secret: p.secret,
});

/** Decodes a JWT's payload without verifying (tests verify separately with jose). */
export function claimsOf(jwt: string): Record<string, unknown> {
  const payload = jwt.split(".")[1];
  return JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/")));
}
