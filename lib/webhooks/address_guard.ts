/**
 * The SSRF guard for webhook URLs: on a shared deployment, a project in production must not point Astapa's
 * delivery worker at the server's own network (loopback, private ranges, link-local cloud metadata, …).
 * Checked when a URL is saved (dashboard or Platform API) and again before every delivery attempt (a name
 * may be re-pointed later), against the address literal or every address its host resolves to. The delivery then
 * connects to the address that was checked (pinned_request.ts), never resolving the name a second time: a DNS
 * answer that changes between check and connect (rebinding) cannot reach an internal address.
 * ASTAPA_WEBHOOK_ALLOW_PRIVATE=true turns it off for single-tenant deployments.
 */
import { asApp, type Sql } from "@/db/client.ts";
import { getProject } from "@/db/projects.ts";
import { v4Number, v6Groups } from "@/lib/http/ip_address.ts";

/** IPv4 ranges no production webhook may reach (RFC 6890 special-purpose, multicast and reserved). */
const PRIVATE_V4: [number, number][] = [
  [0x00000000, 8], // "this network"
  [0x0a000000, 8], // private
  [0x64400000, 10], // carrier-grade NAT
  [0x7f000000, 8], // loopback
  [0xa9fe0000, 16], // link-local (cloud metadata lives here)
  [0xac100000, 12], // private
  [0xc0000000, 24], // IETF protocol assignments
  [0xc0a80000, 16], // private
  [0xc6120000, 15], // benchmarking
  [0xe0000000, 4], // multicast
  [0xf0000000, 4], // reserved and broadcast
];

function privateV4(ip: string): boolean {
  const n = v4Number(ip);
  if (n === null) return false;
  return PRIVATE_V4.some(([base, bits]) =>
    Math.floor(n / 2 ** (32 - bits)) === Math.floor(base / 2 ** (32 - bits))
  );
}

/** The IPv4 address held in groups `at` and `at + 1`. */
function embeddedV4(g: number[], at: number): string {
  return `${g[at] >> 8}.${g[at] & 255}.${g[at + 1] >> 8}.${g[at + 1] & 255}`;
}

function privateV6(ip: string): boolean {
  const g = v6Groups(ip);
  if (!g) return false;
  const zero = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  // Forms that carry an IPv4 address lead to it, so they are as internal as it is: IPv4-compatible (::/96,
  // with :: and ::1), IPv4-mapped, NAT64's well-known prefix (RFC 6052: where a DNS64 network translates,
  // 64:ff9b::a00:1 reaches 10.0.0.1) and 6to4 (RFC 3056, the address in groups 1 and 2).
  if (zero(0, 6)) return privateV4(embeddedV4(g, 6));
  if (zero(0, 5) && g[5] === 0xffff) return privateV4(embeddedV4(g, 6));
  if (g[0] === 0x64 && g[1] === 0xff9b && zero(2, 6)) return privateV4(embeddedV4(g, 6));
  if (g[0] === 0x2002) return privateV4(embeddedV4(g, 1));
  return (g[0] & 0xfe00) === 0xfc00 || // unique local
    (g[0] & 0xffc0) === 0xfe80 || // link-local
    (g[0] & 0xffc0) === 0xfec0 || // site-local (deprecated; some networks still route it)
    (g[0] & 0xff00) === 0xff00 || // multicast
    (g[0] === 0x64 && g[1] === 0xff9b && g[2] === 1) || // local-use NAT64 (RFC 8215): a translator of its own
    (g[0] === 0x2001 && g[1] === 0) || // Teredo: the IPv4 address behind it is hidden; no receiver needs it
    (g[0] === 0x100 && zero(1, 4)); // discard-only (RFC 6666)
}

/** Whether an IP address (v4 or v6, without brackets) is loopback, private, link-local or otherwise internal. */
export function isInternalAddress(ip: string): boolean {
  return privateV4(ip) || privateV6(ip);
}

export type Resolver = (host: string, type: "A" | "AAAA") => Promise<string[]>;

const systemResolver: Resolver = (host, type) => Deno.resolveDns(host, type);

/** The guard's verdict on a URL: refused with a reason, or allowed through `address` (null: connect by name). */
export type TargetDecision = { refused: string } | { address: string | null };

/**
 * Whether `url` may be a production webhook, resolving its host once: refused when the host is, or resolves
 * to, an internal address, or does not resolve at all (it could not be checked); otherwise the address to
 * connect to (the first public answer), so the connection goes where the check looked.
 */
export async function checkTarget(url: string, resolve: Resolver = systemResolver): Promise<TargetDecision> {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return { address: null }; // not a URL: the SQL function names that problem, and fetch will fail
  }
  const literal = host.replace(/^\[(.*)\]$/, "$1");
  if (v4Number(literal) !== null || v6Groups(literal) !== null) {
    return isInternalAddress(literal) ? { refused: `${host} is an internal address.` } : { address: literal };
  }
  if (literal === "localhost" || literal.endsWith(".localhost")) {
    return { refused: `${host} is this server itself.` };
  }
  const answers = await Promise.allSettled([resolve(literal, "A"), resolve(literal, "AAAA")]);
  const addresses = answers.flatMap((a) => a.status === "fulfilled" ? a.value : []);
  if (addresses.length === 0) return { refused: `${host} does not resolve, so it cannot be checked.` };
  const internal = addresses.find(isInternalAddress);
  if (internal) return { refused: `${host} resolves to the internal address ${internal}.` };
  return { address: addresses[0] };
}

/** Why `url` may not be a production webhook, or null when it may. */
export async function internalTargetReason(
  url: string,
  resolve: Resolver = systemResolver,
): Promise<string | null> {
  const decision = await checkTarget(url, resolve);
  return "refused" in decision ? decision.refused : null;
}

/**
 * The guard's verdict when a URL is saved (dashboard and Platform API alike), for the SQL that saves it
 * (api.put_webhook_endpoint, api.change_webhook_endpoint) to refuse on a production project: why the URL
 * reaches an internal address, or null when it does not or the deployment allows private targets.
 */
export function savedTargetReason(
  url: string,
  allowPrivate: boolean,
  resolve: Resolver = systemResolver,
): Promise<string | null> {
  return allowPrivate ? Promise.resolve(null) : internalTargetReason(url, resolve);
}

/**
 * The delivery worker's check (WebhookWorkerOptions.checkTarget): production projects may not send to internal
 * addresses unless `allowPrivate`, and send to the address checked; sandbox projects may (local receivers
 * while developing) and connect by name.
 */
export function productionTargetCheck(
  sql: Sql,
  allowPrivate: boolean,
  resolve: Resolver = systemResolver,
): (projectId: string, url: string) => Promise<TargetDecision> {
  return async (projectId, url) => {
    if (allowPrivate) return { address: null };
    const { mode } = await asApp(sql, projectId, (tx) => getProject(tx, projectId));
    return mode === "production" ? await checkTarget(url, resolve) : { address: null };
  };
}
