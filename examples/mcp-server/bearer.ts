/**
 * The protected-resource half of MCP authorization, for any MCP server that trusts Astapa: RFC 9728 metadata,
 * Bearer token checks (RS256 JWT from Astapa's JWKS, issuer, `typ: at+jwt`, audience = this server, project_id =
 * the project that registered it), and the 401 answer with the `WWW-Authenticate` challenge MCP clients follow
 * (RFC 6750 §3, RFC 9728 §5.1). Scope checks per tool are the MCP SDK's (server.ts).
 */
import { createRemoteJWKSet, jwtVerify } from "jose";

export type ResourceOptions = {
  /** This server's resource identifier, e.g. https://mcp.example.com/mcp (registered in the Astapa project). */
  resource: string;
  /** Astapa's issuer (its origin). */
  issuer: string;
  /** The Astapa project that registered the resource (`proj_…`): tokens of any other project are refused. */
  projectId: string;
  /** Every scope some tool needs, advertised in the metadata. */
  scopesSupported: string[];
  resourceName?: string;
};

/** What a verified token says about its caller (the SDK's AuthInfo shape). */
export type Caller = {
  token: string;
  clientId: string;
  scopes: string[];
  expiresAt: number;
  resource: URL;
  extra: { sub: string; projectId: string };
  /** Where the SDK's own scope challenges (403 insufficient_scope) point clients. */
  resourceMetadataUrl: string;
};

/** The metadata document's address: the well-known prefix inserted before the resource's path. */
export function metadataUrl(resource: string): string {
  const url = new URL(resource);
  const path = url.pathname === "/" ? "" : url.pathname;
  return `${url.origin}/.well-known/oauth-protected-resource${path}`;
}

/** RFC 9728 protected resource metadata. */
export function resourceMetadata(options: ResourceOptions) {
  return {
    resource: options.resource,
    authorization_servers: [options.issuer],
    scopes_supported: options.scopesSupported,
    bearer_methods_supported: ["header"],
    ...(options.resourceName ? { resource_name: options.resourceName } : {}),
  };
}

export class BearerError extends Error {
  constructor(readonly status: 401 | 403, readonly challenge: Record<string, string>) {
    super(challenge.error_description ?? challenge.error ?? "unauthorized");
  }
}

/** Checks Astapa access tokens for one resource; keys are fetched from the issuer's JWKS and cached. */
export function bearerVerifier(options: ResourceOptions) {
  const jwks = createRemoteJWKSet(new URL(`${options.issuer}/.well-known/jwks.json`));
  return async function verify(authorization: string | null): Promise<Caller> {
    const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(authorization ?? "");
    if (!match) throw new BearerError(401, {}); // no credentials: a bare challenge, no error code (RFC 6750 §3.1)
    try {
      const { payload } = await jwtVerify(match[1], jwks, {
        issuer: options.issuer,
        audience: options.resource, // a token for any other resource is refused
        algorithms: ["RS256"],
        typ: "at+jwt",
      });
      // One issuer serves every project: the audience names this server, and the project must be its owner.
      if (payload.project_id !== options.projectId) throw new Error("the token belongs to another project");
      const scopes = typeof payload.scope === "string" ? payload.scope.split(" ").filter(Boolean) : [];
      return {
        token: match[1],
        clientId: String(payload.client_id),
        scopes,
        expiresAt: payload.exp!,
        resource: new URL(options.resource),
        extra: { sub: String(payload.sub), projectId: String(payload.project_id) },
        resourceMetadataUrl: metadataUrl(options.resource),
      };
    } catch (cause) {
      throw Object.assign(
        new BearerError(401, {
          error: "invalid_token",
          error_description: "The access token is invalid, expired, or for another resource.",
        }),
        { cause },
      );
    }
  };
}

/**
 * The 401/403 answer, with resource_metadata so clients can discover where to get a token, and on a 401 the
 * `scope` to ask for (RFC 6750 §3, MCP authorization): without it an MCP client asks for every scope in
 * scopes_supported, which an authorization server may refuse a client allowed fewer.
 */
export function challengeResponse(error: BearerError, resource: string, scopes: string[] = []): Response {
  const scope = error.status === 401 && scopes.length ? { scope: scopes.join(" ") } : {};
  const params = { ...error.challenge, ...scope, resource_metadata: metadataUrl(resource) };
  const header = "Bearer " +
    Object.entries(params).map(([key, value]) => `${key}="${value.replace(/["\\]/g, "")}"`).join(", ");
  const body = error.challenge.error
    ? { error: error.challenge.error, error_description: error.challenge.error_description }
    : { error: "unauthorized", error_description: "Send an access token from the authorization server." };
  return Response.json(body, { status: error.status, headers: { "WWW-Authenticate": header } });
}
