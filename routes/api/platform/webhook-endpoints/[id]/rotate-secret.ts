/** POST /api/platform/webhook-endpoints/{id}/rotate-secret: a new signing secret for one endpoint. */
import type { Handlers } from "@/lib/router/routes.ts";
import { rotateWebhookEndpointSecret } from "@/db/webhook_endpoints.ts";
import { asClient } from "@/lib/platform/caller.ts";
import { NO_STORE, webhookEndpointParam } from "@/lib/platform/params.ts";
import { WebhookEndpointWithSecret } from "@/lib/platform/webhook_endpoint_body.ts";
import { newSealedSecret } from "@/lib/platform/webhook_endpoint_input.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, ErrorResponse, type RouteDoc } from "@/lib/openapi.ts";

export const callers = clients("project");

/** The new secret is in this answer only; the endpoint's deliveries from now on (retries too) are signed with it. */
export const handler: Handlers = {
  async POST(c) {
    const id = webhookEndpointParam(c);
    const { secret, sealed } = await newSealedSecret(c);
    const endpoint = await asClient(
      c,
      (tx, projectId) => rotateWebhookEndpointSecret(tx, projectId, id, sealed),
    );
    return c.json({ ...endpoint, secret }, 200, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  post: {
    tag: "Webhooks",
    summary:
      "Rotate an endpoint's signing secret; the new one is in this answer only and the old one stops at once",
    auth: "client",
    responses: {
      200: { description: "The endpoint, with secret", schema: WebhookEndpointWithSecret },
      401: COMMON_ERRORS[401],
      404: {
        description: "not_found: the project has no webhook endpoint with this id",
        schema: ErrorResponse,
      },
    },
  },
};
