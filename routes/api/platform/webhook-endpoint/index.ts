/**
 * /api/platform/webhook-endpoint (deprecated: use /api/platform/webhook-endpoints): the project's oldest
 * webhook endpoint, as when a project had only one (docs/plans.md, "Events and app webhooks"), through the
 * same SQL functions as the collection. The signing secret is in the answer that creates it only (and
 * rotate-secret's), never in reads.
 */
import type { Handlers } from "@/lib/router/routes.ts";
import {
  changeWebhookEndpoint,
  getWebhookEndpoint,
  putWebhookEndpoint,
  removeWebhookEndpoint,
  WebhookEndpointSchema,
} from "@/db/webhooks.ts";
import { validate } from "@/lib/http/body.ts";
import { AppError } from "@/lib/http/errors.ts";
import { asClient, bodyWithoutCredentials } from "@/lib/platform/caller.ts";
import { NO_STORE } from "@/lib/platform/params.ts";
import {
  WebhookEndpointBody,
  WebhookEndpointChanges,
  WebhookEndpointWithSecret,
} from "@/lib/platform/webhook_endpoint_body.ts";
import { newSealedSecret, urlVerdict } from "@/lib/platform/webhook_endpoint_input.ts";
import { clients } from "@/lib/router/callers.ts";
import { COMMON_ERRORS, ErrorResponse, type RouteDoc } from "@/lib/openapi.ts";

/** Where a project's events go is its own business: the project's own client only. */
export const callers = clients("project");

const NO_ENDPOINT = "This project has no webhook endpoint.";

export const handler: Handlers = {
  async GET(c) {
    const endpoint = await asClient(c, (tx, projectId) => getWebhookEndpoint(tx, projectId));
    if (!endpoint) throw new AppError("not_found", { description: NO_ENDPOINT });
    return c.json(endpoint, 200, NO_STORE);
  },
  /** Creates the endpoint (201, with its secret) or replaces its url and events (200, the secret stays). */
  async PUT(c) {
    const body = validate(WebhookEndpointBody, await bodyWithoutCredentials(c));
    const internalReason = await urlVerdict(c, body.url);
    const { secret, sealed } = await newSealedSecret(c);
    const { endpoint, created } = await asClient(c, (tx, projectId) =>
      putWebhookEndpoint(tx, projectId, {
        url: body.url,
        events: body.events,
        newSecretSealed: sealed,
        internalReason,
      }));
    return created ? c.json({ ...endpoint, secret }, 201, NO_STORE) : c.json(endpoint, 200, NO_STORE);
  },
  /** Changes any of url, events and enabled, all or nothing. */
  async PATCH(c) {
    const body = validate(WebhookEndpointChanges, await bodyWithoutCredentials(c));
    const internalReason = await urlVerdict(c, body.url);
    const endpoint = await asClient(
      c,
      (tx, projectId) => changeWebhookEndpoint(tx, projectId, { ...body, internalReason }),
    );
    return c.json(endpoint, 200, NO_STORE);
  },
  /** Stops sending: deliveries still waiting are marked failed; the delivery log stays. */
  async DELETE(c) {
    await asClient(c, (tx, projectId) => removeWebhookEndpoint(tx, projectId));
    return c.body(null, 204);
  },
};

const ENDPOINT_ERRORS = {
  ...COMMON_ERRORS,
  404: { description: "not_found: the project has no webhook endpoint", schema: ErrorResponse },
  413: { description: "payload_too_large: the body is over 1 MiB", schema: ErrorResponse },
};

export const openapi: RouteDoc = {
  get: {
    tag: "Webhooks",
    deprecated: true,
    summary: "Deprecated: the project's oldest webhook endpoint (never its secret)",
    auth: "client",
    responses: { 200: { description: "The endpoint", schema: WebhookEndpointSchema }, ...ENDPOINT_ERRORS },
  },
  put: {
    tag: "Webhooks",
    deprecated: true,
    summary:
      "Deprecated: create the first webhook endpoint (its secret is in this answer only) or replace the oldest's url and events",
    description: 'events left out: a new endpoint receives "*" (every type, including future ones), an ' +
      "existing one keeps what it receives. A production project's URL must reach a public address.",
    auth: "client",
    body: { schema: WebhookEndpointBody, media: ["json"] },
    responses: {
      201: { description: "Created, with secret", schema: WebhookEndpointWithSecret },
      200: { description: "Replaced; the secret is unchanged", schema: WebhookEndpointSchema },
      ...ENDPOINT_ERRORS,
    },
  },
  patch: {
    tag: "Webhooks",
    deprecated: true,
    summary: "Deprecated: change the oldest endpoint's url, events or enabled (false pauses it)",
    description:
      "Pausing marks deliveries still waiting failed; they can be resent once it is enabled again.",
    auth: "client",
    body: { schema: WebhookEndpointChanges, media: ["json"] },
    responses: { 200: { description: "The endpoint", schema: WebhookEndpointSchema }, ...ENDPOINT_ERRORS },
  },
  delete: {
    tag: "Webhooks",
    deprecated: true,
    summary: "Deprecated: remove the oldest webhook endpoint; its deliveries still waiting are marked failed",
    auth: "client",
    responses: { 204: { description: "Removed" }, ...ENDPOINT_ERRORS },
  },
};
