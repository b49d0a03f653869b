/** Driving a dynamically registered client through the hosted login, as a browser does, for DCR tests. */
import assert from "node:assert/strict";
import { asApp, type Sql } from "@/db/client.ts";
import { hashPassword } from "@/lib/passwords.ts";
import { csrfOf } from "./csrf.ts";

/** A user with a password, in `projectId`'s current environment; returns its id (the sub). */
export async function seedPasswordUser(
  sql: Sql,
  projectId: string,
  email: string,
  password: string,
): Promise<string> {
  const hash = await hashPassword(password);
  return await asApp(sql, projectId, async (tx) => {
    const [row] = await tx`select api.create_user(${projectId}, ${email}, ${hash}, true) ->> 'id' as id`;
    return row.id as string;
  });
}

/** Page text with the entities Preact writes in attributes undone. */
const unescape = (html: string) =>
  html.replace(/&quot;/g, '"').replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");

export type HostedForm = { html: string; csrf: string; request: string; action: string; cookie: string };

/** Reads the hosted form a response carries: its CSRF token, the request it keeps, where it posts. */
export function hostedForm(res: { html: string; cookie: string }): HostedForm {
  const csrf = csrfOf(res.html);
  const request = /name="request" value="([^"]*)"/.exec(res.html)?.[1];
  const action = /<form method="post" action="([^"]+)"/.exec(res.html)?.[1];
  assert.ok(request !== undefined && action, `a hosted form: ${res.html.slice(0, 300)}`);
  return { ...res, csrf, request: unescape(request), action: unescape(action) };
}

/** Every cookie a response sets, as one Cookie header together with the ones already held. */
export function mergeCookies(held: string, res: Response): string {
  const jar = new Map(held.split("; ").filter(Boolean).map((pair) => [pair.split("=")[0], pair]));
  for (const set of res.headers.getSetCookie()) {
    const pair = set.split(";")[0];
    jar.set(pair.split("=")[0], pair);
  }
  return [...jar.values()].join("; ");
}

/** The code, state and iss an authorization response redirect carries (asserting it is one). */
export function authorizationResponse(res: Response, redirectUri: string) {
  assert.equal(res.status, 303, `a redirect back to the client, got ${res.status}`);
  const location = new URL(res.headers.get("location")!);
  assert.equal(`${location.origin}${location.pathname}`, redirectUri);
  return {
    code: location.searchParams.get("code"),
    state: location.searchParams.get("state"),
    iss: location.searchParams.get("iss"),
    error: location.searchParams.get("error"),
    errorDescription: location.searchParams.get("error_description"),
  };
}
