import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { Ctx } from "@/lib/app_env.ts";
import { getPlan, updatePlan } from "@/db/plans.ts";
import { validate } from "@/lib/http/body.ts";
import { AppError } from "@/lib/http/errors.ts";
import { asClient, bodyWithoutCredentials } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { PlanFields } from "./index.ts";
import { BILLING_ANSWERS } from "@/lib/platform/billing_schemas.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

const PlanChanges = z.strictObject({ ...PlanFields, name: PlanFields.name.optional() });

function keyParam(c: Ctx): string {
  const key = c.req.param("key") ?? "";
  if (!/^[a-z0-9_-]{1,64}$/.test(key)) throw new AppError("not_found");
  return key;
}

export const callers = clients("project");

/** GET one plan; PATCH some of its fields (`archived: true` archives it; its subscribers keep it). */
export const handler: Handlers = {
  async GET(c) {
    const key = keyParam(c);
    return c.json(await asClient(c, (tx, projectId) => getPlan(tx, projectId, key)), 200, NO_STORE);
  },
  async PATCH(c) {
    const key = keyParam(c);
    const changes = validate(PlanChanges, await bodyWithoutCredentials(c));
    const plan = await asClient(c, (tx, projectId) => updatePlan(tx, projectId, key, changes));
    return c.json(plan, 200, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  get: {
    tag: "Plans",
    summary: "One plan",
    auth: "client",
    responses: {
      200: { description: "The plan", schema: BILLING_ANSWERS.plan },
      401: COMMON_ERRORS[401],
      404: COMMON_ERRORS[404],
    },
  },
  patch: {
    tag: "Plans",
    summary: "Change or archive a plan",
    description: "`archived: true` archives it; its subscribers keep it.",
    auth: "client",
    body: { schema: PlanChanges, media: ["json"] },
    responses: { 200: { description: "The plan", schema: BILLING_ANSWERS.plan }, ...COMMON_ERRORS },
  },
};
