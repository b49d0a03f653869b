/** Typed call for social sign-in (db/api/login.sql; Apple's kept refresh token: db/api/apple_lifecycle.sql). */
import { z } from "zod";
import { asApp, signUpContext, type Sql, type Tx } from "./client.ts";

const Outcome = z.object({ user_id: z.string(), created: z.boolean(), linked: z.boolean() });

export type ProviderIdentity = {
  provider: "google" | "github" | "apple" | "microsoft";
  subject: string;
  /** Null when the provider did not say (Apple, for a returning person): the subject must then be linked. */
  email: string | null;
  emailVerified: boolean;
  /** The profile claims the provider gave (lib/login/social/profile_claims.ts), for api.fill_profile. */
  profile?: Record<string, unknown>;
  /** Apple: the refresh token of the code exchange, in clear only until it is sealed (never logged). */
  refreshToken?: string | null;
};

/** An Apple refresh token to keep on the identity: sealed, and the Services ID it was issued to. */
export type KeptAppleToken = { clientId: string; tokenSealed: string };

/**
 * The user behind a provider identity: found, linked by verified email, or created (keeping Apple's token). A
 * new user or a first link takes the provider's profile into the fields still empty (api.fill_profile), in the
 * same transaction. `guestSub`: a guest signing up with Google, GitHub or Apple, whose row a new identity and
 * address go onto (api.sign_up_guest_with_identity, docs/anonymous-users.md). `legalConsent`: started from the
 * sign-up form with "I agree" ticked (a new account needs it under settings.sign_up.require_legal_consent).
 */
export function signInWithIdentity(
  sql: Sql,
  projectId: string,
  identity: ProviderIdentity,
  invitation?: string,
  kept?: KeptAppleToken,
  guestSub?: string,
  legalConsent = false,
) {
  return asApp(
    sql,
    projectId,
    async (tx) => {
      const [row] = kept
        ? await tx`select api.sign_in_with_apple(${identity.subject}, ${identity.email}, ${identity.emailVerified},
                                                 ${kept.clientId}, ${kept.tokenSealed}) as outcome`
        : guestSub !== undefined
        ? await tx`select api.sign_up_guest_with_identity(${guestSub}::bigint, ${identity.provider},
                                                          ${identity.subject}, ${identity.email},
                                                          ${identity.emailVerified}) as outcome`
        : await tx`select api.sign_in_with_identity(${identity.provider}, ${identity.subject}, ${identity.email},
                                                    ${identity.emailVerified}) as outcome`;
      const outcome = Outcome.parse(row.outcome);
      if ((outcome.created || outcome.linked) && identity.profile) {
        await fillProfile(tx, outcome.user_id, identity.provider, identity.profile);
      }
      return outcome;
    },
    // Sign in with Apple reads the guest from the context (api.sign_in_with_apple, astapa.signing_up_guest).
    signUpContext(invitation, `hosted_login:${identity.provider}`, guestSub, legalConsent),
  );
}

/** Fills the user's empty profile fields from what a provider gave (db/api/profile.sql). */
export async function fillProfile(
  tx: Tx,
  userId: string,
  provider: string,
  profile: Record<string, unknown>,
) {
  await tx`select api.fill_profile(${userId}::bigint, ${provider}, ${JSON.stringify(profile)}::text::jsonb)`;
}

/**
 * Queues the revocation of the token of an Apple sign-in that made no account (db/api/apple_lifecycle.sql);
 * false when the project knows the person by the subject (their identity keeps its own token).
 */
export function discardAppleToken(sql: Sql, projectId: string, subject: string, kept: KeptAppleToken) {
  return asApp(sql, projectId, async (tx) => {
    const [row] =
      await tx`select api.discard_apple_token(${subject}, ${kept.clientId}, ${kept.tokenSealed}) as queued`;
    return row.queued as boolean;
  });
}
