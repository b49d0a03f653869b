/**
 * Public, cacheable JSON (JWKS, discovery, OpenAPI): a strong ETag over the body, 304 when the client has it.
 * The body and its ETag are built once per version of the document (see cachedJson) rather than per request:
 * JWKS and discovery are the most requested URLs and change only when the keys or the issuer do.
 */
import type { Context } from "hono";
import { hex } from "../secrets.ts";

type Prepared = { text: string; etag: string };

/** Documents keyed by an object that changes with them (e.g. the key store's published key list). */
const byObject = new WeakMap<object, Promise<Prepared>>();
/** Documents keyed by a string (e.g. the issuer); few per process, bounded anyway. */
const byString = new Map<string, Promise<Prepared>>();
const MAX_STRING_KEYS = 64;

export async function cacheableJson(c: Context, body: unknown, maxAgeSeconds = 300): Promise<Response> {
  return respond(c, await prepare(body), maxAgeSeconds);
}

/**
 * Like cacheableJson, but serialises and hashes `build()` only the first time `version` is seen. `version`
 * must change whenever the document would: pass the object the document is made from, or a string naming it.
 */
export async function cachedJson(
  c: Context,
  version: object | string,
  build: () => unknown,
  maxAgeSeconds = 300,
): Promise<Response> {
  let prepared = typeof version === "string" ? byString.get(version) : byObject.get(version);
  if (!prepared) {
    prepared = prepare(build());
    prepared.catch(() => forget(version));
    if (typeof version === "string") {
      if (byString.size >= MAX_STRING_KEYS) byString.clear();
      byString.set(version, prepared);
    } else {
      byObject.set(version, prepared);
    }
  }
  return respond(c, await prepared, maxAgeSeconds);
}

function forget(version: object | string): void {
  if (typeof version === "string") byString.delete(version);
  else byObject.delete(version);
}

async function prepare(body: unknown): Promise<Prepared> {
  const text = JSON.stringify(body);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  const etag = `"${hex(digest.slice(0, 12))}"`;
  return { text, etag };
}

function respond(c: Context, { text, etag }: Prepared, maxAgeSeconds: number): Response {
  const headers = {
    "cache-control": `public, max-age=${maxAgeSeconds}`,
    "access-control-allow-origin": "*",
    etag,
  };
  const presented = c.req.header("if-none-match")?.split(",").map((tag) => tag.trim().replace(/^W\//, ""));
  if (presented?.includes(etag)) return new Response(null, { status: 304, headers });
  return new Response(text, { headers: { ...headers, "content-type": "application/json" } });
}
