/** The Platform API's resume: undoes a cancel while the paid period still runs, so renewals go on. */
import type { Handlers } from "@/lib/router/routes.ts";
import { resumeSubscription } from "@/db/billing.ts";
import { asClient } from "@/lib/platform/caller.ts";
import { NO_STORE, subParam } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { BILLING_ANSWERS } from "@/lib/platform/billing_schemas.ts";
import { COMMON_ERRORS, ErrorResponse, type RouteDoc } from "@/lib/openapi.ts";

/** Resuming means the user will be charged again: the project's own client only. */
export const callers = clients("project");

/** POST resumes (api.resume_subscription): 200 with the subscription, active again (past_due once unpaid). */
export const handler: Handlers = {
  async POST(c) {
    const sub = subParam(c);
    const resumed = await asClient(c, (tx, projectId) => resumeSubscription(tx, projectId, sub));
    return c.json(resumed, 200, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  post: {
    tag: "Plans",
    summary: "Resume a canceled plan while its paid period still runs",
    auth: "client",
    responses: {
      200: { description: "The subscription (status active)", schema: BILLING_ANSWERS.subscription },
      ...COMMON_ERRORS,
      409: { description: "conflict: nothing canceled and still running", schema: ErrorResponse },
    },
  },
};
