/**
 * private_key_jwt keys that a registered (dcl_) client publishes at a `jwks_uri` (RFC 7591 §2) instead of
 * registering them inline. They are fetched through the metadata-document SSRF guard at registration, and
 * again when an assertion names a key id the stored set lacks (a rotation; at most once a minute) or the
 * stored set is over an hour old (so a key removed from the URI stops working within the hour). Fetches
 * count in the same per-address allowance as metadata documents. docs/mcp.md "Keys at a jwks_uri".
 */
import { decodeProtectedHeader } from "jose";
import type { Ctx, Deps } from "../app_env.ts";
import type { Jwks } from "@/db/client_assertions.ts";
import { type DynamicClient, storeDynamicClientJwks } from "@/db/dynamic_clients.ts";
import { AppError } from "../http/errors.ts";
import { clientAddress } from "../http/client_address.ts";
import { log } from "../http/log.ts";
import { fetchClientJwks, MetadataDocumentRefused } from "./client_metadata_document.ts";
import { countFetchOrRefuse, metadataFetchOptions } from "./metadata_document_clients.ts";

/** Seconds: the least time between two fetches for an unknown kid; the most a stored set is trusted. */
export const JWKS_URI_REFRESH = { unknownKidSeconds: 60, maxAgeSeconds: 3600, unreachableSeconds: 86400 };

/**
 * The keys at `uri`, fetched now for `address` (counted): the checked public key set, or a
 * MetadataDocumentRefused naming the problem; 429 past the address's allowance.
 */
export async function fetchJwksUri(
  deps: Pick<Deps, "sql" | "config" | "clientMetadataFetch">,
  uri: string,
  address: string,
): Promise<Jwks> {
  await countFetchOrRefuse(deps.sql, address);
  return await fetchClientJwks(uri, metadataFetchOptions(deps));
}

function kidOf(assertion: string | undefined): string | undefined {
  try {
    const kid = decodeProtectedHeader(assertion ?? "").kid;
    return typeof kid === "string" ? kid : undefined;
  } catch {
    return undefined; // a malformed assertion is refused by the verification that follows
  }
}

/** The keys to check a dcl_ client's assertion with: the stored set, refreshed from its jwks_uri when due. */
export async function registeredClientKeys(
  c: Ctx,
  client: DynamicClient,
  assertion: string | undefined,
): Promise<Jwks> {
  const stored = client.jwks!;
  if (client.jwks_uri === undefined) return stored;
  const age = (Date.now() - (Date.parse(client.jwks_fetched_at ?? "") || 0)) / 1000;
  const kid = kidOf(assertion);
  const unknownKid = kid !== undefined && !stored.keys.some((key) => key.kid === kid);
  const due = age > JWKS_URI_REFRESH.maxAgeSeconds ||
    (unknownKid && age > JWKS_URI_REFRESH.unknownKidSeconds);
  if (!due) return stored;
  try {
    const fresh = await fetchJwksUri(c.var.deps, client.jwks_uri, clientAddress(c));
    await storeDynamicClientJwks(c.var.deps.sql, client.client_id, fresh);
    return fresh;
  } catch (error) {
    if (!(error instanceof MetadataDocumentRefused) && !(error instanceof AppError)) throw error;
    log("warn", "client_jwks_uri_unavailable", { client_id: client.client_id, reason: error.message });
    // A set nobody could confirm for a day is no longer trusted; until then an outage does not lock out.
    if (age > JWKS_URI_REFRESH.unreachableSeconds) {
      throw new AppError("invalid_client", {
        description:
          `The client's jwks_uri could not be fetched (${error.message}) and its keys are too old.`,
      });
    }
    return stored;
  }
}
