/**
 * The Platform API's mapping of one SCIM group to an organization role (docs/scim.md): PUT {role} maps it (null:
 * unmapped; owner is refused) and gives its members the role their mapped groups now give.
 */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { mapScimGroup } from "@/db/scim_groups.ts";
import { validate } from "@/lib/http/body.ts";
import { asClient, bodyWithoutCredentials } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { organizationParam } from "@/lib/organizations/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

const Mapping = z.strictObject({ role: z.string().min(1).max(64).nullable() });

export const callers = clients("project");

export const handler: Handlers = {
  async PUT(c) {
    const [id, group] = [organizationParam(c), c.req.param("group") ?? ""];
    const { role } = validate(Mapping, await bodyWithoutCredentials(c));
    return c.json(await asClient(c, (tx) => mapScimGroup(tx, id, group, role)), 200, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  put: {
    tag: "Organizations",
    summary: "Map an organization's SCIM group to a role (null: unmapped; never owner)",
    auth: "client",
    body: { schema: Mapping, media: ["json"] },
    responses: { 200: { description: "The group with its role" }, ...COMMON_ERRORS },
  },
};
