/** The Platform API's SCIM groups of an organization (docs/scim.md): what its IdP pushed, each with its mapped role. */
import type { Handlers } from "@/lib/router/routes.ts";
import { listScimGroupMappings } from "@/db/scim_groups.ts";
import { asClient } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { organizationParam } from "@/lib/organizations/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

export const callers = clients("project");

export const handler: Handlers = {
  async GET(c) {
    const id = organizationParam(c);
    return c.json({ data: await asClient(c, (tx) => listScimGroupMappings(tx, id)) }, 200, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  get: {
    tag: "Organizations",
    summary: "The groups an organization's IdP pushed over SCIM, each with the organization role it maps to",
    auth: "client",
    responses: { 200: { description: "The groups" }, 401: COMMON_ERRORS[401], 404: COMMON_ERRORS[404] },
  },
};
