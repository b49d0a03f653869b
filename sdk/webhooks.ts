/**
 * The SDK's webhook helpers (`astapa.webhooks`): the project's webhook endpoints (`endpoints`, up to 16) and
 * their delivery log, through the Platform API (docs/plans.md, "Events and app webhooks"). The signing secret
 * is in the answer that creates an endpoint and in rotateSecret's, never in reads: store it when you get it.
 * get/set/update/rotateSecret/remove directly on `webhooks` manage the oldest endpoint (deprecated).
 */
import { AstapaError } from "./errors.ts";

type Json = <T>(path: string, method?: string, body?: unknown) => Promise<T>;
type Call = (path: string, init: RequestInit) => Promise<Response>;

/** The event types Astapa sends (tests/sdk/sdk_test.ts holds this list equal to the server's). */
export const WEBHOOK_EVENT_TYPES = [
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
export type WebhookEventType = typeof WEBHOOK_EVENT_TYPES[number];

/** "*": every type, including ones a later release adds; otherwise only the types listed (at least one). */
export type WebhookEvents = "*" | WebhookEventType[];

export type WebhookEndpoint = {
  /** wep_…: how the API names the endpoint. */
  id: string;
  url: string;
  events: WebhookEvents;
  /** What the endpoint is for (up to 200 characters), or null. */
  description: string | null;
  /** false: paused, nothing is sent (waiting deliveries were marked failed when it was paused). */
  enabled: boolean;
  created_at: string;
  updated_at: string;
};

/** The endpoint with its signing secret (`whsec_…`, Standard Webhooks): in this one answer only. */
export type WebhookEndpointWithSecret = WebhookEndpoint & { secret: string };

export type WebhookDelivery = {
  id: string;
  event_id: string;
  /** webhook.test: a test event sent on request (`endpoints.sendTest`), never to other endpoints. */
  event_type: WebhookEventType | "webhook.test";
  /** The endpoint it goes to; null once that endpoint was removed (endpoint_url still says where it went). */
  endpoint_id: string | null;
  endpoint_url: string | null;
  status: "pending" | "sending" | "delivered" | "failed";
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  last_attempt_at: string | null;
  next_attempt_at: string | null;
  delivered_at: string | null;
  created_at: string;
};

/** A page of the log, newest first; pass `older` as `before` for the next page (null: this is the last). */
export type WebhookDeliveryPage = { deliveries: WebhookDelivery[]; older: string | null };

/** `astapa.webhooks.endpoints`: the project's webhook endpoints, each with its own URL, events and secret. */
function endpoints(json: Json, call: Call) {
  const path = "/api/platform/webhook-endpoints";
  const one = (id: string) => `${path}/${encodeURIComponent(id)}`;
  return {
    /** Every endpoint, oldest first (never their secrets). */
    list: async (): Promise<WebhookEndpoint[]> => (await json<{ data: WebhookEndpoint[] }>(path)).data,
    /**
     * Adds an endpoint; the answer carries its `secret`, the only time it is shown. `events` left out: "*".
     * 409 webhook_endpoint_limit when the project already has 16.
     */
    create: (endpoint: { url: string; events?: WebhookEvents; description?: string }) =>
      json<WebhookEndpointWithSecret>(path, "POST", endpoint),
    /** One endpoint by id; 404 not_found when the project has none such. */
    get: (id: string) => json<WebhookEndpoint>(one(id)),
    /** Changes any of url, events, description (null: none) and enabled (false pauses it), all or nothing. */
    update: (
      id: string,
      changes: { url?: string; events?: WebhookEvents; description?: string | null; enabled?: boolean },
    ) => json<WebhookEndpoint>(one(id), "PATCH", changes),
    /** Removes the endpoint; its deliveries still waiting are marked failed (the log stays). */
    delete: async (id: string): Promise<void> => {
      await call(one(id), { method: "DELETE" }); // 204, no body
    },
    /** A new signing secret for this endpoint, in this answer only; its old one stops at once. */
    rotateSecret: (id: string) => json<WebhookEndpointWithSecret>(`${one(id)}/rotate-secret`, "POST"),
    /**
     * Queues one webhook.test event to this endpoint only (even paused), signed like any delivery: the
     * delivery, pending. 429 rate_limited past five a minute per endpoint.
     */
    sendTest: (id: string) => json<WebhookDelivery>(`${one(id)}/test`, "POST"),
  };
}

export function webhooks(json: Json, call: Call) {
  const path = "/api/platform/webhook-endpoint";
  return {
    endpoints: endpoints(json, call),
    /** The endpoint (never its secret), or null when the project has none. */
    get: async (): Promise<WebhookEndpoint | null> => {
      try {
        return await json<WebhookEndpoint>(path);
      } catch (error) {
        if (error instanceof AstapaError && error.code === "not_found") return null;
        throw error;
      }
    },
    /**
     * Creates the endpoint — the answer carries its `secret`, the only time it is shown — or replaces an
     * existing one's url and events (no `secret`: it stays). `events` left out: a new endpoint receives "*",
     * an existing one keeps what it receives.
     */
    set: (endpoint: { url: string; events?: WebhookEvents }) =>
      json<WebhookEndpoint & { secret?: string }>(path, "PUT", endpoint),
    /** Changes any of url, events and enabled (false pauses it), all or nothing. */
    update: (changes: { url?: string; events?: WebhookEvents; enabled?: boolean }) =>
      json<WebhookEndpoint>(path, "PATCH", changes),
    /** A new signing secret, in this answer only; the old one stops at once. */
    rotateSecret: () => json<WebhookEndpointWithSecret>(`${path}/rotate-secret`, "POST"),
    /** Removes the endpoint; deliveries still waiting are marked failed (the log stays). */
    remove: async (): Promise<void> => {
      await call(path, { method: "DELETE" }); // 204, no body
    },
    /** The delivery log (of one endpoint with `endpointId`), newest first, `limit` (1–200, default 25) a page. */
    deliveries: (options: { before?: string; limit?: number; endpointId?: string } = {}) => {
      const query = new URLSearchParams();
      if (options.before !== undefined) query.set("before", options.before);
      if (options.limit !== undefined) query.set("limit", String(options.limit));
      if (options.endpointId !== undefined) query.set("endpoint_id", options.endpointId);
      const search = query.toString();
      return json<WebhookDeliveryPage>(`/api/platform/webhook-deliveries${search ? `?${search}` : ""}`);
    },
    /** Queues a failed delivery again, due now; 409 conflict when it is not failed or the endpoint is off. */
    resend: (deliveryId: string) =>
      json<{ id: string; status: "pending"; attempts: number }>(
        `/api/platform/webhook-deliveries/${encodeURIComponent(deliveryId)}/resend`,
        "POST",
      ),
  };
}
