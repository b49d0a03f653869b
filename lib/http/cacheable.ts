/** Public, cacheable JSON (JWKS, discovery): a strong ETag over the body, 304 when the client has it. */
import type { Context } from "hono";

export async function cacheableJson(c: Context, body: unknown, maxAgeSeconds = 300): Promise<Response> {
  const text = JSON.stringify(body);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  const etag = `"${Array.from(digest.slice(0, 12), (b) => b.toString(16).padStart(2, "0")).join("")}"`;
  const headers = {
    "cache-control": `public, max-age=${maxAgeSeconds}`,
    "access-control-allow-origin": "*",
    etag,
  };
  const presented = c.req.header("if-none-match")?.split(",").map((tag) => tag.trim().replace(/^W\//, ""));
  if (presented?.includes(etag)) return new Response(null, { status: 304, headers });
  return new Response(text, { headers: { ...headers, "content-type": "application/json" } });
}
