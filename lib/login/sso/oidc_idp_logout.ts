/**
 * What the back-channel logout endpoint does with a logout token (routes/auth/sso/oidc/[connection]/
 * backchannel-logout.ts): the connection its URL names — an enabled OpenID Connect one, else refused — the token
 * verified against that connection's IdP (oidc_backchannel_logout.ts), then its jti recorded once and the sessions
 * it names ended as a sign-out ends them (api.end_oidc_sessions).
 */
import type { Ctx } from "@/lib/app_env.ts";
import { log } from "@/lib/http/log.ts";
import { toAppError } from "@/lib/http/errors.ts";
import { ssoConnectionForSignIn } from "@/db/sso_connections.ts";
import { endOidcSessions } from "@/db/oidc_backchannel_logout.ts";
import { ssoConnectionProject } from "@/db/sso_connections.ts";
import { isOidc } from "./sign_in.ts";
import { LogoutTokenRefused, verifyLogoutToken } from "./oidc_backchannel_logout.ts";

/** Verifies the logout token for the connection and ends what it names; how many sessions ended. */
export async function takeLogoutToken(c: Ctx, connectionId: string, token: string): Promise<number> {
  const { sql } = c.var.deps;
  const projectId = await ssoConnectionProject(sql, connectionId, "oidc");
  // Disabled, deleted, SAML or unknown: no IdP of ours may end anything through this URL.
  const connection = projectId ? await ssoConnectionForSignIn(sql, projectId, connectionId) : null;
  if (!projectId || !connection || !isOidc(connection)) {
    throw new LogoutTokenRefused(
      "bcl_unknown",
      "No enabled OpenID Connect connection has this back-channel URL.",
    );
  }
  const verified = await verifyLogoutToken(c, connection, token);
  let ended: number;
  try {
    ended = await endOidcSessions(sql, projectId, connection.id, verified);
  } catch (error) {
    const code = toAppError(error).code;
    if (code === "conflict") throw new LogoutTokenRefused("bcl_replay", "This logout token was used before.");
    if (code === "not_found") {
      throw new LogoutTokenRefused(
        "bcl_unknown",
        "No enabled OpenID Connect connection has this back-channel URL.",
      );
    }
    throw error;
  }
  log("info", "oidc_backchannel_logout", { requestId: c.var.requestId, connection: connection.id, ended });
  return ended;
}
