import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { DeliveryPageSchema, webhookDeliveryPage } from "@/db/webhooks.ts";
import { validate } from "@/lib/http/body.ts";
import { asClient } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, ErrorResponse, type RouteDoc } from "@/lib/openapi.ts";

const Query = z.object({
  before: z.string().regex(/^[1-9]\d{0,17}$/, "A delivery id (the older of the previous page).").optional()
    .describe("The previous page's older: deliveries older than this id."),
  limit: z.coerce.number().int().min(1).max(200).optional().describe("Deliveries a page, 1 to 200 (25)."),
  endpoint_id: z.string().regex(/^wep_[a-z2-7]{24}$/, "A webhook endpoint id (wep_…).").optional()
    .describe("Only the deliveries to this endpoint."),
});

export const callers = clients("project");

/** The delivery log, newest first, a page at a time, as the dashboard pages it. */
export const handler: Handlers = {
  async GET(c) {
    const query = validate(Query, c.req.query());
    const page = await asClient(
      c,
      (tx, projectId) =>
        webhookDeliveryPage(tx, projectId, {
          before: query.before,
          max: query.limit,
          endpointId: query.endpoint_id,
        }),
    );
    return c.json(page, 200, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  get: {
    tag: "Webhooks",
    summary:
      "The webhook delivery log (all endpoints' or one's), newest first; older is the before of the next page (null: last page)",
    auth: "client",
    query: Query,
    responses: {
      200: { description: "A page", schema: DeliveryPageSchema },
      ...COMMON_ERRORS,
      404: {
        description: "not_found: the project has no webhook endpoint endpoint_id",
        schema: ErrorResponse,
      },
    },
  },
};
