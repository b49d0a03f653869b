/**
 * Which address lockouts count: the peer's, or — behind ASTAPA_TRUST_PROXY proxies — the forwarded one; an IPv6
 * address by its /64.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { seedProject } from "../helpers/oauth.ts";

const direct = await testApp({ listen: true });
const proxied = await testApp({ listen: true, env: { ASTAPA_TRUST_PROXY: "1" } });
Deno.test.afterAll(async () => {
  await direct.close();
  await proxied.close();
});

/** One wrong client secret sent over real HTTP with this X-Forwarded-For; answers the address buckets hit. */
async function failedAuthFrom(t: typeof direct, forwardedFor: string): Promise<string[]> {
  const project = await seedProject(t.db.sql, {});
  const res = await fetch(`${t.origin}/api/platform/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", "x-forwarded-for": forwardedFor },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: project.clientId,
      client_secret: "acs_wrong",
    }),
  });
  assert.equal(res.status, 401);
  await res.body?.cancel();
  const rows = await t.db
    .sql`select bucket from astapa.rate_limits where bucket like 'client_auth:address:%'`;
  await t.db.sql`delete from astapa.rate_limits`;
  return rows.map((row) => row.bucket);
}

Deno.test("client address — by default X-Forwarded-For is ignored: anyone could forge it", async () => {
  assert.deepEqual(await failedAuthFrom(direct, "203.0.113.9"), ["client_auth:address:127.0.0.1"]);
});

Deno.test("client address — behind one trusted proxy, the entry that proxy appended counts", async () => {
  assert.deepEqual(
    await failedAuthFrom(proxied, "198.51.100.1, 203.0.113.9"),
    ["client_auth:address:203.0.113.9"],
    "the client-written entry on the left is not believed",
  );
});

Deno.test("client address — a missing or malformed forwarded entry falls back to the peer", async () => {
  assert.deepEqual(await failedAuthFrom(proxied, ""), ["client_auth:address:127.0.0.1"]);
  assert.deepEqual(await failedAuthFrom(proxied, "not an address"), ["client_auth:address:127.0.0.1"]);
});

Deno.test("client address — an IPv6 address counts by its /64: every address of it is one bucket", async () => {
  for (const address of ["2001:db8:7:7::1", "2001:DB8:7:7:ffff:ffff:ffff:ffff"]) {
    assert.deepEqual(await failedAuthFrom(proxied, address), ["client_auth:address:2001:db8:7:7::/64"]);
  }
  // An IPv4 client written IPv4-mapped is its IPv4 address: one bucket however a proxy spells it.
  for (const address of ["::ffff:192.0.2.7", "192.0.2.7"]) {
    assert.deepEqual(await failedAuthFrom(proxied, address), ["client_auth:address:192.0.2.7"]);
  }
});
