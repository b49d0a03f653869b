/**
 * What SQL's grant functions answer with: claims (api.token_claims) as zod schemas, or a refusal. They live beside the
 * SQL that produces them; lib/oauth/schemas.ts publishes them as the userinfo and claims responses.
 */
import { z } from "zod";

/** `custom_claims` exactly as tokens carry it (api.token_claims). */
export const CustomClaims = z.looseObject({
  plan: z.string(),
  role: z.string().optional(),
  feature_flags: z.array(z.string()),
  trial_ends_at: z.number().int().optional().describe(
    "While the plan is a free trial: when it ends (seconds since 1970, like exp).",
  ),
});

/** Who a token's user is; userinfo answers with this, and user grants start with it. */
export const UserClaims = z.object({
  sub: z.string(),
  // A user has an email, a phone, or both: the claims of what they lack are left out.
  email: z.string().optional(),
  email_verified: z.boolean().optional(),
  phone_number: z.string().optional(),
  phone_number_verified: z.boolean().optional(),
  project_id: z.string(),
  /** Only a guest's (docs/anonymous-users.md): true; absent for everyone else. */
  is_anonymous: z.literal(true).optional(),
  custom_claims: CustomClaims,
});

/**
 * The OpenID Connect profile claims a user has (OIDC Core §5.1; astapa.profile_claims): in the ID token and
 * userinfo of a grant with the profile scope, never in the access token.
 */
export const ProfileClaims = z.object({
  name: z.string().optional(),
  given_name: z.string().optional(),
  family_name: z.string().optional(),
  picture: z.string().optional().describe("An https URL of the person's picture."),
  locale: z.string().optional().describe("A BCP 47 language tag, e.g. id-ID."),
  nickname: z.string().optional(),
  middle_name: z.string().optional(),
  preferred_username: z.string().optional().describe("A name the person goes by; not unique, never a key."),
  website: z.string().optional().describe("An http(s) URL of the person's web page or blog."),
  zoneinfo: z.string().optional().describe("An IANA time zone, e.g. Asia/Jakarta."),
  birthdate: z.string().optional().describe("YYYY-MM-DD, or 0000-MM-DD when the year is withheld."),
  gender: z.string().optional(),
  updated_at: z.number().int().optional().describe("When the profile last changed (seconds since 1970)."),
});

/** The names of the profile claims, updated_at last (the discovery document's claims_supported lists them). */
export const PROFILE_CLAIM_NAMES = Object.keys(
  ProfileClaims.shape,
) as (keyof z.infer<typeof ProfileClaims>)[];

/**
 * A grant the SQL refused (a code or refresh token no longer valid, a user gone): lib/http/errors.ts maps it
 * to the OAuth `invalid_grant` answer, so db/ stays free of HTTP and OAuth types.
 */
export class GrantRefused extends Error {
  override name = "GrantRefused";
}
