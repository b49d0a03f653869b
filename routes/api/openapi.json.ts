import type { Handlers } from "@/lib/router/routes.ts";
import { cacheableJson } from "@/lib/http/cacheable.ts";
import { buildOpenApi } from "@/lib/openapi.ts";
import { publicRoute } from "@/lib/router/callers.ts";

export const callers = publicRoute("the API's published reference; it holds no project's data");

/** The OpenAPI 3.1 reference of this deployment's API, generated from the handlers' own schemas. */
export const handler: Handlers = {
  GET: async (c) => cacheableJson(c, await buildOpenApi(c.var.deps.config.baseUrl)),
};
