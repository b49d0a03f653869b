/**
 * The grants of the token endpoint (the device_code grant lives in device_grant.ts). Each authenticates the client and makes its grant in one SQL
 * statement (SQL owns the state and the rules), then signs what it returns.
 */
import type { Ctx } from "../app_env.ts";
import type { Fragment, Sql } from "@/db/client.ts";
import {
  clientCredentialsGrantCall,
  clientGrant,
  redeemAuthorizationCodeCall,
  rotateRefreshTokenCall,
  userGrant,
  userGrantAs,
} from "@/db/tokens.ts";
import { machineClientGrantCall } from "@/db/machine_clients.ts";
import { AppError } from "../http/errors.ts";
import {
  clientAccessToken,
  idToken,
  type IssueContext,
  userAccessToken,
  type UserGrant,
} from "../tokens/access_tokens.ts";
import { sha256 } from "../secrets.ts";
import {
  newRefreshSecret,
  readRefreshToken,
  refreshTokenText,
  successorOf,
} from "../tokens/refresh_tokens.ts";
import {
  authenticateClient,
  authenticateClientAndGrant,
  type AuthenticatedClient,
} from "./authenticate_client.ts";
import type { OAuthParams } from "./params.ts";
import { presentedClient } from "./client_auth.ts";
import { isSelfRegisteredClientId } from "./dynamic_client_auth.ts";
import {
  AuthorizationCodeRequest,
  ClientCredentialsRequest,
  parseParams,
  RefreshTokenRequest,
} from "./schemas.ts";
import { parseResource, parseScope } from "./scope.ts";
import { countTokenIssued } from "../metrics/metrics.ts";
import { DEVICE_CODE_GRANT, deviceCodeGrant } from "./device_grant.ts";
import { TOKEN_EXCHANGE_GRANT, tokenExchangeGrant } from "./token_exchange_grant.ts";
import { identityAssertionGrantHandler, JWT_BEARER_GRANT } from "./identity_assertion_grant.ts";
import { dpopGrantCall } from "@/db/dpop.ts";
import type { DpopProof } from "./dpop.ts";
import { isPublicClient } from "./dpop_clients.ts";

/** RFC 6749 §5.1 success body; absent members are left out, never null. */
export type TokenResponse = {
  access_token: string;
  /** DPoP when the access token is bound to the key of the request's DPoP proof (RFC 9449 §5.1). */
  token_type: "Bearer" | "DPoP";
  expires_in: number;
  refresh_token?: string;
  scope?: string;
  id_token?: string;
  /** Token exchange only (RFC 8693 §2.2.1). */
  issued_token_type?: string;
};

/** A grant as the token endpoint runs it: client authentication included; `proof`: the request's checked DPoP proof. */
export type TokenGrant = (c: Ctx, params: OAuthParams, proof: DpopProof | null) => Promise<TokenResponse>;

/** Machine clients act for themselves only: user grants belong to the project's own and dynamic clients. */
function assertProjectClient(client: AuthenticatedClient, grantType: string): void {
  if (client.kind === "machine") {
    throw new AppError("unauthorized_client", {
      description: `Machine clients use client_credentials, not ${grantType}.`,
    });
  }
}

/**
 * Reads the request before the client is authenticated (so the grant can go to SQL in the authentication's
 * statement), keeping any error to throw after authentication: a bad client is still told so first.
 */
async function prepare<T>(read: () => Promise<T> | T): Promise<{ value: T } | { error: unknown }> {
  try {
    return { value: await read() };
  } catch (error) {
    return { error };
  }
}

/** What a prepared user-grant request names once the client is known. */
type GrantCall<R> = (sql: Sql, request: R & { clientId: string }) => Fragment;

/**
 * Authenticates the client and runs the user grant's SQL call for it. The project's own client: both in ONE
 * statement, one round trip. A dynamically registered client (dcl_…) belongs to no project: its
 * authentication finds the project from the resource it sends, and the call follows in a transaction of its
 * own. With a DPoP proof, or for a code or refresh token (`bound`: it may be bound to a key), the call goes
 * inside api.use_dpop_proof in the same statement; a public client's refresh token is bound to the proof's key.
 */
async function userGrantFor<R>(
  c: Ctx,
  params: OAuthParams,
  grantType: string,
  request: { value: R } | { error: unknown },
  call: GrantCall<R>,
  dpop: { proof: DpopProof | null; bound?: boolean },
): Promise<{ client: AuthenticatedClient; grant: UserGrant; request: R }> {
  const presented = presentedClient(c.req.header("authorization"), params);
  const wrap = (sql: Sql, fragment: Fragment, publicClient: boolean) =>
    dpop.proof || dpop.bound ? dpopGrantCall(sql, dpop.proof, publicClient, fragment) : fragment;
  const tokenRequest = { proof: dpop.proof };
  if (isSelfRegisteredClientId(presented.clientId)) {
    const client = await authenticateClient(c, params, { tokenRequest });
    if ("error" in request) throw request.error;
    const { sql } = c.var.deps;
    const grant = await userGrantAs(
      sql,
      client.projectId,
      wrap(sql, call(sql, { ...request.value, clientId: client.clientId }), isPublicClient(client)),
    );
    return { client, grant, request: request.value };
  }
  // The project's own client always authenticates (never public): its refresh tokens are not bound.
  const { client, grant } = await authenticateClientAndGrant(c, params, (sql, clientId) => ({
    project: "value" in request ? wrap(sql, call(sql, { ...request.value, clientId }), false) : null,
    machine: null,
  }), { tokenRequest });
  assertProjectClient(client, grantType);
  if ("error" in request) throw request.error;
  return { client, grant: userGrant(grant), request: request.value };
}

