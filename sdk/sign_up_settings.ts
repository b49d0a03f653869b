/**
 * The SDK's sign-up settings (`astapa.signUpSettings`): who may create an account through the hosted login
 * (docs/project-settings.md, settings.sign_up), through the Platform API.
 */

type Json = <T>(path: string, method?: string, body?: unknown) => Promise<T>;

export type SignUpSettings = {
  /** open: anyone; invitation: an invited address, within its invitation; waitlist: an approved one; closed. */
  mode: "open" | "invitation" | "waitlist" | "closed";
  /** When not empty, only addresses at these domains sign up (`*.example.com`: its subdomains). */
  allowed_domains: string[];
  /** Addresses at these domains never sign up. */
  blocked_domains: string[];
  /** Refuse addresses at throwaway mail services and their subdomains (default false). */
  block_disposable_domains: boolean;
  /** Domains that switch lets through all the same (`*.example.com`: its subdomains), such as duck.com. */
  disposable_allowed_domains: string[];
  /** Refuse addresses with +, = or # in the local part, such as dewi+promo@example.com (default false). */
  block_subaddresses: boolean;
  /**
   * The hosted sign-up asks for consent to the terms and privacy policy, recorded as legal_accepted_at (default
   * false).
   */
  require_legal_consent: boolean;
};

export function signUpSettings(json: Json) {
  const path = "/api/platform/sign-up-settings";
  return {
    /** The settings, defaults filled in. */
    get: () => json<SignUpSettings>(path),
    /** Changes some of them (a list given replaces that list); 400 with the reason for a malformed domain. */
    update: (changes: Partial<SignUpSettings>) => json<SignUpSettings>(path, "PATCH", changes),
  };
}
