/**
 * Typed calls for revocation and introspection by self-registered and metadata-document clients
 * (db/api/self_registered_tokens.sql). Such a client belongs to no project: a refresh token is first found by
 * its hash among the client's own tokens, then acted on inside its project.
 */
import { asApp, type Sql } from "./client.ts";

/** The project of a refresh token issued to this client, or null (unknown, or another client's). */
async function tokenProject(sql: Sql, clientId: string, tokenHash: Uint8Array): Promise<string | null> {
  const [row] = await asApp(
    sql,
    null,
    (tx) => tx`select api.self_registered_token_project(${clientId}, ${tokenHash}) as project_id`,
  );
  return row.project_id;
}

/** What a revocation names: a refresh token by its hash, or the grant behind an access token. */
export type RevokedGrant =
  | { tokenHash: Uint8Array }
  | { projectId: string; userId: string; resource: string | null };

/** Revokes the client's refresh tokens of one grant; returns how many (0: nothing of the client's). */
export async function revokeSelfRegisteredTokens(
  sql: Sql,
  clientId: string,
  grant: RevokedGrant,
): Promise<number> {
  const projectId = "tokenHash" in grant
    ? await tokenProject(sql, clientId, grant.tokenHash)
    : grant.projectId;
  if (projectId === null) return 0;
  const [hash, userId, resource] = "tokenHash" in grant
    ? [grant.tokenHash, null, null]
    : [null, grant.userId, grant.resource];
  const [row] = await asApp(
    sql,
    projectId,
    (tx) => tx`select api.revoke_self_registered_tokens(${clientId}, ${hash}, ${userId}, ${resource}) as n`,
  );
  return row.n as number;
}

/** RFC 7662 fields of a live refresh token issued to this client, or null when it is not active. */
export async function introspectSelfRegisteredRefreshToken(
  sql: Sql,
  clientId: string,
  tokenHash: Uint8Array,
): Promise<Record<string, unknown> | null> {
  const projectId = await tokenProject(sql, clientId, tokenHash);
  if (projectId === null) return null;
  const [row] = await asApp(
    sql,
    projectId,
    (tx) => tx`select api.introspect_self_registered_refresh_token(${clientId}, ${tokenHash}) as result`,
  );
  return row.result;
}