const authorizationCode: TokenGrant = async (c, params, proof) => {
  const refreshSecret = newRefreshSecret();
  const request = await prepare(async () => {
    const request = parseParams(AuthorizationCodeRequest, params);
    return {
      codeHash: await sha256(request.code),
      redirectUri: request.redirect_uri,
      codeVerifier: request.code_verifier ?? null,
      refreshHash: await sha256(refreshSecret),
      resource: parseResource(request.resource),
    };
  });
  const { client, grant } = await userGrantFor(
    c,
    params,
    "authorization_code",
    request,
    redeemAuthorizationCodeCall,
    { proof, bound: true },
  );
  const tokens = await userTokens(c, client, grant, refreshSecret, proof);
  countTokenIssued("authorization_code", grant.environment ?? "live");
  return tokens;
};

const refreshToken: TokenGrant = async (c, params, proof) => {
  const request = await prepare(async () => {
    const request = parseParams(RefreshTokenRequest, params);
    const successor = await successorOf(c.var.deps.masterKeys.successor, request.refresh_token);
    return {
      successor,
      presented: await readRefreshToken(request.refresh_token),
      successorHash: await sha256(successor),
      scope: parseScope(request.scope),
      resource: parseResource(request.resource),
    };
  });
  const { client, grant, request: read } = await userGrantFor(
    c,
    params,
    "refresh_token",
    request,
    rotateRefreshTokenCall,
    { proof, bound: true },
  );
  const tokens = await userTokens(c, client, grant, read.successor, proof);
  countTokenIssued("refresh_token", grant.environment ?? "live");
  return tokens;
};

/** client_credentials: a machine client's own scopes and resources, or the project client's settings. */
const clientCredentials: TokenGrant = async (c, params, proof) => {
  if (isSelfRegisteredClientId(presentedClient(c.req.header("authorization"), params).clientId)) {
    throw new AppError("unauthorized_client", {
      description:
        "Dynamically registered clients sign people in; only machine clients use client_credentials.",
    });
  }
  const request = await prepare(() => {
    const request = parseParams(ClientCredentialsRequest, params);
    return { scope: parseScope(request.scope), resource: parseResource(request.resource) };
  });
  const { client, grant: result } = await authenticateClientAndGrant(
    c,
    params,
    (sql, clientId) =>
      "value" in request
        ? {
          project: withProof(
            sql,
            proof,
            clientCredentialsGrantCall(sql, request.value.scope, request.value.resource),
          ),
          machine: withProof(
            sql,
            proof,
            machineClientGrantCall(sql, clientId, request.value.scope, request.value.resource),
          ),
        }
        : { project: null, machine: null },
    {
      // The grant only reads; what it reads besides the client is the request's scope and resource. A request
      // with a DPoP proof writes (its jti), so it is never answered from the cache.
      cacheKey: "value" in request && !proof
        ? JSON.stringify(["client_credentials", request.value.scope, request.value.resource])
        : undefined,
      tokenRequest: { proof },
    },
  );
  if ("error" in request) throw request.error;
  const grant = clientGrant(result);
  const token = await clientAccessToken(grant, await issueContext(c, client, proof));
  countTokenIssued("client_credentials", "none");
  return {
    access_token: token,
    token_type: proof ? "DPoP" : "Bearer",
    expires_in: grant.access_ttl,
    ...(grant.scope ? { scope: grant.scope } : {}),
  };
};

/**
 * The tokens of a user grant (also the device_code grant's, lib/oauth/device_grant.ts, and a guest's sign-in,
 * routes/api/platform/anonymous.ts); the refresh token is
 * the secret whose hash the grant stored, behind the lookup id the grant returned.
 */
export async function userTokens(
  c: Ctx,
  client: Pick<AuthenticatedClient, "clientId">,
  grant: UserGrant,
  refreshSecret: string,
  proof: DpopProof | null,
): Promise<TokenResponse> {
  const ctx = await issueContext(c, client, proof);
  const scopes = grant.scope?.split(" ") ?? [];
  return {
    access_token: await userAccessToken(grant, ctx),
    token_type: proof ? "DPoP" : "Bearer",
    expires_in: grant.access_ttl,
    refresh_token: refreshTokenText(grant.refresh_token_id, refreshSecret),
    ...(grant.scope ? { scope: grant.scope } : {}),
    ...(scopes.includes("openid") ? { id_token: await idToken(grant, ctx) } : {}),
  };
}

/** Who issues, for which client, with which key; with a DPoP proof, the key the access token is bound to. */
export async function issueContext(
  c: Ctx,
  client: { clientId: string },
  proof: DpopProof | null,
): Promise<IssueContext> {
  return {
    issuer: c.var.deps.config.baseUrl,
    clientId: client.clientId,
    key: await c.var.deps.keys.active(),
    ...(proof ? { jkt: proof.jkt } : {}),
  };
}

/** A call recording the request's DPoP proof in the same statement, or the call itself without one. */
export function withProof(sql: Sql, proof: DpopProof | null, call: Fragment): Fragment {
  return proof ? dpopGrantCall(sql, proof, false, call) : call;
}

export const GRANTS: Record<string, TokenGrant> = {
  authorization_code: authorizationCode,
  refresh_token: refreshToken,
  client_credentials: clientCredentials,
  [DEVICE_CODE_GRANT]: deviceCodeGrant,
  [TOKEN_EXCHANGE_GRANT]: tokenExchangeGrant,
  [JWT_BEARER_GRANT]: identityAssertionGrantHandler,
};

export function grantFor(grantType: string): TokenGrant {
  const grant = GRANTS[grantType];
  if (!grant) {
    throw new AppError("unsupported_grant_type", {
      description: `grant_type ${grantType} is not supported.`,
    });
  }
  return grant;
}
