/**
 * The token-family request and response shapes, as zod schemas. The endpoints validate with them and the
 * OpenAPI document (/api/openapi.json) is generated from them, so the reference cannot drift from the code.
 */
import { z } from "zod";
import { AppError } from "../http/errors.ts";
import type { OAuthParams } from "./params.ts";
import { CustomClaims, ProfileClaims, UserClaims } from "@/db/token_claims.ts";
import { MAX_ACCESS_TOKEN_LENGTH } from "../tokens/verify_access_token.ts";

const clientAuth = {
  client_id: z.string().optional().describe("With client_secret_post; optional with HTTP Basic."),
  client_secret: z.string().optional().describe("client_secret_post; omit when using HTTP Basic."),
  client_assertion_type: z.literal("urn:ietf:params:oauth:client-assertion-type:jwt-bearer").optional()
    .describe("private_key_jwt (RFC 7523), with client_assertion."),
  client_assertion: z.string().optional().describe(
    "private_key_jwt: a JWT signed with the client's registered key; iss = sub = client_id, aud the issuer, " +
      "exp within 10 minutes, a jti never used before.",
  ),
};

export const AuthorizationCodeRequest = z.object({
  grant_type: z.literal("authorization_code"),
  code: z.string().describe("The code from the hosted login's redirect."),
  redirect_uri: z.string().describe("The redirect_uri of the authorization request, exactly."),
  code_verifier: z.string().optional().describe("PKCE verifier; required when a code_challenge was sent."),
  resource: z.string().optional().describe(
    "RFC 8707: the resource the authorization request named (required for dynamically registered clients).",
  ),
  ...clientAuth,
});

export const RefreshTokenRequest = z.object({
  grant_type: z.literal("refresh_token"),
  refresh_token: z.string(),
  scope: z.string().optional().describe("A subset of the originally granted scope."),
  resource: z.string().optional().describe("RFC 8707: the resource the sign-in was for; it stays the aud."),
  ...clientAuth,
});

export const ClientCredentialsRequest = z.object({
  grant_type: z.literal("client_credentials"),
  scope: z.string().optional().describe("Space-separated; defaults to every scope the client may use."),
  resource: z.string().optional().describe("RFC 8707 resource indicator; becomes the token's aud."),
  ...clientAuth,
});

export const DeviceCodeRequest = z.object({
  grant_type: z.literal("urn:ietf:params:oauth:grant-type:device_code"),
  device_code: z.string().max(200).describe("The device_code from /api/platform/device_authorization."),
  resource: z.string().optional().describe("RFC 8707: the resource the device authorization named."),
  ...clientAuth,
});

export const TokenExchangeRequest = z.object({
  grant_type: z.literal("urn:ietf:params:oauth:grant-type:token-exchange"),
  subject_token: z.string().max(MAX_ACCESS_TOKEN_LENGTH).describe(
    "A person's access token issued by this project.",
  ),
  subject_token_type: z.string().describe("urn:ietf:params:oauth:token-type:access_token"),
  resource: z.string().optional().describe("The resource the new token is for (its aud); RFC 8707."),
  audience: z.string().optional().describe("Same as resource, when resource is not sent."),
  scope: z.string().optional().describe("A subset of the subject token's scope; default all of it."),
  requested_token_type: z.string().optional().describe("Only urn:ietf:params:oauth:token-type:access_token."),
  actor_token: z.string().optional().describe("Not used: the authenticated client is the actor."),
  ...clientAuth,
});

export const JwtBearerRequest = z.object({
  grant_type: z.literal("urn:ietf:params:oauth:grant-type:jwt-bearer"),
  assertion: z.string().max(16384).describe(
    "An identity assertion JWT (ID-JAG) from a trusted enterprise IdP.",
  ),
  scope: z.string().optional().describe("A subset of the assertion's scope; default all of it."),
  resource: z.string().optional().describe(
    "RFC 8707: must equal the assertion's resource when both are given.",
  ),
  ...clientAuth,
});

export const TokenRequest = z.discriminatedUnion("grant_type", [
  AuthorizationCodeRequest,
  RefreshTokenRequest,
  ClientCredentialsRequest,
  DeviceCodeRequest,
  TokenExchangeRequest,
  JwtBearerRequest,
]);

export const TokenResponse = z.object({
  access_token: z.string().describe("RS256 JWT, typ at+jwt."),
  issued_token_type: z.string().optional().describe("Token exchange only (RFC 8693)."),
  token_type: z.enum(["Bearer", "DPoP"]).describe(
    "DPoP when the access token is bound to a DPoP key (RFC 9449).",
  ),
  expires_in: z.number().int(),
  refresh_token: z.string().optional(),
  scope: z.string().optional(),
  id_token: z.string().optional().describe("When the openid scope was granted."),
});

export const TokenHandleRequest = z.object({
  token: z.string().describe("A refresh token or an access token."),
  token_type_hint: z.enum(["refresh_token", "access_token"]).optional(),
  ...clientAuth,
});

export const IntrospectionResponse = z.looseObject({
  active: z.boolean(),
  token_type: z.enum(["access_token", "DPoP", "refresh_token"]).optional().describe(
    "DPoP for an access token bound to a key (its cnf.jkt, RFC 9449 §6.2); access_token for another one.",
  ),
  sub: z.string().optional(),
  client_id: z.string().optional(),
  scope: z.string().optional(),
  exp: z.number().optional(),
  iat: z.number().optional(),
});

/** `custom_claims` and who a token's user is: the shapes SQL answers with (db/token_claims.ts). */
export { CustomClaims };
/** userinfo answers with this, and user grants start with it. */
/** The user's claims; the profile claims too when the access token has the profile scope. */
export const UserInfoResponse = UserClaims.extend(ProfileClaims.shape);

export const OAuthErrorResponse = z.object({
  error: z.string().describe("An RFC 6749 error code, e.g. invalid_grant."),
  error_description: z.string(),
});

/** Validates OAuth parameters; any problem is `invalid_request` naming the parameter. */
export function parseParams<S extends z.ZodType>(schema: S, params: OAuthParams): z.infer<S> {
  const result = schema.safeParse(params);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const name = issue.path.join(".") || "request";
  const missing = issue.code === "invalid_type" && params[name] === undefined;
  throw new AppError("invalid_request", {
    description: missing ? `The ${name} parameter is missing.` : `The ${name} parameter is invalid.`,
  });
}
