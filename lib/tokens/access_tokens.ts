/**
 * Access tokens (RFC 9068 profile, plus the claims the product page promises) and OpenID ID tokens.
 * Claims come from the grant functions in SQL, read fresh at every issue.
 */
import { signJwt } from "./jws.ts";
import type { SigningKey } from "./signing_keys.ts";
import type { z } from "zod";
import { acrFor } from "@/lib/login/factors/policy.ts";
import type { ProfileClaims as ProfileClaimsSchema } from "@/db/token_claims.ts";

/** What SQL returns for a user grant (see astapa.grant_result). */
export type UserGrant = {
  sub: string;
  /** Absent for a user with only a phone. */
  email?: string;
  email_verified?: boolean;
  /** E.164, when the user has a phone (OIDC standard claims). */
  phone_number?: string;
  phone_number_verified?: boolean;
  project_id: string;
  /** Present, as true, only on a guest's tokens (docs/anonymous-users.md). */
  is_anonymous?: true;
  /** Present, as "sandbox", only on sandbox users' tokens. */
  environment?: "sandbox";
  /** The OIDC profile claims the user has, only when the grant has the profile scope: for the ID token alone. */
  profile?: ProfileClaims;
  custom_claims: { plan: string; role?: string; feature_flags: string[]; [key: string]: unknown };
  scope?: string;
  resource?: string;
  auth_time?: number;
  /** How the person signed in (RFC 8176: pwd, otp, mfa; fed for Google/GitHub). */
  amr?: string[];
  nonce?: string;
  access_ttl: number;
  refresh_expires_in?: number;
  /** Support staff signed in as the person (docs/impersonation.md): RFC 8693's act, in both tokens. */
  act?: { sub: string; impersonation_id: string };
  /** The lookup id of the refresh token the grant created (null: a retry answered with an older token). */
  refresh_token_id?: string | null;
  /** The hosted-login session's public id (OIDC Back-Channel Logout's sid), in the ID token. */
  sid?: string;
  /** The active organization while the person is its member (docs/organizations.md). */
  organization?: OrganizationClaims;
  /** Its team plan's {org_plan, org_feature_flags}, added to custom_claims (docs/organizations.md). */
  organization_custom_claims?: { org_plan?: string; org_feature_flags?: string[] };
};

/** OpenID Connect Core §5.1 profile claims (astapa.profile_claims); updated_at is a NumericDate. */
export type ProfileClaims = z.infer<typeof ProfileClaimsSchema>;

/** org_id, org_slug, org_role, org_permissions: the active organization's claims, top level in both tokens. */
export type OrganizationClaims = {
  org_id: string;
  org_slug: string;
  org_role: string;
  org_permissions: string[];
};

/** jkt: the DPoP key the access token is bound to (RFC 9449 §6: cnf.jkt), when the request proved one. */
export type IssueContext = { issuer: string; clientId: string; key: SigningKey; now?: number; jkt?: string };

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** The RFC 9068 claims every access token carries; aud is the client, or the resource it asked for. */
function accessToken(
  ctx: IssueContext,
  grant: { resource?: string; scope?: string; access_ttl: number },
  subject: Record<string, unknown>,
): Promise<string> {
  const iat = ctx.now ?? nowSeconds();
  return signJwt(ctx.key, "at+jwt", {
    ...subject,
    iss: ctx.issuer,
    aud: grant.resource ?? ctx.clientId,
    exp: iat + grant.access_ttl,
    iat,
    jti: crypto.randomUUID(),
    client_id: ctx.clientId,
    ...(grant.scope ? { scope: grant.scope } : {}),
    ...(ctx.jkt ? { cnf: { jkt: ctx.jkt } } : {}),
  });
}

/** amr, acr and auth_time: how and when the person signed in (OIDC Core §2, RFC 8176, RFC 9068 §2.2.1). */
function authenticationClaims(grant: UserGrant) {
  const amr = grant.amr ?? ["pwd"];
  return { ...(grant.auth_time ? { auth_time: grant.auth_time } : {}), amr, acr: acrFor(amr) };
}

/** The OIDC standard claims the user has (email, phone), leaving out those they lack; a guest has none. */
function contactClaims(grant: UserGrant) {
  return {
    ...(grant.is_anonymous ? { is_anonymous: true } : {}),
    ...(grant.email !== undefined ? { email: grant.email, email_verified: grant.email_verified } : {}),
    ...(grant.phone_number !== undefined
      ? { phone_number: grant.phone_number, phone_number_verified: grant.phone_number_verified }
      : {}),
  };
}

/**
 * The user's access token, with the product page's claims first; `extra`: token exchange's `act` (RFC 8693), else
 * an impersonation's.
 */
export function userAccessToken(
  grant: UserGrant,
  ctx: IssueContext,
  extra: { act?: Record<string, unknown> } = {},
): Promise<string> {
  const act = extra.act ?? grant.act;
  return accessToken(ctx, grant, {
    ...(act ? { act } : {}),
    sub: grant.sub,
    ...contactClaims(grant),
    project_id: grant.project_id,
    // The active organization's team plan sits beside the person's own plan, never replacing it.
    custom_claims: { ...grant.custom_claims, ...grant.organization_custom_claims },
    ...(grant.environment ? { environment: grant.environment } : {}),
    ...grant.organization,
    ...authenticationClaims(grant),
  });
}

/**
 * OpenID Connect ID token, when the grant includes the openid scope. With the profile scope it carries the profile
 * claims too: §5.4 sends them to userinfo when an access token is issued, but apps read them from the ID token, as
 * Google's and Auth0's carry them (docs/identity.md). The access token never does (the product page's claims).
 */
export function idToken(grant: UserGrant, ctx: IssueContext): Promise<string> {
  const iat = ctx.now ?? nowSeconds();
  return signJwt(ctx.key, "JWT", {
    iss: ctx.issuer,
    sub: grant.sub,
    aud: ctx.clientId,
    exp: iat + grant.access_ttl,
    iat,
    ...authenticationClaims(grant),
    ...(grant.act ? { act: grant.act } : {}),
    ...(grant.nonce ? { nonce: grant.nonce } : {}),
    ...(grant.sid ? { sid: grant.sid } : {}),
    ...contactClaims(grant),
    ...grant.profile,
    ...grant.organization,
  });
}

export type ClientGrant = { project_id: string; scope?: string; resource?: string; access_ttl: number };

/** A machine token (client_credentials): the client is its own subject. */
export function clientAccessToken(grant: ClientGrant, ctx: IssueContext): Promise<string> {
  return accessToken(ctx, grant, { sub: ctx.clientId, project_id: grant.project_id });
}
