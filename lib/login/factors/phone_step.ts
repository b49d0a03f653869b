/**
 * A verified phone as the second step on /auth/mfa (docs/mfa.md): offered where the project turns it on
 * (`settings.mfa.phone`) and the challenged person has a phone factor with a verified number. The code is sent
 * like every phone code (lib/phone/flow.ts: limits, budget, countries, WhatsApp with SMS as the fallback) and
 * bound to this person; its browser token lives in its own cookie. Wrong codes count toward the factor lockout
 * (lockout.ts) as well as the code's own five attempts.
 */
import type { Ctx } from "@/lib/app_env.ts";
import type { Challenge } from "@/db/factors.ts";
import type { Channel } from "@/db/phone.ts";
import { pendingPhoneCode } from "@/db/phone.ts";
import { startMfaPhoneCode } from "@/db/phone_factor.ts";
import { clientAddress } from "@/lib/http/client_address.ts";
import { sha256 } from "@/lib/secrets.ts";
import { maskPhone, parsePhone } from "@/lib/phone/number.ts";
import { codeHash, readPendingToken, resendBySms, sendNewCode, writePendingToken } from "@/lib/phone/flow.ts";
import { refusal } from "@/lib/phone/page.ts";
import { smsAvailable } from "@/lib/phone/channels.ts";
import { sayPhone } from "@/lib/phone/i18n.ts";
import type { Lang } from "@/lib/login/i18n.ts";
import type { AuthorizeRequest } from "../authorize_request.ts";

/** What the phone step of the page shows: the masked number, whether a code is on its way, a refusal. */
export type PhoneFactorView = {
  masked: string;
  smsAvailable: boolean;
  /** The channel of the live code this browser holds; absent before a code is sent. */
  sent?: Channel;
  notice?: string;
};

/**
 * Whether this challenge may be met with a phone code: a phone factor, or (someone with no second factor yet
 * and a verified number, astapa.phone_factor_enrollable) one that code sets up.
 */
export function phoneFactor(challenge: Challenge): boolean {
  return (challenge.factors.includes("phone") || challenge.phone_enrol) && !!challenge.phone_number;
}

/** The page's phone step for this challenge (null when not offered). */
export async function phoneFactorView(
  c: Ctx,
  request: AuthorizeRequest,
  challenge: Challenge,
): Promise<PhoneFactorView | null> {
  if (!phoneFactor(challenge)) return null;
  const token = readPendingToken(c, request.project.id, "mfa");
  const pending = token
    ? await pendingPhoneCode(c.var.deps.sql, request.project.id, await sha256(token))
    : null;
  return {
    masked: maskPhone(challenge.phone_number!),
    smsAvailable: await smsAvailable(c.var.deps, request.project),
    ...(pending ? { sent: pending.channel } : {}),
  };
}

/** Sends (or, by SMS, sends again) the second step's code; the view says what happened, with a status. */
export async function sendPhoneFactorCode(
  c: Ctx,
  request: AuthorizeRequest,
  challenge: Challenge,
  challengeHash: Uint8Array,
  channel: Channel,
  lang: Lang,
): Promise<{ view: PhoneFactorView; status: number }> {
  const base = {
    masked: maskPhone(challenge.phone_number!),
    smsAvailable: await smsAvailable(c.var.deps, request.project),
  };
  const phone = parsePhone(challenge.phone_number!);
  const token = readPendingToken(c, request.project.id, "mfa");
  const pending = token
    ? await pendingPhoneCode(c.var.deps.sql, request.project.id, await sha256(token))
    : null;
  const result = "problem" in phone
    ? { sent: false as const, reason: "not_sent" as const }
    : channel === "sms" && token && pending
    ? await resendBySms(c, request.project, token, lang)
    : await sendNewCode(c, request.project, { phone, channel, lang, purpose: "mfa" }, (hashes) =>
      startMfaPhoneCode(c.var.deps.sql, request.project.id, challengeHash, {
        country: phone.country,
        channel,
        ...hashes,
      }, clientAddress(c)));
  if (!result.sent) {
    const { phoneError, status } = refusal(result.reason);
    return { view: { ...base, notice: sayPhone(lang, phoneError, { wait: result.wait }) }, status };
  }
  return { view: { ...base, sent: result.channel }, status: 200 };
}

/** The browser's pending code and the typed code, as Postgres compares them; null without a pending code. */
export async function phoneFactorProof(
  c: Ctx,
  projectId: string,
  typed: string,
): Promise<{ tokenHash: Uint8Array; codeHash: Uint8Array } | null> {
  const token = readPendingToken(c, projectId, "mfa");
  if (!token) return null;
  return { tokenHash: await sha256(token), codeHash: await codeHash(token, typed) };
}

/** The code was spent (or the sign-in finished): the browser forgets it. */
export function forgetPhoneFactorCode(c: Ctx, projectId: string): void {
  writePendingToken(c, projectId, null, "mfa");
}
