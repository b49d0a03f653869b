/** `astapa webhook …`: a project's webhook endpoints, their signing secrets, and how deliveries went. */
import type { Config } from "@/config.ts";
import { asApp, type Sql } from "@/db/client.ts";
import {
  DeliveryStatusSchema,
  describeEvents,
  type EndpointEvents,
  EVENT_TYPES,
  type EventType,
  getWebhookEndpoint,
  listWebhookDeliveries,
  putWebhookEndpoint,
  removeWebhookEndpoint,
  rotateWebhookSecret,
  type WebhookEndpoint,
} from "@/db/webhooks.ts";
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  listWebhookEndpoints,
  readWebhookEndpoint,
  rotateWebhookEndpointSecret,
  sendTestWebhook,
  updateWebhookEndpoint,
} from "@/db/webhook_endpoints.ts";
import { loadMasterKeys } from "../tokens/master_key.ts";
import { savedTargetReason } from "../webhooks/address_guard.ts";
import { newWebhookSecret, sealWebhookSecret } from "../webhooks/signature.ts";
import { allowFlags, flag, operands, type ParsedArgs, trueOrFalse, UsageError } from "./args.ts";
import { type Output, table } from "./output.ts";

export const WEBHOOK_USAGE =
  `  webhook list --project ID  the project's endpoints (up to 16), oldest first: id, url, events, enabled
  webhook add --project ID --url URL [--event TYPE … | --all-events] [--description TEXT]
                             add an endpoint receiving the types given, or every type, including future
                             ones (the default), described in up to 200 characters; prints its id and its
                             signing secret, once.
                             https only; a production project's URL must reach a public address
  webhook set --project ID --url URL [--event TYPE … | --all-events]
                             the oldest endpoint (from when a project had one): send the project's events to
                             URL; a new endpoint without --event gets all events, an existing one keeps what
                             it has. A new endpoint prints its signing secret, once
  webhook update --project ID --endpoint wep_… [--url URL] [--event TYPE … | --all-events]
                             [--description TEXT] [--enabled true|false]
                             change what is given, all or nothing (an empty --description removes it;
                             --enabled false pauses deliveries, which wait until it is enabled again)
  webhook show --project ID [--endpoint wep_…]
                             show the endpoint (default: the oldest), never the secret
  webhook test --project ID --endpoint wep_…
                             send one webhook.test event to that endpoint only (paused or not; five a
                             minute); prints the delivery, which "webhook deliveries" then lists
  webhook rotate-secret --project ID [--endpoint wep_…]
                             issue a new signing secret (printed once) for the endpoint (default: the
                             oldest); the old one stops at once
  webhook remove --project ID [--endpoint wep_…]
                             stop sending to the endpoint (default: the oldest); deliveries still waiting
                             are marked failed, the log stays
  webhook deliveries --project ID [--status pending|sending|delivered|failed]
                             the latest deliveries: status, attempts, last HTTP status and error`;

const CLI = { actor: "cli" };

/** Flags of `webhook` that take no value. */
export const WEBHOOK_BOOLEANS = ["all-events"];

