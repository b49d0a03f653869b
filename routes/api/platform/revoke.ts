import type { Handlers } from "../../../lib/router/routes.ts";
import { authenticateClient } from "../../../lib/oauth/authenticate_client.ts";
import { readOAuthParams, required } from "../../../lib/oauth/params.ts";
import { revokeUserRefreshTokens } from "../../../db/tokens.ts";
import { sha256 } from "../../../lib/secrets.ts";
import { isUserToken, verifyAccessToken } from "../../../lib/tokens/verify_access_token.ts";

/**
 * Revocation (RFC 7009). Given a user's refresh or access token, every refresh token of that user in the
 * client's project is revoked — signing out everywhere, as the product promises. Unknown tokens get 200 too.
 */
export const handler: Handlers = {
  async POST(c) {
    const params = await readOAuthParams(c);
    const client = await authenticateClient(c, params);
    const token = required(params, "token");
    const { sql, keys, config } = c.var.deps;
    // Machine clients hold no user tokens; what they present is treated as unknown (RFC 7009 §2.2: 200).
    if (client.kind !== "project") return c.body(null, 200, { "cache-control": "no-store" });
    const revoked = await revokeUserRefreshTokens(sql, client.projectId, {
      refreshHash: await sha256(token),
    });
    if (revoked === 0 && params.token_type_hint !== "refresh_token") {
      const claims = await verifyAccessToken(keys, config.baseUrl, token);
      if (claims && claims.project_id === client.projectId && isUserToken(claims)) {
        await revokeUserRefreshTokens(sql, client.projectId, { userId: claims.sub });
      }
    }
    return c.body(null, 200, { "cache-control": "no-store" });
  },
};
