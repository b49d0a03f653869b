/** Typed calls for the mailed confirmation link (api.confirmation_question, api.confirm_email). */
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
  /** The browser's session (the token passed) is a live one of this account. */
  signed_in: z.boolean(),
  /** The account has a passkey already (the confirmation offers none then). */
  has_passkey: z.boolean(),
});
export type VerificationLink = z.infer<typeof VerificationLink>;

/**
 * The account an unused, unexpired confirmation link names, with its password hash (so the page can check a
 * typed password), whether `sessionToken` is this browser's live session of it and whether it has a passkey
 * (api.confirmation_question, one call); null otherwise. Reading it does not use the link.
 */
export async function verificationLink(
  sql: Sql,
  projectId: string,
  token: string,
  sessionToken?: string,
): Promise<VerificationLink | null> {
  const tokenHash = await sha256(token);
  const sessionHash = sessionToken ? await sha256(sessionToken) : null;
  const [row] = await asApp(
    sql,
    projectId,
    (tx) => tx`select api.confirmation_question(${tokenHash}, ${sessionHash}) as link`,
  );
  return VerificationLink.nullable().parse(row.link);
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
