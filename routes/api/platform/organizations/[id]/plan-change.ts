/**
 * The Platform API's change of an organization's team plan from its next period: schedule it (POST), withdraw
 * it (DELETE), list the organization's changes (GET). `user` names the owner or admin asking (checked); without
 * it, the app asks. The renewal pass renews into the scheduled plan (docs/organizations.md).
 */
import { UserIdSchema } from "@/lib/http/user_id.ts";
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import {
  cancelOrganizationPlanChange,
  changeOrganizationPlan,
  listOrganizationPlanChanges,
  OrganizationPlanChange,
} from "@/db/organization_plan_changes.ts";
import { validate } from "@/lib/http/body.ts";
import { asClient, bodyWithoutCredentials } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { organizationParam } from "@/lib/organizations/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

const SUB = UserIdSchema.describe("The owner or admin asking; omitted: the app itself.");
const Change = z.strictObject({
  plan: z.string().regex(/^[a-z0-9_-]{1,64}$/),
  seats: z.number().int().min(1).max(100_000).optional()
    .describe(
      "A per-seat plan's seats (default: the seats the next period would have had); a flat plan has its own.",
    ),
  user: SUB.optional(),
});
const Withdraw = z.strictObject({ user: SUB.optional() });

/** Changing what an organization pays is the project's own decision: its own client only. */
export const callers = clients("project");

export const handler: Handlers = {
  async GET(c) {
    const id = organizationParam(c);
    const changes = await asClient(c, (tx, projectId) => listOrganizationPlanChanges(tx, projectId, id));
    return c.json({ changes }, 200, NO_STORE);
  },
  async POST(c) {
    const id = organizationParam(c);
    const input = validate(Change, await bodyWithoutCredentials(c));
    const change = await asClient(
      c,
      (tx, projectId) =>
        changeOrganizationPlan(tx, projectId, id, input.user ?? null, input.plan, input.seats ?? null),
    );
    return c.json(change, 201, NO_STORE);
  },
  async DELETE(c) {
    const id = organizationParam(c);
    const { user } = validate(Withdraw, { user: c.req.query("user") });
    return c.json(
      await asClient(c, (tx, projectId) => cancelOrganizationPlanChange(tx, projectId, id, user ?? null)),
      200,
      NO_STORE,
    );
  },
};

const CONFLICT = {
  description:
    "conflict: no running paid plan (or a canceled one), the same plan, fewer seats than members " +
    "(`fields.seats`), or nothing scheduled to withdraw",
};

export const openapi: RouteDoc = {
  get: {
    tag: "Organizations",
    summary: "An organization's plan changes, newest first",
    auth: "client",
    responses: {
      200: { description: "{changes: […]}", schema: z.object({ changes: z.array(OrganizationPlanChange) }) },
      401: COMMON_ERRORS[401],
      404: COMMON_ERRORS[404],
    },
  },
  post: {
    tag: "Organizations",
    summary: "Change an organization's team plan from its next period",
    description:
      "Scheduled for the end of `plan_paid_through`: the renewal pass opens that period's checkout " +
      "for the new plan and seats, and paying it applies the change. Asking again answers the open change; " +
      "another replaces it. Webhook `organization.plan_change`.",
    auth: "client",
    body: { schema: Change, media: ["json"] },
    responses: {
      201: { description: "The scheduled change", schema: OrganizationPlanChange },
      ...COMMON_ERRORS,
      409: CONFLICT,
    },
  },
  delete: {
    tag: "Organizations",
    summary: "Withdraw an organization's scheduled plan change (`?user=` an owner or admin, else the app)",
    auth: "client",
    query: Withdraw,
    responses: {
      200: { description: "The withdrawn change", schema: OrganizationPlanChange },
      ...COMMON_ERRORS,
      409: CONFLICT,
    },
  },
};
