/** Typed calls to the token functions in SQL (db/api/tokens.sql). */
import { z } from "zod";
import { asApp, type Fragment, type Sql, type Tx } from "./client.ts";
import type { ClientGrant, UserGrant } from "../lib/tokens/access_tokens.ts";
import { GrantRefused, ProfileClaims, UserClaims } from "./token_claims.ts";
import type { PresentedRefreshToken } from "../lib/tokens/refresh_tokens.ts";
import type { DpopProof } from "./dpop.ts";
import { dpopGrantCall } from "./dpop.ts";

const UserGrantSchema = UserClaims.extend({
  environment: z.literal("sandbox").optional(),
  scope: z.string().optional(),
  resource: z.string().optional(),
  auth_time: z.number().optional(),
  amr: z.array(z.string()).optional(),
  nonce: z.string().optional(),
  access_ttl: z.number().int(),
  refresh_expires_in: z.number().int().optional(),
  refresh_token_id: z.uuid().nullable().optional(),
  /** The profile claims, only for a grant with the profile scope (astapa.grant_result): the ID token's. */
  profile: ProfileClaims.optional(),
  /** The hosted-login session the sign-in came from (its public id), for the ID token's sid. */
  sid: z.string().optional(),
  /** An impersonation's sign-in: who acts, and which impersonation (astapa.impersonation_claims, docs/impersonation.md). */
  act: z.object({ sub: z.string(), impersonation_id: z.string() }).optional(),
  organization: z.object({
    org_id: z.string(),
    org_slug: z.string(),
    org_role: z.string(),
    org_permissions: z.array(z.string()),
  }).optional(),
  /** The active organization's team plan for custom_claims (astapa.organization_plan_claims). */
  organization_custom_claims: z.object({
    org_plan: z.string().optional(),
    org_feature_flags: z.array(z.string()).optional(),
  }).optional(),
});

const GrantError = z.object({ error: z.literal("invalid_grant"), error_description: z.string() });

/** A grant function answers with claims, or with an error object when it had to revoke something first. */
export function userGrant(result: unknown): UserGrant {
  const failure = GrantError.safeParse(result);
  if (failure.success) throw new GrantRefused(failure.data.error_description);
  if (result === null) throw new GrantRefused("The user no longer exists.");
  return UserGrantSchema.parse(result) as UserGrant;
}

export type CodeRedemption = {
  codeHash: Uint8Array;
  clientId: string;
  redirectUri: string;
  codeVerifier: string | null;
  refreshHash: Uint8Array;
  /** The token request's resource (RFC 8707), which must be the one the code was issued for. */
  resource?: string | null;
};

/** A user grant's call (below) in a transaction of its own, for a client authenticated apart from it. */
export async function userGrantAs(sql: Sql, projectId: string, call: Fragment): Promise<UserGrant> {
  const [row] = await asApp(sql, projectId, (tx) => tx`select ${call} as result`);
  return userGrant(row.result);
}

export function redeemAuthorizationCode(sql: Sql, projectId: string, r: CodeRedemption): Promise<UserGrant> {
  return userGrantAs(sql, projectId, redeemAuthorizationCodeCall(sql, r));
}

/** api.redeem_authorization_code as a call to place in a statement acting for the project (userGrant reads it). */
export function redeemAuthorizationCodeCall(sql: Sql, r: CodeRedemption): Fragment {
  return sql`api.redeem_authorization_code(${r.codeHash}, ${r.clientId}, ${r.redirectUri}, ${r.codeVerifier},
                                           ${r.refreshHash}, ${r.resource ?? null})`;
}

export type RefreshRotation = {
  presented: PresentedRefreshToken;
  clientId: string;
  successorHash: Uint8Array;
  scope: string | null;
  /** The token request's resource, which must be the one the sign-in was for. */
  resource?: string | null;
};

/** api.rotate_refresh_token as a call to place in a statement acting for the project (userGrant reads it). */
export function rotateRefreshTokenCall(sql: Sql, r: RefreshRotation): Fragment {
  return sql`api.rotate_refresh_token(${r.presented.secretHash}, ${r.clientId}, ${r.successorHash}, ${r.scope},
                                      ${r.resource ?? null}, ${r.presented.lookupId})`;
}

const ClientGrantSchema = z.object({
  project_id: z.string(),
  scope: z.string().optional(),
  resource: z.string().optional(),
  access_ttl: z.number().int(),
});

/** The client_credentials decision, as a call to place in a statement acting for the project. */
export function clientCredentialsGrantCall(
  sql: Sql,
  scope: string | null,
  resource: string | null,
): Fragment {
  return sql`api.client_credentials_grant(${scope}, ${resource})`;
}

/** What api.client_credentials_grant and api.machine_client_grant answer. */
export function clientGrant(result: unknown): ClientGrant {
  return ClientGrantSchema.parse(result);
}

/** Revokes every refresh token of the user the token belongs to (a refresh token, or a user id). */
export async function revokeUserRefreshTokens(
  sql: Sql,
  projectId: string,
  by: { refreshToken: PresentedRefreshToken } | { userId: string },
): Promise<number> {
  return await asApp(sql, projectId, async (tx) => {
    const userId = "userId" in by ? by.userId : await refreshTokenOwner(tx, by.refreshToken);
    if (userId === null) return 0;
    const [row] = await tx`select api.revoke_user_refresh_tokens(${userId}) as revoked`;
    return row.revoked as number;
  });
}

/** The user a refresh token (live or not) belongs to in the acting project, or null. */
async function refreshTokenOwner(tx: Tx, token: PresentedRefreshToken): Promise<string | null> {
  const [row] = await tx`select api.refresh_token_owner(${token.secretHash}, ${token.lookupId}) as user_id`;
  return row.user_id;
}

export async function introspectRefreshToken(
  sql: Sql,
  projectId: string,
  token: PresentedRefreshToken,
): Promise<Record<string, unknown> | null> {
  const [row] = await asApp(
    sql,
    projectId,
    (tx) => tx`select api.introspect_refresh_token(${token.secretHash}, ${token.lookupId}) as result`,
  );
  return row.result;
}

/**
 * Whether a signature-valid access token of the project is still active (RFC 7662): its client's kind still
 * accepted by the project, for a person's token (userId not null) the person enabled, and for one issued under an
 * impersonation (impersonationId, from its act claim) the impersonation not ended.
 */
export async function accessTokenActive(
  sql: Sql,
  projectId: string,
  token: { userId: string | null; clientId: string; impersonationId: string | null },
): Promise<boolean> {
  const [row] = await asApp(
    sql,
    projectId,
    (tx) =>
      tx`select api.access_token_active(${token.userId}, ${token.clientId}, ${token.impersonationId}) as active`,
  );
  return row.active === true;
}

/**
 * The userinfo claims for an access token of `clientId` with `scope` (the profile claims with `profile`); with a
 * DPoP proof, its jti is recorded in the same statement (db/api/dpop.sql).
 */
export async function userInfo(
  sql: Sql,
  projectId: string,
  userId: string,
  token: { clientId: string; scope: string | null; impersonationId: string | null },
  proof: DpopProof | null = null,
): Promise<Record<string, unknown> | null> {
  const call = sql`api.user_info(${userId}, ${token.clientId}, ${token.scope}, ${token.impersonationId})`;
  const [row] = await asApp(
    sql,
    projectId,
    (tx) => tx`select ${proof ? dpopGrantCall(sql, proof, false, call) : call} as result`,
  );
  return row.result;
}
