/** Dynamic Client Registration is limited per address (its own file: the counter is per database). */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { REGISTRATIONS_PER_HOUR } from "@/lib/oauth/registration.ts";

const t = await testApp({ listen: true }); // a real peer address to count by
Deno.test.afterAll(() => t.close());

const register = (name: string) =>
  fetch(`${t.origin}/api/platform/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      client_name: name,
      redirect_uris: ["http://127.0.0.1:9/cb"],
      token_endpoint_auth_method: "none",
    }),
  });

const stored = async () => (await t.db.sql`select count(*)::int as n from astapa.dynamic_clients`)[0].n;

Deno.test("DCR — past its hourly allowance an address gets 429 with Retry-After, and nothing is stored", async () => {
  for (let i = 0; i < REGISTRATIONS_PER_HOUR; i++) {
    const res = await register(`agent ${i}`);
    assert.equal(res.status, 201);
    await res.body?.cancel();
  }
  assert.equal(await stored(), REGISTRATIONS_PER_HOUR);
  const refused = await register("one too many");
  assert.equal(refused.status, 429);
  const retryAfter = Number(refused.headers.get("retry-after"));
  assert.ok(retryAfter > 0 && retryAfter <= 3600, `Retry-After ${retryAfter}`);
  const body = await refused.json();
  assert.equal(body.error, "rate_limited");
  assert.match(body.error_description, /Too many client registrations/);
  assert.equal(await stored(), REGISTRATIONS_PER_HOUR);
  const invalid = await fetch(`${t.origin}/api/platform/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ redirect_uris: ["http://agent.example/cb"] }),
  });
  assert.equal(invalid.status, 400, "invalid metadata is refused before the limit is consulted");
  await invalid.body?.cancel();
});
