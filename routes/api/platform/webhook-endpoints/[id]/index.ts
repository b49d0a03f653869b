/** /api/platform/webhook-endpoints/{id}: one of the project's webhook endpoints — read, change, remove. */
import type { Handlers } from "@/lib/router/routes.ts";
import { deleteWebhookEndpoint, readWebhookEndpoint, updateWebhookEndpoint } from "@/db/webhook_endpoints.ts";
import { WebhookEndpointSchema } from "@/db/webhooks.ts";
import { validate } from "@/lib/http/body.ts";
import { asClient, bodyWithoutCredentials } from "@/lib/platform/caller.ts";
import { NO_STORE, webhookEndpointParam } from "@/lib/platform/params.ts";
import { WebhookEndpointPatch } from "@/lib/platform/webhook_endpoint_body.ts";
import { urlVerdict } from "@/lib/platform/webhook_endpoint_input.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, ErrorResponse, type RouteDoc } from "@/lib/openapi.ts";

export const callers = clients("project");

export const handler: Handlers = {
  async GET(c) {
    const id = webhookEndpointParam(c);
    const endpoint = await asClient(c, (tx, projectId) => readWebhookEndpoint(tx, projectId, id));
    return c.json(endpoint, 200, NO_STORE);
  },
  /** Changes any of url, events, description and enabled, all or nothing. */
  async PATCH(c) {
    const id = webhookEndpointParam(c);
    const body = validate(WebhookEndpointPatch, await bodyWithoutCredentials(c));
    const internalReason = await urlVerdict(c, body.url);
    const endpoint = await asClient(
      c,
      (tx, projectId) => updateWebhookEndpoint(tx, projectId, id, { ...body, internalReason }),
    );
    return c.json(endpoint, 200, NO_STORE);
  },
  /** Stops sending to it: its deliveries still waiting are marked failed; the delivery log stays. */
  async DELETE(c) {
    const id = webhookEndpointParam(c);
    await asClient(c, (tx, projectId) => deleteWebhookEndpoint(tx, projectId, id));
    return c.body(null, 204);
  },
};

const ENDPOINT_ERRORS = {
  ...COMMON_ERRORS,
  404: { description: "not_found: the project has no webhook endpoint with this id", schema: ErrorResponse },
};

export const openapi: RouteDoc = {
  get: {
    tag: "Webhooks",
    summary: "One webhook endpoint (never its secret)",
    auth: "client",
    responses: { 200: { description: "The endpoint", schema: WebhookEndpointSchema }, ...ENDPOINT_ERRORS },
  },
  patch: {
    tag: "Webhooks",
    summary: "Change an endpoint's url, events, description or enabled (false pauses it)",
    description:
      "Pausing marks its deliveries still waiting failed; they can be resent once it is enabled again.",
    auth: "client",
    body: { schema: WebhookEndpointPatch, media: ["json"] },
    responses: {
      200: { description: "The endpoint", schema: WebhookEndpointSchema },
      ...ENDPOINT_ERRORS,
      413: { description: "payload_too_large: the body is over 1 MiB", schema: ErrorResponse },
    },
  },
  delete: {
    tag: "Webhooks",
    summary: "Remove an endpoint; its deliveries still waiting are marked failed and its log stays",
    auth: "client",
    responses: { 204: { description: "Removed" }, ...ENDPOINT_ERRORS },
  },
};
