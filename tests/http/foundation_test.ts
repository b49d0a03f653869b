import assert from "node:assert/strict";
import { testApp } from "../helpers/app.ts";
import { CONTENT_SECURITY_POLICY } from "@/lib/http/middleware.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

Deno.test("healthz — answers ok without touching the database", async () => {
  const res = await t.app.request("/healthz");
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { status: "ok" });
  assert.equal(res.headers.get("cache-control"), "no-store");
});

Deno.test("readyz — ready when the database is up and migrations are applied", async () => {
  const res = await t.app.request("/readyz");
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { status: "ready", database: "up", migrations: "applied" });
});

Deno.test("home page — server-rendered with the island, its props and the client script", async () => {
  const res = await t.app.request("/", { headers: { accept: "text/html" } });
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/html/);
  const html = await res.text();
  assert.match(html, /^<!doctype html>/);
  assert.match(html, /<div data-island="QuickStart">/);
  assert.match(
    html,
    /<script type="application\/json" data-island-props>\{"baseUrl":"http:\/\/astapa.test"\}/,
  );
  assert.ok(html.includes(`<script type="module" src="${Deno.env.get("ASTAPA_TEST_CLIENT_SCRIPT")}">`));
  assert.match(html, /issuer is <code>http:\/\/astapa.test<\/code>/);
});

Deno.test("security headers — CSP allows only our own scripts; no framing or sniffing", async () => {
  const res = await t.app.request("/");
  assert.equal(res.headers.get("content-security-policy"), CONTENT_SECURITY_POLICY);
  assert.match(CONTENT_SECURITY_POLICY, /script-src 'self'(;|$)/);
  assert.equal(res.headers.get("x-frame-options"), "DENY");
  assert.equal(res.headers.get("x-content-type-options"), "nosniff");
  await res.body?.cancel();
});

Deno.test("request id — a sane incoming id is echoed and logged; junk is replaced", async () => {
  const res = await t.app.request("/healthz", { headers: { "x-request-id": "trace-1234abcd" } });
  assert.equal(res.headers.get("x-request-id"), "trace-1234abcd");
  const line = t.logs.findLast((entry) => entry.msg === "request");
  assert.equal(line?.request_id, "trace-1234abcd");
  assert.equal(line?.method, "GET");
  assert.equal(line?.path, "/healthz");
  assert.equal(line?.status, 200);
  assert.equal(typeof line?.duration_ms, "number");

  const junk = await t.app.request("/healthz", { headers: { "x-request-id": "<script>" } });
  assert.match(junk.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
});

Deno.test("access log — never records the query string", async () => {
  await t.app.request("/healthz?code=secret-code-value");
  const line = t.logs.findLast((entry) => entry.msg === "request");
  assert.equal(line?.path, "/healthz");
  assert.ok(!JSON.stringify(t.logs).includes("secret-code-value"));
});

Deno.test("not found — JSON for API clients, a page for browsers", async () => {
  const api = await t.app.request("/api/platform/nothing");
  assert.equal(api.status, 404);
  assert.deepEqual(await api.json(), {
    error: "not_found",
    error_description: "Nothing lives at this address.",
  });

  const page = await t.app.request("/nothing", { headers: { accept: "text/html,*/*" } });
  assert.equal(page.status, 404);
  assert.match(await page.text(), /<h1 id="error-heading">Page not found<\/h1>/);
});

Deno.test("method not allowed — 405 with an Allow header", async () => {
  const res = await t.app.request("/healthz", { method: "DELETE" });
  assert.equal(res.status, 405);
  assert.equal(res.headers.get("allow"), "GET, HEAD");
  assert.equal((await res.json()).error, "method_not_allowed");
});

Deno.test("static files — stylesheet revalidates by ETag; built bundles are immutable", async () => {
  const css = await t.app.request("/static/styles.css");
  assert.equal(css.status, 200);
  assert.equal(css.headers.get("content-type"), "text/css; charset=utf-8");
  const etag = css.headers.get("etag") ?? "";
  await css.body?.cancel();
  const again = await t.app.request("/static/styles.css", { headers: { "if-none-match": etag } });
  assert.equal(again.status, 304);

  const bundle = await t.app.request(Deno.env.get("ASTAPA_TEST_CLIENT_SCRIPT")!);
  assert.equal(bundle.status, 200);
  assert.equal(bundle.headers.get("cache-control"), "public, max-age=31536000, immutable");
  await bundle.body?.cancel();
});

Deno.test("static files — no escape from static/ and no odd file types", async () => {
  for (
    const path of [
      "/static/../deno.json",
      "/static/%2e%2e/deno.json",
      "/static/..%2fmain.ts",
      "/static/%E0%A4%A",
    ]
  ) {
    const res = await t.app.request(path);
    assert.equal(res.status, 404, path);
    await res.body?.cancel();
  }
});

Deno.test("security headers — HSTS only when the deployment is served over https", async () => {
  assert.equal((await t.app.request("/healthz")).headers.get("strict-transport-security"), null);
  const secure = await testApp({ env: { ASTAPA_BASE_URL: "https://auth.example.com" } });
  try {
    const res = await secure.app.request("/healthz");
    assert.equal(res.headers.get("strict-transport-security"), "max-age=31536000; includeSubDomains");
    assert.match(res.headers.get("content-security-policy") ?? "", /frame-ancestors 'none'/);
    assert.doesNotMatch(res.headers.get("content-security-policy") ?? "", /unsafe-inline/);
  } finally {
    await secure.close();
  }
});

Deno.test("stylesheet — braces balance, so no rule swallows the ones after it", async () => {
  const css = (await Deno.readTextFile(new URL("../../static/styles.css", import.meta.url))).replace(
    /\/\*[\s\S]*?\*\//g,
    "",
  );
  let depth = 0;
  for (const [i, line] of css.split("\n").entries()) {
    depth += (line.match(/\{/g) ?? []).length - (line.match(/\}/g) ?? []).length;
    assert.ok(depth >= 0 && depth <= 2, `line ${i + 1}: nesting ${depth}`);
    if (/^\.[a-z].*\{$/.test(line)) assert.equal(depth, 1, `line ${i + 1} opens a top-level rule: ${line}`);
  }
  assert.equal(depth, 0);
});
