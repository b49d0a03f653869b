/**
 * The Platform API's organization roles: GET lists owner, admin, member and the project's own with their
 * permissions; PUT defines one (or gives a built-in one permissions); DELETE (?key=) removes one not in use.
 */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { deleteOrganizationRole, listOrganizationRoles, setOrganizationRole } from "@/db/organizations.ts";
import { validate } from "@/lib/http/body.ts";
import { asClient, bodyWithoutCredentials } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

const Role = z.strictObject({
  key: z.string().max(64),
  name: z.string().max(100),
  permissions: z.array(z.string().max(64)).max(100).default([]),
});
const RoleKey = z.object({ key: z.string().max(64) });

export const callers = clients("project");

export const handler: Handlers = {
  async GET(c) {
    return c.json(await asClient(c, listOrganizationRoles), 200, NO_STORE);
  },
  async PUT(c) {
    const role = validate(Role, await bodyWithoutCredentials(c));
    const roles = await asClient(c, (tx) => setOrganizationRole(tx, role.key, role.name, role.permissions));
    return c.json(roles, 200, NO_STORE);
  },
  async DELETE(c) {
    const { key } = validate(RoleKey, Object.fromEntries(new URL(c.req.url).searchParams));
    await asClient(c, (tx) => deleteOrganizationRole(tx, key));
    return c.body(null, 204);
  },
};

export const openapi: RouteDoc = {
  get: {
    tag: "Organizations",
    summary: "The roles members may hold, with their permissions",
    auth: "client",
    responses: { 200: { description: "Roles" }, 401: COMMON_ERRORS[401] },
  },
  put: {
    tag: "Organizations",
    summary:
      "Define a role with permissions (keyed owner, admin or member: give that built-in role permissions)",
    auth: "client",
    body: { schema: Role, media: ["json"] },
    responses: { 200: { description: "Every role" }, ...COMMON_ERRORS },
  },
  delete: {
    tag: "Organizations",
    summary: "Remove a project-defined role (?key=); 409 while members or open invitations hold it",
    auth: "client",
    responses: { 204: { description: "Removed" }, ...COMMON_ERRORS },
  },
};
