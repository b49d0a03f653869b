/** scope (RFC 6749 §3.3) and resource (RFC 8707 §2) parameters. */
import { AppError } from "../http/errors.ts";

const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** A space-delimited scope string, normalised (single spaces, no duplicates); null when absent. */
export function parseScope(raw: string | undefined): string | null {
  if (raw === undefined) return null;
  const tokens = raw.split(" ").filter(Boolean);
  if (tokens.length === 0) return null;
  if (tokens.length > 50 || !tokens.every((token) => SCOPE_TOKEN.test(token) && token.length <= 100)) {
    throw new AppError("invalid_scope", { description: "scope must be space-separated scope tokens." });
  }
  return [...new Set(tokens)].join(" ");
}

/**
 * The one canonical form of a resource URI (RFC 8707 §2, RFC 3986 §6 normalisation), used by registration,
 * every grant and every lookup: lower-case scheme and host, no default port, dot segments resolved, no
 * trailing slash (`https://host/`, `https://host` and `https://HOST:443` are one resource; so are
 * `https://host/mcp/` and `https://host/mcp`), no fragment, no userinfo. Path and query keep their case (they
 * are case-sensitive), but the registry also refuses a variant differing only in case (astapa.resource_key).
 * Null when `raw` is not such a URI.
 */
export function canonicalResource(raw: string): string | null {
  if (raw.includes("#") || raw.length > 2000) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.username || url.password) return null;
  if (url.origin === "null") return url.href; // not http(s) (e.g. urn:): nothing more to normalise
  const path = url.search ? url.pathname : url.pathname.replace(/\/+$/, "");
  return url.origin + path + url.search;
}

/** The request's `resource` parameter in canonical form; null when absent, invalid_target when not a URI. */
export function parseResource(raw: string | undefined): string | null {
  if (raw === undefined) return null;
  const canonical = canonicalResource(raw);
  if (canonical !== null) return canonical;
  throw new AppError("invalid_target", {
    description: raw.includes("#")
      ? "resource must not contain a fragment."
      : "resource must be an absolute URI without a fragment or user information.",
  });
}
