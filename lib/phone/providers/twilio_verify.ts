/**
 * Twilio Verify (`POST /v2/Services/{ServiceSid}/Verifications`, form-encoded, HTTP Basic with the account
 * SID and auth token): SMS and WhatsApp channels. Astapa makes, hashes and checks the code itself, so it sends
 * it as `CustomCode` (a Verify feature Twilio enables per account) and never asks Twilio to check it.
 */
import { z } from "zod";
import { type CodeSender, type SendOutcome, shortError } from "./types.ts";

export type TwilioVerifyConfig = {
  accountSid: string;
  authToken: string;
  serviceSid: string;
  verifyUrl: string;
};

const Verification = z.object({
  sid: z.string(),
  status: z.string(),
  // Verify reports the price of the attempt when it knows it.
  amount: z.union([z.string(), z.number()]).nullable().optional(),
});
const Refused = z.object({ code: z.number(), message: z.string() });

export function twilioVerify(config: TwilioVerifyConfig): CodeSender {
  const auth = `Basic ${btoa(`${config.accountSid}:${config.authToken}`)}`;
  return {
    provider: "twilio_verify",
    channels: ["sms", "whatsapp"],
    async send(message, signal): Promise<SendOutcome> {
      const form = new URLSearchParams({
        To: message.to,
        Channel: message.channel,
        CustomCode: message.code,
        Locale: message.lang,
      });
      const res = await fetch(
        `${config.verifyUrl}/v2/Services/${encodeURIComponent(config.serviceSid)}/Verifications`,
        {
          method: "POST",
          headers: { authorization: auth, "content-type": "application/x-www-form-urlencoded" },
          body: form,
          signal,
        },
      );
      const body = await res.json().catch(() => null);
      const verification = Verification.safeParse(body);
      if (res.ok && verification.success) {
        const amount = Number(verification.data.amount ?? NaN);
        return {
          ok: true,
          provider: "twilio_verify",
          providerMessageId: verification.data.sid,
          ...(Number.isFinite(amount) ? { cost: amount, currency: "USD" } : {}),
        };
      }
      const refused = Refused.safeParse(body);
      const detail = refused.success ? `${refused.data.code} ${refused.data.message}` : "unexpected answer";
      return { ok: false, provider: "twilio_verify", error: shortError(res.status, detail) };
    },
  };
}
