/**
 * Typed calls for back-channel logout received from an OpenID Connect SSO IdP (db/api/oidc_backchannel_logout.sql);
 * what a sign-out sends the IdP is db/sso_sign_ins.ts.
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
