/** POST /api/platform/webhook-endpoints/{id}/test: send one webhook.test event to this endpoint only. */
import type { Handlers } from "@/lib/router/routes.ts";
import { sendTestWebhook } from "@/db/webhook_endpoints.ts";
import { DeliverySchema } from "@/db/webhooks.ts";
import { asClient } from "@/lib/platform/caller.ts";
import { NO_STORE, webhookEndpointParam } from "@/lib/platform/params.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, ErrorResponse, type RouteDoc } from "@/lib/openapi.ts";

export const callers = clients("project");

/** 202: queued, not sent; the delivery log (and the answer's id) shows how it went. */
export const handler: Handlers = {
  async POST(c) {
    const id = webhookEndpointParam(c);
    const delivery = await asClient(c, (tx, projectId) => sendTestWebhook(tx, projectId, id));
    return c.json(delivery, 202, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  post: {
    tag: "Webhooks",
    summary: "Send a webhook.test event to this endpoint only, to check the receiver",
    description:
      "Queues one delivery of a webhook.test event (data: test true, endpoint_id, project_id, sent_at) to this " +
      "endpoint, even when it is paused or does not list the type; no other endpoint receives it. It is signed " +
      "and logged like any delivery. At most five a minute per endpoint.",
    auth: "client",
    responses: {
      202: { description: "Queued: the delivery (status pending)", schema: DeliverySchema },
      ...COMMON_ERRORS,
      404: {
        description: "not_found: the project has no webhook endpoint with this id",
        schema: ErrorResponse,
      },
      429: {
        description: "rate_limited: five test events a minute per endpoint; see Retry-After",
        schema: ErrorResponse,
      },
    },
  },
};
