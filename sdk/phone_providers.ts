/**
 * The SDK's phone provider helpers (`astapa.phoneProviders`): the project's own WhatsApp Cloud, Twilio Verify or
 * Zenziva account for its phone codes (docs/phone.md), set and cleared through the Platform API. The
 * credentials are write-only: reads give the provider, a hint and when it changed.
 */

type Json = <T>(path: string, method?: string, body?: unknown) => Promise<T>;
type Call = (path: string, init: RequestInit) => Promise<Response>;

export type PhoneProviderFields = {
  whatsapp_cloud: { access_token: string; phone_number_id: string; template?: string };
  twilio_verify: { account_sid: string; auth_token: string; service_sid: string };
  zenziva: { userkey: string; passkey: string };
};
export type PhoneProvider = keyof PhoneProviderFields;
export type StoredPhoneProvider = { provider: PhoneProvider; hint: string; updated_at: string };

export function phoneProviders(json: Json, call: Call) {
  const path = (provider: PhoneProvider) => `/api/platform/phone-providers/${encodeURIComponent(provider)}`;
  return {
    /** The project's own provider accounts (hints only). */
    list: () => json<StoredPhoneProvider[]>("/api/platform/phone-providers"),
    /** Sends the project's codes through its own account at `provider` (replacing any earlier one). */
    set: <P extends PhoneProvider>(provider: P, fields: PhoneProviderFields[P]) =>
      json<{ provider: P; hint: string }>(path(provider), "PUT", fields),
    /** Goes back to the deployment's provider for that channel. */
    clear: async (provider: PhoneProvider): Promise<void> => {
      await call(path(provider), { method: "DELETE" }); // 204, no body
    },
  };
}
