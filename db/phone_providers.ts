/** Typed calls for a project's own phone code provider credentials (db/api/phone.sql): sealed, with a hint. */
import { z } from "zod";
import { asApp, type Sql, type Tx } from "./client.ts";

export const PHONE_PROVIDERS = ["whatsapp_cloud", "twilio_verify", "zenziva"] as const;
export type PhoneProviderId = typeof PHONE_PROVIDERS[number];

const Stored = z.array(z.object({
  provider: z.enum(PHONE_PROVIDERS),
  credentials_sealed: z.string(),
  hint: z.string(),
  updated_at: z.string(),
}));
export type StoredPhoneProvider = z.infer<typeof Stored>[number];

/** The project's own credentials (sealed), inside the caller's transaction. */
export async function phoneProviderCredentials(tx: Tx, projectId: string): Promise<StoredPhoneProvider[]> {
  const [row] = await tx`select api.phone_provider_credentials(${projectId}) as r`;
  return Stored.parse(row.r);
}

/** The same, in a transaction of its own (for a send). */
export function loadPhoneProviderCredentials(sql: Sql, projectId: string): Promise<StoredPhoneProvider[]> {
  return asApp(sql, projectId, (tx) => phoneProviderCredentials(tx, projectId));
}

/** Stores (or, with null, removes) the project's sealed credentials for one provider; audited. */
export async function setPhoneProviderCredentials(
  tx: Tx,
  projectId: string,
  provider: PhoneProviderId,
  sealed: { credentials: Uint8Array; hint: string } | null,
): Promise<void> {
  await tx`select api.set_phone_provider_credentials(${projectId}, ${provider}, ${
    sealed?.credentials ?? null
  },
    ${sealed?.hint ?? null})`;
}
