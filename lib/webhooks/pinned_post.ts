/**
 * A webhook POST that connects to an address decided beforehand (the SSRF guard's checked address) instead of
 * resolving the URL's host again, which would reopen the DNS-rebinding window between check and connect. The
 * request still names the original host: Host header, TLS SNI and certificate verification all use it.
 * Deno's fetch cannot be given a resolver (its `tcp` proxy transport skips TLS), so this goes through
 * node:http(s) and its `lookup` hook, which Deno implements.
 */
import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";

export type PinnedPost = {
  url: string;
  /** The address to connect to; null connects by name (no guard applied). */
  address: string | null;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  /** Extra trusted CA certificates (PEM), for tests with a local TLS receiver. */
  caCerts?: string[];
};

/** Sends the POST and resolves with the response status; never follows redirects. */
export async function postPinned(request: PinnedPost): Promise<number> {
  if (request.address === null) {
    const res = await fetch(request.url, {
      method: "POST",
      headers: request.headers,
      body: request.body,
      redirect: "manual",
      signal: AbortSignal.timeout(request.timeoutMs),
    });
    await res.body?.cancel();
    return res.status;
  }
  return await nodePost(request, request.address);
}

function nodePost(request: PinnedPost, address: string): Promise<number> {
  const url = new URL(request.url);
  const family = address.includes(":") ? 6 : 4;
  // Every lookup the connection makes answers the checked address: no second DNS query happens.
  const lookup = ((_host, options, callback) => {
    if (typeof options === "object" && options?.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  }) as LookupFunction;
  const client = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(url, {
      method: "POST",
      headers: {
        ...request.headers,
        "content-length": String(new TextEncoder().encode(request.body).length),
      },
      lookup,
      ...(request.caCerts ? { ca: request.caCerts } : {}),
      signal: AbortSignal.timeout(request.timeoutMs),
    }, (res) => {
      res.resume(); // the body is not read: only the status counts
      res.on("end", () => resolve(res.statusCode ?? 0));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(request.body);
  });
}
