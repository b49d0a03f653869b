/**
 * IP address literals as the server reads them: an IPv4 address as a number, an IPv6 one as its eight groups
 * (the webhook SSRF guard's ranges), and what a per-address limit counts an address as.
 */

/** An IPv4 address (dotted quad) as a 32-bit number, or null when it is not one. */
export function v4Number(ip: string): number | null {
  const parts = ip.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return null;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

/** The eight 16-bit groups of an IPv6 address (with an embedded IPv4 tail), or null when it is not one. */
export function v6Groups(ip: string): number[] | null {
  let text = ip.toLowerCase();
  const tail = text.match(/:(\d+\.\d+\.\d+\.\d+)$/);
  if (tail) {
    const n = v4Number(tail[1]);
    if (n === null) return null;
    text = text.slice(0, -tail[1].length) + `${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const parse = (part: string) =>
    part === "" ? [] : part.split(":").map((g) => /^[0-9a-f]{1,4}$/.test(g) ? parseInt(g, 16) : NaN);
  const head = parse(halves[0]);
  const rest = halves.length === 2 ? parse(halves[1]) : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array(halves.length === 2 ? missing : 0).fill(0), ...rest];
  return groups.some(Number.isNaN) ? null : groups;
}

/**
 * What a per-address limit counts for an address: an IPv6 address's /64 (`2001:db8:1:2::/64`, written as
 * Postgres's astapa.address_bucket writes it, for the limits SQL names), since one subscriber — a home line, a
 * phone, the cheapest server — holds a whole /64 and, counted address by address, would get every limit afresh
 * 2^64 times; an IPv4 address as it is, and an IPv4-mapped one (`::ffff:192.0.2.1`, however spelled) as that
 * IPv4 address, so one client is one bucket whichever way a listener or proxy writes it; anything else
 * (`unknown`, a network, a spelling Postgres does not read as an address) as it is.
 */
export function addressBucket(address: string): string {
  // Postgres refuses an IPv6 address's dotted tail with a leading zero, which v6Groups reads: both count it as it is.
  const tail = /:([\d.]+)$/.exec(address)?.[1];
  if (tail?.includes(".") && tail.split(".").some((part) => /^0\d/.test(part))) return address;
  const groups = v4Number(address) === null ? v6Groups(address) : null;
  if (!groups) return address;
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return [groups[6] >> 8, groups[6] & 255, groups[7] >> 8, groups[7] & 255].join(".");
  }
  // The network's last four groups are zero, so its shortest spelling ends in "::" after the first four's
  // non-zero head (RFC 5952: the longest run of zeros is the one shortened).
  const head = groups.slice(0, 4);
  while (head.length > 0 && head.at(-1) === 0) head.pop();
  return `${head.map((g) => g.toString(16)).join(":")}::/64`;
}
