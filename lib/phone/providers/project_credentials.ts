/**
 * A project's own phone code provider accounts (docs/phone.md): the fields each provider needs, sealed with the
 * master key's phone key (AES-256-GCM, bound to the project and the provider, so a row copied to another
 * project does not open), and the senders they make. A project's own provider sends its channel before the
 * deployment's (the environment's, the fallback). The endpoints stay the deployment's (the fakes' in tests).
 */
import { z } from "zod";
import type { Config } from "@/config.ts";
import type { Deps } from "@/lib/app_env.ts";
import { open, seal } from "@/lib/tokens/master_key.ts";
import { loadPhoneProviderCredentials, type PhoneProviderId } from "@/db/phone_providers.ts";
import type { CodeSender } from "./types.ts";
import { codeSenders } from "./index.ts";

const field = (max: number) => z.string().trim().min(1).max(max);

/** What the dashboard form takes for each provider (all required but WhatsApp's template). */
export const PROVIDER_FIELDS = {
  whatsapp_cloud: z.object({
    access_token: field(1000),
    phone_number_id: field(40).regex(/^\d+$/, "The phone number id is the number Meta shows (digits)."),
    template: z.string().trim().max(100).regex(/^[a-z0-9_]*$/, "A template name is lower case, digits and _.")
      .default(""),
  }),
  twilio_verify: z.object({
    account_sid: field(64).regex(/^AC[0-9a-fA-F]{32}$/, "A Twilio account SID is AC and 32 hex digits."),
    auth_token: field(200),
    service_sid: field(64).regex(/^VA[0-9a-fA-F]{32}$/, "A Verify service SID is VA and 32 hex digits."),
  }),
  zenziva: z.object({ userkey: field(200), passkey: field(200) }),
} as const;
export type ProviderFields<P extends PhoneProviderId> = z.infer<typeof PROVIDER_FIELDS[P]>;

/** What a project's phone provider credentials are sealed for. */
export const phoneProviderContext = (projectId: string, provider: PhoneProviderId) =>
  `astapa phone ${projectId} ${provider}`;
const tail = (secret: string) => `…${secret.slice(-4)}`;

/** What the dashboard shows of stored credentials: an id that is not secret, and a secret's last 4 characters. */
function hintOf(provider: PhoneProviderId, fields: Record<string, string>): string {
  if (provider === "whatsapp_cloud") {
    return `phone number id ${fields.phone_number_id}, token ${tail(fields.access_token)}`;
  }
  if (provider === "twilio_verify") return `account ${fields.account_sid}, token ${tail(fields.auth_token)}`;
  return `userkey ${tail(fields.userkey)}`;
}

/** Seals a provider's fields for storing; the hint goes beside them in the clear. */
export async function sealPhoneProvider(
  key: CryptoKey,
  projectId: string,
  provider: PhoneProviderId,
  fields: Record<string, string>,
): Promise<{ credentials: Uint8Array; hint: string }> {
  const plaintext = new TextEncoder().encode(JSON.stringify(fields));
  return {
    credentials: await seal(key, plaintext, phoneProviderContext(projectId, provider)),
    hint: hintOf(provider, fields),
  };
}

/** The deployment's endpoints with none of its credentials: what a project's own accounts fill in. */
function endpointsOnly(phone: Config["phone"]): Config["phone"] {
  return {
    whatsapp: { template: phone.whatsapp.template, apiUrl: phone.whatsapp.apiUrl },
    twilio: { verifyUrl: phone.twilio.verifyUrl },
    zenziva: { url: phone.zenziva.url },
    sendTimeoutMs: phone.sendTimeoutMs,
  };
}

/** The senders of the project's own provider accounts (none opens under another master key: skipped). */
export async function projectSenders(
  deps: Pick<Deps, "config" | "masterKeys" | "sql">,
  projectId: string,
): Promise<CodeSender[]> {
  const stored = await loadPhoneProviderCredentials(deps.sql, projectId);
  if (stored.length === 0) return [];
  const own = endpointsOnly(deps.config.phone);
  for (const row of stored) {
    let fields: Record<string, string>;
    try {
      const plaintext = await open(
        deps.masterKeys.phone,
        Uint8Array.from(atob(row.credentials_sealed), (ch) => ch.charCodeAt(0)),
        phoneProviderContext(projectId, row.provider),
      );
      fields = JSON.parse(new TextDecoder().decode(plaintext));
    } catch {
      continue; // sealed under another master key: as if unset, so the deployment's provider sends
    }
    if (row.provider === "whatsapp_cloud") {
      own.whatsapp = {
        ...own.whatsapp,
        accessToken: fields.access_token,
        phoneNumberId: fields.phone_number_id,
        template: fields.template || own.whatsapp.template,
      };
    } else if (row.provider === "twilio_verify") {
      own.twilio = {
        ...own.twilio,
        accountSid: fields.account_sid,
        authToken: fields.auth_token,
        serviceSid: fields.service_sid,
      };
    } else own.zenziva = { ...own.zenziva, userkey: fields.userkey, passkey: fields.passkey };
  }
  return codeSenders(own);
}
