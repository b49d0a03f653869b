/**
 * OpenID Connect Back-Channel Logout 1.0 received from an organization's IdP (docs/enterprise-sso.md "Back-channel
 * logout from the IdP"): the IdP POSTs a logout token to the connection's URL when the person's IdP session ends.
 * It is validated exactly as §2.6 says — a JWT signed by a key at the connection's jwks_uri (the one the sign-in
 * discovers, fetched through the same SSRF guard) with an algorithm the sign-in accepts, `iss` the connection's
 * issuer, `aud` holding its client id, `iat` recent, `exp` (when present) not passed, a `jti`, the back-channel
 * logout event as a JSON object, a `sub` or `sid`, and no `nonce` (which is how an ID token replayed as a logout
 * token is told apart) — before db/oidc_backchannel_logout.ts records the jti once and ends the sessions.
 * Not to be confused with lib/oauth's back-channel logout, which Astapa *sends* to the apps.
 */
import * as jose from "jose";
import * as oauth from "oauth4webapi";
import type { Ctx } from "@/lib/app_env.ts";
import { metadataFetchOptions } from "@/lib/oauth/metadata_document_clients.ts";
import { discover, onSigningKeysRotated } from "../social/oidc.ts";
import { idpRequestOptions } from "./guarded_fetch.ts";
import type { OidcConnection } from "./sign_in.ts";

/** The event a logout token carries (§2.4). */
export const BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout";

/** How far the IdP's clock may be ahead of ours, and how old (by `iat`) a logout token may be. */
export const CLOCK_SKEW_S = 5 * 60;
export const MAX_TOKEN_AGE_S = 10 * 60;

/** The largest logout token taken (a compact JWT with a handful of claims is well under 2 KiB). */
export const MAX_TOKEN_CHARS = 8 * 1024;

// What the sign-in's ID token validation (oauth4webapi) may accept: asymmetric algorithms only, never none or HS*.
const ASYMMETRIC = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
  "Ed25519",
];

// Explicit typing (§2.4): `logout+jwt` is recommended, and a token without `typ` must still be taken; `JWT` is what
// IdPs that do not type their logout tokens put there. Any other type is some other token.
const TYPES = new Set([undefined, "logout+jwt", "application/logout+jwt", "jwt", "application/jwt"]);

/** Why a logout token was refused: a fixed reason (logged, never the token) and the answer's description. */
export class LogoutTokenRefused extends Error {
  constructor(readonly reason: `bcl_${string}`, readonly description: string) {
    super(reason);
  }
}

/** What a verified logout token names, and until when its jti must be remembered. */
export type VerifiedLogoutToken = {
  jti: string;
  subject: string | null;
  sid: string | null;
  expiresAt: Date;
};

type GuardedFetch = NonNullable<ReturnType<typeof idpRequestOptions>[typeof oauth.customFetch]>;

// One remote key set per jwks_uri (jose caches the keys, and fetches again for an unknown kid after a cooldown);
// each fetch goes through the guard as the deployment's settings say at the time of the request.
type KeySet = { keys: ReturnType<typeof jose.createRemoteJWKSet>; fetch: GuardedFetch };
const keySets = new Map<string, KeySet>();
// A sign-in that found the IdP signing with a new key: this set forgets its keys too, so a logout token signed
// with the new key is not refused while jose's cooldown (30 s since its last fetch) would keep the old set.
onSigningKeysRotated((jwksUri) => keySets.delete(jwksUri));

function keySetOf(c: Ctx, connection: OidcConnection, jwksUri: string) {
  const { deps } = c.var;
  const timeoutMs = deps.config.socialTimeoutMs;
  // The same guarded request as the sign-in's JWKS fetch (no internal address, pinned, bounded answer).
  const fetch = idpRequestOptions(
    metadataFetchOptions(deps),
    connection.issuer,
    timeoutMs,
  )[oauth.customFetch]!;
  const known = keySets.get(jwksUri);
  if (known) {
    known.fetch = fetch;
    return known.keys;
  }
  const entry: KeySet = {
    fetch,
    keys: jose.createRemoteJWKSet(new URL(jwksUri), {
      timeoutDuration: timeoutMs,
      [jose.customFetch]: (url, options): Promise<Response> =>
        entry.fetch(url, {
          method: "GET",
          headers: Object.fromEntries(new Headers(options.headers).entries()),
          redirect: "manual",
          signal: options.signal ?? AbortSignal.timeout(timeoutMs),
          body: undefined,
        }),
    }),
  };
  keySets.set(jwksUri, entry);
  return entry.keys;
}

/** The algorithms the sign-in accepts for this IdP's ID tokens: those it advertises (asymmetric), else RS256. */
function algorithmsOf(advertised: unknown): string[] {
  const listed = Array.isArray(advertised) ? advertised.filter((alg) => ASYMMETRIC.includes(alg)) : [];
  return Array.isArray(advertised) ? listed : ["RS256"];
}

