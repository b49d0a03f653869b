/**
 * Typed calls for a first social sign-in (or phone code: db/phone.ts holds it) held until the person agrees to the
 * project's terms (db/api/held_social_sign_ups.sql, docs/hosted-login.md#legal-consent-at-sign-up).
 */
import { z } from "zod";
import { asApp, signUpContext, type Sql } from "./client.ts";
import { result } from "./result.ts";
import type { KeptAppleToken, ProviderIdentity } from "./social.ts";

/** What the held sign-in is finished with: the authorization request, and its guest and invitation as checked. */
export type HeldRequest = { query: string; guestSub?: string; invitation?: string };

/**
 * Holds `identity` for 10 minutes under the token whose hash is `tokenHash` (the browser keeps the token), with
 * Apple's refresh token sealed (`kept`) for the account the step makes.
 */
export async function holdSocialSignUp(
  sql: Sql,
  projectId: string,
  tokenHash: Uint8Array,
  identity: ProviderIdentity,
  request: HeldRequest,
  kept?: KeptAppleToken,
): Promise<void> {
  await asApp(sql, projectId, async (tx) => {
    await tx`select api.hold_social_sign_up(${tokenHash}, ${identity.provider}, ${identity.subject},
      ${identity.email}, ${identity.emailVerified}, ${JSON.stringify(identity.profile ?? {})}::text::jsonb,
      ${request.query}, ${request.guestSub ?? null}::bigint, ${request.invitation ?? null},
      ${kept?.clientId ?? null}, ${kept?.tokenSealed ?? null})`;
  }, { actor: `hosted_login:${identity.provider}` });
}

const SocialProvider = z.enum(["google", "github", "apple", "microsoft"]);

const Held = z.object({
  kind: z.enum(["social", "phone", "email"]),
  provider: SocialProvider.nullable(),
  sign_in_request: z.string(),
  usable: z.boolean(),
}).nullable();

/** The held sign-in behind the token's hash and whether it can still be finished; null when unknown. */
export async function heldSocialSignUp(sql: Sql, projectId: string, tokenHash: Uint8Array) {
  return await asApp(
    sql,
    projectId,
    (tx) => result(tx`select api.held_social_sign_up(${tokenHash}) as result`, Held),
  );
}

const SignedIn = {
  status: z.literal("signed_in"),
  user_id: z.string(),
  created: z.boolean(),
  sign_in_request: z.string(),
};
const Finished = z.union([
  z.object({
    ...SignedIn,
    kind: z.literal("social"),
    linked: z.boolean(),
    provider: SocialProvider,
  }),
  // A held phone code: the channel it came by, for the amr.
  z.object({ ...SignedIn, kind: z.literal("phone"), channel: z.enum(["whatsapp", "sms"]) }),
  // A held email code (or magic link): the account it made, as the code's own page would go on.
  z.object({ ...SignedIn, kind: z.literal("email") }),
  // Unknown, used or expired: nothing left to finish.
  z.object({ status: z.literal("expired") }),
  // The account needs the person's consent, not given: nothing used.
  z.object({ status: z.literal("consent_missing") }),
  // Phone and email codes, nothing used: their sign-ups turned off, or the number or address on an account meanwhile.
  // kind email for an emailed code's (a phone code's say none).
  z.object({ status: z.literal("no_account"), kind: z.enum(["phone", "email"]) }),
  z.object({ status: z.literal("taken"), kind: z.enum(["phone", "email"]) }),
]);

/**
 * Signs in with the held identity, once, in one call: the function reads the held row's provider (the audit
 * actor), guest and invitation itself, tells an expired step from missing consent, and answers the held
 * authorization request to finish with. `legalConsent`: the page's box, ticked.
 */
export async function signUpWithHeldIdentity(
  sql: Sql,
  projectId: string,
  tokenHash: Uint8Array,
  legalConsent = true,
) {
  return await asApp(
    sql,
    projectId,
    (tx) => result(tx`select api.sign_up_with_held_identity(${tokenHash}) as result`, Finished),
    // The actor, invitation and guest are the held row's, set by the function.
    signUpContext(undefined, "hosted_login", undefined, legalConsent),
  );
}
