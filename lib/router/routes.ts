/**
 * File-system routes in the manner of Fresh: routes/a/[id].ts serves /a/:id. A route module exports
 * `handler` (method → function) and, for pages, a default component; `_middleware.ts` exports `middleware`
 * for its folder and everything below it.
 */
import type { Hono, MiddlewareHandler } from "hono";
import type { ComponentType } from "preact";
import { relative, sep } from "node:path";
import type { AppEnv, Ctx } from "../app_env.ts";
import { AppError } from "../http/errors.ts";
import { page, type PageProps, type PageResult, renderPage } from "./page.tsx";
import { type Caller, callerFor, type Callers } from "./callers.ts";
import { lazyFamilies } from "./lazy_family.ts";

export const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
export type Method = typeof METHODS[number];

// deno-lint-ignore no-explicit-any
export type Handler<D = any> = (c: Ctx) => Response | PageResult<D> | Promise<Response | PageResult<D>>;
// deno-lint-ignore no-explicit-any
export type Handlers<D = any> = Partial<Record<Method, Handler<D>>>;

export type RouteModule = {
  handler?: Handlers;
  // deno-lint-ignore no-explicit-any
  default?: ComponentType<PageProps<any>>;
  middleware?: MiddlewareHandler<AppEnv> | MiddlewareHandler<AppEnv>[];
  /** Who may call each method (lib/router/callers.ts); required below a middleware exporting `authorize`. */
  callers?: Callers;
  /** On a `_middleware.ts`: the check in front of every handler below it, given the route's declaration. */
  authorize?: (caller: Caller) => MiddlewareHandler<AppEnv>;
};

/** One method of one route and who may call it (undefined outside families that authorize). */
export type DeclaredRoute = { file: string; path: string; method: Method; caller?: Caller };

/** A route module: TypeScript in a checkout, JavaScript in the build (lib/build/server_build.ts). */
const ROUTE_MODULE = /\.(ts|tsx|js)$/;

export type RouteFile = { file: string; path: string; kind: "route" | "middleware" };

/** Lists route files under `dir` with their URL patterns, static before dynamic, middleware first. */
export async function scanRoutes(dir: string): Promise<RouteFile[]> {
  const files: RouteFile[] = [];
  const walk = async (folder: string) => {
    for await (const entry of Deno.readDir(folder)) {
      const full = `${folder}/${entry.name}`;
      if (entry.isDirectory) await walk(full);
      else if (ROUTE_MODULE.test(entry.name) && !/_test\.tsx?$/.test(entry.name)) {
        const rel = relative(dir, full).split(sep).join("/");
        const isMiddleware = /(^|\/)_middleware$/.test(rel.replace(ROUTE_MODULE, ""));
        files.push({ file: full, path: toUrlPattern(rel), kind: isMiddleware ? "middleware" : "route" });
      }
    }
  };
  await walk(dir);
  return files.sort((a, b) =>
    (a.kind === b.kind ? 0 : a.kind === "middleware" ? -1 : 1) ||
    a.path.split("/").length - b.path.split("/").length ||
    Number(a.path.includes(":")) - Number(b.path.includes(":")) ||
    a.path.localeCompare(b.path)
  );
}

/** routes/api/[id].ts → /api/:id; index files serve their folder; _middleware serves its folder. */
export function toUrlPattern(relativeFile: string): string {
  const segments = relativeFile.replace(ROUTE_MODULE, "").split("/");
  const last = segments.at(-1);
  if (last === "index" || last === "_middleware") segments.pop();
  const path = segments.map((s) => s.replace(/^\[([A-Za-z_][A-Za-z0-9_]*)\]$/, ":$1")).join("/");
  return `/${path}`;
}

/**
 * Registers every route module on the app. Routes under a `lazyFamilies` prefix (e.g. "/dashboard") are
 * registered by path only; their modules, middleware included, are imported together on the family's first
 * request (./lazy_family.ts), so a server that only answers token requests never loads them. Their
 * declarations are therefore not returned; registering without `lazyFamilies` (as the route × caller matrix
 * tests do) imports everything and returns every declaration.
 */
