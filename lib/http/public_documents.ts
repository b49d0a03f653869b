/**
 * JWKS and discovery answered before Hono (issue 24, the middleware floor). They are the most requested URLs,
 * the same bytes for everyone, and need none of what the router and the middleware stack do for other
 * requests; a CPU profile under load put half of their cost in building and copying responses and headers
 * (the CORS middleware's placeholder response, Hono's header merge). Here a GET of one of these exact paths
 * gets a response whose headers are built once per version of the document: the same headers the routes
 * send (caching, CORS, every security header), its own request id, the same access-log line and metrics.
 * Anything else — HEAD, OPTIONS, another spelling of the path — goes through Hono and the route files,
 * which serve the same documents from the same cache.
 */
import type { Deps } from "../app_env.ts";
import { documentHeaders, notModified, type Prepared, preparedJson } from "./cacheable.ts";
import { EXPOSE_HEADERS } from "./cors.ts";
import { logRequest } from "./log.ts";
import { requestIdOf, securityHeaderList } from "./middleware.ts";
import { authorizationServerMetadata } from "../oauth/metadata.ts";
import { metricsEnabled, observeRequest } from "../metrics/metrics.ts";

const MAX_AGE_SECONDS = 300;

/** The JWKS: built once per key-store load (the store hands out the same key list until it reloads). */
export async function jwksDocument(deps: Pick<Deps, "keys">): Promise<Prepared> {
  const jwks = await deps.keys.jwks();
  return preparedJson(jwks.keys, () => jwks);
}

/** OpenID Provider metadata (OIDC Discovery 1.0), the same document as RFC 8414's: built once per issuer. */
export function discoveryDocument(deps: Pick<Deps, "config">): Promise<Prepared> {
  const issuer = deps.config.baseUrl;
  return preparedJson(`discovery:${issuer}`, () => authorizationServerMetadata(issuer));
}

export const PUBLIC_DOCUMENTS: Record<string, (deps: Deps) => Promise<Prepared>> = {
  "/.well-known/jwks.json": jwksDocument,
  "/.well-known/openid-configuration": discoveryDocument,
  "/.well-known/oauth-authorization-server": discoveryDocument,
};

/**
 * Answers a GET of a public document, or returns null for every other request (Hono's to answer). A document
 * that cannot be built (the keys unreadable) is handed to `fallback` too, so the error is the catalogue's
 * page with every header, as through the route.
 */
export function publicDocuments(
  deps: Deps,
): (request: Request, fallback: () => Response | Promise<Response>) => Promise<Response> | null {
  const security = securityHeaderList(deps.config.baseUrl);
  const cors: [string, string][] = [["access-control-expose-headers", EXPOSE_HEADERS.join(",")]];
  /**
   * Per version of a document: its 200 and 304 responses with every header but the request id. Each request
   * answers with a clone, which copies the header list as it is (about 1 µs) where a new Response validates
   * every header again (about 15 µs, most of what these requests cost).
   */
  const built = new WeakMap<Prepared, { ok: Response; notModified: Response }>();
  const responsesOf = (prepared: Prepared) => {
    let responses = built.get(prepared);
    if (!responses) {
      const caching = Object.entries(documentHeaders(prepared.etag, MAX_AGE_SECONDS));
      const notModified = [...caching, ...cors, ...security];
      responses = {
        ok: new Response(prepared.text, { headers: [["content-type", "application/json"], ...notModified] }),
        notModified: new Response(null, { status: 304, headers: notModified }),
      };
      built.set(prepared, responses);
    }
    return responses;
  };

  const answer = async (
    request: Request,
    path: string,
    document: (deps: Deps) => Promise<Prepared>,
    fallback: () => Response | Promise<Response>,
  ) => {
    const started = performance.now();
    const requestId = requestIdOf(request.headers.get("x-request-id"));
    let prepared: Prepared;
    try {
      prepared = await document(deps);
    } catch {
      return await fallback();
    }
    const responses = responsesOf(prepared);
    const fresh = notModified(request.headers.get("if-none-match"), prepared.etag);
    const status = fresh ? 304 : 200;
    const response = (fresh ? responses.notModified : responses.ok).clone();
    response.headers.set("x-request-id", requestId);
    const seconds = (performance.now() - started) / 1000;
    logRequest({
      request_id: requestId,
      method: "GET",
      path,
      status,
      duration_ms: Math.round(seconds * 1e4) / 10,
    });
    if (metricsEnabled()) observeRequest(path, "GET", status, seconds);
    return response;
  };

  return (request, fallback) => {
    if (request.method !== "GET") return null;
    const path = pathOf(request.url);
    return Object.hasOwn(PUBLIC_DOCUMENTS, path)
      ? answer(request, path, PUBLIC_DOCUMENTS[path], fallback)
      : null;
  };
}

/** The path of an absolute URL, without its query (as Hono reads it). */
function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("://") + 3);
  if (start === -1) return "/";
  const query = url.indexOf("?", start);
  return query === -1 ? url.slice(start) : url.slice(start, query);
}
