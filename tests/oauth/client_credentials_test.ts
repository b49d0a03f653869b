import assert from "node:assert/strict";
import { createLocalJWKSet, jwtVerify } from "jose";
import { testApp } from "../helpers/app.ts";
import { seedProject } from "../helpers/oauth.ts";
import { credentials, postForm } from "../helpers/token_client.ts";
import { basic } from "../helpers/oauth.ts";
import { asApp } from "@/db/client.ts";
import { addResource } from "@/db/resources.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());
const project = await seedProject(t.db.sql, {
  settings: {
    client_credentials_scopes: ["reports:read", "reports:write"],
    resources: ["https://mcp.example.com"],
  },
});
// settings.resources lists what the project client may ask for; each must also be registered by the project.
await asApp(t.db.sql, project.id, (tx) => addResource(tx, "https://mcp.example.com"));
const TOKEN = "/api/platform/token";
const grant = (extra: Record<string, string> = {}) =>
  postForm(t, TOKEN, { grant_type: "client_credentials", ...credentials(project), ...extra });

Deno.test("client_credentials — a scoped machine token whose subject is the client", async () => {
  const { res, body } = await grant({ scope: "reports:read" });
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.deepEqual(Object.keys(body).sort(), ["access_token", "expires_in", "scope", "token_type"]);
  assert.equal(body.scope, "reports:read");
  const jwks = createLocalJWKSet(await (await t.app.request("/.well-known/jwks.json")).json());
  const { payload } = await jwtVerify(body.access_token, jwks, {
    issuer: t.origin,
    audience: project.clientId,
    typ: "at+jwt",
    algorithms: ["RS256"],
  });
  assert.equal(payload.sub, project.clientId);
  assert.equal(payload.client_id, project.clientId);
  assert.equal(payload.project_id, project.id);
  assert.equal(payload.scope, "reports:read");
  assert.equal(payload.email, undefined, "no user claims in a machine token");
});

Deno.test("client_credentials — no scope asked means every allowed scope", async () => {
  const { body } = await grant();
  assert.equal(body.scope, "reports:read reports:write");
});

Deno.test("client_credentials — a resource becomes the audience; https://host and https://host/ are one", async () => {
  for (const resource of ["https://mcp.example.com", "https://mcp.example.com/"]) {
    const { res, body } = await grant({ scope: "reports:read", resource });
    assert.equal(res.status, 200, JSON.stringify(body));
    const payload = JSON.parse(atob(body.access_token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
    assert.equal(payload.aud, "https://mcp.example.com");
  }
});

Deno.test("client_credentials — a scope beyond the allowed set is narrowed to it; none of it allowed is invalid_scope; unknown resources invalid_target", async () => {
  const narrowed = await grant({ scope: "reports:read admin" });
  assert.equal(narrowed.res.status, 200);
  assert.equal(narrowed.body.scope, "reports:read", "RFC 6749 §3.3: the response names the narrower scope");
  assert.equal((await grant({ scope: "admin" })).body.error, "invalid_scope");
  assert.equal((await grant({ scope: 'bad"scope' })).body.error, "invalid_scope");
  assert.equal((await grant({ resource: "https://other.example.com" })).body.error, "invalid_target");
  assert.equal((await grant({ resource: "not a uri" })).body.error, "invalid_target");
  assert.equal((await grant({ resource: "https://mcp.example.com/#frag" })).body.error, "invalid_target");
});

Deno.test("token errors — RFC 6749 codes for malformed requests", async () => {
  const cases: [string, Record<string, string>, number, string][] = [
    ["no grant_type", { ...credentials(project) }, 400, "invalid_request"],
    ["unknown grant", { grant_type: "password", ...credentials(project) }, 400, "unsupported_grant_type"],
    ["no code", { grant_type: "authorization_code", ...credentials(project) }, 400, "invalid_request"],
    ["no client", { grant_type: "client_credentials" }, 401, "invalid_client"],
    [
      "public client",
      { grant_type: "client_credentials", client_id: project.clientId },
      401,
      "invalid_client",
    ],
  ];
  for (const [name, body, status, error] of cases) {
    const { res, body: answer } = await postForm(t, TOKEN, body);
    assert.equal(res.status, status, name);
    assert.equal(answer.error, error, name);
    assert.equal(typeof answer.error_description, "string", name);
    assert.equal(res.headers.get("cache-control"), "no-store", name);
  }
});

Deno.test("token errors — repeated parameters, two auth methods and odd bodies are invalid_request", async () => {
  const repeated = await t.app.request(TOKEN, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: `grant_type=client_credentials&grant_type=client_credentials&client_id=${project.clientId}`,
  });
  assert.equal((await repeated.json()).error, "invalid_request");
  const both = await postForm(t, TOKEN, {
    grant_type: "client_credentials",
    client_secret: project.secret,
  }, {
    authorization: basic(project.clientId, project.secret),
  });
  assert.equal(both.body.error, "invalid_request");
  for (
    const [type, body] of [["text/plain", "grant_type=x"], ["application/json", "[1]"], [
      "application/json",
      "{",
    ]]
  ) {
    const res = await t.app.request(TOKEN, { method: "POST", headers: { "content-type": type }, body });
    assert.equal(res.status, 400, `${type} ${body}`);
    assert.equal((await res.json()).error, "invalid_request");
  }
  const nonString = await t.app.request(TOKEN, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ grant_type: "client_credentials", client_id: 42 }),
  });
  assert.equal((await nonString.json()).error, "invalid_request");
});