export async function registerRoutes(
  app: Hono<AppEnv>,
  dir: string,
  options: { lazyFamilies?: readonly string[] } = {},
): Promise<DeclaredRoute[]> {
  const declared: DeclaredRoute[] = [];
  // Folder URL → its middleware's authorize; the nearest one above a route guards it.
  const authorizers = new Map<string, (caller: Caller) => MiddlewareHandler<AppEnv>>();
  const routes = await scanRoutes(dir);
  const families = lazyFamilies(routes, options.lazyFamilies ?? []);
  for (const route of routes) {
    const family = families.of(route);
    if (family) {
      if (authorizerOf(authorizers, route.path)) {
        throw new Error(
          `${route.file}: a lazily loaded family cannot sit below a middleware that authorizes`,
        );
      }
      if (route.kind === "middleware") app.use(middlewareScope(route), family.middleware(route));
      else app.all(route.path, family.route(route));
      continue;
    }
    const mod: RouteModule = await import(new URL(`file://${route.file}`).href);
    if (route.kind === "middleware") {
      for (const middleware of middlewaresOf(route, mod)) app.use(middlewareScope(route), middleware);
      if (mod.authorize) authorizers.set(route.path, mod.authorize);
      continue;
    }
    const handlers = handlersOf(route, mod);
    const authorize = authorizerOf(authorizers, route.path);
    for (const method of METHODS) {
      const handler = handlers[method];
      if (!handler) continue;
      const caller = callerFor(mod.callers, method);
      if (authorize && !caller) {
        throw new Error(
          `${route.file} must declare who may call ${method} (export \`callers\`, lib/router/callers.ts)`,
        );
      }
      declared.push({ file: route.file, path: route.path, method, caller });
      // Registered first, so it runs before the handler (and `next()` leads to it).
      if (authorize && caller) app.on(method, route.path, authorize(caller));
      app.on(method, route.path, (c: Ctx) => respond(c, route, mod, handler));
    }
    app.all(route.path, () => {
      throw methodNotAllowed(handlers);
    });
  }
  return declared;
}

/** The scope a `_middleware.ts` serves: its folder and everything below it. */
export function middlewareScope(route: RouteFile): string {
  return route.path === "/" ? "*" : `${route.path}/*`;
}

/** A middleware module's middlewares, in order. */
export function middlewaresOf(route: RouteFile, mod: RouteModule): MiddlewareHandler<AppEnv>[] {
  if (!mod.middleware) throw new Error(`${route.file} must export \`middleware\``);
  return Array.isArray(mod.middleware) ? mod.middleware : [mod.middleware];
}

/** A route module's handlers by method; a bare page (no handler) answers GET with no data. */
export function handlersOf(route: RouteFile, mod: RouteModule): Handlers {
  if (!mod.handler && !mod.default) {
    throw new Error(`${route.file} exports neither \`handler\` nor a page component`);
  }
  const handlers: Handlers = { ...mod.handler };
  if (mod.default && !mod.handler) handlers.GET = () => page(undefined);
  return handlers;
}

/** Runs one handler: a Response as it is, page data rendered with the module's component. */
export async function respond(
  c: Ctx,
  route: RouteFile,
  mod: RouteModule,
  handler: Handler,
): Promise<Response> {
  const result = await handler(c);
  if (result instanceof Response) return result;
  if (!mod.default) throw new Error(`${route.file} returned page data but has no page component`);
  return renderPage(c, mod.default, result);
}

/** The 405 for a method the module has no handler for, naming the ones it has. */
export function methodNotAllowed(handlers: Handlers): AppError {
  const allowed = METHODS.filter((m) => handlers[m]);
  return new AppError("method_not_allowed", {
    headers: { Allow: (handlers.GET ? [...allowed, "HEAD"] : allowed).join(", ") },
  });
}

/** The authorize of the nearest folder at or above `path` whose middleware exports one. */
function authorizerOf<T>(authorizers: Map<string, T>, path: string): T | undefined {
  for (let folder = path;; folder = folder.slice(0, folder.lastIndexOf("/")) || "/") {
    const found = authorizers.get(folder);
    if (found || folder === "/") return found;
  }
}
