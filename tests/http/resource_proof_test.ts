/**
 * Resource squatting (issue 17 item 10): a production project registers a protected resource only with proof
 * of control — the resource's RFC 9728 metadata naming this issuer and the project — fetched through the SSRF
 * guard; a sandbox registers unproven and never blocks the proven owner; variants are one resource.
 */
import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { takeLive } from "../helpers/live_keys.ts";
import { basic, seedProject } from "../helpers/oauth.ts";
import { resourceMetadataUrl, resourceProofProblem } from "@/lib/oauth/resource_proof.ts";

// Single-tenant setting, so the proof may be fetched from the loopback metadata server below.
const t = await testApp({ env: { ASTAPA_WEBHOOK_ALLOW_PRIVATE: "true" } });
const served: { metadata: Record<string, unknown> | null } = { metadata: null };
const fetched: string[] = [];
const metadataServer = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
  fetched.push(new URL(req.url).pathname);
  return served.metadata ? Response.json(served.metadata) : new Response("no", { status: 404 });
});
const resource = `http://127.0.0.1:${metadataServer.addr.port}/mcp`;
Deno.test.afterAll(async () => {
  await metadataServer.shutdown();
  await t.close();
});

const register = async (project: { clientId: string; secret: string }, uri: string) => {
  const res = await t.app.request("/api/platform/resources", {
    method: "POST",
    headers: { authorization: basic(project.clientId, project.secret), "content-type": "application/json" },
    body: JSON.stringify({ uri }),
  });
  return { status: res.status, body: await res.json() };
};
const listed = async (project: { clientId: string; secret: string }) =>
  (await (await t.app.request("/api/platform/resources", {
    headers: { authorization: basic(project.clientId, project.secret) },
  })).json()).map((r: { uri: string }) => r.uri);

Deno.test("resource proof — production needs metadata naming this issuer and project; sandbox never blocks it", async () => {
  const squatter = await seedProject(t.db.sql);
  const owner = await seedProject(t.db.sql);
  await takeLive(t.db.sql, owner.id);

  // A sandbox registers first, unproven.
  const squat = await register(squatter, `${resource}/`);
  assert.equal(squat.status, 201, JSON.stringify(squat.body));
  assert.deepEqual({ uri: squat.body.uri, verified: squat.body.verified }, {
    uri: resource,
    verified: false,
  });

  // The production owner without metadata, with metadata for another project, or another issuer: refused.
  served.metadata = null;
  let claim = await register(owner, resource);
  assert.equal(claim.status, 403);
  assert.match(claim.body.error_description, /answered 404/);
  served.metadata = { resource, authorization_servers: [t.origin], astapa_project_id: squatter.id };
  claim = await register(owner, resource);
  assert.equal(claim.status, 403);
  assert.match(claim.body.error_description, new RegExp(`"astapa_project_id": "${owner.id}"`));
  served.metadata = {
    resource,
    authorization_servers: ["https://other-issuer.example"],
    astapa_project_id: owner.id,
  };
  assert.match((await register(owner, resource)).body.error_description, /authorization_servers/);
  assert.deepEqual(fetched.at(-1), "/.well-known/oauth-protected-resource/mcp");

  // With the right metadata, the proven claim takes the resource from the sandbox.
  served.metadata = { resource, authorization_servers: [t.origin], astapa_project_id: owner.id };
  claim = await register(owner, resource);
  assert.equal(claim.status, 201, JSON.stringify(claim.body));
  assert.equal(claim.body.verified, true);
  assert.deepEqual(await listed(squatter), []);
  assert.deepEqual(await listed(owner), [resource]);

  // Variants are the same resource: the sandbox cannot take it back under another spelling.
  for (
    const variant of [
      `${resource}/`,
      resource.replace("/mcp", "/MCP"),
      resource.replace("127.0.0.1", "127.0.0.1:80"),
    ]
  ) {
    const again = await register(squatter, variant);
    assert.ok(again.status === 409 || again.status === 400, `${variant}: ${again.status}`);
  }
});

Deno.test("resource proof — the fetch goes through the SSRF guard on a shared deployment", async () => {
  const options = { issuer: t.origin, allowPrivate: false };
  assert.match(
    (await resourceProofProblem("https://127.0.0.1:9/mcp", "proj_x", options))!,
    /internal address/,
  );
  const resolve = () => Promise.resolve(["10.0.0.8"]);
  assert.match(
    (await resourceProofProblem("https://mcp.intranet.example/mcp", "proj_x", { ...options, resolve }))!,
    /resolves to the internal address 10\.0\.0\.8/,
  );
  assert.match((await resourceProofProblem(resource, "proj_x", options))!, /must be https/);
});

Deno.test("resource proof — metadata lives at the RFC 9728 well-known path inserted before the resource's path", () => {
  assert.equal(
    resourceMetadataUrl("https://a.example"),
    "https://a.example/.well-known/oauth-protected-resource",
  );
  assert.equal(
    resourceMetadataUrl("https://a.example/mcp/v1"),
    "https://a.example/.well-known/oauth-protected-resource/mcp/v1",
  );
});
