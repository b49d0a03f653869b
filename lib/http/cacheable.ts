/**
 * Public, cacheable JSON (JWKS, discovery, OpenAPI): a strong ETag over the body, 304 when the client has it.
 * The body and its ETag are built once per version of the document (see cachedJson) rather than per request:
 * JWKS and discovery are the most requested URLs and change only when the keys or the issuer do.
 */
import type { Context } from "hono";
import { hex, sha256 } from "../secrets.ts";

export type Prepared = { text: string; etag: string };

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
  return respond(c, await preparedJson(version, build), maxAgeSeconds);
}

/** The body and ETag of `build()` for `version`, serialised and hashed once (see cachedJson). */
export function preparedJson(version: object | string, build: () => unknown): Promise<Prepared> {
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
  return prepared;
}

function forget(version: object | string): void {
  if (typeof version === "string") byString.delete(version);
  else byObject.delete(version);
}

async function prepare(body: unknown): Promise<Prepared> {
  const text = JSON.stringify(body);
  const digest = await sha256(text);
  const etag = `"${hex(digest.slice(0, 12))}"`;
  return { text, etag };
}

/** A prepared document as a response (304 when the client has it). */
export function respondPrepared(c: Context, prepared: Prepared, maxAgeSeconds = 300): Response {
  return respond(c, prepared, maxAgeSeconds);
}

function respond(c: Context, prepared: Prepared, maxAgeSeconds: number): Response {
  const headers = documentHeaders(prepared.etag, maxAgeSeconds);
  if (notModified(c.req.header("if-none-match"), prepared.etag)) {
    return new Response(null, { status: 304, headers });
  }
  return new Response(prepared.text, { headers: { ...headers, "content-type": "application/json" } });
}

/** The caching headers of a public document (its 304 has the same, without content-type). */
export function documentHeaders(etag: string, maxAgeSeconds: number): Record<string, string> {
  return { "cache-control": `public, max-age=${maxAgeSeconds}`, "access-control-allow-origin": "*", etag };
}

/** True when an If-None-Match header names `etag` (weak or strong). */
export function notModified(ifNoneMatch: string | null | undefined, etag: string): boolean {
  return !!ifNoneMatch && ifNoneMatch.split(",").some((tag) => tag.trim().replace(/^W\//, "") === etag);
}
