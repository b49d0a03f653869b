/** Typed wrappers around the webhook functions in `api` (db/api/webhooks.sql). */
import { z } from "zod";
import type { Sql, Tx } from "./client.ts";
import { asApp } from "./client.ts";
import { result } from "./result.ts";

export const EVENT_TYPES = [
  "user.created",
  "subscription.updated",
  "payment.succeeded",
  "payment.failed",
  "user.mfa_enrolled",
  "user.mfa_removed",
  "payment.refunded",
  "user.deleted",
  "organization.created",
  "organization.updated",
  "organization.deleted",
  "membership.created",
  "membership.updated",
  "membership.deleted",
  "user.passkey_added",
  "user.passkey_removed",
  "phone.budget_reached",
  "organization.renewal_due",
  "organization.plan_ended",
  "organization.plan_change",
  "subscription.renewal_due",
  "subscription.trial_will_end",
  "subscription.plan_change",
  "payment.refund_failed",
  "user.updated",
  "user.metadata_updated",
] as const;
export type EventType = typeof EVENT_TYPES[number];

/** The event api.send_test_webhook sends to one endpoint on request; no endpoint subscribes to it. */
export const TEST_EVENT_TYPE = "webhook.test";

/** What a delivery may carry: a type endpoints subscribe to, or a test event. */
const DeliveredEventType = z.enum([...EVENT_TYPES, TEST_EVENT_TYPE]);

/** What an endpoint receives: "*" is every type, including ones a later release adds; else the types listed. */
export const EndpointEventsSchema = z.union([z.literal("*"), z.array(z.enum(EVENT_TYPES))]);
export type EndpointEvents = z.infer<typeof EndpointEventsSchema>;

/** The events an endpoint receives, for people: "*" spelled out, or the types listed. */
export function describeEvents(events: EndpointEvents): string {
  return events === "*" ? "all events, including future ones" : events.join(", ");
}

