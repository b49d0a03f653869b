/**
 * Authentication of dynamically registered clients (dcl_…), for lib/oauth/authenticate_client.ts (the one
 * entry point). Such a client belongs to no project: the `resource` it sends (RFC 8707, which MCP clients send
 * with every token request) names the protected resource and so the project whose codes and refresh tokens it may redeem. SQL then checks that the code or refresh
 * token was issued for that same resource and that the project still accepts dynamic clients.
 */
import type { Ctx, Deps } from "../app_env.ts";
import { isMetadataDocumentClientId } from "./client_metadata_document.ts";
import { metadataDocumentClient, metadataFetchOptions } from "./metadata_document_clients.ts";
import { matchRedirectUri } from "../login/authorize_request.ts";
import {
  type DynamicClient,
  dynamicClient,
  resourceOwner,
  verifyDynamicClient,
} from "@/db/dynamic_clients.ts";
import { checkClientAssertion } from "./client_assertion.ts";
import { registeredClientKeys } from "./registered_client_jwks.ts";
import { AppError } from "../http/errors.ts";
import { sha256 } from "../secrets.ts";
import { clientAddress } from "../http/client_address.ts";
import { failureBuckets } from "./authenticate_client.ts";
import { BASIC_CHALLENGE, type PresentedClient } from "./client_auth.ts";
import type { OAuthParams } from "./params.ts";
import { canonicalResource, parseResource } from "./scope.ts";

export const DYNAMIC_CLIENT_PREFIX = "dcl_";

/** A client that belongs to no project: registered (dcl_…) or known by its metadata document URL. */
export function isSelfRegisteredClientId(clientId: string): boolean {
  return clientId.startsWith(DYNAMIC_CLIENT_PREFIX) || isMetadataDocumentClientId(clientId);
}

/**
 * A self-registered client's metadata: the registration, or the document its URL serves; null: unknown.
 * `address`: the requester's, whose document fetches are rate limited.
 */
export function selfRegisteredClient(
  deps: Pick<Deps, "sql" | "config" | "clientMetadataFetch">,
  clientId: string,
  resource: string | undefined,
  address: string,
): Promise<DynamicClient | null> {
  return isMetadataDocumentClientId(clientId)
    ? metadataDocumentClient(deps.sql, clientId, metadataFetchOptions(deps), resource, address)
    : dynamicClient(deps.sql, clientId);
}

/**
 * Checks a dynamic client's credentials (public: client_id alone; confidential: its secret, Basic or post, or
 * a client assertion signed with its registered keys) and returns its metadata. Wrong secrets count in the
 * same lockout buckets as other clients'.
 */
export async function verifyDynamicClientSecret(
  c: Ctx,
  presented: PresentedClient,
  params: OAuthParams,
): Promise<DynamicClient> {
  const { sql } = c.var.deps;
  const challenge = presented.method === "client_secret_basic" ? BASIC_CHALLENGE : undefined;
  const client = await selfRegisteredClient(
    c.var.deps,
    presented.clientId,
    params.resource,
    clientAddress(c),
  );
  if (!client) throw new AppError("invalid_client", { headers: challenge });
  if (isMetadataDocumentClientId(presented.clientId)) assertStillRedirects(client, params);
  if (client.token_endpoint_auth_method === "private_key_jwt" || presented.method === "private_key_jwt") {
    await verifyDynamicClientAssertion(c, presented, params, client);
    return client;
  }
  if (client.token_endpoint_auth_method === "none") {
    if (presented.secret !== null) {
      throw new AppError("invalid_client", {
        description: "This client registered as a public client (none): send its client_id without a secret.",
        headers: challenge,
      });
    }
    return client;
  }
  if (presented.secret === null) {
    throw new AppError("invalid_client", { description: "This client must authenticate with its secret." });
  }
  const outcome = await verifyDynamicClient(
    sql,
    presented.clientId,
    await sha256(presented.secret),
    failureBuckets(c, presented.clientId),
  );
  if ("wait" in outcome) {
    throw new AppError("rate_limited", {
      description: "Too many failed client authentications. Try again later.",
      headers: { "Retry-After": String(outcome.wait) },
    });
  }
  if (!outcome.verified) throw new AppError("invalid_client", { headers: challenge });
  return client;
}

/**
 * A metadata document may change between the authorization request and the token request: a code is
 * redeemed only while the document still lists the redirect URI it was issued for.
 */
function assertStillRedirects(client: DynamicClient, params: OAuthParams): void {
  if (params.redirect_uri === undefined) return;
  if (!matchRedirectUri(client.redirect_uris, params.redirect_uri)) {
    throw new AppError("invalid_grant", {
      description: "The client's metadata document no longer lists this redirect_uri.",
    });
  }
}

/** private_key_jwt both registered and used; refusals are audited in the project of the resource named. */
async function verifyDynamicClientAssertion(
  c: Ctx,
  presented: PresentedClient,
  params: OAuthParams,
  client: DynamicClient,
): Promise<void> {
  if (client.token_endpoint_auth_method !== "private_key_jwt" || !client.jwks) {
    throw new AppError("invalid_client", {
      description: `This client registered ${client.token_endpoint_auth_method}, not private_key_jwt.`,
    });
  }
  if (presented.method !== "private_key_jwt") {
    throw new AppError("invalid_client", {
      description: "This client registered private_key_jwt: authenticate with a client_assertion.",
    });
  }
  const resource = params.resource === undefined ? null : canonicalResource(params.resource);
  const owner = resource ? await resourceOwner(c.var.deps.sql, resource) : null;
  const keys = await registeredClientKeys(c, client, presented.assertion);
  await checkClientAssertion(c, presented, keys, owner?.project_id ?? null);
}

/**
 * The project a dynamic client acts for: the owner of the protected resource its request names; dpopRequired
 * when that project requires DPoP of every client (settings.dpop.required).
 */
export async function dynamicClientProject(
  c: Ctx,
  params: OAuthParams,
): Promise<{ projectId: string; dpopRequired: boolean }> {
  const resource = parseResource(params.resource);
  if (resource === null) {
    throw new AppError("invalid_target", {
      description: "Dynamically registered clients must send resource (RFC 8707) with every token request: " +
        "the protected resource the person signed in for.",
    });
  }
  const owner = await resourceOwner(c.var.deps.sql, resource);
  if (!owner) {
    throw new AppError("invalid_target", {
      description: "resource is not a protected resource registered here.",
    });
  }
  const dpop = owner.settings.dpop as { required?: unknown } | undefined;
  return { projectId: owner.project_id, dpopRequired: dpop?.required === true };
}
