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

/** An organization `slug` with `domain` verified (the domain's DNS check passes in tests), as `as`; its id. */
export async function organizationWithDomain(
  api: ReturnType<typeof platformApi>,
  slug: string,
  domain: string,
  as?: Client,
): Promise<string> {
  const created = await api("POST", "/organizations", { name: slug.toUpperCase(), slug }, as);
  if (created.status !== 201) throw new Error(`organization ${slug}: ${created.status} ${created.text}`);
  const added = await api("POST", `/organizations/${slug}/domains`, { domain }, as);
  if (added.status !== 201) throw new Error(`domain ${domain}: ${added.status} ${added.text}`);
  const verified = await api("PUT", `/organizations/${slug}/domains/${domain}`, undefined, as);
  if (verified.status !== 200) throw new Error(`verifying ${domain}: ${verified.status} ${verified.text}`);
  return created.body.id as string;
}
