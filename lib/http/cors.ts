/**
 * Cross-origin access to the endpoints a browser-based OAuth client calls itself — MCP clients such as the
 * MCP Inspector register, get and revoke tokens from a web page; single-page apps read discovery and JWKS.
 * `*` without credentials: these endpoints act on what the request carries (a code and verifier, a
 * client's own secret, a bearer token), never on cookies, so no origin gains ambient authority. Pages, the
 * dashboard and the management APIs get no CORS headers.
 */
import { cors } from "hono/cors";

export const CORS_PATHS = [
  "/.well-known/*",
  "/api/platform/token",
  "/api/platform/register",
  "/api/platform/revoke",
  "/api/platform/userinfo",
];

/** Response headers a cross-origin caller may read (also set by the public documents' fast path). */
export const EXPOSE_HEADERS = ["www-authenticate", "retry-after"];

export const oauthCors = cors({
  origin: "*",
  allowMethods: ["GET", "POST", "OPTIONS"],
  allowHeaders: ["authorization", "content-type", "mcp-protocol-version"],
  exposeHeaders: EXPOSE_HEADERS,
  maxAge: 600,
});
