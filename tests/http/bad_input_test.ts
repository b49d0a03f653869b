/**
 * Every route, every method, every kind of malformed body: the answer is never a 5xx. New routes are picked
 * up from routes/ automatically.
 */
import assert from "node:assert/strict";
import { Hono } from "hono";
import { z } from "zod";
import { testApp } from "../helpers/app.ts";
import { MAX_BODY_BYTES } from "@/lib/app.ts";
import { readBody } from "@/lib/http/body.ts";
import { errorResponse } from "@/lib/http/respond.tsx";
import { METHODS, scanRoutes } from "@/lib/router/routes.ts";
import type { AppEnv } from "@/lib/app_env.ts";

const t = await testApp();
Deno.test.afterAll(() => t.close());

const MALFORMED: { name: string; headers: Record<string, string>; body: BodyInit }[] = [
  { name: "broken JSON", headers: { "content-type": "application/json" }, body: '{"grant_type": ' },
  { name: "JSON null", headers: { "content-type": "application/json" }, body: "null" },
  { name: "JSON array", headers: { "content-type": "application/json" }, body: "[1,2,3]" },
  {
    name: "deep JSON",
    headers: { "content-type": "application/json" },
    body: "[".repeat(5000) + "]".repeat(5000),
  },
  { name: "proto pollution", headers: { "content-type": "application/json" }, body: '{"__proto__":{"x":1}}' },
  { name: "wrong content type", headers: { "content-type": "text/plain" }, body: "hello" },
  {
    name: "binary junk",
    headers: { "content-type": "application/octet-stream" },
    body: new Uint8Array([0, 255, 1]),
  },
  { name: "bad form", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "%%%=&&a=%zz" },
  {
    name: "oversized",
    headers: { "content-type": "application/json" },
    body: "x".repeat(MAX_BODY_BYTES + 1),
  },
];

const routes = (await scanRoutes(new URL("../../routes", import.meta.url).pathname)).filter((r) =>
  r.kind === "route"
);

Deno.test("bad input — no route answers a malformed body with a 5xx", async () => {
  assert.ok(routes.length >= 3, "routes were found");
  for (const route of routes) {
    const path = route.path.replace(/:([A-Za-z_]+)/g, "x");
    for (const method of METHODS) {
      for (const input of MALFORMED) {
        const body = method === "GET" ? undefined : input.body; // fetch forbids GET bodies
        const res = await t.app.request(path, { method, headers: input.headers, body });
        assert.ok(res.status < 500, `${method} ${path} with ${input.name} gave ${res.status}`);
        if (res.status >= 400 && res.headers.get("content-type")?.startsWith("application/json")) {
          const body = await res.json();
          assert.equal(typeof body.error, "string");
          assert.equal(typeof body.error_description, "string");
        } else {
          await res.body?.cancel();
        }
      }
    }
  }
});

// A probe endpoint using the shared body reader, so every failure mode of readBody is pinned down.
const probe = new Hono<AppEnv>();
probe.use("*", async (c, next) => {
  c.set("deps", t.deps);
  c.set("requestId", "probe");
  await next();
});
const Schema = z.object({ name: z.string().min(1), tags: z.array(z.string()).optional() });
probe.post("/echo", async (c) => c.json(await readBody(c, Schema)));
probe.onError((error, c) => errorResponse(c, error));

Deno.test("body — JSON and form bodies are both accepted", async () => {
  const json = await probe.request("/echo", {
    method: "POST",
    headers: { "content-type": "application/json; charset=utf-8" },
    body: JSON.stringify({ name: "Ayu" }),
  });
  assert.deepEqual(await json.json(), { name: "Ayu" });
  const form = await probe.request("/echo", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded;charset=UTF-8" },
    body: "name=Budi",
  });
  assert.deepEqual(await form.json(), { name: "Budi" });
});

Deno.test("body — each failure has its own status and code", async () => {
  const cases: [string, RequestInit, number, string][] = [
    ["bad JSON", { headers: { "content-type": "application/json" }, body: "{" }, 400, "invalid_json"],
    ["text/plain", { headers: { "content-type": "text/plain" }, body: "x" }, 415, "unsupported_media_type"],
    ["no content type", { body: "x" }, 415, "unsupported_media_type"],
    [
      "missing field",
      { headers: { "content-type": "application/json" }, body: "{}" },
      400,
      "validation_failed",
    ],
    [
      "repeated form key",
      {
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "name=a&name=b",
      },
      400,
      "validation_failed",
    ],
  ];
  for (const [name, init, status, code] of cases) {
    const res = await probe.request("/echo", { method: "POST", ...init });
    assert.equal(res.status, status, name);
    assert.equal((await res.json()).error, code, name);
  }
});

Deno.test("body — validation failures name the fields", async () => {
  const res = await probe.request("/echo", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "", tags: [1] }),
  });
  const body = await res.json();
  assert.deepEqual(Object.keys(body.fields).sort(), ["name", "tags.0"]);
});

Deno.test("body — over 1 MiB is refused with 413 by the real app", async () => {
  const res = await t.app.request("/healthz", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: "x".repeat(MAX_BODY_BYTES + 1),
  });
  assert.equal(res.status, 413);
  assert.equal((await res.json()).error, "payload_too_large");
});
