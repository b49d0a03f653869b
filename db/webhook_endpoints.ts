/**
 * Typed wrappers around the webhook endpoint collection in `api` (db/api/webhooks.sql): a project's several
 * endpoints, each named by its public id (wep_…). The singular wrappers in db/webhooks.ts manage the oldest.
 */
import { z } from "zod";
import type { Tx } from "./client.ts";
import { result } from "./result.ts";
import {
  type Delivery,
  DeliverySchema,
  eventsArray,
  type RequestedEvents,
  WebhookEndpointSchema,
} from "./webhooks.ts";
import type { WebhookEndpoint } from "./webhooks.ts";

/** Most endpoints a project may have (astapa.save_webhook_endpoint refuses the next with AS4W6). */
export const MAX_WEBHOOK_ENDPOINTS = 16;

export function listWebhookEndpoints(tx: Tx, projectId: string): Promise<WebhookEndpoint[]> {
  return result(
    tx`select api.list_webhook_endpoints(${projectId}) as result`,
    z.array(WebhookEndpointSchema),
  );
}

/** One endpoint by id; not_found when the project has none such. */
export function readWebhookEndpoint(tx: Tx, projectId: string, endpointId: string): Promise<WebhookEndpoint> {
  return result(
    tx`select api.read_webhook_endpoint(${projectId}, ${endpointId}) as result`,
    WebhookEndpointSchema,
  );
}

/**
 * Adds an endpoint with its sealed secret; events left out: every type, including future ones.
 * `internalReason` is the SSRF guard's verdict on the url, refused for production projects.
 */
export function createWebhookEndpoint(
  tx: Tx,
  projectId: string,
  input: {
    url: string;
    secretSealed: Uint8Array;
    events?: RequestedEvents;
    description?: string | null;
    internalReason: string | null;
  },
): Promise<WebhookEndpoint> {
  return result(
    tx`select api.create_webhook_endpoint(${projectId}, ${input.url}, ${input.secretSealed}::bytea,
      ${eventsArray(input.events)}::text[], ${input.internalReason}::text,
      ${input.description ?? null}::text) as result`,
    WebhookEndpointSchema,
  );
}

/**
 * Changes any of an endpoint's url, events, description and enabled (left out: unchanged), all or nothing;
 * a null or blank description removes it.
 */
export function updateWebhookEndpoint(
  tx: Tx,
  projectId: string,
  endpointId: string,
  changes: {
    url?: string;
    events?: RequestedEvents;
    description?: string | null;
    enabled?: boolean;
    internalReason: string | null;
  },
): Promise<WebhookEndpoint> {
  // SQL reads null as "unchanged" and blank as "none".
  const description = changes.description === undefined ? null : changes.description ?? "";
  return result(
    tx`select api.update_webhook_endpoint(${projectId}, ${endpointId}, ${changes.url ?? null}::text,
      ${eventsArray(changes.events)}::text[], ${changes.enabled ?? null}::boolean,
      ${changes.internalReason}::text, ${description}::text) as result`,
    WebhookEndpointSchema,
  );
}

/** A new sealed signing secret for one endpoint; its deliveries from now on are signed with it. */
export function rotateWebhookEndpointSecret(
  tx: Tx,
  projectId: string,
  endpointId: string,
  secretSealed: Uint8Array,
): Promise<WebhookEndpoint> {
  return result(
    tx`select api.rotate_webhook_endpoint_secret(${projectId}, ${endpointId}, ${secretSealed}::bytea) as result`,
    WebhookEndpointSchema,
  );
}

/** Removes an endpoint: its waiting deliveries are marked failed; its delivery log stays. */
export async function deleteWebhookEndpoint(tx: Tx, projectId: string, endpointId: string): Promise<void> {
  await tx`select api.delete_webhook_endpoint(${projectId}, ${endpointId})`;
}

/**
 * Queues one webhook.test event to this endpoint only (paused or not); the delivery, pending. not_found for
 * no such endpoint; rate_limited past five a minute per endpoint.
 */
export function sendTestWebhook(tx: Tx, projectId: string, endpointId: string): Promise<Delivery> {
  return result(tx`select api.send_test_webhook(${projectId}, ${endpointId}) as result`, DeliverySchema);
}
