/**
 * The Platform API's cancel of an organization's team plan at the end of its paid period (POST) and its undo
 * while the period runs (DELETE). `user` names the owner or admin asking (checked); without it, the app asks.
 */
import { UserIdSchema } from "@/lib/http/user_id.ts";
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { cancelOrganizationPlan, resumeOrganizationPlan } from "@/db/organization_renewals.ts";
import { validate } from "@/lib/http/body.ts";
import { asClient, bodyWithoutCredentials } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { organizationParam } from "@/lib/organizations/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

const SUB = UserIdSchema.describe(
  "The owner or admin asking; omitted: the app itself.",
);
const Cancel = z.strictObject({ user: SUB.optional() });
const Resume = z.strictObject({ user: SUB.optional() });

/** Ending an organization's paid plan is the project's own decision: its own client only. */
export const callers = clients("project");

export const handler: Handlers = {
  async POST(c) {
    const id = organizationParam(c);
    const { user } = validate(Cancel, await bodyWithoutCredentials(c));
    return c.json(
      await asClient(c, (tx, projectId) => cancelOrganizationPlan(tx, projectId, id, user ?? null)),
      200,
      NO_STORE,
    );
  },
  async DELETE(c) {
    const id = organizationParam(c);
    const { user } = validate(Resume, { user: c.req.query("user") });
    return c.json(
      await asClient(c, (tx, projectId) => resumeOrganizationPlan(tx, projectId, id, user ?? null)),
      200,
      NO_STORE,
    );
  },
};

export const openapi: RouteDoc = {
  post: {
    tag: "Organizations",
    summary: "Cancel an organization's team plan at the end of its paid period (no renewal, then it ends)",
    description: "Answers the organization with `plan_canceled_at`. 409 without a running paid team plan.",
    auth: "client",
    body: { schema: Cancel, media: ["json"] },
    responses: { 200: { description: "The organization" }, ...COMMON_ERRORS },
  },
  delete: {
    tag: "Organizations",
    summary: "Undo the cancel while the paid period runs (`?user=` an owner or admin, else the app)",
    auth: "client",
    query: Resume,
    responses: { 200: { description: "The organization" }, ...COMMON_ERRORS },
  },
};
