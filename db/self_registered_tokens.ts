/**
 * Typed calls for revocation and introspection by self-registered and metadata-document clients
 * (db/api/self_registered_tokens.sql). Such a client belongs to no project: a refresh token is first found by
 * its lookup id (or, for an older token, its hash) among the client's own tokens, then acted on inside its project.
 */
import { asApp, type Sql } from "./client.ts";
import type { PresentedRefreshToken } from "../lib/tokens/refresh_tokens.ts";

/** The project of a refresh token issued to this client, or null (unknown, or another client's). */
async function tokenProject(
  sql: Sql,
  clientId: string,
  token: PresentedRefreshToken,
): Promise<string | null> {
  const [row] = await asApp(
    sql,
    null,
    (tx) =>
      tx`select api.self_registered_token_project(${clientId}, ${token.secretHash}, ${token.lookupId}) as project_id`,
  );
  return row.project_id;
}

/** What a revocation names: a refresh token, or the grant behind an access token. */
export type RevokedGrant =
  | { refreshToken: PresentedRefreshToken }
  | { projectId: string; userId: string; resource: string | null };

/** Revokes the client's refresh tokens of one grant; returns how many (0: nothing of the client's). */
export async function revokeSelfRegisteredTokens(
  sql: Sql,
  clientId: string,
  grant: RevokedGrant,
): Promise<number> {
  const projectId = "refreshToken" in grant
    ? await tokenProject(sql, clientId, grant.refreshToken)
    : grant.projectId;
  if (projectId === null) return 0;
  const [hash, lookupId, userId, resource] = "refreshToken" in grant
    ? [grant.refreshToken.secretHash, grant.refreshToken.lookupId, null, null]
    : [null, null, grant.userId, grant.resource];
  const [row] = await asApp(
    sql,
    projectId,
    (tx) =>
      tx`select api.revoke_self_registered_tokens(${clientId}, ${hash}, ${userId}, ${resource}, ${lookupId}) as n`,
  );
  return row.n as number;
}

/** RFC 7662 fields of a live refresh token issued to this client, or null when it is not active. */
export async function introspectSelfRegisteredRefreshToken(
  sql: Sql,
  clientId: string,
  token: PresentedRefreshToken,
): Promise<Record<string, unknown> | null> {
  const projectId = await tokenProject(sql, clientId, token);
  if (projectId === null) return null;
  const [row] = await asApp(
    sql,
    projectId,
    (tx) =>
      tx`select api.introspect_self_registered_refresh_token(${clientId}, ${token.secretHash}, ${token.lookupId})
           as result`,
  );
  return row.result;
}
