/**
 * Typed calls for sign-ins Astapa's mail starts and the app then begins (OIDC Core §4 third-party initiated login,
 * docs/hosted-login.md "Sign-ins the app did not start"): what a /auth/start token names, and the admin's reset.
 */
import { z } from "zod";
import { asApp, type Sql, type Tx } from "./client.ts";
import { result } from "./result.ts";
import { sha256 } from "../lib/secrets.ts";

export const PendingLoginSchema = z.object({
  kind: z.enum(["reset_password", "waitlist_sign_up", "sso_sign_in"]),
  email: z.string(),
  initiate_login_uri: z.string().nullable(),
});
export type PendingLogin = z.infer<typeof PendingLoginSchema>;

/** What an /auth/start token of the project starts, or null (unknown, used or expired); reading uses nothing. */
export async function pendingLogin(sql: Sql, projectId: string, token: string): Promise<PendingLogin | null> {
  const [row] = await asApp(
    sql,
    projectId,
    async (tx) => tx`select api.pending_login(${await sha256(token)}) as pending`,
  );
  return row.pending ? PendingLoginSchema.parse(row.pending) : null;
}

export const PasswordResetSentSchema = z.object({
  sub: z.string().describe("The user mailed."),
  sent_to: z.string().describe("The address the reset link went to (the user's own)."),
});
export type PasswordResetSent = z.infer<typeof PasswordResetSentSchema>;

/** The mail without its address (SQL sends it to the user's own). */
export type ResetMail = { template: string; subject: string; text: string; html?: string };

/** Mails the user a reset link whose token's hash is `tokenHash` (api.send_password_reset). */
export function sendPasswordReset(
  tx: Tx,
  projectId: string,
  sub: string,
  tokenHash: Uint8Array,
  mail: ResetMail,
): Promise<PasswordResetSent> {
  return result(
    tx`select api.send_password_reset(${projectId}, ${sub}::bigint, ${tokenHash}, ${
      tx.json(mail)
    }) as result`,
    PasswordResetSentSchema,
  );
}
