/** The one interface every code-sending provider adapter implements, and what a send reports back. */
import type { Channel } from "@/db/phone.ts";
import type { Lang } from "@/lib/login/i18n.ts";

export type { Channel };

/** A one-time code for one number, by one channel, in the person's language. */
export type CodeMessage = { to: string; code: string; channel: Channel; lang: Lang; appName: string };

export type SendOutcome =
  | { ok: true; provider: string; providerMessageId?: string; cost?: number; currency?: string }
  | { ok: false; provider: string; error: string };

export interface CodeSender {
  /** The name the message log shows (whatsapp_cloud, twilio_verify). */
  readonly provider: string;
  readonly channels: readonly Channel[];
  send(message: CodeMessage, signal: AbortSignal): Promise<SendOutcome>;
}

/** A provider's error body cut to something safe to log (never the code: it is not in their error bodies). */
export function shortError(status: number, detail: string): string {
  return `HTTP ${status}: ${detail.replace(/\s+/g, " ").slice(0, 300)}`;
}
