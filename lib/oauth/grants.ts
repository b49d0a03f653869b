/**
 * The three grants of the token endpoint. Each takes the authenticated client and the request parameters,
 * makes one call into SQL (which owns the state and the rules) and signs what it returns.
 */
import type { Ctx } from "../app_env.ts";
import { clientCredentialsGrant, redeemAuthorizationCode, rotateRefreshToken } from "../../db/tokens.ts";
import { machineClientGrant } from "../../db/machine_clients.ts";
import { AppError } from "../http/errors.ts";
import {
  clientAccessToken,
  idToken,
  type IssueContext,
  userAccessToken,
  type UserGrant,
} from "../tokens/access_tokens.ts";
import { sha256 } from "../secrets.ts";
import { newRefreshToken, successorOf } from "../tokens/refresh_tokens.ts";
import {
  authenticateClient,
  authenticateClientThen,
  type AuthenticatedClient,
} from "./authenticate_client.ts";
import type { OAuthParams } from "./params.ts";
import { presentedClient } from "./client_auth.ts";
import { authenticateDynamicClient, DYNAMIC_CLIENT_PREFIX } from "./dynamic_client_auth.ts";
import {
  AuthorizationCodeRequest,
  ClientCredentialsRequest,
  parseParams,
  RefreshTokenRequest,
} from "./schemas.ts";
import { parseResource, parseScope } from "./scope.ts";

/** RFC 6749 §5.1 success body; absent members are left out, never null. */
export type TokenResponse = {
  access_token: string;
  token_type: "Bearer";
  expires_in: number;
  refresh_token?: string;
  scope?: string;
  id_token?: string;
};

type Grant = (c: Ctx, client: AuthenticatedClient, params: OAuthParams) => Promise<TokenResponse>;

/** A grant as the token endpoint runs it: client authentication included. */
export type TokenGrant = (c: Ctx, params: OAuthParams) => Promise<TokenResponse>;

/**
 * A user grant: authenticate the client (a dynamically registered one finds its project by the resource it
 * sends), then redeem in a transaction of its own.
 */
const afterAuthentication = (grant: Grant): TokenGrant => async (c, params) => {
  const presented = presentedClient(c.req.header("authorization"), params);
  const client = presented.clientId.startsWith(DYNAMIC_CLIENT_PREFIX)
    ? await authenticateDynamicClient(c, presented, params)
    : await authenticateClient(c, params);
  return await grant(c, client, params);
};

/** Machine clients act for themselves only: user grants belong to the project's own and dynamic clients. */
function assertProjectClient(client: AuthenticatedClient, grantType: string): void {
  if (client.kind === "machine") {
    throw new AppError("unauthorized_client", {
      description: `Machine clients use client_credentials, not ${grantType}.`,
    });
  }
}

const authorizationCode: Grant = async (c, client, params) => {
  assertProjectClient(client, "authorization_code");
  const request = parseParams(AuthorizationCodeRequest, params);
  const refreshToken = newRefreshToken();
  const grant = await redeemAuthorizationCode(c.var.deps.sql, client.projectId, {
    codeHash: await sha256(request.code),
    clientId: client.clientId,
    redirectUri: request.redirect_uri,
    codeVerifier: request.code_verifier ?? null,
    refreshHash: await sha256(refreshToken),
    resource: parseResource(request.resource),
  });
  return await userTokens(c, client, grant, refreshToken);
};

const refreshToken: Grant = async (c, client, params) => {
  assertProjectClient(client, "refresh_token");
  const request = parseParams(RefreshTokenRequest, params);
  const successor = await successorOf(c.var.deps.masterKeys.successor, request.refresh_token);
  const grant = await rotateRefreshToken(c.var.deps.sql, client.projectId, {
    tokenHash: await sha256(request.refresh_token),
    clientId: client.clientId,
    successorHash: await sha256(successor),
    scope: parseScope(request.scope),
    resource: parseResource(request.resource),
  });
  return await userTokens(c, client, grant, successor);
};

/**
 * client_credentials: a machine client's own scopes and resources, or the project client's settings. The
 * grant is decided in the client authentication's transaction: one transaction per request.
 */
const clientCredentials: TokenGrant = async (c, params) => {
  if (presentedClient(c.req.header("authorization"), params).clientId.startsWith(DYNAMIC_CLIENT_PREFIX)) {
    throw new AppError("unauthorized_client", {
      description:
        "Dynamically registered clients sign people in; only machine clients use client_credentials.",
    });
  }
  const { client, result: grant } = await authenticateClientThen(c, params, (tx, client) => {
    const request = parseParams(ClientCredentialsRequest, params);
    const scope = parseScope(request.scope);
    const resource = parseResource(request.resource);
    return client.kind === "machine"
      ? machineClientGrant(tx, client.clientId, scope, resource)
      : clientCredentialsGrant(tx, scope, resource);
  });
  const token = await clientAccessToken(grant, await issueContext(c, client));
  return {
    access_token: token,
    token_type: "Bearer",
    expires_in: grant.access_ttl,
    ...(grant.scope ? { scope: grant.scope } : {}),
  };
};

async function userTokens(
  c: Ctx,
  client: AuthenticatedClient,
  grant: UserGrant,
  refresh: string,
): Promise<TokenResponse> {
  const ctx = await issueContext(c, client);
  const scopes = grant.scope?.split(" ") ?? [];
  return {
    access_token: await userAccessToken(grant, ctx),
    token_type: "Bearer",
    expires_in: grant.access_ttl,
    refresh_token: refresh,
    ...(grant.scope ? { scope: grant.scope } : {}),
    ...(scopes.includes("openid") ? { id_token: await idToken(grant, ctx) } : {}),
  };
}

async function issueContext(c: Ctx, client: AuthenticatedClient): Promise<IssueContext> {
  return {
    issuer: c.var.deps.config.baseUrl,
    clientId: client.clientId,
    key: await c.var.deps.keys.active(),
  };
}

export const GRANTS: Record<string, TokenGrant> = {
  authorization_code: afterAuthentication(authorizationCode),
  refresh_token: afterAuthentication(refreshToken),
  client_credentials: clientCredentials,
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
