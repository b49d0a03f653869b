import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";

const t = await testApp({ env: { ASTAPA_BASE_URL: "https://astapa.test" } });
Deno.test.afterAll(() => t.close());

const PATHS = [
  "/.well-known/jwks.json",
  "/.well-known/openid-configuration",
  "/.well-known/oauth-authorization-server",
];

/** Every header but the request id, which each response has its own of. */
function headersOf(res: Response): [string, string][] {
  return [...res.headers].filter(([name]) => name !== "x-request-id").sort(([a], [b]) => a.localeCompare(b));
}

// A GET of these exact paths is answered before the router (lib/http/public_documents.ts); HEAD goes through
// Hono, the CORS middleware, the request middleware and the route file, so it shows what the router sends.
Deno.test("public documents — a GET answered before the router has the router's headers, body and log line", async () => {
  for (const path of PATHS) {
    const fast = await t.app.request(path, { headers: { "x-request-id": "fast-path-0001" } });
    const routed = await t.app.request(path, { method: "HEAD" });
    assert.equal(fast.status, 200, path);
    assert.equal(routed.status, 200, path);
    assert.deepEqual(headersOf(fast), headersOf(routed), path);
    assert.equal(fast.headers.get("x-request-id"), "fast-path-0001");
    assert.match(routed.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
    assert.equal(fast.headers.get("strict-transport-security"), "max-age=31536000; includeSubDomains");
    assert.equal(fast.headers.get("access-control-allow-origin"), "*");
    const body = await fast.json();
    assert.ok(path.endsWith("jwks.json") ? Array.isArray(body.keys) : body.issuer === "https://astapa.test");
    const line = t.logs.findLast((entry) => entry.msg === "request" && entry.request_id === "fast-path-0001");
    assert.ok(line, "the access line is written");
    assert.equal(line.path, path);
    assert.equal(line.status, 200);
    assert.equal(line.method, "GET");
    assert.equal(typeof line.duration_ms, "number");
  }
});

Deno.test("public documents — each answer is its own copy: its request id, the whole body, nothing shared", async () => {
  for (const path of PATHS) {
    const answers = await Promise.all(
      ["copy-0001", "copy-0002", "copy-0003"].map((id) =>
        t.app.request(path, { headers: { "x-request-id": id } })
      ),
    );
    assert.deepEqual(answers.map((res) => res.headers.get("x-request-id")), [
      "copy-0001",
      "copy-0002",
      "copy-0003",
    ]);
    const bodies = await Promise.all(answers.map((res) => res.text()));
    assert.equal(new Set(bodies).size, 1, path);
    assert.ok(bodies[0].length > 50, path);
    for (const res of answers) assert.deepEqual(headersOf(res), headersOf(answers[0]));
    const later = await t.app.request(path);
    assert.match(later.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/, "no earlier request's id");
    assert.equal(await later.text(), bodies[0]);
  }
});

Deno.test("public documents — If-None-Match gets the same 304 before and through the router", async () => {
  for (const path of PATHS) {
    const etag = (await t.app.request(path)).headers.get("etag")!;
    for (const presented of [etag, `W/${etag}`, `"other", ${etag}`]) {
      const fast = await t.app.request(path, { headers: { "if-none-match": presented } });
      const routed = await t.app.request(path, { method: "HEAD", headers: { "if-none-match": presented } });
      assert.equal(fast.status, 304, `${path} ${presented}`);
      assert.equal(routed.status, 304, `${path} ${presented}`);
      assert.deepEqual(headersOf(fast), headersOf(routed));
      assert.equal(await fast.text(), "");
    }
    const stale = await t.app.request(path, { headers: { "if-none-match": '"stale"' } });
    assert.equal(stale.status, 200);
    await stale.body?.cancel();
  }
});

Deno.test("public documents — other methods, spellings and queries still go through the router", async () => {
  const post = await t.app.request("/.well-known/jwks.json", { method: "POST" });
  assert.equal(post.status, 405);
  await post.body?.cancel();
  const preflight = await t.app.request("/.well-known/jwks.json", {
    method: "OPTIONS",
    headers: { origin: "https://spa.example", "access-control-request-method": "GET" },
  });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get("access-control-allow-origin"), "*");
  const trailing = await t.app.request("/.well-known/jwks.json/");
  assert.equal(trailing.status, 404);
  await trailing.body?.cancel();
  const query = await t.app.request("/.well-known/jwks.json?x=1");
  assert.equal(query.status, 200);
  assert.ok(Array.isArray((await query.json()).keys));
});

Deno.test("public documents — keys that cannot be read give the router's error page, with every header", async () => {
  const keys = t.deps.keys;
  const jwks = keys.jwks;
  keys.jwks = () => Promise.reject(new Error("the keys are unreadable"));
  try {
    const res = await t.app.request("/.well-known/jwks.json", { headers: { accept: "application/json" } });
    assert.equal(res.status, 500);
    assert.ok(res.headers.get("content-security-policy"));
    assert.ok(res.headers.get("x-request-id"));
    assert.equal((await res.json()).error, "internal_error");
  } finally {
    keys.jwks = jwks;
  }
});
