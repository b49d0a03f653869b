import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

Deno.test("openapi — a 3.1 document generated from the token endpoints' schemas", async () => {
  const res = await t.app.request("/api/openapi.json");
  assert.equal(res.status, 200);
  const doc = await res.json();
  assert.equal(doc.openapi, "3.1.0");
  assert.deepEqual(doc.servers, [{ url: "http://astapa.test" }]);
  const token = doc.paths["/api/platform/token"].post;
  const form = token.requestBody.content["application/x-www-form-urlencoded"].schema;
  const grants = form.oneOf.map((variant: { properties: { grant_type: { const: string } } }) =>
    variant.properties.grant_type.const
  );
  assert.deepEqual(grants.sort(), [
    "authorization_code",
    "client_credentials",
    "refresh_token",
    "urn:ietf:params:oauth:grant-type:device_code",
    "urn:ietf:params:oauth:grant-type:jwt-bearer",
    "urn:ietf:params:oauth:grant-type:token-exchange",
  ]);
  assert.ok(token.requestBody.content["application/json"], "JSON bodies are documented too");
  assert.deepEqual(Object.keys(token.responses).sort(), ["200", "400", "401", "429"]);
  for (const path of ["/api/platform/revoke", "/api/platform/introspect", "/api/platform/userinfo"]) {
    assert.ok(doc.paths[path], path);
  }
});

Deno.test("openapi — the reference page renders every documented endpoint with its parameters", async () => {
  const html = await (await t.app.request("/docs/api", { headers: { accept: "text/html" } })).text();
  assert.match(html, /<h1>API reference<\/h1>/);
  assert.match(html, /POST \/api\/platform\/token/);
  assert.match(
    html,
    /<code>grant_type<\/code><\/td><td>&quot;authorization_code&quot; \| &quot;refresh_token&quot;/,
  );
  assert.match(html, /<code>code<\/code><\/td><td>string<\/td><td>for authorization_code<\/td>/);
});

Deno.test("openapi — plans, claims, checkout and machine clients are documented from their schemas", async () => {
  const doc = await (await t.app.request("/api/openapi.json")).json();
  const claims = doc.paths["/api/platform/users/{sub}/claims"];
  assert.ok(claims.get && claims.patch);
  assert.ok(claims.patch.requestBody.content["application/json"].schema.properties.plan);
  assert.equal(
    doc.paths["/api/platform/checkout"].post.requestBody.content["application/json"].schema.properties.plan
      .type,
    "string",
  );
  assert.ok(doc.paths["/api/platform/plans"].post);
  assert.ok(doc.paths["/api/platform/plans/{key}"].patch);
  assert.ok(doc.paths["/api/platform/machine-clients"].post);
  assert.ok(
    doc.paths["/api/platform/users"].get.parameters.some((p: { name: string }) => p.name === "email"),
  );
});
