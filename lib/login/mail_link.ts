/**
 * Short mailed links: the URL holds the project id and a random token; the sign-in request the link continues
 * (path and query of the hosted-login page it opens) is stored with the token's hash (email_tokens) and
 * looked up when the link is followed (routes/auth/link.ts). Mail clients and phones get a link of ~80
 * characters instead of one carrying the whole authorization request.
 */
import type { Ctx } from "../app_env.ts";
import { randomSecret } from "../secrets.ts";

export type MailLink = { token: string; link: string; signInRequest: string };

/**
 * A new short link that opens `page` (e.g. "/auth/reset") with `query` and the token. The project id, not the
 * client's: the token is the project's, whichever client (its own or a dynamically registered one) asked.
 */
export function mailLink(c: Ctx, projectId: string, page: string, query: URLSearchParams): MailLink {
  const token = randomSecret();
  // The token in the query, never the path: the access log writes paths (lib/http/middleware.ts).
  const link = `${c.var.deps.config.baseUrl}/auth/link?${new URLSearchParams({ p: projectId, t: token })}`;
  return { token, link, signInRequest: `${page}?${query}` };
}

/** Where a followed link goes: its stored request with the token added. */
export const linkTarget = (signInRequest: string, token: string) =>
  `${signInRequest}&${new URLSearchParams({ token })}`;

const PROJECT = /^proj_[a-z2-7]{16}$/;
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/**
 * A followed mailed link's project id and token (`?p=…&t=…`: /auth/link's and /auth/start's), or null when either
 * is not of its shape — such a link was never issued, and is answered as an expired one without asking Postgres.
 */
export function linkParams(c: Ctx): { projectId: string; token: string } | null {
  const projectId = c.req.query("p") ?? "";
  const token = c.req.query("t") ?? "";
  return PROJECT.test(projectId) && TOKEN.test(token) ? { projectId, token } : null;
}
