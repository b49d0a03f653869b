/** Typed calls for phone sign-in codes and the message log (db/api/phone.sql). */
import { z } from "zod";
import { asApp, signUpContext, type Sql, type Tx } from "./client.ts";
import { Removed } from "@/lib/login/claimed_mail.ts";

export type Channel = "whatsapp" | "sms";

export const SendDecision = z.union([
  z.object({ sent: z.literal(true), sandbox: z.boolean(), phone_number: z.string().optional() }),
  z.object({
    sent: z.literal(false),
    /** unavailable: the project does not offer what the code was for (api.account_start_phone_code). */
    reason: z.enum(["country", "rate_limited", "budget", "expired", "unavailable"]),
    wait: z.number().int().optional(),
  }),
]);
export type SendDecision = z.infer<typeof SendDecision>;

/** A code to send: the number (E.164), its country (from the caller's parser), the channel and both hashes. */
export type PhoneCodeToSend = {
  phoneNumber: string;
  country: string;
  channel: Channel;
  tokenHash: Uint8Array;
  codeHash: Uint8Array;
};

/** Stores a new code for the number unless a limit, the budget or the country list refuses it. */
export async function startPhoneCode(
  sql: Sql,
  projectId: string,
  code: PhoneCodeToSend,
  address: string,
): Promise<SendDecision> {
  const [row] = await asApp(
    sql,
    projectId,
    (tx) =>
      tx`select api.start_phone_code(${code.phoneNumber}, ${code.country}, ${code.channel}, ${code.tokenHash},
      ${code.codeHash}, ${address}) as d`,
    { actor: "hosted_login" },
  );
  return SendDecision.parse(row.d);
}

/** A new code for the pending one, by `channel` (the SMS fallback), under the same limits. */
export async function resendPhoneCode(
  sql: Sql,
  projectId: string,
  resend: { tokenHash: Uint8Array; channel: Channel; codeHash: Uint8Array },
  address: string,
): Promise<SendDecision> {
  const [row] = await asApp(
    sql,
    projectId,
    (tx) =>
      tx`select api.resend_phone_code(${resend.tokenHash}, ${resend.channel}, ${resend.codeHash}, ${address}) as d`,
    {
      actor: "hosted_login",
    },
  );
  return SendDecision.parse(row.d);
}

export type MessageLog = {
  phoneNumber: string;
  channel: Channel;
  provider: string;
  status: "sent" | "failed" | "sandbox";
  providerMessageId?: string;
  cost?: number;
  currency?: string;
  error?: string;
  sandboxText?: string;
};

/** Writes one sent (or failed, or sandbox) message to the project's message log. */
export async function logPhoneMessage(
  sql: Sql,
  projectId: string,
  m: MessageLog,
  address: string,
): Promise<void> {
  await asApp(
    sql,
    projectId,
    (tx) =>
      tx`select api.log_phone_message(${m.phoneNumber}, ${m.channel}, ${m.provider}, ${m.status},
      ${m.providerMessageId ?? null}, ${m.cost ?? null}, ${m.currency ?? null}, ${
        m.error ?? null
      }, ${address},
      ${m.sandboxText ?? null})`,
  );
}

const Pending = z.object({
  phone_number: z.string(),
  channel: z.enum(["whatsapp", "sms"]),
  attempts_left: z.number().int(),
});
export type PendingCode = z.infer<typeof Pending>;

/** The live code this browser's token names, or null. */
export async function pendingPhoneCode(sql: Sql, projectId: string, tokenHash: Uint8Array) {
  const [row] = await asApp(sql, projectId, (tx) => tx`select api.pending_phone_code(${tokenHash}) as p`);
  return row.p === null ? null : Pending.parse(row.p);
}

const CodeCheck = z.object({
  accepted: z.boolean(),
  user_id: z.string().nullable().optional(),
  created: z.boolean().optional(),
  channel: z.enum(["whatsapp", "sms"]).optional(),
  expired: z.boolean().optional(),
  disabled: z.boolean().optional(),
  /** The number is on an account whose email is verified, unconfirmed: not a way in (astapa.proof_signs_in). */
  unconfirmed: z.boolean().optional(),
  attempts_left: z.number().int().optional(),
  /** The code claimed an account nobody had proven: what the claim removed (astapa.claim_notice). */
  claimed: Removed.optional(),
  /** A new account the project asks consent for: the number is held for the consent step under `hold`'s token. */
  held: z.literal(true).optional(),
});
export type CodeCheck = z.infer<typeof CodeCheck>;

/** Where a new account that needs the person's consent is held instead (docs/hosted-login.md, legal consent). */
export type PhoneHold = { tokenHash: Uint8Array; request: string };

/**
 * Checks a typed code once: the user it signs in (or creates), or why not. `guestSub`: the guest a new account
 * is (docs/anonymous-users.md). `hold`: without it a new account missing consent is refused (AS4N7).
 */
export async function checkPhoneCode(
  sql: Sql,
  projectId: string,
  tokenHash: Uint8Array,
  codeHash: Uint8Array,
  invitation?: string,
  guestSub?: string,
  hold?: PhoneHold,
) {
  const [row] = await asApp(
    sql,
    projectId,
    (tx) =>
      tx`select api.check_phone_code(${tokenHash}, ${codeHash}, ${hold?.tokenHash ?? null}::bytea,
        ${hold?.request ?? null}::text) as r`,
    signUpContext(invitation, undefined, guestSub),
  );
  return CodeCheck.parse(row.r);
}

const Message = z.object({
  id: z.string(),
  phone_number: z.string(),
  channel: z.enum(["whatsapp", "sms"]),
  provider: z.string(),
  status: z.enum(["sent", "failed", "sandbox"]),
  provider_message_id: z.string().optional(),
  cost: z.number().optional(),
  currency: z.string().optional(),
  error: z.string().optional(),
  sandbox_text: z.string().optional(),
  created_at: z.string(),
});
export type PhoneMessage = z.infer<typeof Message>;

/** The project's latest code messages, newest first. */
export async function listPhoneMessages(sql: Sql, projectId: string, maxRows = 100): Promise<PhoneMessage[]> {
  return await asApp(sql, projectId, (tx) => phoneMessages(tx, maxRows));
}

/** listPhoneMessages inside a transaction already acting for the project (the dashboard's). */
export async function phoneMessages(tx: Tx, maxRows = 100): Promise<PhoneMessage[]> {
  const [row] = await tx`select api.list_phone_messages(${maxRows}) as m`;
  return z.array(Message).parse(row.m);
}
