/** The Platform API's subscription metrics: MRR and churn by month, the numbers the dashboard charts. */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { mrrByMonth } from "@/db/billing_metrics.ts";
import { validate } from "@/lib/http/body.ts";
import { asClient } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { BILLING_ANSWERS } from "@/lib/platform/billing_schemas.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

const Query = z.object({
  months: z.coerce.number().int().min(1).max(36).optional().describe(
    "How many UTC months, ending with this one (12).",
  ),
});

/** A project's revenue is its owner's business: the project's own client only. */
export const callers = clients("project");

/** GET answers api.mrr_by_month for the project's current mode, oldest month first. */
export const handler: Handlers = {
  async GET(c) {
    const query = validate(Query, { months: c.req.query("months") });
    const months = await asClient(c, (tx, projectId) => mrrByMonth(tx, projectId, query.months ?? 12));
    return c.json({ months }, 200, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  get: {
    tag: "Payments",
    summary: "MRR and churn by month (IDR)",
    description:
      "`{months: [{month: YYYY-MM, mrr_idr, paying, new, churned, paying_at_start}]}`, oldest first: paid " +
      "subscriptions whose paid period covers the month's end (this month: now), each worth its plan's " +
      "monthly price (yearly / 12). Sandbox or live, as the project's current mode.",
    auth: "client",
    query: Query,
    responses: {
      200: { description: "{months: […]}", schema: BILLING_ANSWERS.mrr },
      400: COMMON_ERRORS[400],
      401: COMMON_ERRORS[401],
    },
  },
};
