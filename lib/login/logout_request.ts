/**
 * What an RP-initiated logout asks for (OpenID Connect RP-Initiated Logout 1.0 §2), resolved before the sign-out
 * page asks anything: which app (client_id, or the audience of id_token_hint — both, when given, must agree),
 * whose sign-out the app means (the hint's sub and sid, or logout_hint: a sub), and where the browser may go
 * afterwards (post_logout_redirect_uri, exactly one the app registered, with state).
 */
import { z } from "zod";
import type { Ctx } from "@/lib/app_env.ts";
import type { AuthorizationClient, LiveSession } from "@/db/login.ts";
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
  const client = clientId ? await requestClient(deps, clientId) : null;
  const back = client && request.post_logout_redirect_uri
    ? returnAddress(client, request.post_logout_redirect_uri, request.state)
    : null;
  return { clientId, client, hint, back };
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
