/**
 * Cross-origin access to the endpoints a browser-based OAuth client calls itself — MCP clients such as the
 * MCP Inspector register, get and revoke tokens from a web page; single-page apps read discovery and JWKS.
 * `*` without credentials: these endpoints act on what the request carries (a code and verifier, a
 * client's own secret, a bearer token), never on cookies, so no origin gains ambient authority. Pages, the
 * dashboard and the management APIs get no CORS headers.
 */
import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";

export const CORS_PATHS = [
  "/.well-known/*",
  "/api/platform/token",
  "/api/platform/register",
  "/api/platform/revoke",
  "/api/platform/userinfo",
  "/api/platform/anonymous", // a front end makes a guest with its public client id (docs/anonymous-users.md)
];

/** Response headers a cross-origin caller may read (also set by the public documents' fast path). */
export const EXPOSE_HEADERS = ["www-authenticate", "retry-after"];

const preflight = cors({
  origin: "*",
  allowMethods: ["GET", "POST", "OPTIONS"],
  allowHeaders: ["authorization", "content-type", "mcp-protocol-version"],
  exposeHeaders: EXPOSE_HEADERS,
  maxAge: 600,
});

const EXPOSED = EXPOSE_HEADERS.join(",");

/**
 * Preflights (OPTIONS) through Hono's cors; every other request gets the same two headers set on its
 * response once it is made. Hono's cors sets them before the handler runs, on a placeholder response that the
 * handler's response is then copied into: a third of what a cheap request cost (issue 24). After `next()`
 * an error's response is there too (Hono answers errors inside the chain), so errors carry the headers.
 */
export const oauthCors: MiddlewareHandler = async (c, next) => {
  if (c.req.method === "OPTIONS") return preflight(c, next);
  await next();
  c.res.headers.set("access-control-allow-origin", "*");
  c.res.headers.set("access-control-expose-headers", EXPOSED);
};
