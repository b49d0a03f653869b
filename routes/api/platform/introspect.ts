import type { Handlers } from "@/lib/router/routes.ts";
import { readOAuthParams } from "@/lib/oauth/params.ts";
import {
  IntrospectionResponse,
  OAuthErrorResponse,
  parseParams,
  TokenHandleRequest,
} from "@/lib/oauth/schemas.ts";
import { accessTokenActive, introspectRefreshToken } from "@/db/tokens.ts";
import { readRefreshToken } from "@/lib/tokens/refresh_tokens.ts";
import { impersonationOf, isUserToken, verifyAccessToken } from "@/lib/tokens/verify_access_token.ts";
import type { RouteDoc } from "@/lib/openapi.ts";
import { confidentialClientsInHandler } from "@/lib/router/callers.ts";
import { tokenHandleClient } from "@/lib/oauth/token_handle_client.ts";
import { introspectSelfRegisteredRefreshToken } from "@/db/self_registered_tokens.ts";

const INACTIVE = { active: false };

/**
 * A machine client introspects the tokens it holds; a self-registered or metadata-document client the tokens
 * issued to it, and only when it authenticates (a secret or a client assertion): RFC 7662 §2.1 asks for an
 * authorized caller, which a public client's bare client_id is not.
 */
export const callers = confidentialClientsInHandler("project", "machine", "dynamic");

/**
 * Introspection (RFC 7662) for the calling client's project, or for a self-registered client its own tokens.
 * Anything not active — unknown, expired, revoked, another project's or client's, a disabled user's, a client's
 * whose kind the project has turned off — is
 * `{"active": false}` and nothing more.
 */
export const handler: Handlers = {
  async POST(c) {
    const params = await readOAuthParams(c);
    const client = await tokenHandleClient(c, params);
    const { token } = parseParams(TokenHandleRequest, params);
    const { sql, keys, config } = c.var.deps;
    const headers = { "cache-control": "no-store" };
    const own = client.kind === "self_registered";

    const presented = await readRefreshToken(token);
    const refresh = own
      ? await introspectSelfRegisteredRefreshToken(sql, client.clientId, presented)
      : await introspectRefreshToken(sql, client.projectId, presented);
    if (refresh) return c.json(refresh, 200, headers);

    const claims = await verifyAccessToken(keys, config.baseUrl, token);
    if (!claims || typeof claims.project_id !== "string") return c.json(INACTIVE, 200, headers);
    const mine = own ? claims.client_id === client.clientId : claims.project_id === client.projectId;
    if (!mine) return c.json(INACTIVE, 200, headers);
    // The signature alone is not enough: a disabled person, a project that has since turned the client's kind
    // off (dynamic clients, metadata documents), or the end of the impersonation it was issued under ends the
    // token here too (docs/impersonation.md).
    const userId = isUserToken(claims) ? claims.sub : null;
    const issued = { userId, clientId: String(claims.client_id), impersonationId: impersonationOf(claims) };
    if (!(await accessTokenActive(sql, claims.project_id, issued))) {
      return c.json(INACTIVE, 200, headers);
    }
    // RFC 9449 §6.2: a bound token says so, and its cnf.jkt (among the claims) names the key it needs.
    const tokenType = typeof (claims.cnf as { jkt?: unknown } | undefined)?.jkt === "string"
      ? "DPoP"
      : "access_token";
    return c.json({ active: true, token_type: tokenType, ...claims }, 200, headers);
  },
};

export const openapi: RouteDoc = {
  post: {
    tag: "Tokens",
    summary: "Introspect a token (RFC 7662)",
    auth: "client",
    body: { schema: TokenHandleRequest, media: ["form", "json"] },
    responses: {
      200: { description: "{active: false} or the token's claims", schema: IntrospectionResponse },
      401: { description: "invalid_client", schema: OAuthErrorResponse },
    },
  },
};
