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
  custom_claims: CustomClaims,
});

/**
 * A grant the SQL refused (a code or refresh token no longer valid, a user gone): lib/http/errors.ts maps it
 * to the OAuth `invalid_grant` answer, so db/ stays free of HTTP and OAuth types.
 */
export class GrantRefused extends Error {
  override name = "GrantRefused";
}