export const WebhookEndpointSchema = z.object({
  id: z.string().describe("wep_…: how the API names the endpoint."),
  url: z.string(),
  events: EndpointEventsSchema,
  description: z.string().nullable().describe("What the endpoint is for (up to 200 characters), or null."),
  enabled: z.boolean(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type WebhookEndpoint = z.infer<typeof WebhookEndpointSchema>;

export const DeliveryStatusSchema = z.enum(["pending", "sending", "delivered", "failed"]);
export type DeliveryStatus = z.infer<typeof DeliveryStatusSchema>;

export const DeliverySchema = z.object({
  id: z.string(),
  event_id: z.string(),
  event_type: DeliveredEventType,
  endpoint_id: z.string().nullable().describe(
    "The endpoint it goes to; null once that endpoint was removed.",
  ),
  endpoint_url: z.string().nullable().describe(
    "Where it goes (its latest attempt's URL); kept after removal.",
  ),
  status: DeliveryStatusSchema,
  attempts: z.number().int(),
  last_status: z.number().int().nullable(),
  last_error: z.string().nullable(),
  last_attempt_at: z.string().nullable(),
  next_attempt_at: z.string().nullable(),
  delivered_at: z.string().nullable(),
  created_at: z.string(),
});
export type Delivery = z.infer<typeof DeliverySchema>;

/** What the worker sends: the event as the app receives it, where, and with which (sealed) secret. */
export const ClaimedDeliverySchema = z.object({
  delivery_id: z.string(),
  attempt: z.number().int(),
  endpoint_id: z.string(),
  url: z.string(),
  secret_sealed: z.string(),
  event: z.object({
    id: z.string(),
    type: DeliveredEventType,
    created_at: z.string(),
    project_id: z.string(),
    data: z.record(z.string(), z.unknown()),
  }),
});
export type ClaimedDelivery = z.infer<typeof ClaimedDeliverySchema>;

/**
 * Sets the endpoint; `secretSealed` null keeps an existing endpoint's secret. `events` left out: a new endpoint
 * receives every type ("*"), an existing one keeps what it receives.
 */
export function setWebhookEndpoint(
  tx: Tx,
  projectId: string,
  input: { url: string; secretSealed: Uint8Array | null; events?: EndpointEvents },
): Promise<WebhookEndpoint> {
  return result(
    tx`select api.set_webhook_endpoint(${projectId}, ${input.url}, ${input.secretSealed}::bytea,
      ${eventsArray(input.events)}::text[]) as result`,
    WebhookEndpointSchema,
  );
}

/**
 * What a caller asks an endpoint to receive, unchecked: "*" or type names, judged by api.set_webhook_endpoint
 * (an unknown type, "*" among types or an empty list is AS400 with fields.events).
 */
export type RequestedEvents = "*" | string[];

/** SQL's spelling of what an endpoint receives: {*}, the types, or null (api.set_webhook_endpoint). */
export function eventsArray(events: RequestedEvents | undefined): string[] | null {
  return events === "*" ? ["*"] : events ?? null;
}

/**
 * Creates the endpoint with `newSecretSealed`, or changes an existing one's url and events (its secret
 * stays); `internalReason` is the SSRF guard's verdict on the url, refused for production projects.
 */
export function putWebhookEndpoint(
  tx: Tx,
  projectId: string,
  input: {
    url: string;
    newSecretSealed: Uint8Array;
    events?: RequestedEvents;
    internalReason: string | null;
  },
): Promise<{ endpoint: WebhookEndpoint; created: boolean }> {
  return result(
    tx`select api.put_webhook_endpoint(${projectId}, ${input.url}, ${input.newSecretSealed}::bytea,
      ${eventsArray(input.events)}::text[], ${input.internalReason}::text) as result`,
    z.object({ endpoint: WebhookEndpointSchema, created: z.boolean() }),
  );
}

/** Changes any of url, events and enabled (left out: unchanged), all or nothing; not_found without one. */
export function changeWebhookEndpoint(
  tx: Tx,
  projectId: string,
  changes: { url?: string; events?: RequestedEvents; enabled?: boolean; internalReason: string | null },
): Promise<WebhookEndpoint> {
  return result(
    tx`select api.change_webhook_endpoint(${projectId}, ${changes.url ?? null}::text,
      ${eventsArray(changes.events)}::text[], ${changes.enabled ?? null}::boolean,
      ${changes.internalReason}::text) as result`,
    WebhookEndpointSchema,
  );
}

export function rotateWebhookSecret(
  tx: Tx,
  projectId: string,
  secretSealed: Uint8Array,
): Promise<WebhookEndpoint> {
  return result(
    tx`select api.rotate_webhook_secret(${projectId}, ${secretSealed}) as result`,
    WebhookEndpointSchema,
  );
}

export function getWebhookEndpoint(tx: Tx, projectId: string): Promise<WebhookEndpoint | null> {
  return result(
    tx`select api.get_webhook_endpoint(${projectId}) as result`,
    WebhookEndpointSchema.nullable(),
  );
}

/** Enables or pauses the endpoint; pausing marks waiting deliveries failed (they can be resent later). */
export function setWebhookEndpointEnabled(
  tx: Tx,
  projectId: string,
  enabled: boolean,
): Promise<WebhookEndpoint> {
  return result(
    tx`select api.set_webhook_endpoint_enabled(${projectId}, ${enabled}) as result`,
    WebhookEndpointSchema,
  );
}

export async function removeWebhookEndpoint(tx: Tx, projectId: string): Promise<void> {
  await tx`select api.remove_webhook_endpoint(${projectId})`;
}

export function listWebhookDeliveries(
  tx: Tx,
  projectId: string,
  options: { status?: DeliveryStatus; max?: number } = {},
): Promise<Delivery[]> {
  return result(
    tx`select api.list_webhook_deliveries(${projectId}, ${options.status ?? null}::text, ${
      options.max ?? 50
    }) as result`,
    z.array(DeliverySchema),
  );
}

/** Projects with deliveries due now, across the deployment (the worker acts for no project yet). */
export function projectsWithDueWebhooks(sql: Sql, max = 100): Promise<string[]> {
  return asApp(
    sql,
    null,
    (tx) => result(tx`select api.projects_with_due_webhooks(${max}) as result`, z.array(z.string())),
  );
}

/** Claims due deliveries of one project for a lease. */
export function claimWebhookDeliveries(
  sql: Sql,
  projectId: string,
  max: number,
  leaseSeconds: number,
): Promise<ClaimedDelivery[]> {
  return asApp(
    sql,
    projectId,
    (tx) =>
      result(
        tx`select api.claim_webhook_deliveries(${projectId}, ${max}, ${leaseSeconds}) as result`,
        z.array(ClaimedDeliverySchema),
      ),
  );
}

/** Records one attempt's outcome; null when the claim had already passed to another attempt. */
export function recordWebhookAttempt(
  sql: Sql,
  projectId: string,
  attempt: {
    deliveryId: string;
    attempt: number;
    httpStatus: number | null;
    error: string | null;
    retryIn: number | null;
  },
): Promise<DeliveryStatus | null> {
  return asApp(
    sql,
    projectId,
    (tx) =>
      result(
        tx`select api.record_webhook_attempt(${projectId}, ${attempt.deliveryId}::bigint, ${attempt.attempt},
          ${attempt.httpStatus}::integer, ${attempt.error}::text, ${attempt.retryIn}::integer) as result`,
        DeliveryStatusSchema.nullable(),
      ),
  );
}

export const DeliveryPageSchema = z.object({
  deliveries: z.array(DeliverySchema),
  older: z.string().nullable(),
});
export type DeliveryPage = z.infer<typeof DeliveryPageSchema>;

/**
 * One page of the delivery log (of one endpoint when `endpointId` is given; not_found when the project has no
 * such endpoint), newest first; `older` is the `before` of the next page (null: last page).
 */
export function webhookDeliveryPage(
  tx: Tx,
  projectId: string,
  options: { before?: string | null; max?: number; endpointId?: string | null } = {},
): Promise<DeliveryPage> {
  return result(
    tx`select api.webhook_delivery_page(${projectId}, ${options.before ?? null}::bigint, ${
      options.max ?? 25
    }, ${options.endpointId ?? null}::text) as result`,
    DeliveryPageSchema,
  );
}

/** Queues a failed delivery again, due now; conflict when it is not failed or there is no endpoint. */
export function resendWebhookDelivery(
  tx: Tx,
  projectId: string,
  deliveryId: string,
): Promise<{ id: string; status: DeliveryStatus; attempts: number }> {
  return result(
    tx`select api.resend_webhook_delivery(${projectId}, ${deliveryId}::bigint) as result`,
    z.object({ id: z.string(), status: DeliveryStatusSchema, attempts: z.number().int() }),
  );
}
