/**
 * Token requests from dynamically registered clients (dcl_…). Such a client belongs to no project: the
 * `resource` it sends (RFC 8707, which MCP clients send with every token request) names the protected resource
 * and so the project whose codes and refresh tokens it may redeem. SQL then checks that the code or refresh
 * token was issued for that same resource and that the project still accepts dynamic clients.
 */
import type { Ctx } from "../app_env.ts";
import { dynamicClient, resourceOwner, verifyDynamicClient } from "../../db/dynamic_clients.ts";
import { AppError } from "../http/errors.ts";
import { sha256 } from "../secrets.ts";
import { type AuthenticatedClient, failureBuckets } from "./authenticate_client.ts";
import { BASIC_CHALLENGE, type PresentedClient } from "./client_auth.ts";
import type { OAuthParams } from "./params.ts";
import { parseResource } from "./scope.ts";

export const DYNAMIC_CLIENT_PREFIX = "dcl_";

/**
 * Authenticates a dynamic client (public: client_id alone; confidential: its secret, Basic or post) and finds
 * the project from the request's resource. Wrong secrets count in the same lockout buckets as other clients'.
 */
export async function authenticateDynamicClient(
  c: Ctx,
  presented: PresentedClient,
  params: OAuthParams,
): Promise<AuthenticatedClient> {
  const { sql } = c.var.deps;
  const challenge = presented.method === "client_secret_basic" ? BASIC_CHALLENGE : undefined;
  const client = await dynamicClient(sql, presented.clientId);
  if (!client) throw new AppError("invalid_client", { headers: challenge });
  if (client.token_endpoint_auth_method === "none") {
    if (presented.secret !== null) {
      throw new AppError("invalid_client", {
        description: "This client registered as a public client (none): send its client_id without a secret.",
        headers: challenge,
      });
    }
  } else if (presented.secret === null) {
    throw new AppError("invalid_client", { description: "This client must authenticate with its secret." });
  } else {
    const buckets = failureBuckets(c, presented.clientId);
    const outcome = await verifyDynamicClient(
      sql,
      presented.clientId,
      await sha256(presented.secret),
      buckets,
    );
    if ("wait" in outcome) {
      throw new AppError("rate_limited", {
        description: "Too many failed client authentications. Try again later.",
        headers: { "Retry-After": String(outcome.wait) },
      });
    }
    if (!outcome.verified) throw new AppError("invalid_client", { headers: challenge });
  }
  const resource = parseResource(params.resource);
  if (resource === null) {
    throw new AppError("invalid_target", {
      description: "Dynamically registered clients must send resource (RFC 8707) with every token request: " +
        "the protected resource the person signed in for.",
    });
  }
  const owner = await resourceOwner(sql, resource);
  if (!owner) {
    throw new AppError("invalid_target", {
      description: "resource is not a protected resource registered here.",
    });
  }
  return {
    projectId: owner.project_id,
    clientId: presented.clientId,
    kind: "dynamic",
    method: presented.method,
  };
}
