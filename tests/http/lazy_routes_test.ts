/**
 * Lazy route families (lib/router/lazy_family.ts, issue 24): registered by path at start-up, imported on the
 * family's first request, and then answering exactly as the eager router does — middleware, methods, 405 with
 * Allow, HEAD. On a throwaway routes folder whose modules count their own imports.
 */
import assert from "node:assert/strict";
import { Hono } from "hono";
import type { AppEnv } from "@/lib/app_env.ts";
import { AppError } from "@/lib/http/errors.ts";
import { registerRoutes } from "@/lib/router/routes.ts";

const dir = await Deno.makeTempDir();
Deno.test.afterAll(() => Deno.remove(dir, { recursive: true }));
const loads = crypto.randomUUID(); // the global each module of this folder counts its import in
const counted = (name: string) =>
  `(globalThis as Record<string, string[]>)["${loads}"] ??= [];
   (globalThis as Record<string, string[]>)["${loads}"].push("${name}");`;
const imported = () => (globalThis as unknown as Record<string, string[] | undefined>)[loads] ?? [];

await Deno.mkdir(`${dir}/family/deep`, { recursive: true });
await Deno.writeTextFile(
  `${dir}/plain.ts`,
  `${counted("plain")}
   export const handler = { GET: () => new Response("plain") };`,
);
await Deno.writeTextFile(
  `${dir}/family/_middleware.ts`,
  `${counted("middleware")}
   export const middleware = async (c: { res: Response }, next: () => Promise<void>) => {
     await next();
     c.res.headers.set("x-family", "seen");
   };`,
);
await Deno.writeTextFile(
  `${dir}/family/index.ts`,
  `${counted("index")}
   export const handler = { GET: () => new Response("index"), POST: () => new Response("posted", { status: 201 }) };`,
);
await Deno.writeTextFile(
  `${dir}/family/deep/[id].ts`,
  `${counted("deep")}
   export const handler = { DELETE: (c: { req: { param(n: string): string } }) => new Response(c.req.param("id")) };`,
);

function appOn() {
  const app = new Hono<AppEnv>();
  app.onError((error, c) =>
    error instanceof AppError
      ? c.json({ error: error.code }, error.status as 405, error.headers)
      : c.json({ error: String(error) }, 500)
  );
  return app;
}

Deno.test("lazy family — registered by path, imported on its first request, answering as the eager router", async () => {
  const lazy = appOn();
  const declared = await registerRoutes(lazy, dir, { lazyFamilies: ["/family"] });
  assert.deepEqual(declared.map((r) => r.path), ["/plain"], "only the eager route is declared at start-up");
  assert.deepEqual(imported(), ["plain"], "the family is not imported by registering it");

  assert.equal(await (await lazy.request("/plain")).text(), "plain");
  assert.deepEqual(imported(), ["plain"], "another route does not load the family");

  const first = await lazy.request("/family");
  assert.equal(await first.text(), "index");
  assert.equal(first.headers.get("x-family"), "seen", "the family's middleware ran");
  assert.deepEqual(imported().toSorted(), ["deep", "index", "middleware", "plain"], "the whole family, once");

  const eager = appOn();
  await registerRoutes(eager, dir);
  const requests: [string, RequestInit][] = [
    ["/family", { method: "POST" }],
    ["/family", { method: "PUT" }],
    ["/family", { method: "HEAD" }],
    ["/family/deep/abc", { method: "DELETE" }],
    ["/family/deep/abc", { method: "GET" }],
    ["/family/nothing", { method: "GET" }],
  ];
  for (const [path, init] of requests) {
    const [a, b] = [await lazy.request(path, init), await eager.request(path, init)];
    const what = `${init.method} ${path}`;
    assert.equal(a.status, b.status, what);
    assert.equal(a.headers.get("allow"), b.headers.get("allow"), `${what}: Allow`);
    assert.equal(a.headers.get("x-family"), b.headers.get("x-family"), `${what}: the middleware`);
    assert.equal(await a.text(), await b.text(), what);
  }
  assert.equal(imported().filter((name) => name === "index").length, 1, "the lazy app imported it once");
});

Deno.test("lazy family — one whose middleware authorizes fails its requests with a 500, not silently", async () => {
  const other = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${other}/guarded`);
    await Deno.writeTextFile(
      `${other}/guarded/_middleware.ts`,
      `export const middleware = (_c: unknown, next: () => Promise<void>) => next();
       export const authorize = () => (_c: unknown, next: () => Promise<void>) => next();`,
    );
    await Deno.writeTextFile(
      `${other}/guarded/index.ts`,
      `export const handler = { GET: () => new Response("x") };`,
    );
    const app = appOn();
    await registerRoutes(app, other, { lazyFamilies: ["/guarded"] });
    const res = await app.request("/guarded");
    assert.equal(res.status, 500);
    assert.deepEqual(await res.json(), { error: "internal_error" });
  } finally {
    await Deno.remove(other, { recursive: true });
  }
});
