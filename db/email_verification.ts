/** Typed calls for the mailed confirmation link (api.email_verification, api.confirm_email). */
import { z } from "zod";
import { asApp, type Sql } from "./client.ts";
import { sha256 } from "../lib/secrets.ts";
import { result } from "./result.ts";
import type { ClaimNotice } from "@/lib/login/claimed_mail.ts";
import { Claimed, tellClaim } from "./claim_notice.ts";

const VerificationLink = z.object({
  user_id: z.string(),
  email: z.string(),
  password_hash: z.string().nullable(),
});
export type VerificationLink = z.infer<typeof VerificationLink>;

const Row = z.object({
  link: z.object({ user_id: z.string(), email: z.string() }).nullable(),
  account: z.object({ id: z.string(), password_hash: z.string().nullable() }).nullable(),
});

/**
 * The account an unused, unexpired confirmation link names, with its password hash (api.user_for_sign_in) so
 * the page can check a typed password; null otherwise. Reading it does not use the link.
 */
export async function verificationLink(
  sql: Sql,
  projectId: string,
  token: string,
): Promise<VerificationLink | null> {
  const tokenHash = await sha256(token);
  const [row] = await asApp(
    sql,
    projectId,
    (tx) =>
      tx`select l as link, api.user_for_sign_in(${projectId}, l ->> 'email') as account
       from api.email_verification(${tokenHash}) as l`,
  );
  const { link, account } = Row.parse(row);
  // The address's account in the project's current environment: one of the other environment is not shown.
  if (!link || account?.id !== link.user_id) return null;
  return { ...link, password_hash: account.password_hash };
}

/**
 * What confirms the address and keeps the account as it is: the stored hash the typed password was verified
 * against, or this browser's session of the same account. Without either the mailbox's owner claims the account.
 */
export type Kept = { passwordHash: string } | { sessionToken: string } | null;

/** Uses the link; returns the user's id. A claim's notice is queued in the same transaction. */
export async function confirmEmail(
  sql: Sql,
  projectId: string,
  token: string,
  kept: Kept,
  notice: ClaimNotice,
): Promise<string> {
  const passwordHash = kept && "passwordHash" in kept ? kept.passwordHash : null;
  const sessionHash = kept && "sessionToken" in kept ? await sha256(kept.sessionToken) : null;
  return await asApp(sql, projectId, async (tx) => {
    const confirmed = await result(
      tx`select api.confirm_email(${await sha256(token)}, ${passwordHash}, ${sessionHash}) as result`,
      z.object({ user_id: z.string() }).merge(Claimed),
    );
    await tellClaim(tx, projectId, confirmed, notice);
    return confirmed.user_id;
  }, { actor: "hosted_login" });
}
