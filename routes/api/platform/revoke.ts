import type { Handlers } from "@/lib/router/routes.ts";
import { readOAuthParams } from "@/lib/oauth/params.ts";
import { OAuthErrorResponse, parseParams, TokenHandleRequest } from "@/lib/oauth/schemas.ts";
import { revokeUserRefreshTokens } from "@/db/tokens.ts";
import { sha256 } from "@/lib/secrets.ts";
import { isUserToken, verifyAccessToken } from "@/lib/tokens/verify_access_token.ts";
import type { RouteDoc } from "@/lib/openapi.ts";
import { clientOf } from "@/lib/platform/caller.ts";
import { clients } from "@/lib/router/callers.ts";

/**
 * Self-registered clients are not served yet: revoking their own refresh tokens needs a lookup by token across
 * projects (they belong to none), and revoking the user's every session is more than they may do.
 */
export const callers = clients("project", "machine");

/**
 * Revocation (RFC 7009). Given a user's refresh or access token, every refresh token of that user in the
 * client's project is revoked — signing out everywhere, as the product promises. Unknown tokens get 200 too.
 */
export const handler: Handlers = {
  async POST(c) {
    const params = await readOAuthParams(c);
    const client = clientOf(c);
    const { token, token_type_hint } = parseParams(TokenHandleRequest, params);
    const { sql, keys, config } = c.var.deps;
    // Machine clients hold no user tokens; what they present is treated as unknown (RFC 7009 §2.2: 200).
    if (client.kind !== "project") return c.body(null, 200, { "cache-control": "no-store" });
    const revoked = await revokeUserRefreshTokens(sql, client.projectId, {
      refreshHash: await sha256(token),
    });
    if (revoked === 0 && token_type_hint !== "refresh_token") {
      const claims = await verifyAccessToken(keys, config.baseUrl, token);
      if (claims && claims.project_id === client.projectId && isUserToken(claims)) {
        await revokeUserRefreshTokens(sql, client.projectId, { userId: claims.sub });
      }
    }
    return c.body(null, 200, { "cache-control": "no-store" });
  },
};

export const openapi: RouteDoc = {
  post: {
    tag: "Tokens",
    summary: "Sign a user out everywhere",
    description:
      "Revokes every refresh token of the token's user in the project (RFC 7009: 200 for unknown tokens).",
    auth: "client",
    body: { schema: TokenHandleRequest, media: ["form", "json"] },
    responses: {
      200: { description: "Revoked, or nothing to revoke" },
      400: { description: "invalid_request", schema: OAuthErrorResponse },
      401: { description: "invalid_client", schema: OAuthErrorResponse },
    },
  },
};
