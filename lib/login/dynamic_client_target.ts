/**
 * What a dynamically registered client's authorization request must add (docs/mcp.md): PKCE, and a `resource`
 * naming a protected resource whose project accepts dynamic clients. That project's hosted login signs the
 * person in; the client's self-chosen name is shown as unverified.
 */
import type { Sql } from "@/db/client.ts";
import { type DynamicClient, resourceOwner } from "@/db/dynamic_clients.ts";
import { SCOPES } from "../oauth/metadata.ts";
import { isMetadataDocumentClientId } from "../oauth/client_metadata_document.ts";

export type ThirdParty = {
  clientName: string;
  resource: string;
  resourceName: string;
  /** The scopes asked, shown on the sign-in and consent pages (a registration's own scope limits nothing). */
  scopes: string[];
  /** A client known by its metadata document URL: that URL's host, which (unlike the name) is verified. */
  clientHost?: string;
};

type Fail = (code: string, message: string) => Error;

/** The project the request's resource names, and what the page says about the client; or a redirect error. */
export async function dynamicClientTarget(
  sql: Sql,
  client: DynamicClient,
  request: { scope: string | null; resource: string | null; challenge: string | undefined },
  fail: Fail,
) {
  if (request.challenge === undefined) {
    throw fail("invalid_request", "PKCE is required: send code_challenge with code_challenge_method=S256.");
  }
  if (request.resource === null) {
    throw fail(
      "invalid_target",
      "Dynamically registered clients must name the protected resource they want (the resource parameter, " +
        "RFC 8707): it decides which project signs the person in.",
    );
  }
  const owner = await resourceOwner(sql, request.resource);
  if (!owner) throw fail("invalid_target", "resource is not a protected resource registered here.");
  const byDocument = isMetadataDocumentClientId(client.client_id);
  if (byDocument && owner.settings.client_metadata_documents !== true) {
    throw fail(
      "unauthorized_client",
      `The project behind ${request.resource} does not accept clients known by a metadata document URL.`,
    );
  }
  if (!byDocument && !owner.dynamic_clients) {
    throw fail(
      "unauthorized_client",
      `The project behind ${request.resource} does not accept dynamically registered clients.`,
    );
  }
  // Any scope the project declares (or an OpenID one), whatever the client registered: a registration's
  // `scope` is the client's own claim (RFC 7591 §2), anyone may register any scope, and MCP clients register
  // with their first challenge's scope, then widen by step-up. The person's consent is the gate (docs/mcp.md).
  const asked = request.scope?.split(" ").filter(Boolean) ?? [];
  const offered = new Set<string>([...SCOPES, ...owner.scopes]);
  const refused = asked.filter((scope) => !offered.has(scope));
  if (refused.length > 0) {
    throw fail("invalid_scope", `Not a scope of this resource's project: ${refused.join(" ")}.`);
  }
  return {
    project: { id: owner.project_id, name: owner.name, mode: owner.mode, settings: owner.settings },
    thirdParty: {
      clientName: client.client_name ?? "An unnamed app",
      resource: owner.resource,
      resourceName: owner.resource_name,
      scopes: asked,
      ...(byDocument ? { clientHost: new URL(client.client_id).host } : {}),
    } satisfies ThirdParty,
  };
}
