/** CORS on the endpoints browser-based OAuth clients (MCP clients, single-page apps) call themselves. */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

const ORIGIN = "https://inspector.example";

const preflight = (path: string, headers = "content-type, authorization") =>
  t.app.request(path, {
    method: "OPTIONS",
    headers: {
      origin: ORIGIN,
      "access-control-request-method": "POST",
      "access-control-request-headers": headers,
    },
  });

Deno.test("cors — preflights for token, register, revoke and userinfo are allowed for any origin, no credentials", async () => {
  for (
    const path of [
      "/api/platform/token",
      "/api/platform/register",
      "/api/platform/revoke",
      "/api/platform/userinfo",
    ]
  ) {
    const res = await preflight(path);
    assert.equal(res.status, 204, path);
    assert.equal(res.headers.get("access-control-allow-origin"), "*", path);
    assert.match(res.headers.get("access-control-allow-methods") ?? "", /POST/, path);
    assert.match(res.headers.get("access-control-allow-headers") ?? "", /authorization/i, path);
    assert.equal(res.headers.get("access-control-allow-credentials"), null, path);
  }
});

Deno.test("cors — answers and errors carry the header, and expose the challenge a client must read", async () => {
  const registered = await t.app.request("/api/platform/register", {
    method: "POST",
    headers: { origin: ORIGIN, "content-type": "application/json" },
    body: JSON.stringify({
      client_name: "Browser agent",
      redirect_uris: ["http://127.0.0.1:6274/oauth/callback"],
      token_endpoint_auth_method: "none",
    }),
  });
  assert.equal(registered.status, 201, await registered.clone().text());
  assert.equal(registered.headers.get("access-control-allow-origin"), "*");

  const refused = await t.app.request("/api/platform/token", {
    method: "POST",
    headers: {
      origin: ORIGIN,
      "content-type": "application/x-www-form-urlencoded",
      authorization: "Basic eDp5",
    },
    body: "grant_type=client_credentials",
  });
  assert.equal(refused.status, 401);
  assert.equal(
    refused.headers.get("access-control-allow-origin"),
    "*",
    "an error a page must be able to read",
  );
  assert.match(refused.headers.get("access-control-expose-headers") ?? "", /www-authenticate/i);

  const discovery = await t.app.request("/.well-known/oauth-authorization-server", {
    headers: { origin: ORIGIN },
  });
  assert.equal(discovery.headers.get("access-control-allow-origin"), "*");
});

Deno.test("cors — pages and management APIs stay same-origin", async () => {
  for (
    const path of ["/dashboard", "/auth/login", "/api/platform/machine-clients", "/api/platform/introspect"]
  ) {
    const res = await t.app.request(path, {
      method: "OPTIONS",
      headers: { origin: ORIGIN, "access-control-request-method": "POST" },
    });
    assert.equal(res.headers.get("access-control-allow-origin"), null, path);
    await res.body?.cancel();
  }
});
