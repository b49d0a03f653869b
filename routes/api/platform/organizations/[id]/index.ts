/** The Platform API's organization (by id or slug): read it with its domains, change it, delete it. */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import {
  deleteOrganization,
  getOrganization,
  Organization,
  OrganizationDetail,
  updateOrganization,
} from "@/db/organizations.ts";
import { validate } from "@/lib/http/body.ts";
import { AppError } from "@/lib/http/errors.ts";
import { asClient, bodyWithoutCredentials } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { organizationParam } from "@/lib/organizations/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

const OrganizationPatch = z.strictObject({
  name: z.string().optional(),
  slug: z.string().optional(),
  metadata: z.record(z.string(), z.json()).optional(),
  /** A team plan the app sells itself (paid team plans set it at checkout); null takes it away. */
  plan: z.string().nullable().optional(),
  seat_limit: z.number().int().nullable().optional(),
});

export const callers = clients("project");

export const handler: Handlers = {
  async GET(c) {
    const id = organizationParam(c);
    const organization = await asClient(c, (tx) => getOrganization(tx, id));
    if (!organization) throw new AppError("not_found");
    return c.json(organization, 200, NO_STORE);
  },
  async PATCH(c) {
    const id = organizationParam(c);
    const patch = validate(OrganizationPatch, await bodyWithoutCredentials(c));
    return c.json(await asClient(c, (tx) => updateOrganization(tx, id, patch)), 200, NO_STORE);
  },
  async DELETE(c) {
    const id = organizationParam(c);
    await asClient(c, (tx) => deleteOrganization(tx, id));
    return c.body(null, 204);
  },
};

export const openapi: RouteDoc = {
  get: {
    tag: "Organizations",
    summary: "One organization (by id or slug) with its domains",
    description:
      "`open_change`: the team plan change scheduled for its next period (as `POST …/plan-change` " +
      "answered it: `to_plan`, `seats`, `effective_at`), or null; every change is at `GET …/plan-change`.",
    auth: "client",
    responses: {
      200: { description: "The organization", schema: OrganizationDetail },
      401: COMMON_ERRORS[401],
      404: COMMON_ERRORS[404],
    },
  },
  patch: {
    tag: "Organizations",
    summary: "Change an organization's name, slug, metadata, team plan or seat limit",
    auth: "client",
    body: { schema: OrganizationPatch, media: ["json"] },
    responses: { 200: { description: "The organization", schema: Organization }, ...COMMON_ERRORS },
  },
  delete: {
    tag: "Organizations",
    summary: "Delete an organization with its memberships, invitations and domains (tokens lose its claims)",
    auth: "client",
    responses: { 204: { description: "Deleted" }, 401: COMMON_ERRORS[401], 404: COMMON_ERRORS[404] },
  },
};
