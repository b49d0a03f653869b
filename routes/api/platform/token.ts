import type { Handlers } from "@/lib/router/routes.ts";
import { grantFor } from "@/lib/oauth/grants.ts";
import { readOAuthParams, required } from "@/lib/oauth/params.ts";
import { OAuthErrorResponse, TokenRequest, TokenResponse } from "@/lib/oauth/schemas.ts";
import type { RouteDoc } from "@/lib/openapi.ts";
import { clientsInHandler } from "@/lib/router/callers.ts";
import { tokenRequestProof } from "@/lib/oauth/dpop_token_request.ts";

/** Every kind of client, each for its own grants; authenticated in the grant's own statement. */
export const callers = clientsInHandler("project", "machine", "dynamic");

/** The token endpoint (RFC 6749 §3.2): form or JSON in, tokens out, never cached. */
export const handler: Handlers = {
  async POST(c) {
    const params = await readOAuthParams(c);
    const grant = grantFor(required(params, "grant_type"));
    const proof = await tokenRequestProof(c); // a DPoP proof, when sent (RFC 9449 §5)
    const tokens = await grant(c, params, proof); // authenticates the client first
    return c.json(tokens, 200, { "cache-control": "no-store", pragma: "no-cache" });
  },
};

export const openapi: RouteDoc = {
  post: {
    tag: "Tokens",
    summary: "Exchange a grant for tokens",
    description:
      "authorization_code (with PKCE), refresh_token (rotating), client_credentials, device_code, " +
      "token exchange or jwt-bearer (ID-JAG). With a DPoP header (RFC 9449), the access token is bound to " +
      "the proof's key (token_type DPoP), and so is a public client's refresh token.",
    auth: "client",
    body: { schema: TokenRequest, media: ["form", "json"] },
    responses: {
      200: { description: "Tokens", schema: TokenResponse },
      400: {
        description: "invalid_request, invalid_grant, invalid_dpop_proof, unsupported_grant_type, …",
        schema: OAuthErrorResponse,
      },
      401: { description: "invalid_client", schema: OAuthErrorResponse },
      429: { description: "Too many failed client authentications", schema: OAuthErrorResponse },
    },
  },
};
