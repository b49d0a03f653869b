/**
 * The MCP endpoint's Origin check, by whole origin (scheme, host and port). The SDK's
 * `originValidationResponse` compares host names only, so a page served from another port or scheme of an
 * allowed host would pass; browsers treat those as other origins, and so does this check.
 */

/** "https://app.example:443/" → "https://app.example"; null for anything that is not an http(s) origin. */
export function originOf(text: string): string | null {
  try {
    const url = new URL(text);
    return url.protocol === "http:" || url.protocol === "https:" ? url.origin : null;
  } catch {
    return null;
  }
}

/** A 403 JSON-RPC error (the SDK's shape) when the request's Origin is present and not allowed; else undefined. */
export function foreignOriginResponse(req: Request, allowedOrigins: readonly string[]): Response | undefined {
  const origin = req.headers.get("origin");
  if (origin === null || origin === "") return undefined; // non-browser clients send none
  const asked = originOf(origin);
  if (asked !== null && allowedOrigins.some((allowed) => originOf(allowed) === asked)) return undefined;
  return Response.json(
    { jsonrpc: "2.0", error: { code: -32000, message: `Origin not allowed: ${origin}` }, id: null },
    { status: 403 },
  );
}