/** Verifies a logout token for the connection (§2.6), or throws LogoutTokenRefused. */
export async function verifyLogoutToken(
  c: Ctx,
  connection: OidcConnection,
  token: string,
): Promise<VerifiedLogoutToken> {
  if (token.length > MAX_TOKEN_CHARS) {
    throw new LogoutTokenRefused("bcl_malformed", "The logout_token is too long.");
  }
  let header: jose.ProtectedHeaderParameters;
  try {
    header = jose.decodeProtectedHeader(token);
  } catch {
    throw new LogoutTokenRefused("bcl_malformed", "The logout_token is not a signed JWT.");
  }
  // The header is the sender's JSON, unverified as yet: a typ that is no string is no logout token's.
  const typ = typeof header.typ === "string"
    ? header.typ.toLowerCase()
    : header.typ === undefined
    ? undefined
    : null;
  if (typ === null || !TYPES.has(typ)) {
    throw new LogoutTokenRefused("bcl_type", `A logout token is not typed ${header.typ}.`);
  }
  const { deps } = c.var;
  let as;
  try {
    as = await discover(
      connection.issuer,
      idpRequestOptions(metadataFetchOptions(deps), connection.issuer, deps.config.socialTimeoutMs),
    );
  } catch {
    throw new LogoutTokenRefused("bcl_idp_unreachable", "The identity provider's keys could not be fetched.");
  }
  if (!as.jwks_uri) {
    throw new LogoutTokenRefused("bcl_idp_unreachable", "The identity provider publishes no keys.");
  }
  let payload: jose.JWTPayload;
  try {
    ({ payload } = await jose.jwtVerify(token, keySetOf(c, connection, as.jwks_uri), {
      algorithms: algorithmsOf(as.id_token_signing_alg_values_supported),
      issuer: connection.issuer,
      audience: connection.idp_client_id,
      requiredClaims: ["iat", "jti"],
      clockTolerance: CLOCK_SKEW_S,
    }));
  } catch (error) {
    throw refusalOf(error);
  }
  return logoutClaims(payload);
}

function refusalOf(error: unknown): LogoutTokenRefused {
  const { errors } = jose;
  if (error instanceof errors.JWTClaimValidationFailed) {
    const reason = error.claim === "iss"
      ? "bcl_issuer"
      : error.claim === "aud"
      ? "bcl_audience"
      : "bcl_claims";
    return new LogoutTokenRefused(reason, `The logout token's ${error.claim} claim is not accepted.`);
  }
  if (error instanceof errors.JWTExpired) {
    return new LogoutTokenRefused("bcl_expired", "The logout token has expired.");
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
    return new LogoutTokenRefused("bcl_algorithm", "The logout token's algorithm is not accepted.");
  }
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) {
    return new LogoutTokenRefused("bcl_malformed", "The logout_token is not a signed JWT.");
  }
  if (
    error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JWKSNoMatchingKey ||
    error instanceof errors.JWKSMultipleMatchingKeys
  ) {
    return new LogoutTokenRefused(
      "bcl_signature",
      "The logout token is not signed by the identity provider.",
    );
  }
  // The key set could not be fetched or read (the IdP down, refused by the address guard, a broken answer).
  return new LogoutTokenRefused("bcl_idp_unreachable", "The identity provider's keys could not be fetched.");
}

/** §2.6 steps 4–10 on a payload whose signature, issuer and audience held. */
export function logoutClaims(payload: jose.JWTPayload, now = Date.now() / 1000): VerifiedLogoutToken {
  const iat = payload.iat!;
  if (iat > now + CLOCK_SKEW_S || iat < now - MAX_TOKEN_AGE_S - CLOCK_SKEW_S) {
    throw new LogoutTokenRefused(
      "bcl_expired",
      "The logout token was not issued within the last ten minutes.",
    );
  }
  const events = payload.events;
  const event = events && typeof events === "object" && !Array.isArray(events)
    ? (events as Record<string, unknown>)[BACKCHANNEL_LOGOUT_EVENT]
    : undefined;
  if (!event || typeof event !== "object" || Array.isArray(event)) {
    throw new LogoutTokenRefused(
      "bcl_events",
      `A logout token's events claim holds ${BACKCHANNEL_LOGOUT_EVENT} as a JSON object.`,
    );
  }
  if ("nonce" in payload) {
    throw new LogoutTokenRefused("bcl_nonce", "A logout token carries no nonce.");
  }
  const jti = payload.jti;
  if (typeof jti !== "string" || jti.length < 1 || jti.length > 255) {
    throw new LogoutTokenRefused("bcl_claims", "The logout token's jti claim is not accepted.");
  }
  const named = (value: unknown) => typeof value === "string" && value.length >= 1 && value.length <= 255;
  const { sub, sid } = payload as { sub?: unknown; sid?: unknown };
  if (
    (sub !== undefined && !named(sub)) || (sid !== undefined && !named(sid)) ||
    (sub === undefined && sid === undefined)
  ) {
    throw new LogoutTokenRefused("bcl_subject", "A logout token names a sub, a sid or both, as strings.");
  }
  // The jti is remembered for as long as the token could be accepted (by its iat; exp may say later).
  const until = Math.max(iat + MAX_TOKEN_AGE_S + CLOCK_SKEW_S, now);
  return {
    jti,
    subject: (sub as string | undefined) ?? null,
    sid: (sid as string | undefined) ?? null,
    expiresAt: new Date(until * 1000),
  };
}
