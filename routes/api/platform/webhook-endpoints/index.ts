/**
 * /api/platform/webhook-endpoints: the project's webhook endpoints (up to 16), each with its own URL, event
 * types, enabled switch and signing secret (docs/plans.md, "Events and app webhooks"). The secret is in the
 * answer that creates an endpoint only (and rotate-secret's), never in reads.
 */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { createWebhookEndpoint, listWebhookEndpoints } from "@/db/webhook_endpoints.ts";
import { WebhookEndpointSchema } from "@/db/webhooks.ts";
import { validate } from "@/lib/http/body.ts";
import { asClient, bodyWithoutCredentials } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import { NewWebhookEndpoint, WebhookEndpointWithSecret } from "@/lib/platform/webhook_endpoint_body.ts";
import { newSealedSecret, urlVerdict } from "@/lib/platform/webhook_endpoint_input.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, ErrorResponse, type RouteDoc } from "@/lib/openapi.ts";

/** Where a project's events go is its own business: the project's own client only. */
export const callers = clients("project");

const EndpointList = z.object({ data: z.array(WebhookEndpointSchema) });

export const handler: Handlers = {
  async GET(c) {
    const endpoints = await asClient(c, (tx, projectId) => listWebhookEndpoints(tx, projectId));
    return c.json({ data: endpoints }, 200, NO_STORE);
  },
  /** Adds an endpoint; 201 with its secret, shown this once. */
  async POST(c) {
    const body = validate(NewWebhookEndpoint, await bodyWithoutCredentials(c));
    const internalReason = await urlVerdict(c, body.url);
    const { secret, sealed } = await newSealedSecret(c);
    const endpoint = await asClient(c, (tx, projectId) =>
      createWebhookEndpoint(tx, projectId, {
        url: body.url,
        events: body.events,
        description: body.description,
        secretSealed: sealed,
        internalReason,
      }));
    return c.json({ ...endpoint, secret }, 201, NO_STORE);
  },
};

export const openapi: RouteDoc = {
  get: {
    tag: "Webhooks",
    summary: "The project's webhook endpoints, oldest first (never their secrets)",
    auth: "client",
    responses: {
      200: { description: "The endpoints", schema: EndpointList },
      401: COMMON_ERRORS[401],
    },
  },
  post: {
    tag: "Webhooks",
    summary: "Add a webhook endpoint; its signing secret is in this answer only",
    description:
      'events left out: the endpoint receives "*" (every type, including future ones). A project ' +
      "has at most 16 endpoints. A production project's URL must reach a public address.",
    auth: "client",
    body: { schema: NewWebhookEndpoint, media: ["json"] },
    responses: {
      201: { description: "Created, with secret", schema: WebhookEndpointWithSecret },
      ...COMMON_ERRORS,
      409: {
        description: "webhook_endpoint_limit: the project already has 16 endpoints",
        schema: ErrorResponse,
      },
      413: { description: "payload_too_large: the body is over 1 MiB", schema: ErrorResponse },
    },
  },
};
