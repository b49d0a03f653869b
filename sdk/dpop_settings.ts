/**
 * The SDK's DPoP switch (`astapa.dpopSettings`): whether every client of the project must send DPoP proofs with
 * its token requests (RFC 9449; docs/tokens.md), as the dashboard's Settings → DPoP sets it, through the Platform
 * API.
 */

type Json = <T>(path: string, method?: string, body?: unknown) => Promise<T>;

export type DpopSettings = {
  /** A token request of any of the project's clients without a DPoP proof is refused (default false). */
  required: boolean;
};

export function dpopSettings(json: Json) {
  const path = "/api/platform/dpop-settings";
  return {
    /** The switch. */
    get: () => json<DpopSettings>(path),
    /** Turns it on or off; answers it. */
    update: (changes: DpopSettings) => json<DpopSettings>(path, "PATCH", changes),
  };
}
