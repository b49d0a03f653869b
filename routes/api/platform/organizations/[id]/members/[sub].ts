/** The Platform API's member of an organization: change their role, remove them (or record that they left). */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { removeMember, setMemberRole } from "@/db/organizations.ts";
import { validate } from "@/lib/http/body.ts";
import { asClient, bodyWithoutCredentials } from "@/lib/platform/caller.ts";
import { NO_STORE, subParam } from "@/lib/platform/params.ts";
import { organizationParam } from "@/lib/organizations/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

const RoleChange = z.strictObject({ role: z.string().max(64) });
const Removal = z.object({ left: z.enum(["true", "false"]).optional() });

export const callers = clients("project");

export const handler: Handlers = {
  async PATCH(c) {
    const [id, sub] = [organizationParam(c), subParam(c)];
    const { role } = validate(RoleChange, await bodyWithoutCredentials(c));
    return c.json(await asClient(c, (tx) => setMemberRole(tx, id, sub, role)), 200, NO_STORE);
  },
  async DELETE(c) {
    const [id, sub] = [organizationParam(c), subParam(c)];
    const { left } = validate(Removal, Object.fromEntries(new URL(c.req.url).searchParams));
    await asClient(c, (tx) => removeMember(tx, id, sub, left === "true"));
    return c.body(null, 204);
  },
};

export const openapi: RouteDoc = {
  patch: {
    tag: "Organizations",
    summary: "Give a member another role (409 when it would leave the organization without an owner)",
    auth: "client",
    body: { schema: RoleChange, media: ["json"] },
    responses: { 200: { description: "The membership" }, ...COMMON_ERRORS },
  },
  delete: {
    tag: "Organizations",
    summary: "Remove a member (?left=true: they left); their next refresh carries no org claims",
    auth: "client",
    responses: { 204: { description: "Removed" }, ...COMMON_ERRORS },
  },
};
