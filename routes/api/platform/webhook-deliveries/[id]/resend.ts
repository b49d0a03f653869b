import type { Handlers } from "@/lib/router/routes.ts";
import { resendWebhookDelivery } from "@/db/webhooks.ts";
import { AppError } from "@/lib/http/errors.ts";
import { asClient } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, ErrorResponse, type RouteDoc } from "@/lib/openapi.ts";

export const callers = clients("project");

/** Queues a failed delivery again, due now (its attempts carry on), as the dashboard's Resend does. */
export const handler: Handlers = {
  async POST(c) {
    const id = c.req.param("id") ?? "";
    if (!/^[1-9]\d{0,17}$/.test(id)) {
      throw new AppError("not_found", { description: "This project has no such webhook delivery." });
    }
    const delivery = await asClient(c, (tx, projectId) => resendWebhookDelivery(tx, projectId, id));
    return c.json(delivery, 200, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  post: {
    tag: "Webhooks",
    summary: "Resend a failed delivery",
    auth: "client",
    responses: {
      200: { description: "{id, status: pending, attempts}" },
      ...COMMON_ERRORS,
      409: { description: "conflict: not failed, or no enabled endpoint", schema: ErrorResponse },
    },
  },
};
