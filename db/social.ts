/** Typed call for social sign-in (db/api/login.sql). */
import { z } from "zod";
import { asApp, signUpContext, type Sql } from "./client.ts";

const Outcome = z.object({ user_id: z.string(), created: z.boolean(), linked: z.boolean() });

export type ProviderIdentity = {
  provider: "google" | "github" | "apple";
  subject: string;
  /** Null when the provider did not say (Apple, for a returning person): the subject must then be linked. */
  email: string | null;
  emailVerified: boolean;
};

/** The user behind a provider identity: found, linked by verified email, or created. */
export async function signInWithIdentity(
  sql: Sql,
  projectId: string,
  identity: ProviderIdentity,
  invitation?: string,
) {
  const [row] = await asApp(
    sql,
    projectId,
    (tx) =>
      tx`select api.sign_in_with_identity(${identity.provider}, ${identity.subject}, ${identity.email},
                                          ${identity.emailVerified}) as outcome`,
    signUpContext(invitation, `hosted_login:${identity.provider}`),
  );
  return Outcome.parse(row.outcome);
}
