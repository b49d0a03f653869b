/**
 * Request and response shapes of the webhook endpoint API (routes/api/platform/webhook-endpoint/). The event
 * types are judged by SQL (api.set_webhook_endpoint), so the API, the dashboard and the CLI refuse an unknown
 * type, "*" among types or an empty list with the same words; here only the shape and size are checked.
 */
import { z } from "zod";
import { EVENT_TYPES, WebhookEndpointSchema } from "@/db/webhooks.ts";

const Url = z.string().min(1).max(4000).describe(
  "Where events are POSTed: an absolute https URL (http only on localhost in sandbox projects); a " +
    "production project's URL must reach a public address.",
);

const Events = z.union([z.literal("*"), z.array(z.string().max(100)).max(100)], {
  error: 'events is "*" (every type, including future ones) or a list of event types.',
}).describe(
  `"*" for every event type, including ones added later, or one or more of: ${EVENT_TYPES.join(", ")}.`,
);

/** PUT (the deprecated singular route): the whole endpoint; events left out: "*" for a new one, else kept. */
export const WebhookEndpointBody = z.strictObject({ url: Url, events: Events.optional() });

/** PATCH (singular route): any of url, events and enabled (false pauses deliveries; waiting ones fail). */
export const WebhookEndpointChanges = z.strictObject({
  url: Url.optional(),
  events: Events.optional(),
  enabled: z.boolean().optional(),
}).refine((body) => Object.keys(body).length > 0, {
  message: "Send at least one of url, events and enabled.",
});

/** Judged by SQL (at most 200 characters once trimmed); "" or null on PATCH removes it. */
const Description = z.string().max(1000).nullable().describe(
  'What the endpoint is for, up to 200 characters (shown with it in the dashboard); null or "" for none.',
);

/** POST /webhook-endpoints: a new endpoint, optionally described; events left out: "*". */
export const NewWebhookEndpoint = WebhookEndpointBody.extend({ description: Description.optional() });

/** PATCH /webhook-endpoints/{id}: any of url, events, description and enabled. */
export const WebhookEndpointPatch = z.strictObject({
  url: Url.optional(),
  events: Events.optional(),
  description: Description.optional(),
  enabled: z.boolean().optional(),
}).refine((body) => Object.keys(body).length > 0, {
  message: "Send at least one of url, events, description and enabled.",
});

/** A new or rotated signing secret: in this one answer, never in reads. */
export const WebhookEndpointWithSecret = WebhookEndpointSchema.extend({
  secret: z.string().describe("whsec_…: verify deliveries with it (Standard Webhooks). Shown this once."),
});