Deno.test("token errors — a wrong secret is 401 invalid_client, with a Basic challenge when Basic was used", async () => {
  const posted = await postForm(t, TOKEN, {
    grant_type: "client_credentials",
    client_id: project.clientId,
    client_secret: "wrong",
  });
  assert.equal(posted.res.status, 401);
  assert.equal(posted.body.error, "invalid_client");
  const viaBasic = await postForm(t, TOKEN, { grant_type: "client_credentials" }, {
    authorization: basic(project.clientId, "wrong"),
  });
  assert.equal(viaBasic.res.status, 401);
  assert.match(viaBasic.res.headers.get("www-authenticate") ?? "", /^Basic realm="astapa"/);
  for (
    const authorization of ["Basic %%%", `Basic ${btoa("\xff\xfe:secret")}`, `Basic ${btoa("no colon")}`]
  ) {
    const garbled = await postForm(t, TOKEN, { grant_type: "client_credentials" }, { authorization });
    assert.equal(garbled.res.status, 401, authorization);
    assert.equal(garbled.body.error, "invalid_client", authorization);
    assert.match(garbled.body.error_description, /Authorization header is malformed/, authorization);
  }
});

Deno.test("token errors — Basic credentials are form-decoded (RFC 6749 §2.3.1)", async () => {
  // Our ids and secrets are URL-safe, so encoding changes nothing, but an encoded form must decode to them.
  const encoded = `Basic ${
    btoa(`${encodeURIComponent(project.clientId)}:${encodeURIComponent(project.secret)}`)
  }`;
  const { res } = await postForm(t, TOKEN, { grant_type: "client_credentials" }, { authorization: encoded });
  assert.equal(res.status, 200);
});

Deno.test("brute force — ten failures lock the client out for a while, across instances", async () => {
  const victim = await seedProject(t.db.sql);
  const attempt = (secret: string) =>
    postForm(t, TOKEN, {
      grant_type: "client_credentials",
      client_id: victim.clientId,
      client_secret: secret,
    });
  for (let i = 0; i < 10; i++) assert.equal((await attempt(`guess-${i}`)).res.status, 401);
  const locked = await attempt(victim.secret);
  assert.equal(locked.res.status, 429, "even the right secret waits");
  assert.equal(locked.body.error, "rate_limited");
  assert.ok(Number(locked.res.headers.get("retry-after")) > 0);
  await t.db.sql`delete from astapa.rate_limits where bucket like 'client_auth:%'`;
  assert.equal(
    (await attempt(victim.secret)).res.status,
    200,
    "after the window, the right secret works",
  );
});
