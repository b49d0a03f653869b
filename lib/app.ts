/** Builds the Hono application: middleware, static files, file-system routes, error handling. */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { AppEnv, Deps } from "./app_env.ts";
import { AppError } from "./http/errors.ts";
import { requestHandling } from "./http/middleware.ts";
import { errorResponse } from "./http/respond.tsx";
import { scimErrorResponse } from "./scim/problem.ts";
import { serveStatic } from "./http/static.ts";
import { CORS_PATHS, oauthCors } from "./http/cors.ts";
import { registerIsland } from "./islands/Island.tsx";
import { islandNames, ISLANDS_DIR } from "./islands/build.ts";
import { registerRoutes } from "./router/routes.ts";
import { SANDBOX_PATH } from "./payments/accounts.ts";
import { enableMetrics } from "./metrics/metrics.ts";
import { IMPORT_PATH, MAX_IMPORT_BYTES } from "./import/parse_input.ts";
import { publicDocuments } from "./http/public_documents.ts";
import { moduleFile } from "./built.ts";

export const MAX_BODY_BYTES = 1024 * 1024;
export const ROUTES_DIR = new URL("../routes", import.meta.url).pathname;
/**
 * Route families imported on their first request, not at start-up (lib/router/lazy_family.ts): a token
 * request needs none of them. A family whose middleware authorizes (routes/api) cannot be one.
 */
export const LAZY_ROUTE_FAMILIES = ["/dashboard", "/docs", "/billing", "/account"] as const;

/** The whole HTTP surface, ready for `Deno.serve(app.fetch)` or `app.request()` in tests. */
export async function createApp(deps: Deps): Promise<Hono<AppEnv>> {
  await loadIslands();
  if (deps.config.metrics.enabled) await enableMetrics();
  const app = new Hono<AppEnv>();
  app.use("*", requestHandling(deps));
  const limitBody = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw new AppError("payload_too_large");
    },
  });
  // A user import carries up to 10,000 users (docs/migrating.md): its own, larger limit.
  const limitImport = bodyLimit({
    maxSize: MAX_IMPORT_BYTES,
    onError: () => {
      throw new AppError("payload_too_large", { description: "An import body is at most 16 MiB." });
    },
  });
  // GET and HEAD handlers never read a body, so they skip the limit's wrapper.
  app.use(
    "*",
    (c, next) =>
      c.req.method === "GET" || c.req.method === "HEAD"
        ? next()
        : (c.req.path === IMPORT_PATH ? limitImport : limitBody)(c, next),
  );
  for (const path of CORS_PATHS) app.use(path, oauthCors);
  app.use("/static/*", serveStatic);
  // The offline sandbox's Xendit: its API and hosted invoice page here, its callbacks straight into this app.
  app.route(SANDBOX_PATH, deps.xenditSandbox.app);
  deps.xenditSandbox.webhooks.useDeliver((request) => Promise.resolve(app.fetch(request)));
  await registerRoutes(app, ROUTES_DIR, { lazyFamilies: LAZY_ROUTE_FAMILIES });
  app.notFound((c) => errorResponse(c, new AppError("not_found")));
  app.onError((error, c) => {
    const answer = errorResponse(c, error); // logs what it must, whatever the shape answered
    // SCIM clients read SCIM's error shape only (RFC 7644 §3.12); the app's body limit runs before SCIM's own.
    return c.req.path.startsWith("/scim/v2/") ? scimErrorResponse(error) : answer;
  });
  // JWKS and discovery GETs are answered before the router, with the same headers and log line.
  const documents = publicDocuments(deps);
  const honoFetch = app.fetch;
  app.fetch = (request, env, executionCtx) =>
    documents(request, () => honoFetch(request, env, executionCtx)) ??
      honoFetch(request, env, executionCtx);
  return app;
}

async function loadIslands(): Promise<void> {
  for (const name of await islandNames()) {
    const mod = await import(new URL(moduleFile(name, ".tsx"), ISLANDS_DIR).href);
    if (typeof mod.default !== "function") {
      throw new Error(`islands/${name}.tsx must default-export a component`);
    }
    registerIsland(name, mod.default);
  }
}
