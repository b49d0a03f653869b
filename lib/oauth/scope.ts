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

/** An absolute URI without a fragment; `https://host` and `https://host/` name the same resource. */
export function parseResource(raw: string | undefined): string | null {
  if (raw === undefined) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AppError("invalid_target", { description: "resource must be an absolute URI." });
  }
  if (raw.includes("#") || raw.length > 2000) {
    throw new AppError("invalid_target", { description: "resource must not contain a fragment." });
  }
  return url.pathname === "/" && !url.search ? url.origin : url.href;
}

/** parseResource for management input: the canonical form, or null when it is not a valid resource URI. */
export function canonicalResource(raw: string): string | null {
  try {
    return parseResource(raw);
  } catch {
    return null;
  }
}
