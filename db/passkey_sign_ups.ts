/** Typed calls for sign-up on a passkeys-only project (db/api/passkey_sign_ups.sql). */
import { z } from "zod";
import { asApp, signUpContext, type Sql } from "./client.ts";
import { result } from "./result.ts";
import type { NewPasskey } from "./passkeys.ts";
import type { Mail } from "@/lib/login/mail.ts";
import type { ClaimNotice } from "@/lib/login/claimed_mail.ts";
import { Claimed, tellClaim } from "./claim_notice.ts";

/** Mails the code of a new attempt (token and code as hashes); silent (false) when nobody qualifies. */
export async function mailPasskeySignUpCode(
  sql: Sql,
  projectId: string,
  email: string,
  hashes: { token: Uint8Array; code: Uint8Array },
  mail: Mail,
): Promise<boolean> {
  return await asApp(sql, projectId, (tx) =>
    result(
      tx`select api.mail_passkey_sign_up_code(${email}, ${hashes.token}, ${hashes.code}, ${mail.subject},
        ${mail.body}, ${mail.html}) as result`,
      z.boolean(),
    ), { actor: "hosted_login" });
}

/**
 * The user a right code proves (created, verified, when new), or null; a wrong code spends a try. A proof that
 * claimed an existing account (its address was unproven) queues `notice` with what the claim removed.
 */
export async function provePasskeySignUp(
  sql: Sql,
  projectId: string,
  tokenHash: Uint8Array,
  codeHash: Uint8Array,
  notice: ClaimNotice,
  invitation?: string,
  guestSub?: string,
  legalConsent = false,
): Promise<{ user_id: string } | null> {
  return await asApp(
    sql,
    projectId,
    async (tx) => {
      const proven = await result(
        tx`select api.prove_passkey_sign_up(${tokenHash}, ${codeHash}) as result`,
        z.object({ user_id: z.string() }).merge(Claimed).nullable(),
      );
      await tellClaim(tx, projectId, proven, notice);
      return proven && { user_id: proven.user_id };
    },
    signUpContext(invitation, undefined, guestSub, legalConsent),
  );
}

const Opened = z.union([
  z.object({ wait: z.literal(0), user_id: z.string(), user_name: z.string() }),
  z.object({ wait: z.number().int().positive() }),
]);

/**
 * Opens a register challenge for a proven attempt's user, counted against `limit.address`: who it is for, or
 * the seconds to wait (nothing opened). AS403 (forbidden) when the attempt is not proven or no longer live.
 */
export async function startPasskeySignUpChallenge(
  sql: Sql,
  projectId: string,
  tokenHash: Uint8Array,
  challengeHash: Uint8Array,
  limit: { address: string; perMinute: number },
): Promise<z.infer<typeof Opened>> {
  return await asApp(
    sql,
    projectId,
    (tx) =>
      result(
        tx`select api.start_passkey_sign_up_challenge(${tokenHash}, ${challengeHash}, ${limit.address},
          ${limit.perMinute}) as result`,
        Opened,
      ),
  );
}

/** Stores the attempt's first passkey and finishes it; AS403 when the attempt is no longer live. */
export async function finishPasskeySignUp(
  sql: Sql,
  projectId: string,
  tokenHash: Uint8Array,
  userId: string,
  key: NewPasskey,
): Promise<void> {
  await asApp(
    sql,
    projectId,
    (tx) =>
      tx`select api.finish_passkey_sign_up(${tokenHash}, ${userId}, ${key.credentialId}, ${key.publicKey},
      ${key.signCount}, ${key.transports}, ${key.deviceType}, ${key.backedUp}, ${key.name})`,
    { actor: "hosted_login" },
  );
}
