/**
 * Outgoing requests to addresses a tenant chose (webhooks, resource-metadata proofs) that connect to the
 * address decided beforehand by the SSRF guard instead of resolving the URL's host again, which would reopen
 * the DNS-rebinding window between check and connect. The request still names the original host: Host header,
 * TLS SNI and certificate verification all use it. Deno's fetch cannot be given a resolver (its `tcp` proxy
 * transport skips TLS), so pinned requests go through node:http(s) and its `lookup` hook, which Deno implements.
 */
import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";

export type PinnedRequest = {
  method: "GET" | "POST";
  url: string;
  /** The address to connect to; null connects by name (no guard applied). */
  address: string | null;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  /** Read at most this many bytes of the response body (default: none is read). */
  maxBodyBytes?: number;
  /** Extra trusted CA certificates (PEM), for tests with a local TLS receiver. */
  caCerts?: string[];
};

export type PinnedResponse = {
  status: number;
  contentType: string | null;
  body: string;
  /** Response headers, names in lower case (caching headers for metadata documents). */
  headers: Record<string, string>;
};

/** Sends the request without following redirects; the body is cut at maxBodyBytes (a larger one is an error). */
export async function pinnedRequest(request: PinnedRequest): Promise<PinnedResponse> {
  if (request.address === null) {
    const res = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      redirect: "manual",
      signal: AbortSignal.timeout(request.timeoutMs),
    });
    const body = request.maxBodyBytes ? await boundedText(res, request.maxBodyBytes) : "";
    await res.body?.cancel();
    const headers = Object.fromEntries(res.headers.entries());
    return { status: res.status, contentType: res.headers.get("content-type"), body, headers };
  }
  return await nodeRequest(request, request.address);
}

/** A webhook POST: the response status. */
export async function postPinned(
  request: Omit<PinnedRequest, "method" | "maxBodyBytes"> & { body: string },
): Promise<number> {
  return (await pinnedRequest({ ...request, method: "POST" })).status;
}

async function boundedText(res: Response, max: number): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body ?? []) {
    size += chunk.length;
    if (size > max) throw new Error(`The response is larger than ${max} bytes.`);
    chunks.push(chunk);
  }
  return new TextDecoder().decode(concat(chunks));
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function nodeRequest(request: PinnedRequest, address: string): Promise<PinnedResponse> {
  const url = new URL(request.url);
  const family = address.includes(":") ? 6 : 4;
  // Every lookup the connection makes answers the checked address: no second DNS query happens.
  const lookup = ((_host, options, callback) => {
    if (typeof options === "object" && options?.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  }) as LookupFunction;
  const client = url.protocol === "https:" ? https : http;
  const max = request.maxBodyBytes ?? 0;
  return new Promise((resolve, reject) => {
    const headers = { ...request.headers };
    if (request.body !== undefined) {
      headers["content-length"] = String(new TextEncoder().encode(request.body).length);
    }
    const req = client.request(url, {
      method: request.method,
      headers,
      lookup,
      ...(request.caCerts ? { ca: request.caCerts } : {}),
      signal: AbortSignal.timeout(request.timeoutMs),
    }, (res) => {
      const chunks: Uint8Array[] = [];
      let size = 0;
      res.on("data", (chunk: Uint8Array) => {
        if (max === 0) return; // only the status counts
        size += chunk.length;
        if (size > max) {
          req.destroy(new Error(`The response is larger than ${max} bytes.`));
          return;
        }
        chunks.push(chunk);
      });
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          contentType: res.headers["content-type"] ?? null,
          body: new TextDecoder().decode(concat(chunks)),
          headers: Object.fromEntries(
            Object.entries(res.headers).map(([name, value]) => [name, [value].flat().join(", ")]),
          ),
        }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(request.body);
  });
}
