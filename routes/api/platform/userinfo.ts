import type { Handlers } from "@/lib/router/routes.ts";
import type { Ctx } from "@/lib/app_env.ts";
import { AppError } from "@/lib/http/errors.ts";
import { userInfo } from "@/db/tokens.ts";
import { isUserToken, verifyAccessToken } from "@/lib/tokens/verify_access_token.ts";
import { OAuthErrorResponse, UserInfoResponse } from "@/lib/oauth/schemas.ts";
import type { RouteDoc } from "@/lib/openapi.ts";
import { ACCESS_TOKEN } from "@/lib/router/callers.ts";

export const callers = ACCESS_TOKEN;

/** OpenID Connect userinfo: the signed-in user's current claims, for a Bearer access token (RFC 6750). */
async function userinfo(c: Ctx): Promise<Response> {
  const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(c.req.header("authorization") ?? "");
  if (!match) {
    throw new AppError("unauthorized", {
      description: "Send the access token as Authorization: Bearer <token>.",
      headers: { "WWW-Authenticate": 'Bearer realm="astapa"' },
    });
  }
  const { sql, keys, config } = c.var.deps;
  const claims = await verifyAccessToken(keys, config.baseUrl, match[1]);
  // A token of a client kind the project has since switched off is refused, as introspection refuses it.
  const user = claims && isUserToken(claims)
    ? await userInfo(sql, claims.project_id, claims.sub, String(claims.client_id))
    : null;
  if (!user) {
    throw new AppError("invalid_token", {
      headers: { "WWW-Authenticate": 'Bearer realm="astapa", error="invalid_token"' },
    });
  }
  return c.json(user, 200, { "cache-control": "no-store" });
}

export const handler: Handlers = { GET: userinfo, POST: userinfo };

const userinfoDoc = {
  tag: "Tokens",
  summary: "The signed-in user's current claims",
  auth: "bearer",
  responses: {
    200: { description: "The user", schema: UserInfoResponse },
    401: { description: "invalid_token", schema: OAuthErrorResponse },
  },
} as const;
export const openapi: RouteDoc = { get: userinfoDoc, post: userinfoDoc };
