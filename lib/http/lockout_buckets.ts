/**
 * The one shape of a brute-force lockout (client secrets, passwords): failures counted per (key, address) and
 * per address lock those themselves; the key's own ceiling — a public client id or an email — locks only the
 * addresses that failed for it, so nobody can lock the owner out from elsewhere (astapa.client_lockout_wait).
 */
import type { FailureBucket } from "@/db/client_authentication.ts";
import { addressBucket } from "./ip_address.ts";

/**
 * Who is tried, from where: `scope` prefixes every bucket; `ceiling` names the key's own bucket; `address` is
 * counted by its bucket (an IPv6 address's /64, addressBucket).
 */
export type LockoutKey = { scope: string; ceiling: string; key: string; address: string };
export type LockoutLimits = { perPair: number; perAddress: number; perKey: number; windowSeconds: number };

/**
 * The buckets for one attempt. `spareCleanAddresses: false` makes the key's ceiling strict (attempts that send
 * mail to the key's owner).
 */
export function lockoutBuckets(
  { scope, ceiling, key, address: from }: LockoutKey,
  limits: LockoutLimits,
  spareCleanAddresses = true,
): FailureBucket[] {
  const address = addressBucket(from);
  const pair = `${scope}:pair:${key}:${address}`;
  const window_seconds = limits.windowSeconds;
  return [
    { name: pair, max: limits.perPair, window_seconds },
    { name: `${scope}:address:${address}`, max: limits.perAddress, window_seconds },
    {
      name: `${scope}:${ceiling}:${key}`,
      max: limits.perKey,
      window_seconds,
      ...(spareCleanAddresses ? { spare_if_clean: pair } : {}),
    },
  ];
}
