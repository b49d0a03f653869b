/** SCIM /ServiceProviderConfig (RFC 7644 §4): what this directory supports (lib/scim/discovery.ts). */
import type { Handlers } from "@/lib/router/routes.ts";
import { SCIM_TOKEN } from "@/lib/router/callers.ts";
import { scimOf } from "@/lib/scim/caller.ts";
import { serviceProviderConfig } from "@/lib/scim/discovery.ts";
import { scimJson } from "@/lib/scim/problem.ts";

export const callers = SCIM_TOKEN;

export const handler: Handlers = {
  GET: (c) => scimJson(serviceProviderConfig(scimOf(c).baseUrl, `${c.var.deps.config.baseUrl}/docs/scim`)),
};
