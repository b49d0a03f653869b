/**
 * Clients known by a Client ID Metadata Document URL, resolved to the same shape as a registered dynamic
 * client (db/dynamic_clients.ts) so the authorization and token endpoints treat both alike. The shared cache
 * in Postgres answers while fresh; otherwise the document is fetched again (client_metadata_document.ts). A
 * document that cannot be used is `invalid_client`, audited in the project of the resource the request names;
 * a document whose redirect URIs changed since the cached copy is audited too (and remembered consents for
 * the client are asked again, as its redirect URIs are part of what the person agreed to). Fetches (cache
 * misses) are counted per requesting address in Postgres, so no caller can make Astapa fetch URLs at will.
 */
import type { Sql } from "@/db/client.ts";
import type { Deps } from "../app_env.ts";
import {
  cachedMetadataDocument,
  countMetadataFetch,
  recordMetadataDocumentEvent,
  storeMetadataDocument,
} from "@/db/client_metadata_documents.ts";
import { type DynamicClient, DynamicClientSchema, resourceOwner } from "@/db/dynamic_clients.ts";
import { AppError } from "../http/errors.ts";
import { addressBucket } from "../http/ip_address.ts";
import {
  fetchMetadataDocument,
  MetadataDocumentRefused,
  type MetadataFetchOptions,
} from "./client_metadata_document.ts";
import { canonicalResource } from "./scope.ts";

/**
 * Document fetches one address may cause (cache misses: every new URL, every stale copy), across instances.
 * A client's own document is cached for at least a minute, so a real client needs few of these.
 */
export const METADATA_FETCHES = { max: 30, windowSeconds: 600 };

/** The deployment's fetch settings: the webhook SSRF switch, plus the test-only hooks of Deps. */
export function metadataFetchOptions(
  deps: Pick<Deps, "config" | "clientMetadataFetch">,
): MetadataFetchOptions {
  return { allowPrivate: deps.config.webhookAllowPrivate, ...deps.clientMetadataFetch };
}

/**
 * Counts one fetch of a client's document or keys for `address` (an IPv6 one by its /64; metadata documents and
 * registered clients' jwks_uri share the allowance); past METADATA_FETCHES, `refused` runs (an audit) and the request is 429
 * rate_limited with Retry-After.
 */
export async function countFetchOrRefuse(
  sql: Sql,
  address: string,
  refused: () => Promise<unknown> = () => Promise.resolve(),
): Promise<void> {
  const wait = await countMetadataFetch(sql, addressBucket(address), METADATA_FETCHES);
  if (wait <= 0) return;
  await refused();
  throw new AppError("rate_limited", {
    description: "Too many client metadata documents fetched for this address. Try again later.",
    headers: { "Retry-After": String(wait) },
  });
}

/**
 * The client a metadata document URL names, from the shared cache or fetched now. `resource`: the raw
 * resource parameter of the request, naming the project a refusal is audited in; `address`: the requester's,
 * whose fetches are counted (429 rate_limited past METADATA_FETCHES).
 */
export async function metadataDocumentClient(
  sql: Sql,
  clientId: string,
  options: MetadataFetchOptions,
  resource: string | undefined,
  address: string,
): Promise<DynamicClient> {
  const cached = await cachedMetadataDocument(sql, clientId);
  if (cached?.fresh) return DynamicClientSchema.parse(cached.document);
  await countFetchOrRefuse(sql, address, () =>
    audit(sql, resource, {
      clientId,
      kind: "refused",
      reason: "too many document fetches from one address",
    }));
  let fetched;
  try {
    fetched = await fetchMetadataDocument(clientId, options);
  } catch (error) {
    if (!(error instanceof MetadataDocumentRefused)) throw error;
    await audit(sql, resource, { clientId, kind: "refused", reason: error.message });
    throw new AppError("invalid_client", {
      description: `The client's metadata document (${
        clientId.slice(0, 200)
      }) cannot be used: ${error.message}.`,
    });
  }
  const stored = await storeMetadataDocument(sql, clientId, fetched.document, fetched.maxAgeSeconds);
  if (stored.redirect_uris_changed) {
    await audit(sql, resource, {
      clientId,
      kind: "redirect_uris_changed",
      reason: `${stored.previous_redirect_uris?.join(" ")} -> ${fetched.document.redirect_uris.join(" ")}`,
    });
  }
  return DynamicClientSchema.parse(fetched.document);
}

async function audit(
  sql: Sql,
  resource: string | undefined,
  event: Parameters<typeof recordMetadataDocumentEvent>[2],
): Promise<void> {
  // Without a valid resource there is no project to audit in (the request is refused anyway).
  const canonical = resource === undefined ? null : canonicalResource(resource);
  const owner = canonical ? await resourceOwner(sql, canonical) : null;
  if (owner) await recordMetadataDocumentEvent(sql, owner.project_id, event);
}
