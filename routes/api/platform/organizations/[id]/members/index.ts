/** The Platform API's members of an organization: list them, add a user of the project with a role. */
import { UserIdSchema } from "@/lib/http/user_id.ts";
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { addMember, listMembers } from "@/db/organizations.ts";
import { validate } from "@/lib/http/body.ts";
import { asClient, bodyWithoutCredentials } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { organizationParam } from "@/lib/organizations/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

const NewMember = z.strictObject({
  user_id: UserIdSchema.describe("The user's sub."),
  role: z.string().max(64).default("member"),
});

export const callers = clients("project");

export const handler: Handlers = {
  async GET(c) {
    const id = organizationParam(c);
    return c.json(await asClient(c, (tx) => listMembers(tx, id)), 200, NO_STORE);
  },
  async POST(c) {
    const id = organizationParam(c);
    const body = validate(NewMember, await bodyWithoutCredentials(c));
    return c.json(await asClient(c, (tx) => addMember(tx, id, body.user_id, body.role)), 201, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  get: {
    tag: "Organizations",
    summary: "An organization's members with their roles and permissions",
    auth: "client",
    responses: { 200: { description: "Members" }, 401: COMMON_ERRORS[401] },
  },
  post: {
    tag: "Organizations",
    summary: "Add a user of the project as a member (409 already a member or no free seat)",
    auth: "client",
    body: { schema: NewMember, media: ["json"] },
    responses: { 201: { description: "The membership" }, ...COMMON_ERRORS },
  },
};
