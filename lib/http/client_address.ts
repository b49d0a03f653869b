/** The address a request came from, for per-address lockouts and the audit log. */
import { getConnInfo } from "hono/deno";
import type { Ctx } from "../app_env.ts";
import { addressBucket } from "./ip_address.ts";

const ADDRESS = /^[0-9A-Fa-f.:]{2,45}$/;

/**
 * The peer address, or — with ASTAPA_TRUST_PROXY = n — the entry n places from the right of
 * X-Forwarded-For: each trusted proxy appends the address it received from, so that entry is what the
 * outermost trusted proxy saw. Anything further left was written by the client and proves nothing.
 */
export function clientAddress(c: Ctx): string {
  const hops = c.var.deps.config.trustProxyHops;
  if (hops > 0) {
    const forwarded = (c.req.header("x-forwarded-for") ?? "").split(",").map((entry) => entry.trim());
    const seen = forwarded.length >= hops ? forwarded[forwarded.length - hops] : undefined;
    if (seen && ADDRESS.test(seen)) return seen;
  }
  return peerAddress(c);
}

function peerAddress(c: Ctx): string {
  try {
    return getConnInfo(c).remote.address ?? "unknown";
  } catch {
    return "unknown"; // app.request() in tests has no connection
  }
}

/** What per-address limits count for the request's address (an IPv6 one's /64: addressBucket). */
export function limitAddress(c: Ctx): string {
  return addressBucket(clientAddress(c));
}
