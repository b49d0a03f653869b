/**
 * The SDK's bot protection (`astapa.botProtection`): a Cloudflare Turnstile or hCaptcha challenge on the hosted
 * login's forms (docs/hosted-login.md#bot-protection), through the Platform API. The secret key is write-only:
 * reads say only whether one is stored.
 */

type Json = <T>(path: string, method?: string, body?: unknown) => Promise<T>;
type Call = (path: string, init: RequestInit) => Promise<Response>;

export type BotProtectionForm =
  | "sign_up"
  | "sign_in"
  | "forgot"
  | "email_code"
  | "phone"
  | "passkey_sign_up"
  | "resend"
  | "anonymous";

export type BotProtection = {
  /** null while it is off (the default). */
  provider: "turnstile" | "hcaptcha" | null;
  site_key: string | null;
  secret_key_set: boolean;
  /** The forms that ask for the check. */
  on: BotProtectionForm[];
};

export type BotProtectionChange = {
  provider: "turnstile" | "hcaptcha";
  site_key: string;
  /** Needed the first time and with a new provider; omitted, the stored one is kept. */
  secret_key?: string;
  on: BotProtectionForm[];
};

export function botProtection(json: Json, call: Call) {
  const path = "/api/platform/bot-protection";
  return {
    /** The setting (never the secret key). */
    get: () => json<BotProtection>(path),
    /** Turns it on or changes it; 400 with the reason for a bad value. */
    set: (change: BotProtectionChange) => json<BotProtection>(path, "PUT", change),
    /** Turns it off. */
    clear: async (): Promise<void> => {
      await call(path, { method: "DELETE" }); // 204, no body
    },
  };
}
