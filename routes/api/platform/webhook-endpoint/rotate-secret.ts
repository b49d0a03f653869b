import type { Handlers } from "@/lib/router/routes.ts";
import { rotateWebhookSecret } from "@/db/webhooks.ts";
import { asClient } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { WebhookEndpointWithSecret } from "@/lib/platform/webhook_endpoint_body.ts";
import { newSealedSecret } from "@/lib/platform/webhook_endpoint_input.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, ErrorResponse, type RouteDoc } from "@/lib/openapi.ts";

export const callers = clients("project");

/** A new signing secret, shown in this answer only; deliveries from now on (retries too) are signed with it. */
export const handler: Handlers = {
  async POST(c) {
    const { secret, sealed } = await newSealedSecret(c);
    const endpoint = await asClient(c, (tx, projectId) => rotateWebhookSecret(tx, projectId, sealed));
    return c.json({ ...endpoint, secret }, 200, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  post: {
    tag: "Webhooks",
    deprecated: true,
    summary:
      "Deprecated: rotate the oldest endpoint's signing secret; the new one is in this answer only and the old one stops at once",
    auth: "client",
    responses: {
      200: { description: "The endpoint, with secret", schema: WebhookEndpointWithSecret },
      401: COMMON_ERRORS[401],
      404: {
        description: "not_found: the project has no webhook endpoint",
        schema: ErrorResponse,
      },
    },
  },
};
