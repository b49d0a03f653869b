/** SCIM /ResourceTypes (RFC 7644 §4): User and Group (docs/scim.md). */
import type { Handlers } from "@/lib/router/routes.ts";
import { SCIM_TOKEN } from "@/lib/router/callers.ts";
import { scimOf } from "@/lib/scim/caller.ts";
import { resourceTypes } from "@/lib/scim/discovery.ts";
import { scimJson } from "@/lib/scim/problem.ts";

export const callers = SCIM_TOKEN;

export const handler: Handlers = {
  GET: (c) => scimJson(resourceTypes(scimOf(c).baseUrl)),
};
