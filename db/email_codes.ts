/** Typed calls for sign-in by emailed code or magic link (db/api/email_codes.sql). */
import { z } from "zod";
import { asApp, signUpContext, type Sql, type Tx } from "./client.ts";
import { result } from "./result.ts";
import type { Mail } from "@/lib/login/mail.ts";
import type { ClaimNotice } from "@/lib/login/claimed_mail.ts";
import { Claimed, tellClaim } from "./claim_notice.ts";

/**
 * Mails a code and link to the user behind `email`; silent (false) when there is nobody. `legalConsent`: asked
 * with the sign-up form's "I agree" ticked, which a sign-up code keeps for its code and its magic link.
 */
export async function mailEmailCode(
  sql: Sql,
  projectId: string,
  email: string,
  hashes: { code: Uint8Array; link: Uint8Array },
  signInRequest: string,
  mail: Mail,
  legalConsent = false,
): Promise<boolean> {
  return await asApp(sql, projectId, (tx) =>
    result(
      tx`select api.mail_email_code(${email}, ${hashes.code}, ${hashes.link}, ${signInRequest}, ${mail.subject},
        ${mail.body}, ${mail.html}) as result`,
      z.boolean(),
    ), signUpContext(undefined, "hosted_login", undefined, legalConsent));
}

/**
 * `created`: the code made the account (a sign-up), so the page may offer a passkey next. `claimed`: the code
 * claimed an account whose address nobody had proven (what was removed), `email` the address to tell.
 */
const Redeemed = z.union([
  z.object({ user_id: z.string(), created: z.boolean() }).merge(Claimed),
  // A new account the project asks consent for: the code is used up and the address held for the consent step.
  z.object({ user_id: z.null(), created: z.literal(false), held: z.literal(true) }),
]).nullable();

/** Where a new account that needs the person's consent is held instead (docs/hosted-login.md, legal consent). */
export type EmailCodeHold = { tokenHash: Uint8Array; request: string };

/** Queues the claim's notice, if the redemption claimed and removed something, and answers it. */
async function told(tx: Tx, projectId: string, redeemed: z.infer<typeof Redeemed>, notice: ClaimNotice) {
  if (redeemed && !("held" in redeemed)) await tellClaim(tx, projectId, redeemed, notice);
  return redeemed;
}

/**
 * The user a code for `email` signs in (their address now verified), or null; a wrong code spends a try.
 * `guestSub`: the guest a sign-up code's new account is (docs/anonymous-users.md). `legalConsent`: the sign-up form's
 * "I agree" was ticked (a new account needs it under settings.sign_up.require_legal_consent). `hold`: without it a
 * new account missing only consent is refused (AS4N7).
 */
export async function redeemEmailCode(
  sql: Sql,
  projectId: string,
  email: string,
  codeHash: Uint8Array,
  notice: ClaimNotice,
  invitation?: string,
  guestSub?: string,
  legalConsent = false,
  hold?: EmailCodeHold,
) {
  return await asApp(
    sql,
    projectId,
    async (tx) =>
      await told(
        tx,
        projectId,
        await result(
          tx`select api.redeem_email_code(${email}, ${codeHash}, ${hold?.tokenHash ?? null}::bytea,
          ${hold?.request ?? null}::text) as result`,
          Redeemed,
        ),
        notice,
      ),
    signUpContext(invitation, undefined, guestSub, legalConsent),
  );
}

/**
 * The user a magic link signs in, or null (used, expired, voided, unknown). `hold`: as redeemEmailCode's, in the
 * browser that opened the link.
 */
export async function redeemEmailCodeLink(
  sql: Sql,
  projectId: string,
  linkHash: Uint8Array,
  notice: ClaimNotice,
  invitation?: string,
  hold?: EmailCodeHold,
) {
  return await asApp(
    sql,
    projectId,
    async (tx) =>
      await told(
        tx,
        projectId,
        await result(
          tx`select api.redeem_email_code_link(${linkHash}, ${hold?.tokenHash ?? null}::bytea,
            ${hold?.request ?? null}::text) as result`,
          Redeemed,
        ),
        notice,
      ),
    signUpContext(invitation),
  );
}

/** What a magic link opens and whether it still works; null for a token the project never mailed. */
export async function emailCodeLink(sql: Sql, projectId: string, linkHash: Uint8Array) {
  return await asApp(
    sql,
    projectId,
    (tx) =>
      result(
        tx`select api.email_code_link(${linkHash}) as result`,
        z.object({ sign_in_request: z.string(), usable: z.boolean() }).nullable(),
      ),
  );
}