export async function webhookCommand(
  sql: Sql,
  args: ParsedArgs,
  out: Output,
  config: Config,
): Promise<number> {
  const action = args.positionals[1];
  operands(args, 2, []);
  const project = () => flag(args, "project", true);
  // A new signing secret (printed once) and its sealed form (stored).
  const newSecret = async (projectId: string) => {
    const secret = newWebhookSecret();
    const sealing = (await loadMasterKeys(config)).sealing;
    return { secret, secretSealed: await sealWebhookSecret(sealing, projectId, secret) };
  };
  // --endpoint names one endpoint; left out, the oldest (as before there were several).
  const endpointId = () => flag(args, "endpoint");
  switch (action) {
    case "list": {
      allowFlags(args, ["project"]);
      const id = project();
      const endpoints = await asApp(sql, id, (tx) => listWebhookEndpoints(tx, id), CLI);
      out.result(
        endpoints,
        endpoints.map((e) =>
          `${e.id}  ${e.enabled ? "enabled" : "paused "}  ${e.url}  ${describeEvents(e.events)}`
        ).join("\n") || "No webhook endpoints.",
      );
      return 0;
    }
    case "add":
    case "set": {
      allowFlags(args, [
        "project",
        "url",
        "event",
        "all-events",
        ...(action === "add" ? ["description"] : []),
      ]);
      const id = project();
      const url = flag(args, "url", true);
      const events = endpointEvents(args);
      const { secret, secretSealed } = await newSecret(id);
      // The dashboard's and the Platform API's check (a production project's URL must reach a public address,
      // unless ASTAPA_WEBHOOK_ALLOW_PRIVATE): an operator's typo must not aim deliveries at this server's network.
      const internalReason = await savedTargetReason(url, config.webhookAllowPrivate);
      const input = { url, events, internalReason };
      if (action === "add") {
        const endpoint = await asApp(
          sql,
          id,
          (tx) =>
            createWebhookEndpoint(tx, id, { ...input, secretSealed, description: flag(args, "description") }),
          CLI,
        );
        showEndpoint(out, endpoint, secret);
        return 0;
      }
      // set: the oldest endpoint changed (its secret kept), or the first one added.
      const { endpoint, created } = await asApp(
        sql,
        id,
        (tx) => putWebhookEndpoint(tx, id, { ...input, newSecretSealed: secretSealed }),
        CLI,
      );
      showEndpoint(out, endpoint, created ? secret : undefined);
      return 0;
    }
    case "update": {
      allowFlags(args, ["project", "endpoint", "url", "event", "all-events", "description", "enabled"]);
      const [id, endpoint] = [project(), flag(args, "endpoint", true)];
      const url = flag(args, "url");
      const changes = {
        url,
        events: endpointEvents(args),
        description: flag(args, "description"),
        enabled: trueOrFalse(args, "enabled") ?? undefined,
        internalReason: url === undefined ? null : await savedTargetReason(url, config.webhookAllowPrivate),
      };
      const updated = await asApp(sql, id, (tx) => updateWebhookEndpoint(tx, id, endpoint, changes), CLI);
      showEndpoint(out, updated);
      return 0;
    }
    case "test": {
      allowFlags(args, ["project", "endpoint"]);
      const [id, endpoint] = [project(), flag(args, "endpoint", true)];
      const delivery = await asApp(sql, id, (tx) => sendTestWebhook(tx, id, endpoint), CLI);
      out.result(delivery, `Test event queued: delivery ${delivery.id}, ${delivery.status}, to ${endpoint}.`);
      return 0;
    }
    case "show": {
      allowFlags(args, ["project", "endpoint"]);
      const [id, endpointIdGiven] = [project(), endpointId()];
      const endpoint = await asApp(
        sql,
        id,
        (tx) =>
          endpointIdGiven === undefined
            ? getWebhookEndpoint(tx, id)
            : readWebhookEndpoint(tx, id, endpointIdGiven),
        CLI,
      );
      if (!endpoint) {
        out.result(null, "No webhook endpoint.");
        return 0;
      }
      showEndpoint(out, endpoint);
      return 0;
    }
    case "rotate-secret": {
      allowFlags(args, ["project", "endpoint"]);
      const [id, endpoint] = [project(), endpointId()];
      const { secret, secretSealed } = await newSecret(id);
      const rotated = await asApp(
        sql,
        id,
        (tx) =>
          endpoint === undefined
            ? rotateWebhookSecret(tx, id, secretSealed)
            : rotateWebhookEndpointSecret(tx, id, endpoint, secretSealed),
        CLI,
      );
      showEndpoint(out, rotated, secret);
      return 0;
    }
    case "remove": {
      allowFlags(args, ["project", "endpoint"]);
      const [id, endpoint] = [project(), endpointId()];
      await asApp(
        sql,
        id,
        (tx) =>
          endpoint === undefined ? removeWebhookEndpoint(tx, id) : deleteWebhookEndpoint(tx, id, endpoint),
        CLI,
      );
      out.result({ removed: true }, "Webhook endpoint removed.");
      return 0;
    }
    case "deliveries": {
      allowFlags(args, ["project", "status"]);
      const id = project();
      const statusText = flag(args, "status");
      const status = statusText === undefined ? undefined : DeliveryStatusSchema.safeParse(statusText).data;
      if (statusText !== undefined && !status) {
        throw new UsageError(`--status is pending, sending, delivered or failed, not "${statusText}"`);
      }
      const deliveries = await asApp(sql, id, (tx) => listWebhookDeliveries(tx, id, { status }), CLI);
      out.result(
        deliveries,
        deliveries.map((d) =>
          `${d.id.padStart(6)}  ${d.event_type.padEnd(20)}  ${d.status.padEnd(9)}  attempts ${d.attempts}` +
          `${d.last_status ? `  HTTP ${d.last_status}` : ""}${d.last_error ? `  ${d.last_error}` : ""}` +
          `  → ${d.endpoint_url ?? "?"}${d.endpoint_id ? "" : " (removed)"}`
        ).join("\n") || "No deliveries.",
      );
      return 0;
    }
  }
  throw new UsageError(`Unknown webhook command "${action ?? ""}"`);
}

/** --all-events, the --event types, or neither (undefined: the SQL default for new and existing endpoints). */
function endpointEvents(args: ParsedArgs): EndpointEvents | undefined {
  const listed = args.flags.get("event");
  if (!args.flags.has("all-events")) return listed?.map(eventType);
  if (listed) throw new UsageError("Give --all-events or --event types, not both");
  return "*";
}

function eventType(value: string): EventType {
  if (!(EVENT_TYPES as readonly string[]).includes(value)) {
    throw new UsageError(
      `--event is one of ${
        EVENT_TYPES.join(", ")
      }, not "${value}" (--all-events: every type, including future ones)`,
    );
  }
  return value as EventType;
}

function showEndpoint(out: Output, endpoint: WebhookEndpoint, secret?: string): void {
  out.result(
    secret ? { ...endpoint, secret } : endpoint,
    table([
      ["id", endpoint.id],
      ["url", endpoint.url],
      ["events", describeEvents(endpoint.events)],
      ["enabled", String(endpoint.enabled)],
      ...(endpoint.description ? [["description", endpoint.description] as [string, string]] : []),
      ...(secret ? [["secret", `${secret}  (shown once: store it now)`] as [string, string]] : []),
      ["updated_at", endpoint.updated_at],
    ]),
  );
}
