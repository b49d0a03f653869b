/** The SSRF guard for production webhook URLs: internal address literals and names resolving to them. */
import assert from "node:assert/strict";
import {
  checkTarget,
  internalTargetReason,
  isInternalAddress,
  type Resolver,
} from "@/lib/webhooks/address_guard.ts";

Deno.test("isInternalAddress — loopback, private, link-local, CGNAT, multicast and IPv4-carrying forms; not public ones", () => {
  const internal = [
    "127.0.0.1",
    "127.255.0.9",
    "10.0.0.1",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",
    "224.0.0.1",
    "255.255.255.255",
    "::1",
    "::",
    "fe80::1",
    "fd12:3456::1",
    "fc00::",
    "ff02::1",
    "::ffff:127.0.0.1",
    "::ffff:7f00:1",
    "::ffff:10.0.0.1",
    // IPv4-compatible: the address in the last 32 bits.
    "::10.0.0.1",
    "::a9fe:a9fe",
    // NAT64's well-known prefix, in both spellings: where the network translates, these reach 10.0.0.1 and the
    // cloud's metadata address.
    "64:ff9b::10.0.0.1",
    "64:ff9b::a9fe:a9fe",
    "64:ff9b:1::808:808", // local-use NAT64: a translator of its own, whatever the address
    "2002:a00:1::1", // 6to4 of 10.0.0.1
    "2002:7f00:1::", // 6to4 of 127.0.0.1
    "2001:0:4136:e378:8000:63bf:3fff:fdd2", // Teredo
    "fec0::1",
    "100::1",
  ];
  const external = [
    "93.184.215.14",
    "8.8.8.8",
    "172.32.0.1",
    "100.128.0.1",
    "2606:4700::1111",
    "::ffff:8.8.8.8",
    "::8.8.8.8",
    "64:ff9b::8.8.8.8", // NAT64 of a public address: an IPv6-only deployment reaches v4 receivers this way
    "64:ff9b::808:808",
    "2002:808:808::1", // 6to4 of 8.8.8.8
    "2001:4860:4860::8888",
    "2001:1::1",
  ];
  for (const ip of internal) assert.equal(isInternalAddress(ip), true, ip);
  for (const ip of external) assert.equal(isInternalAddress(ip), false, ip);
  for (const notIp of ["example.com", "1.2.3", "1.2.3.256", ":::", "1::2::3", "g::1"]) {
    assert.equal(isInternalAddress(notIp), false, notIp);
  }
});

Deno.test("internalTargetReason — literals, localhost, and every address a name resolves to", async () => {
  const dns: Record<string, Record<"A" | "AAAA", string[]>> = {
    "public.example": { A: ["93.184.215.14"], AAAA: ["2606:4700::1111"] },
    "rebind.example": { A: ["93.184.215.14"], AAAA: ["::1"] },
    "intranet.example": { A: ["10.0.0.7"], AAAA: [] },
  };
  const resolve: Resolver = (host, type) => {
    const answer = dns[host]?.[type];
    return answer ? Promise.resolve(answer) : Promise.reject(new Error("NXDOMAIN"));
  };
  assert.equal(await internalTargetReason("https://public.example/hooks", resolve), null);
  assert.equal(await internalTargetReason("https://93.184.215.14/hooks", resolve), null);
  assert.match(
    (await internalTargetReason("https://rebind.example/hooks", resolve))!,
    /resolves to the internal address ::1/,
  );
  assert.match((await internalTargetReason("https://intranet.example/", resolve))!, /10\.0\.0\.7/);
  assert.match((await internalTargetReason("https://nowhere.example/", resolve))!, /does not resolve/);
  assert.match((await internalTargetReason("http://127.0.0.1:8080/x", resolve))!, /internal address/);
  assert.match((await internalTargetReason("http://[::1]:8080/x", resolve))!, /internal address/);
  assert.match((await internalTargetReason("http://app.localhost/x", resolve))!, /this server itself/);
  // The WHATWG URL parser turns odd IPv4 spellings into dotted quads before we look.
  assert.match((await internalTargetReason("https://0x7f.1/x", resolve))!, /internal address/);
  assert.match((await internalTargetReason("https://2130706433/x", resolve))!, /internal address/);
  assert.equal(await internalTargetReason("not a url", resolve), null, "left to the URL check");
});

/** A resolver that answers `first` the first time it is asked for a type and `later` after that (rebinding). */
function rebindingResolver(first: string, later: string) {
  const asked: string[] = [];
  const resolve: Resolver = (host, type) => {
    asked.push(`${host} ${type}`);
    if (type === "AAAA") return Promise.reject(new Error("NODATA"));
    return Promise.resolve([asked.filter((a) => a.endsWith(" A")).length === 1 ? first : later]);
  };
  return { resolve, asked };
}

Deno.test("checkTarget — resolves once and hands back the address it checked (DNS rebinding)", async () => {
  const dns = rebindingResolver("93.184.215.14", "127.0.0.1");
  const decision = await checkTarget("https://rebind.example/hooks", dns.resolve);
  assert.deepEqual(decision, { address: "93.184.215.14" });
  assert.deepEqual(dns.asked, ["rebind.example A", "rebind.example AAAA"], "one question per record type");
  // A second check sees the rebound answer and refuses it: the verdict is per attempt, and each attempt
  // connects to what its own check saw.
  assert.deepEqual(await checkTarget("https://rebind.example/hooks", dns.resolve), {
    refused: "rebind.example resolves to the internal address 127.0.0.1.",
  });
  assert.deepEqual(await checkTarget("https://93.184.215.14/x", dns.resolve), { address: "93.184.215.14" });
  assert.deepEqual(await checkTarget("http://[::1]/x", dns.resolve), {
    refused: "[::1] is an internal address.",
  });
});
