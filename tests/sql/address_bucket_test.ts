/**
 * One rule for what a per-address limit counts, written twice because limits are named on both sides: the app's
 * addressBucket (lib/http/ip_address.ts: lockouts, coupon and device-code tries, metadata fetches) and Postgres's
 * astapa.address_bucket (guests, phone codes, passkey options, client registrations). They must write every
 * address the same, or one attacker's /64 would be two buckets.
 */
import assert from "node:assert/strict";
import { addressBucket } from "@/lib/http/ip_address.ts";
import { testDatabase } from "../helpers/db.ts";
import { appValue } from "../helpers/identity.ts";

const db = await testDatabase();
Deno.test.afterAll(() => db.close());

const EXPECTED: [string, string][] = [
  ["2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"],
  ["2001:DB8:1:2::1", "2001:db8:1:2::/64"],
  ["2001:db8::1", "2001:db8::/64"],
  ["2001:0:0:1::5", "2001:0:0:1::/64"],
  ["2001:0db8:0000:0042:0000:8a2e:0370:7334", "2001:db8:0:42::/64"],
  ["fe80::1", "fe80::/64"],
  ["::1", "::/64"],
  ["64:ff9b::192.0.2.1", "64:ff9b::/64"],
  // An IPv4 client is one bucket however it is written: a dual-stack listener or a proxy may spell it mapped.
  ["::ffff:192.0.2.1", "192.0.2.1"],
  ["::FFFF:C000:0201", "192.0.2.1"],
  ["0:0:0:0:0:ffff:192.0.2.1", "192.0.2.1"],
  ["192.0.2.1", "192.0.2.1"],
  // What Postgres does not read as one address is counted as it is, on both sides: a network, a dotted tail with
  // a leading zero.
  ["2001:db8::1/64", "2001:db8::1/64"],
  ["192.0.2.1/32", "192.0.2.1/32"],
  ["::ffff:192.000.002.001", "::ffff:192.000.002.001"],
  ["2001:db8::01.2.3.4", "2001:db8::01.2.3.4"],
  ["unknown", "unknown"],
  ["2001:db8::1::2", "2001:db8::1::2"],
];

Deno.test("address buckets — the app and Postgres write every address alike", async () => {
  for (const [address, bucket] of EXPECTED) {
    assert.equal(addressBucket(address), bucket, `app: ${address}`);
    const sql = await appValue<string>(
      db.sql,
      null,
      (tx) => tx`select astapa.address_bucket(${address}) as b`,
    );
    assert.equal(sql, bucket, `Postgres: ${address}`);
  }
  assert.equal(await appValue(db.sql, null, (tx) => tx`select astapa.address_bucket(null) as b`), null);
});
