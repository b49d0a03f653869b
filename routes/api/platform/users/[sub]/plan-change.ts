/** The Platform API's plan changes: change a paying user's plan (upgrade now, or at the period end), withdraw it, history. */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { cancelPlanChange, listPlanChanges } from "@/db/plan_changes.ts";
import { validate } from "@/lib/http/body.ts";
import { checkoutResponse } from "@/lib/payments/checkout.ts";
import { requestPlanChange } from "@/lib/payments/plan_change.ts";
import { asClient, bodyWithoutCredentials, clientOf } from "@/lib/platform/caller.ts";
import { NO_STORE, subParam } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { BILLING_ANSWERS } from "@/lib/platform/billing_schemas.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

const ChangeRequest = z.strictObject({
  plan: z.string().regex(/^[a-z0-9_-]{1,64}$/),
  success_url: z.url().max(2000).optional(),
});

/** A plan change moves money and plans: the project's own client only. */
export const callers = clients("project");

/**
 * POST: an upgrade answers 201 with `checkout` (pay it at checkout_url; the plan switches when paid); a
 * downgrade or a yearly → monthly switch answers 201 with the change scheduled and no checkout. DELETE
 * withdraws the open change. GET lists the changes, newest first.
 */
export const handler: Handlers = {
  async GET(c) {
    const sub = subParam(c);
    const changes = await asClient(c, (tx, projectId) => listPlanChanges(tx, projectId, sub));
    return c.json({ changes }, 200, NO_STORE);
  },
  async POST(c) {
    const sub = subParam(c);
    const input = validate(ChangeRequest, await bodyWithoutCredentials(c));
    const deps = c.var.deps;
    const { change, checkout } = await requestPlanChange(
      deps,
      clientOf(c).projectId,
      sub,
      input.plan,
      input.success_url,
    );
    return c.json(
      {
        change,
        checkout: checkout ? checkoutResponse(deps.config.baseUrl, checkout) : null,
      },
      201,
      NO_STORE,
    );
  },
  async DELETE(c) {
    const sub = subParam(c);
    const change = await asClient(c, (tx, projectId) => cancelPlanChange(tx, projectId, sub));
    return c.json(change, 200, NO_STORE);
  },
};

const CONFLICT = {
  description: "conflict: no running paid subscription, the same plan, or a charge under way",
};

export const openapi: RouteDoc = {
  get: {
    tag: "Plans",
    summary: "A user's plan changes, newest first",
    auth: "client",
    responses: {
      200: { description: "{changes: […]}", schema: BILLING_ANSWERS.planChanges },
      401: COMMON_ERRORS[401],
      404: COMMON_ERRORS[404],
    },
  },
  post: {
    tag: "Plans",
    summary: "Change a paying user's plan (prorated upgrade now, or scheduled for the period end)",
    description:
      "An upgrade on the same interval charges the prorated difference; monthly → yearly charges the " +
      "year less the unused month; both switch when the returned checkout is paid. Cheaper plans and yearly → " +
      "monthly are scheduled for the period end.",
    auth: "client",
    body: { schema: ChangeRequest, media: ["json"] },
    responses: {
      201: { description: "{change, checkout}", schema: BILLING_ANSWERS.planChangeAnswer },
      ...COMMON_ERRORS,
      409: CONFLICT,
    },
  },
  delete: {
    tag: "Plans",
    summary: "Withdraw a user's open plan change",
    auth: "client",
    responses: {
      200: { description: "The canceled change", schema: BILLING_ANSWERS.planChange },
      ...COMMON_ERRORS,
      409: CONFLICT,
    },
  },
};
