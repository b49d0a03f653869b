/**
 * Enterprise-managed authorization (the MCP extension; draft-ietf-oauth-identity-assertion-authz-grant): a
 * client presents an identity assertion JWT (ID-JAG, `typ: oauth-id-jag+jwt`) that an enterprise identity
 * provider trusted by its project signed, with the RFC 7523 jwt-bearer grant, and gets an access token for the
 * person the assertion names (by email) without a browser round trip. Checked here: the issuer is trusted, the
 * signature verifies with a pinned algorithm against that issuer's keys, aud names this server, the assertion
 * names the authenticated client, lives at most ten minutes; then in SQL: the jti is unseen (every instance),
 * the person is one of the project's users who may sign in, scope and resource are the project's. Every
 * refusal is invalid_grant (invalid_scope / invalid_target where those apply) and audited. No refresh token.
 */
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, errors, jwtVerify } from "jose";
import type { Ctx } from "../app_env.ts";
import {
  identityAssertionGrant,
  identityProviderKeys,
  recordIdentityAssertionRefused,
} from "@/db/identity_assertions.ts";
import { userGrant } from "@/db/tokens.ts";
import { AppError, type ErrorCode } from "../http/errors.ts";
import { countTokenIssued } from "../metrics/metrics.ts";
import { userAccessToken } from "../tokens/access_tokens.ts";
import { authenticateClient, type AuthenticatedClient } from "./authenticate_client.ts";
import { ASSERTION_ALGORITHMS } from "./client_keys.ts";
import type { OAuthParams } from "./params.ts";
import { parseResource, parseScope } from "./scope.ts";
import type { DpopProof } from "./dpop.ts";
import { issueContext } from "./grants.ts";

export const JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer";
export const ID_JAG_TYPE = "oauth-id-jag+jwt";
const MAX_LIFETIME_SECONDS = 600;

/** The answer: an access token only (a new assertion gets the next one). */
export type IdentityAssertionResponse = {
  access_token: string;
  token_type: "Bearer" | "DPoP";
  expires_in: number;
  scope?: string;
};

/** Why jose refused the assertion, for the client developer and the audit log. */
function reasonOf(error: unknown): string {
  if (error instanceof errors.JWTExpired) return "the assertion has expired";
  if (error instanceof errors.JWTClaimValidationFailed) {
    return `the assertion's ${error.claim} claim is missing or wrong`;
  }
  if (error instanceof errors.JWKSNoMatchingKey) {
    return "no key of the identity provider matches the assertion's kid";
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return `the assertion must be signed with ${ASSERTION_ALGORITHMS.join(", ")}`;
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return "the assertion's signature does not verify";
  }
  return "the assertion is not a valid signed JWT";
}

/** The grant; a function declaration so grants.ts may list it whichever module loads first. */
export async function identityAssertionGrantHandler(
  c: Ctx,
  params: OAuthParams,
  proof: DpopProof | null = null,
): Promise<IdentityAssertionResponse> {
  const client = await authenticateClient(c, params, { tokenRequest: { proof } });
  const assertion = params.assertion;
  if (typeof assertion !== "string" || assertion.length === 0 || assertion.length > 16384) {
    throw new AppError("invalid_request", {
      description: "assertion (the identity assertion JWT) is missing.",
    });
  }
  const { sql } = c.var.deps;
  const refuse = async (
    issuer: string,
    reason: string,
    code: ErrorCode = "invalid_grant",
  ): Promise<never> => {
    await recordIdentityAssertionRefused(sql, client.projectId, {
      clientId: client.clientId,
      issuer,
      reason,
    });
    throw new AppError(code, { description: `${reason[0].toUpperCase()}${reason.slice(1)}.` });
  };
  let issuer = "";
  try {
    issuer = String(decodeJwt(assertion).iss ?? "");
    decodeProtectedHeader(assertion);
  } catch {
    return await refuse("", "the assertion is not a JWT");
  }
  const keys = issuer ? await identityProviderKeys(sql, client.projectId, issuer) : null;
  if (!keys) {
    return await refuse(issuer, "the assertion's issuer is not an identity provider this project trusts");
  }
  const server = c.var.deps.config.baseUrl;
  let claims;
  try {
    ({ payload: claims } = await jwtVerify(assertion, createLocalJWKSet(keys), {
      issuer,
      audience: [server, `${server}/api/platform/token`],
      typ: ID_JAG_TYPE,
      algorithms: [...ASSERTION_ALGORITHMS],
      requiredClaims: ["sub", "jti", "exp", "iat", "client_id"],
      clockTolerance: 30,
    }));
  } catch (error) {
    return await refuse(issuer, reasonOf(error));
  }
  const check = await checkClaims(claims, client, params);
  if ("refused" in check) return await refuse(issuer, check.refused, check.code);
  const result = await identityAssertionGrant(sql, client.projectId, {
    issuer,
    subject: String(claims.sub),
    jti: String(claims.jti),
    expiresAt: new Date(claims.exp! * 1000),
    email: check.email,
    clientId: client.clientId,
    scope: check.scope,
    resource: check.resource,
  }, proof);
  const grant = userGrant(result);
  const token = await userAccessToken(grant, await issueContext(c, client, proof));
  countTokenIssued("jwt_bearer", grant.environment ?? "live");
  return {
    access_token: token,
    token_type: proof ? "DPoP" : "Bearer",
    expires_in: grant.access_ttl,
    ...(grant.scope ? { scope: grant.scope } : {}),
  };
}

type Claims = Awaited<ReturnType<typeof jwtVerify>>["payload"];
type Checked =
  | { email: string; scope: string | null; resource: string | null }
  | { refused: string; code?: ErrorCode };

/** The assertion's own limits against the request: client, lifetime, email, and scope/resource only narrowed. */
function checkClaims(claims: Claims, client: AuthenticatedClient, params: OAuthParams): Checked {
  if (claims.client_id !== client.clientId) {
    return { refused: "the assertion was issued for another client (its client_id claim)" };
  }
  if (claims.exp! - Math.floor(Date.now() / 1000) > MAX_LIFETIME_SECONDS) {
    return { refused: `the assertion must expire within ${MAX_LIFETIME_SECONDS / 60} minutes` };
  }
  if (typeof claims.email !== "string" || claims.email.length === 0 || claims.email.length > 254) {
    return { refused: "the assertion must carry the person's email" };
  }
  const asserted = typeof claims.scope === "string" ? safeScope(claims.scope) : null;
  let requested: string | null;
  let resource: string | null;
  let requestedResource: string | null;
  try {
    requested = parseScope(params.scope);
    requestedResource = parseResource(params.resource);
    resource = typeof claims.resource === "string" ? parseResource(claims.resource) : requestedResource;
  } catch (error) {
    return { refused: (error as AppError).description, code: (error as AppError).code as ErrorCode };
  }
  if (requested !== null && asserted !== null && !requested.split(" ").every((s) => asserted.includes(s))) {
    return { refused: "the scope requested exceeds the assertion's scope", code: "invalid_scope" };
  }
  if (requestedResource !== null && requestedResource !== resource) {
    return {
      refused: "the resource requested differs from the assertion's resource",
      code: "invalid_target",
    };
  }
  return { email: claims.email, scope: requested ?? asserted?.join(" ") ?? null, resource };
}

function safeScope(scope: string): string[] | null {
  try {
    return parseScope(scope)?.split(" ") ?? null;
  } catch {
    return null;
  }
}
