/** The Platform API's revenue by payment method: the numbers of the dashboard's revenue chart. */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { revenueByMethod } from "@/db/dashboard_payments.ts";
import { StoredMethodSchema } from "@/db/payments.ts";
import { validate } from "@/lib/http/body.ts";
import { asClient } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { BILLING_ANSWERS } from "@/lib/platform/billing_schemas.ts";
import { COMMON_ERRORS, type RouteDoc } from "@/lib/openapi.ts";

const Query = z.object({
  days: z.coerce.number().int().min(1).max(366).optional().describe("How many UTC days, ending today (30)."),
});

/** A project's revenue is its owner's business: the project's own client only. */
export const callers = clients("project");

/** GET answers api.revenue_by_method for the project's current mode. */
export const handler: Handlers = {
  async GET(c) {
    const query = validate(Query, { days: c.req.query("days") });
    const methods = await asClient(c, (tx, projectId) => revenueByMethod(tx, projectId, query.days ?? 30));
    return c.json({ methods }, 200, NO_STORE);
  },
};

const METHODS = StoredMethodSchema.options.join(", ");

export const openapi: RouteDoc = {
  get: {
    tag: "Payments",
    summary: "Paid revenue by payment method (IDR)",
    description:
      `\`{methods: [{method, amount, payments}]}\` for every method (${METHODS}): payments made in ` +
      "the last `days` UTC days, before refunds. Sandbox or live, as the project's current mode.",
    auth: "client",
    query: Query,
    responses: {
      200: { description: "{methods: […]}", schema: BILLING_ANSWERS.revenue },
      400: COMMON_ERRORS[400],
      401: COMMON_ERRORS[401],
    },
  },
};
