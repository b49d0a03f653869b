import type { Handlers } from "@/lib/router/routes.ts";
import type { Ctx } from "@/lib/app_env.ts";
import { toAppError } from "@/lib/http/errors.ts";
import { userInfo } from "@/db/tokens.ts";
import { impersonationOf, isUserToken } from "@/lib/tokens/verify_access_token.ts";
import { presentedAccessToken, refuseToken } from "@/lib/oauth/dpop_resource.ts";
import { OAuthErrorResponse, UserInfoResponse } from "@/lib/oauth/schemas.ts";
import type { RouteDoc } from "@/lib/openapi.ts";
import { ACCESS_TOKEN } from "@/lib/router/callers.ts";

export const callers = ACCESS_TOKEN;

/**
 * OpenID Connect userinfo: the signed-in user's current claims, for a Bearer access token (RFC 6750), or a
 * DPoP-bound one sent as `DPoP <token>` with its proof (RFC 9449 §7; lib/oauth/dpop_resource.ts).
 */
async function userinfo(c: Ctx): Promise<Response> {
  const { claims, proof } = await presentedAccessToken(c);
  const scheme = proof ? "DPoP" : "Bearer";
  const { sql } = c.var.deps;
  // A token of a client kind the project has since switched off is refused, as introspection refuses it.
  let user = null;
  try {
    user = isUserToken(claims)
      ? await userInfo(sql, claims.project_id, claims.sub, {
        clientId: String(claims.client_id),
        scope: typeof claims.scope === "string" ? claims.scope : null,
        // One issued under an impersonation that has ended is refused too (docs/impersonation.md).
        impersonationId: impersonationOf(claims),
      }, proof)
      : null;
  } catch (error) {
    // The proof's jti was seen before (api.use_dpop_proof): a replayed request.
    const refused = toAppError(error);
    if (refused.code === "invalid_dpop_proof") refuseToken("DPoP", refused.description, "invalid_dpop_proof");
    throw error;
  }
  if (!user) refuseToken(scheme, "The access token is invalid or expired.");
  return c.json(user, 200, { "cache-control": "no-store" });
}

export const handler: Handlers = { GET: userinfo, POST: userinfo };

const userinfoDoc = {
  tag: "Tokens",
  summary: "The signed-in user's current claims",
  auth: "bearer",
  description:
    "A DPoP-bound access token comes as Authorization: DPoP <token> with a DPoP proof (RFC 9449 §7).",
  responses: {
    200: { description: "The user", schema: UserInfoResponse },
    401: { description: "invalid_token", schema: OAuthErrorResponse },
  },
} as const;
export const openapi: RouteDoc = { get: userinfoDoc, post: userinfoDoc };
