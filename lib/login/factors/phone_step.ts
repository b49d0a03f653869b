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
import { startMfaNewPhoneCode, startMfaPhoneCode } from "@/db/phone_factor.ts";
import { clientAddress } from "@/lib/http/client_address.ts";
import { sha256 } from "@/lib/secrets.ts";
import { maskPhone, parsePhone } from "@/lib/phone/number.ts";
import { codeHash, readPendingToken, resendBySms, sendNewCode, writePendingToken } from "@/lib/phone/flow.ts";
import { refusal } from "@/lib/phone/page.ts";
import { smsAvailable } from "@/lib/phone/channels.ts";
import { type PhoneMessageKey, sayPhone } from "@/lib/phone/i18n.ts";
import type { Lang } from "@/lib/login/i18n.ts";
import type { AuthorizeRequest } from "../authorize_request.ts";

/** What the phone step of the page shows: the masked number, whether a code is on its way, a refusal. */
export type PhoneFactorView = {
  /** Empty while a person adding a number (adding) has not had a code sent yet. */
  masked: string;
  /** No verified number yet: the page asks for one (astapa.phone_factor_offer 'add'). */
  adding?: boolean;
  smsAvailable: boolean;
  /** The channel of the live code this browser holds; absent before a code is sent. */
  sent?: Channel;
  notice?: string;
};

/**
 * Whether this challenge may be met with a phone code: a phone factor, or (someone with no second factor yet
 * and a verified number, astapa.phone_factor_offer 'enrol') one that code sets up, or (no factor and no verified
 * number, astapa.phone_factor_offer 'add') a number typed here that its code proves and sets up.
 */
export function phoneFactor(challenge: Challenge): boolean {
  return ((challenge.factors.includes("phone") || challenge.phone_enrol) && !!challenge.phone_number) ||
    challenge.phone_add;
}

/** The live code this browser holds for the second step, if any. */
async function pendingFactorCode(c: Ctx, projectId: string) {
  const token = readPendingToken(c, projectId, "mfa");
  const pending = token ? await pendingPhoneCode(c.var.deps.sql, projectId, await sha256(token)) : null;
  return { token, pending };
}

/** The number the page shows masked: the person's own, or (adding) the one the pending code went to. */
async function shownNumber(challenge: Challenge, pending: { phone_number: string } | null): Promise<string> {
  if (!challenge.phone_add) return await maskPhone(challenge.phone_number!);
  return pending ? await maskPhone(pending.phone_number) : "";
}

/** The page's phone step for this challenge (null when not offered). */
export async function phoneFactorView(
  c: Ctx,
  request: AuthorizeRequest,
  challenge: Challenge,
): Promise<PhoneFactorView | null> {
  if (!phoneFactor(challenge)) return null;
  const { pending } = await pendingFactorCode(c, request.project.id);
  return {
    masked: await shownNumber(challenge, pending),
    ...(challenge.phone_add ? { adding: true } : {}),
    smsAvailable: await smsAvailable(c.var.deps, request.project),
    ...(pending ? { sent: pending.channel } : {}),
  };
}

/**
 * Sends (or, by SMS, sends again) the second step's code; the view says what happened, with a status. `typed`:
 * the number a person adding one typed (astapa.phone_factor_offer 'add'); ignored otherwise.
 */
export async function sendPhoneFactorCode(
  c: Ctx,
  request: AuthorizeRequest,
  challenge: Challenge,
  challengeHash: Uint8Array,
  send: { channel: Channel; typed: string },
  lang: Lang,
): Promise<{ view: PhoneFactorView; status: number }> {
  const { channel } = send;
  const { token, pending } = await pendingFactorCode(c, request.project.id);
  const adding = challenge.phone_add;
  const base = {
    masked: await shownNumber(challenge, pending),
    ...(adding ? { adding: true } : {}),
    smsAvailable: await smsAvailable(c.var.deps, request.project),
  };
  const refuse = (phoneError: PhoneMessageKey, status: number, wait?: number) => ({
    view: {
      ...base,
      ...(pending ? { sent: pending.channel } : {}),
      notice: sayPhone(lang, phoneError, { wait }),
    },
    status,
  });
  // A person adding a number types it; "by SMS instead" (no number posted) resends the pending code.
  const typed = adding && send.typed.trim() !== "" ? await parsePhone(send.typed) : null;
  if (typed && "problem" in typed) {
    return refuse(typed.problem === "invalid" ? "invalidPhone" : "notMobile", 422);
  }
  if (adding && !typed && !(channel === "sms" && token && pending)) return refuse("invalidPhone", 422);
  const phone = typed ?? (adding ? null : await parsePhone(challenge.phone_number!));
  const result = phone && "problem" in phone
    ? { sent: false as const, reason: "not_sent" as const }
    : !typed && channel === "sms" && token && pending
    ? await resendBySms(c, request.project, token, lang)
    : await sendNewCode(c, request.project, { phone: phone!, channel, lang, purpose: "mfa" }, (hashes) =>
      typed
        ? startMfaNewPhoneCode(c.var.deps.sql, request.project.id, challengeHash, {
          phoneNumber: typed.e164,
          country: typed.country,
          channel,
          ...hashes,
        }, clientAddress(c))
        : startMfaPhoneCode(c.var.deps.sql, request.project.id, challengeHash, {
          country: phone!.country,
          channel,
          ...hashes,
        }, clientAddress(c)));
  if (!result.sent) {
    const { phoneError, status } = refusal(result.reason);
    return refuse(phoneError, status, result.wait);
  }
  const masked = typed ? await maskPhone(typed.e164) : base.masked;
  const fellBack = result.fellBack ? { notice: sayPhone(lang, "fellBackToSms", { phone: masked }) } : {};
  return { view: { ...base, masked, sent: result.channel, ...fellBack }, status: 200 };
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
