/**
 * Lockouts that cannot be turned against the owner (issue 17 item 11): a client_id and an email are public, so
 * failures are counted per (client or email, address). Ten wrong secrets or passwords from one address lock
 * that address out; the right one from a clean address still works; an attack spread over many addresses
 * slows each address that failed and nobody else. Addresses come from X-Forwarded-For (one trusted proxy).
 */
import assert from "node:assert/strict";
import { type TestApp, testApp } from "../helpers/app.ts";
import { basic, seedProject } from "../helpers/oauth.ts";
import { takeLive } from "../helpers/live_keys.ts";
import { submitForm } from "../helpers/login.ts";
import { CLIENT_FAILURES } from "@/lib/oauth/authenticate_client.ts";
import { ATTEMPTS } from "@/lib/login/flow.ts";

const t = await testApp({ env: { ASTAPA_TRUST_PROXY: "1" } });
Deno.test.afterAll(() => t.close());

/** The app as seen from one address. */
function from(address: string): TestApp {
  const request = (input: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    headers.set("x-forwarded-for", address);
    return t.app.request(input, { ...init, headers });
  };
  return { ...t, app: { ...t.app, request } as unknown as TestApp["app"] };
}

const plans = (at: TestApp, clientId: string, secret: string) =>
  at.app.request("/api/platform/plans", { headers: { authorization: basic(clientId, secret) } });

Deno.test("client lockout — ten wrong secrets from A lock A out; the right secret from B still works", async () => {
  const project = await seedProject(t.db.sql);
  const a = from("198.51.100.1");
  for (let i = 0; i < CLIENT_FAILURES.perPair; i++) {
    assert.equal((await plans(a, project.clientId, `wrong-${i}`)).status, 401);
  }
  const lockedA = await plans(a, project.clientId, project.secret);
  assert.equal(lockedA.status, 429, "the attacking address waits, even with the right secret");
  assert.ok(Number(lockedA.headers.get("retry-after")) > 0);
  assert.equal((await plans(from("198.51.100.2"), project.clientId, project.secret)).status, 200);
});

Deno.test("client lockout — an attack from many addresses slows the addresses that failed, not a clean one", async () => {
  const project = await seedProject(t.db.sql);
  for (let i = 0; i < CLIENT_FAILURES.perClient; i++) {
    assert.equal((await plans(from(`203.0.113.${i + 1}`), project.clientId, "wrong")).status, 401);
  }
  // The client's ceiling is reached: an address that failed waits, whatever it sends now.
  assert.equal((await plans(from("203.0.113.1"), project.clientId, project.secret)).status, 429);
  assert.equal(
    (await plans(from("203.0.113.99"), project.clientId, "wrong")).status,
    401,
    "a new guess is checked",
  );
  assert.equal((await plans(from("203.0.113.99"), project.clientId, project.secret)).status, 429, "…once");
  assert.equal((await plans(from("192.0.2.10"), project.clientId, project.secret)).status, 200);
});

Deno.test("client lockout — one IPv6 /64 is one address: wrong secrets from ten of its addresses lock all of it", async () => {
  const project = await seedProject(t.db.sql);
  for (let i = 0; i < CLIENT_FAILURES.perPair; i++) {
    const status =
      (await plans(from(`2001:db8:64:1::${(i + 1).toString(16)}`), project.clientId, "wrong")).status;
    assert.equal(status, 401);
  }
  const fresh = await plans(from("2001:db8:64:1:dead:beef:0:1"), project.clientId, project.secret);
  assert.equal(fresh.status, 429, "a new address of the same /64 waits too");
  assert.equal((await plans(from("2001:db8:64:2::1"), project.clientId, project.secret)).status, 200);
});

Deno.test("sign-in lockout — ten wrong passwords from A lock A; the right password from B signs in", async () => {
  const live = await seedProject(t.db.sql, { name: "Live", redirectUri: "https://live.example/cb" });
  await takeLive(t.db.sql, live.id);
  const email = "owner@example.com";
  await submitForm(from("198.51.100.20"), live, "/auth/signup", { email, password: "the real one" });
  const a = from("198.51.100.21");
  for (let i = 0; i < ATTEMPTS.production.perEmail; i++) {
    assert.equal((await submitForm(a, live, "/auth/login", { email, password: `guess-${i}` })).status, 422);
  }
  assert.equal((await submitForm(a, live, "/auth/login", { email, password: "the real one" })).status, 429);
  const b = await submitForm(from("198.51.100.22"), live, "/auth/login", { email, password: "the real one" });
  assert.equal(b.status, 303, "a clean address signs in");
  assert.ok(new URL(b.headers.get("location")!).searchParams.get("code"));
});

Deno.test("sign-in lockout — reset mails keep the strict per-email limit (they land in the victim's inbox)", async () => {
  const live = await seedProject(t.db.sql, { name: "Live 2", redirectUri: "https://live2.example/cb" });
  await takeLive(t.db.sql, live.id);
  const email = "mailbombed@example.com";
  for (let i = 0; i < ATTEMPTS.production.perEmail; i++) {
    await submitForm(from(`198.51.100.${100 + i}`), live, "/auth/forgot", { email });
  }
  const next = await submitForm(from("192.0.2.77"), live, "/auth/forgot", { email });
  assert.equal(next.status, 429, "a clean address cannot send the eleventh mail either");
});
