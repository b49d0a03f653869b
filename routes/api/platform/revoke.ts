import type { Handlers } from "@/lib/router/routes.ts";
import type { Deps } from "@/lib/app_env.ts";
import { readOAuthParams } from "@/lib/oauth/params.ts";
import { OAuthErrorResponse, parseParams, TokenHandleRequest } from "@/lib/oauth/schemas.ts";
import { revokeUserRefreshTokens } from "@/db/tokens.ts";
import { readRefreshToken } from "@/lib/tokens/refresh_tokens.ts";
import { isUserToken, verifyAccessToken } from "@/lib/tokens/verify_access_token.ts";
import type { RouteDoc } from "@/lib/openapi.ts";
import { clientsInHandler } from "@/lib/router/callers.ts";
import { tokenHandleClient } from "@/lib/oauth/token_handle_client.ts";
import { revokeSelfRegisteredTokens } from "@/db/self_registered_tokens.ts";

/** Every kind of client; a public self-registered one with its client_id alone (RFC 7009 §2.1). */
export const callers = clientsInHandler("project", "machine", "dynamic");

/**
 * Revocation (RFC 7009). The project's own client, given a user's refresh or access token, revokes every
 * refresh token of that user in the project — signing out everywhere, as the product promises. A
 * self-registered or metadata-document client revokes only its own grant: the refresh token's family, or the
 * refresh tokens of the person and resource an access token of its names. Unknown tokens get 200 too.
 */
export const handler: Handlers = {
  async POST(c) {
    const params = await readOAuthParams(c);
    const client = await tokenHandleClient(c, params);
    const { token, token_type_hint } = parseParams(TokenHandleRequest, params);
    const { sql, keys, config } = c.var.deps;
    if (client.kind === "self_registered") {
      await revokeOwnGrant(c.var.deps, client.clientId, token, token_type_hint);
      return c.body(null, 200, { "cache-control": "no-store" });
    }
    // Machine clients hold no user tokens; what they present is treated as unknown (RFC 7009 §2.2: 200).
    if (client.kind !== "project") return c.body(null, 200, { "cache-control": "no-store" });
    const revoked = await revokeUserRefreshTokens(sql, client.projectId, {
      refreshToken: await readRefreshToken(token),
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

/** A self-registered client's own grant: by refresh token, else by an access token issued to it. */
async function revokeOwnGrant(
  deps: Pick<Deps, "sql" | "keys" | "config">,
  clientId: string,
  token: string,
  hint: string | undefined,
): Promise<void> {
  const revoked = await revokeSelfRegisteredTokens(deps.sql, clientId, {
    refreshToken: await readRefreshToken(token),
  });
  if (revoked > 0 || hint === "refresh_token") return;
  const claims = await verifyAccessToken(deps.keys, deps.config.baseUrl, token);
  if (!claims || claims.client_id !== clientId || !isUserToken(claims)) return;
  if (typeof claims.project_id !== "string") return;
  const resource = typeof claims.aud === "string" ? claims.aud : null;
  await revokeSelfRegisteredTokens(deps.sql, clientId, {
    projectId: claims.project_id,
    userId: claims.sub,
    resource,
  });
}

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
