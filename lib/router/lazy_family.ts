/**
 * Route families loaded on their first request (issue 24 item 4, docs/performance.md "Lazy route families"):
 * the dashboard, the docs, the billing portal and the account pages are registered by path at start-up, and
 * their modules — and everything those import — are loaded together the first time any URL of the family is
 * asked for. A server that only answers token requests never holds them.
 *
 * Behaviour is the eager router's: the family's `_middleware.ts` runs in the same place, a route answers the
 * same methods (405 with the same Allow otherwise), a module that exports neither handler nor page fails the
 * same way, on the family's first request instead of at start-up (the route × caller matrix tests register
 * every family eagerly, so a broken module still fails there). A family may not authorize: `callers` are
 * checked in front of the handler, which needs the declarations before the first request.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv, Ctx } from "../app_env.ts";
import { lazyImport } from "../lazy_import.ts";
import {
  type Handlers,
  handlersOf,
  type Method,
  methodNotAllowed,
  middlewaresOf,
  respond,
  type RouteFile,
  type RouteModule,
} from "./routes.ts";

type LoadedFamily = {
  middlewares: Map<string, MiddlewareHandler<AppEnv>[]>;
  routes: Map<string, { mod: RouteModule; handlers: Handlers }>;
};

export type LazyFamily = {
  /** The middleware to register for one of the family's `_middleware.ts` files. */
  middleware(route: RouteFile): MiddlewareHandler<AppEnv>;
  /** The handler to register (for every method) for one of the family's route files. */
  route(route: RouteFile): (c: Ctx) => Promise<Response>;
};

/** Groups `routes` by the lazy family prefix they fall under ("/dashboard" holds /dashboard and below). */
export function lazyFamilies(
  routes: RouteFile[],
  prefixes: readonly string[],
): { of(route: RouteFile): LazyFamily | undefined } {
  const prefixOf = (path: string) => prefixes.find((p) => path === p || path.startsWith(`${p}/`));
  const families = new Map<string, LazyFamily>();
  for (const prefix of prefixes) {
    families.set(prefix, lazyFamily(prefix, routes.filter((r) => prefixOf(r.path) === prefix)));
  }
  return {
    of: (route) => {
      const prefix = prefixOf(route.path);
      return prefix === undefined ? undefined : families.get(prefix);
    },
  };
}

function lazyFamily(prefix: string, files: RouteFile[]): LazyFamily {
  const load = lazyImport(`the routes under ${prefix}`, async (): Promise<LoadedFamily> => {
    const loaded: LoadedFamily = { middlewares: new Map(), routes: new Map() };
    // One after another, in the eager router's order, so modules evaluate in the order they always did.
    for (const file of files) {
      const mod: RouteModule = await import(new URL(`file://${file.file}`).href);
      if (file.kind === "middleware") {
        if (mod.authorize) throw new Error(`${file.file}: a lazily loaded family cannot authorize`);
        loaded.middlewares.set(file.file, middlewaresOf(file, mod));
      } else {
        loaded.routes.set(file.file, { mod, handlers: handlersOf(file, mod) });
      }
    }
    return loaded;
  });
  return {
    middleware: (route) => async (c, next) => {
      const middlewares = (await load()).middlewares.get(route.file)!;
      return await chain(c, middlewares, next);
    },
    route: (route) => async (c) => {
      const { mod, handlers } = (await load()).routes.get(route.file)!;
      // Hono answers HEAD with the GET route (and drops the body); the request still says HEAD.
      const method = (c.req.method === "HEAD" ? "GET" : c.req.method) as Method;
      const handler = handlers[method];
      if (!handler) throw methodNotAllowed(handlers);
      return await respond(c, route, mod, handler);
    },
  };
}

/** Runs a module's middlewares in order as Hono would, each one's `next` leading to the following one. */
async function chain(
  c: Ctx,
  middlewares: MiddlewareHandler<AppEnv>[],
  next: () => Promise<void>,
  index = 0,
): Promise<Response | void> {
  if (index === middlewares.length) return await next();
  return await middlewares[index](c, async () => {
    const answer = await chain(c, middlewares, next, index + 1);
    if (answer instanceof Response) c.res = answer;
  });
}
