/** Typed calls for what SSO sign-ins of either protocol share (db/api/sso_sign_ins.sql). */
import { z } from "zod";
import { asApp, type Sql } from "./client.ts";
import { result } from "./result.ts";

const SamlLogout = z.object({
  protocol: z.literal("saml"),
  connection_id: z.string(),
  name_id: z.string(),
  name_id_format: z.string().nullable(),
  session_index: z.string().nullable(),
});
/** What SAML single logout tells the IdP: the NameID and SessionIndex it knows the session by. */
export type SamlLogout = z.infer<typeof SamlLogout>;

const OidcLogout = z.object({
  protocol: z.literal("oidc"),
  connection_id: z.string(),
  id_token_sealed: z.string(),
});
/** What OpenID Connect RP-initiated logout sends the IdP: the sealed ID token (its id_token_hint). */
export type OidcLogout = z.infer<typeof OidcLogout>;

const SsoLogout = z.discriminatedUnion("protocol", [SamlLogout, OidcLogout]).nullable();

/**
 * What a sign-out tells the IdP when the browser's live session (its token's SHA-256) came from an SSO sign-in:
 * SAML single logout's NameID and SessionIndex, or OpenID Connect's sealed ID token; null when nothing is to be told.
 */
export function ssoLogoutOfSession(sql: Sql, projectId: string, sessionHash: Uint8Array) {
  return asApp(
    sql,
    projectId,
    (tx) => result(tx`select api.sso_logout_of_session(${sessionHash}) as result`, SsoLogout),
  );
}
