/**
 * Requests to an organization's identity provider: its issuer is chosen by a tenant, so every request Astapa makes
 * to it (discovery, token, JWKS) goes through the webhooks' SSRF guard (address_guard.ts checkTarget, then a
 * pinned request to the address checked — no DNS rebinding), as Client ID Metadata Documents do. The deployment's
 * ASTAPA_WEBHOOK_ALLOW_PRIVATE lifts the guard, and tests reach local fakes through the same test-only hooks
 * (MetadataFetchOptions, from metadataFetchOptions(deps)).
 */
import * as oauth from "oauth4webapi";
import { checkTarget } from "@/lib/webhooks/address_guard.ts";
import { pinnedRequest } from "@/lib/webhooks/pinned_request.ts";
import type { MetadataFetchOptions } from "@/lib/oauth/client_metadata_document.ts";
import type { OidcRequestOptions } from "../social/oidc.ts";

/** The largest answer read from an IdP (discovery, token response, JWK Set). */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * An IdP address the guard refused (internal, or not resolvable): the page treats it as unreachable. Its message
 * is the guard's reason without its full stop, as it is only ever said inside a longer sentence.
 */
export class IdpAddressRefused extends Error {
  constructor(reason: string) {
    super(reason.replace(/\.$/, ""));
  }
}

/** Why `issuer` cannot be an IdP's issuer URL, or null. */
export function issuerUrlProblem(issuer: string, allowHttp = false): string | null {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    return "issuer is not a URL";
  }
  if (url.protocol !== "https:" && !(allowHttp && url.protocol === "http:")) {
    return "issuer must be an https URL";
  }
  if (url.username || url.password || url.search || url.hash) {
    return "issuer must not carry a user name, password, query or fragment";
  }
  return null;
}

/** oauth4webapi's options for requests to `issuer`: a deadline, and every request through the SSRF guard. */
export function idpRequestOptions(
  fetch: MetadataFetchOptions,
  issuer: string,
  timeoutMs: number,
): OidcRequestOptions {
  return {
    [oauth.allowInsecureRequests]: !!fetch.allowHttp && issuer.startsWith("http://"),
    signal: () => AbortSignal.timeout(timeoutMs),
    [oauth.customFetch]: async (url, options) => {
      const address = fetch.allowPrivate ? null : await guardedAddress(url, fetch);
      const answer = await pinnedRequest({
        method: options.method === "POST" ? "POST" : "GET",
        url,
        address,
        headers: options.headers,
        body: options.body?.toString(),
        timeoutMs,
        maxBodyBytes: MAX_ANSWER_BYTES,
        caCerts: fetch.caCerts,
      });
      const status = answer.status;
      // A Response cannot be built with a body for these statuses.
      const body = status === 204 || status === 304 ? null : answer.body;
      return new Response(body, { status, headers: answer.headers });
    },
  };
}

async function guardedAddress(url: string, fetch: MetadataFetchOptions): Promise<string> {
  const decision = await checkTarget(url, fetch.resolve);
  if ("refused" in decision) throw new IdpAddressRefused(decision.refused);
  return decision.address ?? new URL(url).hostname;
}

/**
 * Why `issuer` cannot be used, or null: its discovery document is fetched now (through the guard) and must be an
 * OpenID Provider's for exactly this issuer, with the endpoints a code flow needs.
 */
export async function issuerProblem(fetch: MetadataFetchOptions, issuer: string, timeoutMs: number) {
  const urlProblem = issuerUrlProblem(issuer, fetch.allowHttp);
  if (urlProblem) return urlProblem;
  try {
    const url = new URL(issuer);
    const options = idpRequestOptions(fetch, issuer, timeoutMs);
    const response = await oauth.discoveryRequest(url, { algorithm: "oidc", ...options });
    if (!response.ok) {
      await response.body?.cancel();
      return `the issuer's discovery document answered ${response.status}, not 200`;
    }
    const as = await oauth.processDiscoveryResponse(url, response);
    for (const field of ["authorization_endpoint", "token_endpoint", "jwks_uri"] as const) {
      if (typeof as[field] !== "string") return `the issuer's discovery document has no ${field}`;
    }
    return null;
  } catch (error) {
    if (error instanceof IdpAddressRefused) return `the issuer cannot be fetched: ${error.message}`;
    const reason = error instanceof Error ? error.message : String(error);
    return `the issuer's discovery document could not be read (${reason.slice(0, 200)})`;
  }
}

/** A document at a tenant-chosen URL (a SAML IdP's metadata), fetched through the guard; no redirects followed. */
export async function fetchGuarded(
  fetch: MetadataFetchOptions,
  url: string,
  timeoutMs: number,
  maxBytes: number,
) {
  const address = fetch.allowPrivate ? null : await guardedAddress(url, fetch);
  return await pinnedRequest({
    method: "GET",
    url,
    address,
    headers: { accept: "application/samlmetadata+xml, application/xml, text/xml" },
    timeoutMs,
    maxBodyBytes: maxBytes,
    caCerts: fetch.caCerts,
  });
}
