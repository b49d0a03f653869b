/** Dynamic Client Registration (RFC 7591): what is echoed, what is refused, and what discovery advertises. */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const REDIRECT = "http://127.0.0.1:8976/callback";

async function register(body: unknown, contentType = "application/json") {
  const res = await t.app.request("/api/platform/register", {
    method: "POST",
    headers: { "content-type": contentType },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { res, body: await res.json() };
}

Deno.test("DCR — a public client is registered and its metadata echoed, with no secret", async () => {
  const { res, body } = await register({
    client_name: "Claude-ish agent",
    redirect_uris: [REDIRECT, "https://agent.example/cb"],
    token_endpoint_auth_method: "none",
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code"],
    scope: "notes:read",
    software_id: "agent-42",
    application_type: "native",
    jwks_uri: "https://ignored.example/jwks",
  });
  assert.equal(res.status, 201);
  assert.equal(res.headers.get("cache-control"), "no-store");
  assert.match(body.client_id, /^dcl_[a-z2-7]{24}$/);
  assert.ok(Math.abs(body.client_id_issued_at - Date.now() / 1000) < 600);
  const { client_id: _, client_id_issued_at: __, ...metadata } = body;
  assert.deepEqual(metadata, {
    client_name: "Claude-ish agent",
    redirect_uris: [REDIRECT, "https://agent.example/cb"],
    token_endpoint_auth_method: "none",
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code"],
    scope: "notes:read",
    software_id: "agent-42",
    application_type: "native",
  });
});

Deno.test("DCR — a confidential client gets a secret that never expires; client_secret_basic is the default", async () => {
  const { res, body } = await register({ redirect_uris: [REDIRECT] });
  assert.equal(res.status, 201);
  assert.equal(body.token_endpoint_auth_method, "client_secret_basic");
  assert.deepEqual(body.grant_types, ["authorization_code"]);
  assert.match(body.client_secret, /^acs_/);
  assert.equal(body.client_secret_expires_at, 0);
});

Deno.test("DCR — invalid metadata is refused with RFC 7591's error codes, as JSON", async () => {
  const cases: [unknown, string][] = [
    [{}, "invalid_redirect_uri"],
    [{ redirect_uris: [] }, "invalid_redirect_uri"],
    [{ redirect_uris: "https://a.example/cb" }, "invalid_redirect_uri"],
    [{ redirect_uris: ["http://agent.example/cb"] }, "invalid_redirect_uri"],
    [{ redirect_uris: ["https://agent.example/cb#frag"] }, "invalid_redirect_uri"],
    [{ redirect_uris: ["https://user@agent.example/cb"] }, "invalid_redirect_uri"],
    [{ redirect_uris: ["myapp://callback"] }, "invalid_redirect_uri"],
    [{ redirect_uris: ["/relative"] }, "invalid_redirect_uri"],
    [{ redirect_uris: [REDIRECT, REDIRECT] }, "invalid_redirect_uri"],
    [{ redirect_uris: [42] }, "invalid_redirect_uri"],
    [{ redirect_uris: [REDIRECT], grant_types: ["client_credentials"] }, "invalid_client_metadata"],
    [{ redirect_uris: [REDIRECT], grant_types: ["refresh_token"] }, "invalid_client_metadata"],
    [
      { redirect_uris: [REDIRECT], grant_types: ["authorization_code", "implicit"] },
      "invalid_client_metadata",
    ],
    [{ redirect_uris: [REDIRECT], response_types: ["token"] }, "invalid_client_metadata"],
    [{ redirect_uris: [REDIRECT], token_endpoint_auth_method: "private_key_jwt" }, "invalid_client_metadata"],
    [{ redirect_uris: [REDIRECT], client_name: "x".repeat(101) }, "invalid_client_metadata"],
    [{ redirect_uris: [REDIRECT], client_name: "tab\there" }, "invalid_client_metadata"],
    [{ redirect_uris: [REDIRECT], scope: 'bad"scope' }, "invalid_client_metadata"],
    [{ redirect_uris: [REDIRECT], logo_uri: "javascript:alert(1)" }, "invalid_client_metadata"],
    [{ redirect_uris: [REDIRECT], application_type: "desktop" }, "invalid_client_metadata"],
    [[REDIRECT], "invalid_client_metadata"],
    ["null", "invalid_client_metadata"],
  ];
  for (const [body, error] of cases) {
    const { res, body: answer } = await register(body);
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal(answer.error, error, JSON.stringify(body));
    assert.equal(typeof answer.error_description, "string");
  }
  const form = await register("redirect_uris=https://a.example", "application/x-www-form-urlencoded");
  assert.equal(form.res.status, 415, "RFC 7591 registrations are JSON");
});

Deno.test("discovery — registration_endpoint, public clients, PKCE S256 and the iss parameter are advertised", async () => {
  for (const path of ["/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"]) {
    const metadata = await (await t.app.request(path)).json();
    assert.equal(metadata.registration_endpoint, `${t.origin}/api/platform/register`);
    assert.ok(metadata.token_endpoint_auth_methods_supported.includes("none"));
    assert.deepEqual(metadata.code_challenge_methods_supported, ["S256"]);
    assert.equal(metadata.authorization_response_iss_parameter_supported, true);
  }
});
