/**
 * RP-initiated logout towards an OpenID Connect SSO IdP (OpenID Connect RP-Initiated Logout 1.0, Astapa as the RP):
 * a person whose session came from an OpenID Connect connection signs out at Astapa (routes/auth/logout.tsx). Once
 * the Astapa session has ended, the browser goes to the IdP's end_session_endpoint (from its discovery document)
 * with the sign-in's ID token as id_token_hint, our client_id there, the connection's post_logout_redirect_uri and
 * a random state, so the IdP ends its session too; it comes back to routes/auth/sso/oidc/[connection]/signed-out.tsx.
 * Where the browser goes then — the post_logout_redirect_uri the logout already validated, or our signed-out page —
 * is sealed in a short-lived cookie of this browser (ten minutes, single use, SameSite=Lax: the IdP's redirect back
 * is a top-level GET), never read from the answer: the state only ties the answer to the cookie, so it cannot
 * redirect anywhere (no open redirect). The SAML counterpart is saml_sp_logout.ts.
 */
import { z } from "zod";
import type { Ctx } from "@/lib/app_env.ts";
import { log } from "@/lib/http/log.ts";
import { randomSecret } from "@/lib/secrets.ts";
import type { OidcLogout } from "@/db/sso_sign_ins.ts";
import { ssoConnectionForSignIn } from "@/db/sso_connections.ts";
import { discover } from "../social/oidc.ts";
import {
  LOGOUT_COOKIE_TTL_SECONDS,
  type LogoutCookie,
  takeLogoutCookie,
  writeLogoutCookie,
} from "./logout_cookie.ts";
import { isOidc, type OidcConnection, ssoRequestOptions } from "./sign_in.ts";
import { openIdToken } from "./oidc_id_token.ts";
import { oidcRelyingParty } from "./saml_urls.ts";

const COOKIE: LogoutCookie = {
  name: "astapa_oidc_logout",
  path: "/auth/sso/oidc",
  context: "astapa oidc logout cookie",
};

const Pending = z.object({
  connectionId: z.string(),
  state: z.string(),
  /** Where the browser goes once the IdP sent it back: validated by the logout (an app's registered URI) or ours. */
  back: z.string(),
  expiresAt: z.number(),
});
type Pending = z.infer<typeof Pending>;

/**
 * The IdP's end_session_endpoint, or null when it advertises none or cannot be asked (its discovery document
 * unreachable or invalid: the sign-out must not wait on an IdP that is down). An https URL only — http only for
 * an http issuer, which only a deployment allowing private addresses (a test) can save.
 */
async function endSessionEndpoint(c: Ctx, connection: OidcConnection): Promise<URL | null> {
  try {
    const as = await discover(connection.issuer, ssoRequestOptions(c, connection));
    const endpoint = typeof as.end_session_endpoint === "string" ? new URL(as.end_session_endpoint) : null;
    const schemes = new URL(connection.issuer).protocol === "http:" ? ["https:", "http:"] : ["https:"];
    return endpoint && schemes.includes(endpoint.protocol) ? endpoint : null;
  } catch (error) {
    log("info", "oidc_logout_skipped", {
      requestId: c.var.requestId,
      connection: connection.id,
      reason: error instanceof Error ? error.name : "discovery",
    });
    return null;
  }
}

/**
 * After the Astapa session ended: the redirect to the IdP's end_session_endpoint, or null when there is none to go
 * to (the connection disabled or no longer OpenID Connect, no endpoint advertised, the IdP unreachable, the ID token
 * sealed under a master key no longer listed): the logout then finishes here as usual.
 */
export async function startRpLogout(c: Ctx, projectId: string, logout: OidcLogout, back: string) {
  const { sql, masterKeys, config } = c.var.deps;
  const connection = await ssoConnectionForSignIn(sql, projectId, logout.connection_id);
  if (!connection || !isOidc(connection)) return null;
  const idToken = await openIdToken(masterKeys.social, projectId, connection.id, logout.id_token_sealed);
  const endpoint = idToken && await endSessionEndpoint(c, connection);
  if (!idToken || !endpoint) return null;
  const state = randomSecret();
  // Set one by one: an end_session_endpoint may carry query parameters of its own, which stay.
  const query = {
    id_token_hint: idToken,
    client_id: connection.idp_client_id,
    post_logout_redirect_uri: oidcRelyingParty(config.baseUrl, connection.id).post_logout_redirect_uri,
    state,
  };
  for (const [key, value] of Object.entries(query)) endpoint.searchParams.set(key, value);
  const pending: Pending = {
    connectionId: connection.id,
    state,
    back,
    expiresAt: Date.now() + LOGOUT_COOKIE_TTL_SECONDS * 1000,
  };
  await writeLogoutCookie(c, COOKIE, pending);
  return c.redirect(endpoint.toString(), 303);
}

/**
 * The IdP sent the browser back to the connection's post_logout_redirect_uri: where it goes on (`back`, from the
 * cookie), and whether the IdP said nothing went wrong (an `error` parameter, which some IdPs add, says it did not
 * end its session). Null when this browser waits for no logout of this connection, or the state is not the one sent.
 */
export async function finishRpLogout(
  c: Ctx,
  connectionId: string,
  answer: { state?: string; error?: string },
): Promise<{ back: string; confirmed: boolean } | null> {
  const pending = await takeLogoutCookie(c, COOKIE, Pending);
  if (!pending || pending.connectionId !== connectionId || answer.state !== pending.state) return null;
  if (answer.error !== undefined) {
    log("info", "oidc_logout_unconfirmed", { requestId: c.var.requestId, connection: connectionId });
  }
  return { back: pending.back, confirmed: answer.error === undefined };
}
