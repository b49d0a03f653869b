/**
 * The Platform API's domain of an organization: PUT marks it verified (the project vouches for it, e.g. after
 * checking the DNS TXT record itself), DELETE gives up the claim.
 */
import type { Handlers } from "@/lib/router/routes.ts";
import { removeDomain, verifyDomain } from "@/db/organizations.ts";
import { asClient } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { domainParam, organizationParam } from "@/lib/organizations/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

export const callers = clients("project");

export const handler: Handlers = {
  async PUT(c) {
    const [id, domain] = [organizationParam(c), domainParam(c)];
    return c.json(await asClient(c, (tx) => verifyDomain(tx, id, domain)), 200, NO_STORE);
  },
  async DELETE(c) {
    const [id, domain] = [organizationParam(c), domainParam(c)];
    await asClient(c, (tx) => removeDomain(tx, id, domain));
    return c.body(null, 204);
  },
};

export const openapi: RouteDoc = {
  put: {
    tag: "Organizations",
    summary: "Mark a claimed domain verified (409 when another organization of the project has it)",
    auth: "client",
    responses: { 200: { description: "The domain" }, ...COMMON_ERRORS },
  },
  delete: {
    tag: "Organizations",
    summary: "Give up a domain claim (members who joined by it stay)",
    auth: "client",
    responses: { 204: { description: "Removed" }, 401: COMMON_ERRORS[401], 404: COMMON_ERRORS[404] },
  },
};
