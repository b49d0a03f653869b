/** The Platform API's organizations: list them (?search=), create one (with its first owner). */
import { UserIdSchema } from "@/lib/http/user_id.ts";
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { createOrganization, listOrganizations, Organization } from "@/db/organizations.ts";
import { validate } from "@/lib/http/body.ts";
import { asClient, bodyWithoutCredentials } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

/** Types only: SQL checks name, slug and metadata and says what is wrong. */
const NewOrganization = z.strictObject({
  name: z.string(),
  slug: z.string(),
  owner: UserIdSchema.optional().describe("The sub of the first owner."),
  metadata: z.record(z.string(), z.json()).optional(),
});
const Search = z.object({ search: z.string().max(200).optional() });

/** Organizations are the project's own data: its own client only. */
export const callers = clients("project");

export const handler: Handlers = {
  async GET(c) {
    const { search } = validate(Search, Object.fromEntries(new URL(c.req.url).searchParams));
    return c.json(await asClient(c, (tx) => listOrganizations(tx, search ?? null)), 200, NO_STORE);
  },
  async POST(c) {
    const body = validate(NewOrganization, await bodyWithoutCredentials(c));
    return c.json(await asClient(c, (tx) => createOrganization(tx, body)), 201, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  get: {
    tag: "Organizations",
    summary: "The project's organizations by name (?search= matches name or slug)",
    auth: "client",
    responses: {
      200: { description: "Organizations", schema: z.array(Organization) },
      401: COMMON_ERRORS[401],
    },
  },
  post: {
    tag: "Organizations",
    summary: "Create an organization, with `owner` (a sub) as its first owner",
    auth: "client",
    body: { schema: NewOrganization, media: ["json"] },
    responses: { 201: { description: "The organization", schema: Organization }, ...COMMON_ERRORS },
  },
};
