/**
 * What an RP-initiated logout asks for (OpenID Connect RP-Initiated Logout 1.0 §2), resolved before the sign-out
 * page asks anything: which app (client_id, or the audience of id_token_hint — both, when given, must agree),
 * whose sign-out the app means (the hint's sub and sid, or logout_hint: a sub), and where the browser may go
 * afterwards (post_logout_redirect_uri, exactly one the app registered, with state).
 */
import { z } from "zod";
import { getCookie } from "hono/cookie";
import type { Ctx } from "@/lib/app_env.ts";
import { asApp } from "@/db/client.ts";
import { type AuthorizationClient, clientLiveSession, type LiveSession, liveSession } from "@/db/login.ts";
import { getProject } from "@/db/projects.ts";
import { clientAddress } from "@/lib/http/client_address.ts";
import { isSelfRegisteredClientId, selfRegisteredClient } from "@/lib/oauth/dynamic_client_auth.ts";
import { LogoutMetadata } from "@/lib/oauth/logout_metadata.ts";
import { requestClient } from "./authorization_clients.ts";
import { matchRedirectUri } from "./authorize_request.ts";
import { type IdTokenHint, readIdTokenHint } from "@/lib/tokens/id_token_hint.ts";

/** The request's parameters, from the query on GET and from the form on POST. */
export const LogoutRequest = z.object({
  client_id: z.string().max(200).default(""),
  id_token_hint: z.string().max(8192).optional(),
  logout_hint: z.string().max(500).optional(),
  post_logout_redirect_uri: z.string().max(2000).optional(),
  state: z.string().max(2000).optional(),
  ui_locales: z.string().max(200).optional(),
});
export type LogoutRequest = z.infer<typeof LogoutRequest>;

export type ResolvedLogout =
  | { refused: "invalid_hint" | "client_mismatch" }
  | { clientId: string; client: AuthorizationClient | null; hint: IdTokenHint | null; back: string | null };

/** The app, the hint and the way back; refused when the hint is not Astapa's or names another app than client_id. */
export async function resolveLogout(c: Ctx, request: LogoutRequest): Promise<ResolvedLogout> {
  const { deps } = c.var;
  let hint: IdTokenHint | null = null;
  if (request.id_token_hint) {
    hint = await readIdTokenHint(deps.keys, deps.config.baseUrl, request.id_token_hint);
    if (!hint) return { refused: "invalid_hint" };
    if (request.client_id && request.client_id !== hint.clientId) return { refused: "client_mismatch" };
  }
  const clientId = request.client_id || hint?.clientId || "";
  const client = !clientId
    ? null
    : isSelfRegisteredClientId(clientId)
    ? await selfRegisteredLogoutClient(c, clientId, hint)
    : await requestClient(deps, clientId);
  const back = client && request.post_logout_redirect_uri
    ? returnAddress(client, request.post_logout_redirect_uri, request.state)
    : null;
  return { clientId, client, hint, back };
}

/** How many of the browser's session cookies a self-registered client's sign-out looks through. */
const SESSION_COOKIES_READ = 20;

/**
 * A self-registered or metadata-document client belongs to no project: the project whose session it signs out
 * of is one of this browser's live sessions (its cookies name their projects) — the one the hint's sid names, or
 * without a hint the latest that gave this client tokens — with the client's own redirect and post-logout URIs.
 * Null when none is: then the page signs nobody out.
 */
async function selfRegisteredLogoutClient(
  c: Ctx,
  clientId: string,
  hint: IdTokenHint | null,
): Promise<AuthorizationClient | null> {
  const projectId = await sessionProjectOf(c, clientId, hint);
  if (!projectId) return null;
  const registered = await selfRegisteredClient(c.var.deps, clientId, undefined, clientAddress(c));
  if (!registered) return null;
  const project = await asApp(c.var.deps.sql, projectId, (tx) => getProject(tx, projectId));
  return {
    project_id: projectId,
    name: project.name,
    mode: project.mode,
    redirect_uris: registered.redirect_uris,
    // The project's branding, the client's own logout metadata (its registration, or its document).
    settings: { ...project.settings, logout: LogoutMetadata.catch({}).parse(registered) },
  };
}

/**
 * The project of the browser's session a client of no project means: the hint's sid names it; without a hint (the
 * spec makes it optional), the session that gave the client tokens, the latest signed in when several did — the
 * page still asks before anyone is signed out.
 */
async function sessionProjectOf(c: Ctx, clientId: string, hint: IdTokenHint | null): Promise<string | null> {
  const { sql } = c.var.deps;
  if (hint && !hint.sid) return null;
  let latest: { projectId: string; authTime: number } | null = null;
  for (const { projectId, token } of sessionCookies(c)) {
    const session = hint
      ? await liveSession(sql, projectId, token)
      : await clientLiveSession(sql, projectId, token, clientId);
    if (hint && session?.sid === hint.sid) return projectId;
    if (!hint && session && session.auth_time > (latest?.authTime ?? -1)) {
      latest = { projectId, authTime: session.auth_time };
    }
  }
  return latest?.projectId ?? null;
}

/** The browser's hosted-login session cookies (at most SESSION_COOKIES_READ): each names its project. */
function sessionCookies(c: Ctx): { projectId: string; token: string }[] {
  return Object.entries(getCookie(c))
    .map(([name, token]) => ({
      projectId: /^(?:__Host-)?astapa_session_(proj_[a-z2-7]+)$/.exec(name)?.[1],
      token,
    }))
    .filter((cookie): cookie is { projectId: string; token: string } => cookie.projectId !== undefined)
    .slice(0, SESSION_COOKIES_READ);
}

/**
 * The URL to send the browser back to, or null: an exact match with one of the app's post_logout_redirect_uris
 * (settings.logout); an app that registered none keeps the older rule, one of its redirect URIs.
 */
function returnAddress(client: AuthorizationClient, uri: string, state: string | undefined): string | null {
  const registered = PostLogoutUris.safeParse(client.settings.logout).data?.post_logout_redirect_uris;
  const allowed = registered ? registered.includes(uri) : matchRedirectUri(client.redirect_uris, uri);
  if (!allowed) return null;
  const url = new URL(uri);
  if (state) url.searchParams.set("state", state);
  return url.toString();
}

const PostLogoutUris = z.object({ post_logout_redirect_uris: z.array(z.string()).optional() });

/**
 * Whether the app asked to sign out someone or some session other than this browser's (the hint's sub or sid,
 * or logout_hint, differ): the page then says so, and signing out stays the person's own choice.
 */
export function namesAnotherSession(
  request: LogoutRequest,
  hint: IdTokenHint | null,
  session: LiveSession,
): boolean {
  if (hint && (hint.sub !== session.user_id || (hint.sid !== null && hint.sid !== session.sid))) return true;
  return request.logout_hint !== undefined && request.logout_hint !== session.user_id;
}
