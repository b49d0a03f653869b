/**
 * Typed calls for a first social sign-in held until the person agrees to the project's terms
 * (db/api/held_social_sign_ups.sql, docs/hosted-login.md#legal-consent-at-sign-up).
 */
import { z } from "zod";
import { asApp, signUpContext, type Sql } from "./client.ts";
import { result } from "./result.ts";
import type { ProviderIdentity } from "./social.ts";

/** Holds `identity` for 10 minutes under the token whose hash is `tokenHash` (the browser keeps the token). */
export async function holdSocialSignUp(
  sql: Sql,
  projectId: string,
  tokenHash: Uint8Array,
  identity: ProviderIdentity,
  signInRequest: string,
): Promise<void> {
  await asApp(sql, projectId, async (tx) => {
    await tx`select api.hold_social_sign_up(${tokenHash}, ${identity.provider}, ${identity.subject},
      ${identity.email}, ${identity.emailVerified}, ${JSON.stringify(identity.profile ?? {})}::text::jsonb,
      ${signInRequest})`;
  }, { actor: `hosted_login:${identity.provider}` });
}

const Held = z.object({
  provider: z.enum(["google", "github", "apple", "microsoft"]),
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

const Finished = z.object({
  user_id: z.string(),
  created: z.boolean(),
  linked: z.boolean(),
  sign_in_request: z.string(),
}).nullable();

/**
 * Signs in with the held identity, once, the person having agreed to the terms (the account records it); null
 * when the token is unknown, used or expired. `invitation` and `guestSub`: the request's, as at the callback;
 * `legalConsent`: the page's box, ticked.
 */
export async function signUpWithHeldIdentity(
  sql: Sql,
  projectId: string,
  tokenHash: Uint8Array,
  provider: string,
  invitation?: string,
  guestSub?: string,
  legalConsent = true,
) {
  return await asApp(
    sql,
    projectId,
    (tx) =>
      result(
        tx`select api.sign_up_with_held_identity(${tokenHash}, ${guestSub ?? null}::bigint) as result`,
        Finished,
      ),
    signUpContext(invitation, `hosted_login:${provider}`, guestSub, legalConsent),
  );
}
