import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { createPlan, IntervalSchema, listPlans } from "@/db/plans.ts";
import { validate } from "@/lib/http/body.ts";
import { asClient, bodyWithoutCredentials } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { BILLING_ANSWERS } from "@/lib/platform/billing_schemas.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

/** Types only: the database checks the values (key format, price range, claim names) and names the field. */
export const PlanFields = {
  name: z.string(),
  description: z.string().optional(),
  price_idr: z.number().int().optional(),
  interval: IntervalSchema.optional(),
  trial_days: z.number().int().optional(),
  claims: z.record(z.string(), z.json()).optional(),
  default: z.literal(true).optional(),
  sort_order: z.number().int().optional(),
  archived: z.boolean().optional(),
};
const NewPlan = z.strictObject({ key: z.string(), ...PlanFields });
const Query = z.object({ include_archived: z.enum(["true", "false"]).optional() });

export const callers = clients("project");

/** GET lists the project's plans (archived ones with ?include_archived=true); POST creates one (201). */
export const handler: Handlers = {
  async GET(c) {
    const query = validate(Query, { include_archived: c.req.query("include_archived") });
    const all = query.include_archived === "true";
    const plans = await asClient(c, (tx, projectId) => listPlans(tx, projectId, all));
    return c.json({ plans }, 200, NO_STORE);
  },
  async POST(c) {
    const plan = validate(NewPlan, await bodyWithoutCredentials(c));
    const created = await asClient(c, (tx, projectId) => createPlan(tx, projectId, plan));
    return c.json(created, 201, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  get: {
    tag: "Plans",
    summary: "List the project's plans",
    auth: "client",
    query: Query,
    responses: { 200: { description: "Plans", schema: BILLING_ANSWERS.plans }, 401: COMMON_ERRORS[401] },
  },
  post: {
    tag: "Plans",
    summary: "Create a plan",
    auth: "client",
    body: { schema: NewPlan, media: ["json"] },
    responses: { 201: { description: "The plan", schema: BILLING_ANSWERS.plan }, ...COMMON_ERRORS },
  },
};
