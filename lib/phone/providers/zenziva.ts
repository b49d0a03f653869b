/**
 * Zenziva (an Indonesian SMS gateway), its OTP endpoint: `POST {ZENZIVA_URL}/reguler/api/sendOTP/`,
 * form-encoded `userkey`, `passkey`, `to` and `kode_otp`; Zenziva puts the code in its own OTP text. It answers
 * JSON with `status` "1" on success (with `messageId`, and `cost` in rupiah) and "0" with a reason in `text`.
 */
import { z } from "zod";
import { type CodeSender, type SendOutcome, shortError } from "./types.ts";

export type ZenzivaConfig = { userkey: string; passkey: string; url: string };

const Answer = z.object({
  status: z.union([z.string(), z.number()]).transform(String),
  text: z.string().optional(),
  messageId: z.union([z.string(), z.number()]).transform(String).optional(),
  cost: z.union([z.string(), z.number()]).optional(),
});

export function zenziva(config: ZenzivaConfig): CodeSender {
  return {
    provider: "zenziva",
    channels: ["sms"],
    async send(message, signal): Promise<SendOutcome> {
      const res = await fetch(`${config.url}/reguler/api/sendOTP/`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          userkey: config.userkey,
          passkey: config.passkey,
          // Zenziva takes Indonesian numbers with the country code and without the plus.
          to: message.to.replace(/^\+/, ""),
          kode_otp: message.code,
        }),
        signal,
      });
      const answer = Answer.safeParse(await res.json().catch(() => null));
      if (res.ok && answer.success && answer.data.status === "1") {
        const cost = Number(answer.data.cost ?? NaN);
        return {
          ok: true,
          provider: "zenziva",
          ...(answer.data.messageId ? { providerMessageId: answer.data.messageId } : {}),
          ...(Number.isFinite(cost) ? { cost, currency: "IDR" } : {}),
        };
      }
      const detail = answer.success
        ? `status ${answer.data.status} ${answer.data.text ?? ""}`
        : "unexpected answer";
      return { ok: false, provider: "zenziva", error: shortError(res.status, detail) };
    },
  };
}
