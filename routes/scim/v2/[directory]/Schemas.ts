/** SCIM /Schemas (RFC 7644 §4): the User and Group schemas' attributes Astapa keeps (lib/scim/discovery.ts). */
import type { Handlers } from "@/lib/router/routes.ts";
import { SCIM_TOKEN } from "@/lib/router/callers.ts";
import { scimOf } from "@/lib/scim/caller.ts";
import { schemas } from "@/lib/scim/discovery.ts";
import { scimJson } from "@/lib/scim/problem.ts";

export const callers = SCIM_TOKEN;

export const handler: Handlers = {
  GET: (c) => scimJson(schemas(scimOf(c).baseUrl)),
};
