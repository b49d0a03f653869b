/**
 * Typed calls for OpenID Connect logout with an SSO IdP (db/api/oidc_backchannel_logout.sql): back-channel logout
 * received, and what RP-initiated logout sends.
 */
import { z } from "zod";
import { asApp, type Sql } from "./client.ts";
import { result } from "./result.ts";

/**
 * Records a verified logout token's jti (a replay fails as `conflict`) and ends the sessions sign-ins through the
 * connection started for its sid and/or sub, as a sign-out ends them; how many ended.
 */
export function endOidcSessions(
  sql: Sql,
  projectId: string,
  connectionId: string,
  token: { jti: string; expiresAt: Date; subject: string | null; sid: string | null },
) {
  return asApp(
    sql,
    projectId,
    (tx) =>
      result(
        tx`select api.end_oidc_sessions(${connectionId}, ${token.jti}, ${token.expiresAt}, ${token.subject},
                                        ${token.sid}) as result`,
        z.number(),
      ),
    { actor: "hosted_login:sso" },
  );
}

const OidcLogout = z.object({ connection_id: z.string(), id_token_sealed: z.string() }).nullable();
export type OidcLogout = NonNullable<z.infer<typeof OidcLogout>>;

/**
 * What a sign-out tells the IdP when the browser's live session (its token's SHA-256) came from an OpenID Connect
 * SSO sign-in: the connection and the sealed ID token; null when nothing is to be told.
 */
export function oidcLogoutOfSession(sql: Sql, projectId: string, sessionHash: Uint8Array) {
  return asApp(
    sql,
    projectId,
    (tx) => result(tx`select api.oidc_logout_of_session(${sessionHash}) as result`, OidcLogout),
  );
}
