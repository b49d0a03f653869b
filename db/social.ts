/** Typed call for social sign-in (db/api/login.sql; Apple's kept refresh token: db/api/apple_lifecycle.sql). */
import { z } from "zod";
import { asApp, signUpContext, type Sql } from "./client.ts";

const Outcome = z.object({ user_id: z.string(), created: z.boolean(), linked: z.boolean() });

export type ProviderIdentity = {
  provider: "google" | "github" | "apple";
  subject: string;
  /** Null when the provider did not say (Apple, for a returning person): the subject must then be linked. */
  email: string | null;
  emailVerified: boolean;
  /** Apple: the refresh token of the code exchange, in clear only until it is sealed (never logged). */
  refreshToken?: string | null;
};

/** An Apple refresh token to keep on the identity: sealed, and the Services ID it was issued to. */
export type KeptAppleToken = { clientId: string; tokenSealed: string };

/** The user behind a provider identity: found, linked by verified email, or created (keeping Apple's token). */
export async function signInWithIdentity(
  sql: Sql,
  projectId: string,
  identity: ProviderIdentity,
  invitation?: string,
  kept?: KeptAppleToken,
) {
  const [row] = await asApp(
    sql,
    projectId,
    (tx) =>
      kept
        ? tx`select api.sign_in_with_apple(${identity.subject}, ${identity.email}, ${identity.emailVerified},
                                           ${kept.clientId}, ${kept.tokenSealed}) as outcome`
        : tx`select api.sign_in_with_identity(${identity.provider}, ${identity.subject}, ${identity.email},
                                              ${identity.emailVerified}) as outcome`,
    signUpContext(invitation, `hosted_login:${identity.provider}`),
  );
  return Outcome.parse(row.outcome);
}
