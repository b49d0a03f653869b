/**
 * Which provider sends a code by which channel, from the deployment's configuration: WhatsApp by the Cloud
 * API when configured, else by Twilio Verify; SMS by Zenziva when configured, else by Twilio Verify. A send that throws (timeout, refused
 * connection) becomes a failed outcome, so callers fall back or show a message, never a 5xx.
 */
import type { Config } from "@/config.ts";
import type { Channel, CodeMessage, CodeSender, SendOutcome } from "./types.ts";
import { whatsAppCloud } from "./whatsapp_cloud.ts";
import { twilioVerify } from "./twilio_verify.ts";
import { zenziva } from "./zenziva.ts";

export function codeSenders(config: Config["phone"]): CodeSender[] {
  const senders: CodeSender[] = [];
  const { whatsapp: w, twilio: t, zenziva: z } = config;
  if (w.accessToken && w.phoneNumberId) {
    senders.push(whatsAppCloud({ ...w, accessToken: w.accessToken, phoneNumberId: w.phoneNumberId }));
  }
  // An Indonesian gateway first for SMS when configured: local routes, rupiah prices.
  if (z.userkey && z.passkey) senders.push(zenziva({ userkey: z.userkey, passkey: z.passkey, url: z.url }));
  if (t.accountSid && t.authToken && t.serviceSid) {
    senders.push(
      twilioVerify({
        accountSid: t.accountSid,
        authToken: t.authToken,
        serviceSid: t.serviceSid,
        verifyUrl: t.verifyUrl,
      }),
    );
  }
  return senders;
}

/** The channels this deployment can send by. */
export function availableChannels(config: Config["phone"]): Channel[] {
  const channels = new Set(codeSenders(config).flatMap((s) => s.channels));
  return (["whatsapp", "sms"] as const).filter((channel) => channels.has(channel));
}

/**
 * Sends by the first provider of the channel — the project's own (`own`, lib/phone/providers/
 * project_credentials.ts) before the deployment's; a missing provider, an error or a timeout is a failed outcome.
 */
export async function sendCode(
  config: Config["phone"],
  message: CodeMessage,
  timeoutMs = config.sendTimeoutMs,
  own: CodeSender[] = [],
): Promise<SendOutcome> {
  const sender = [...own, ...codeSenders(config)].find((s) => s.channels.includes(message.channel));
  if (!sender) return { ok: false, provider: "none", error: `No provider sends by ${message.channel}.` };
  try {
    return await sender.send(message, AbortSignal.timeout(timeoutMs));
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : "send failed";
    return { ok: false, provider: sender.provider, error: reason.slice(0, 300) };
  }
}
