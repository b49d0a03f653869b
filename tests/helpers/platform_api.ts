/** Calls the Platform API as a project's own client (HTTP Basic), the body as JSON; the answer parsed. */
import type { TestApp } from "./app.ts";
import { basic } from "./oauth.ts";

type Client = { clientId: string; secret: string };
// deno-lint-ignore no-explicit-any
export type PlatformAnswer = { status: number; text: string; body: any };

/** `api(method, path, body?, as?)`: `path` below /api/platform; `as` another project's client. */
export function platformApi(t: TestApp, project: Client) {
  return async (
    method: string,
    path: string,
    body?: unknown,
    as: Client = project,
  ): Promise<PlatformAnswer> => {
    const res = await t.app.request(`/api/platform${path}`, {
      method,
      headers: { authorization: basic(as.clientId, as.secret), "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, text, body: text ? JSON.parse(text) : null };
  };
}
