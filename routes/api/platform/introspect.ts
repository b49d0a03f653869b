import type { Handlers } from "@/lib/router/routes.ts";
import { readOAuthParams } from "@/lib/oauth/params.ts";
import {
  IntrospectionResponse,
  OAuthErrorResponse,
  parseParams,
  TokenHandleRequest,
} from "@/lib/oauth/schemas.ts";
import { introspectRefreshToken, userInfo } from "@/db/tokens.ts";
import { sha256 } from "@/lib/secrets.ts";
import { isUserToken, verifyAccessToken } from "@/lib/tokens/verify_access_token.ts";
import type { RouteDoc } from "@/lib/openapi.ts";
import { clientOf } from "@/lib/platform/caller.ts";
import { clients } from "@/lib/router/callers.ts";

const INACTIVE = { active: false };

/** A machine client introspects the tokens it holds; self-registered clients have no project to ask in. */
export const callers = clients("project", "machine");

/**
 * Introspection (RFC 7662) for the calling client's project. Anything not active — unknown, expired,
 * revoked, another project's, a disabled user's — is `{"active": false}` and nothing more.
 */
export const handler: Handlers = {
  async POST(c) {
    const params = await readOAuthParams(c);
    const client = clientOf(c);
    const { token } = parseParams(TokenHandleRequest, params);
    const { sql, keys, config } = c.var.deps;
    const headers = { "cache-control": "no-store" };

    const refresh = await introspectRefreshToken(sql, client.projectId, await sha256(token));
    if (refresh) return c.json(refresh, 200, headers);

    const claims = await verifyAccessToken(keys, config.baseUrl, token);
    if (!claims || claims.project_id !== client.projectId) return c.json(INACTIVE, 200, headers);
    if (isUserToken(claims) && !(await userInfo(sql, client.projectId, claims.sub))) {
      return c.json(INACTIVE, 200, headers);
    }
    return c.json({ active: true, token_type: "access_token", ...claims }, 200, headers);
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
