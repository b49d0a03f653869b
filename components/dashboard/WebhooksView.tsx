import { type Delivery, describeEvents, EVENT_TYPES, type WebhookEndpoint } from "@/db/webhooks.ts";
import { MAX_WEBHOOK_ENDPOINTS } from "@/db/webhook_endpoints.ts";
import { allows } from "@/lib/dashboard/access.ts";
import { CsrfField, Frame, Notice } from "./Frame.tsx";
import { SecretOnce } from "./SecretOnce.tsx";
import type { WebhooksData } from "@/lib/dashboard/page_data.ts";
import { shortTime } from "@/lib/dashboard/format.ts";
export type { WebhooksData };

const when = (iso: string | null) => shortTime(iso) || "—";

/** A page-unique element id for the endpoint at `index`: the first keeps the plain name. */
const idFor = (name: string, index: number) => index === 0 ? name : `${name}-${index + 1}`;

/** GET /dashboard/projects/:id/webhooks and the answers of its forms. */
export function WebhooksView({ data }: { data: WebhooksData }) {
  const base = `/dashboard/projects/${data.project.project_id}`;
  const page = `${base}/webhooks`;
  const canEdit = allows(data.role, "admin");
  const { endpoints } = data;
  return (
    <Frame
      frame={data.frame}
      crumbs={[{ href: "/dashboard", label: "Projects" }, { href: base, label: data.project.name }]}
      project={{ id: data.project.project_id, section: "webhooks" }}
    >
      <h1>Webhooks</h1>
      <p class="muted">
        Astapa POSTs this project's events to each of its endpoints that receives them, signed with Standard
        Webhooks headers (<code>webhook-id</code>, <code>webhook-timestamp</code>,{" "}
        <code>webhook-signature</code>) and the endpoint's own secret. Failed attempts are retried for about a
        day.
      </p>
      <Notice notice={data.notice} error={data.error} />
      {data.secret && (
        <SecretOnce
          heading="Signing secret"
          values={[{ name: "signing_secret", value: data.secret }]}
          warning="Copy the signing secret now: it is not shown again. If you lose it, rotate it."
        />
      )}
      {endpoints.length === 0 && (
        <section class="card" aria-labelledby="endpoint-heading">
          <h2 id="endpoint-heading">Endpoint</h2>
          <p>
            No webhook endpoint yet. Add your app's URL{canEdit ? " below" : ""}{" "}
            and Astapa posts a signed request to it when a user signs up, a subscription changes or a payment
            is paid, so your app need not poll.{" "}
            <a href="/docs/plans#events-and-app-webhooks">The events and how to verify them</a>.
          </p>
        </section>
      )}
      {endpoints.map((endpoint, index) => (
        <EndpointCard
          key={endpoint.id}
          data={data}
          page={page}
          endpoint={endpoint}
          index={index}
          canEdit={canEdit}
        />
      ))}
      {canEdit && (
        <section class="card" aria-labelledby="add-endpoint-heading">
          <h2 id="add-endpoint-heading">{endpoints.length ? "Add another endpoint" : "Add an endpoint"}</h2>
          {endpoints.length >= MAX_WEBHOOK_ENDPOINTS
            ? (
              <p class="muted">
                This project has {MAX_WEBHOOK_ENDPOINTS}{" "}
                endpoints, the most it may have: remove one to add another.
              </p>
            )
            : <EndpointForm data={data} page={page} />}
        </section>
      )}
      <DeliveryLog data={data} page={page} canEdit={canEdit} />
    </Frame>
  );
}

type PartProps = { data: WebhooksData; page: string };
type EndpointProps = PartProps & { endpoint: WebhookEndpoint; index: number };

function EndpointCard({ canEdit, ...props }: EndpointProps & { canEdit: boolean }) {
  const { endpoint, index } = props;
  const heading = idFor("endpoint-heading", index);
  return (
    <section class="card" aria-labelledby={heading} data-endpoint={endpoint.id}>
      <h2 id={heading}>Endpoint{props.data.endpoints.length > 1 ? ` ${index + 1}` : ""}</h2>
      <dl class="facts">
        <dt>URL</dt>
        <dd>
          <code id={idFor("endpoint-url", index)}>{endpoint.url}</code>
        </dd>
        <dt>Id</dt>
        <dd>
          <code>{endpoint.id}</code>
        </dd>
        {endpoint.description && (
          <>
            <dt>Description</dt>
            <dd class="endpoint-description">{endpoint.description}</dd>
          </>
        )}
        <dt>Events</dt>
        <dd>{describeEvents(endpoint.events)}</dd>
        <dt>Status</dt>
        <dd>{endpoint.enabled ? "enabled" : "paused"}</dd>
        <dt>Since</dt>
        <dd>{when(endpoint.created_at)}</dd>
      </dl>
      {canEdit && <EndpointForm {...props} />}
      {canEdit && <EndpointActions {...props} />}
    </section>
  );
}

/** The add form (no endpoint) or an endpoint's edit form. */
function EndpointForm({ data, page, endpoint, index }: PartProps & Partial<EndpointProps>) {
  const events = endpoint?.events ?? "*";
  const chosen = new Set<string>(events === "*" ? [] : events);
  // A list naming every type there is today may have been meant as "all" (endpoints set before the choice
  // existed got such a list): say that a later type will not reach it.
  const listsEveryType = events !== "*" && EVENT_TYPES.every((type) => chosen.has(type));
  const field = endpoint ? `url-${endpoint.id}` : "url";
  const describing = endpoint ? `description-${endpoint.id}` : "description";
  return (
    <form method="post" action={page} class="form">
      <CsrfField token={data.frame.csrf} />
      <input type="hidden" name="endpoint" value={endpoint?.id ?? "new"} />
      <label for={field}>{endpoint ? "Change the URL" : "URL"}</label>
      <input
        id={field}
        name="url"
        type="url"
        required
        maxLength={2000}
        placeholder="https://yourapp.example/webhooks/astapa"
        value={endpoint?.url ?? ""}
      />
      <label for={describing}>Description (optional)</label>
      <input
        id={describing}
        name="description"
        type="text"
        maxLength={200}
        placeholder="What this endpoint is for, e.g. Billing service (production)"
        value={endpoint?.description ?? ""}
      />
      <fieldset>
        <legend>Events to receive</legend>
        <label>
          <input type="radio" name="receive" value="all" checked={events === "*"} />{" "}
          All events, including future ones
        </label>
        <label>
          <input type="radio" name="receive" value="listed" checked={events !== "*"} />{" "}
          Only the types ticked below
        </label>
        {listsEveryType && (
          <p class="muted" id={idFor("lists-every-type", index ?? 0)}>
            This endpoint lists every event type there is today, so an event type added later will not reach
            it. Choose "All events, including future ones" to receive those too.
          </p>
        )}
      </fieldset>
      <fieldset>
        <legend>Event types</legend>
        {EVENT_TYPES.map((type) => (
          <label key={type}>
            <input type="checkbox" name="events" value={type} checked={chosen.has(type)} />{" "}
            <code>{type}</code>
          </label>
        ))}
      </fieldset>
      <button type="submit" class="button">{endpoint ? "Save endpoint" : "Add endpoint"}</button>
    </form>
  );
}

function EndpointActions({ data, page, endpoint }: EndpointProps) {
  return (
    <div class="endpoint-actions">
      <form method="post" action={`${page}/test`} class="inline">
        <CsrfField token={data.frame.csrf} />
        <input type="hidden" name="endpoint" value={endpoint.id} />
        <button type="submit" class="button secondary">Send test event</button>
      </form>
      <form method="post" action={`${page}/enabled`} class="inline">
        <CsrfField token={data.frame.csrf} />
        <input type="hidden" name="endpoint" value={endpoint.id} />
        <input type="hidden" name="enabled" value={endpoint.enabled ? "false" : "true"} />
        <button type="submit" class="button secondary">{endpoint.enabled ? "Pause" : "Enable"}</button>
      </form>
      <form method="post" action={`${page}/secret`} class="form inline-form">
        <CsrfField token={data.frame.csrf} />
        <input type="hidden" name="endpoint" value={endpoint.id} />
        <label>
          <input type="checkbox" name="confirm" value="yes" required /> The current secret stops at once
        </label>
        <button type="submit" class="button secondary">Rotate signing secret</button>
      </form>
      <form method="post" action={`${page}/remove`} class="form inline-form">
        <CsrfField token={data.frame.csrf} />
        <input type="hidden" name="endpoint" value={endpoint.id} />
        <label>
          <input type="checkbox" name="confirm" value="yes" required /> Stop sending and forget this endpoint
        </label>
        <button type="submit" class="button danger">Remove endpoint</button>
      </form>
    </div>
  );
}

function DeliveryLog({ data, page, canEdit }: PartProps & { canEdit: boolean }) {
  const { deliveries, older } = data.deliveries;
  return (
    <section class="card" aria-labelledby="deliveries-heading">
      <h2 id="deliveries-heading">Deliveries</h2>
      {deliveries.length === 0
        ? (
          <p class="muted">
            {data.paged
              ? "No deliveries older than these."
              : data.endpoints.length
              ? "No deliveries yet: the first event (a sign-up, a plan change, a payment) is delivered and listed here."
              : "No deliveries yet: add an endpoint first."}
          </p>
        )
        : (
          <div class="table-scroll">
            <table class="list deliveries">
              <thead>
                <tr>
                  <th scope="col">Event</th>
                  <th scope="col">Endpoint</th>
                  <th scope="col">Status</th>
                  <th scope="col">Attempts</th>
                  <th scope="col">Last answer</th>
                  <th scope="col">Next attempt</th>
                  <th scope="col">Delivered</th>
                  {canEdit && <th scope="col">Actions</th>}
                </tr>
              </thead>
              <tbody>
                {deliveries.map((delivery) => (
                  <DeliveryRow
                    key={delivery.id}
                    data={data}
                    page={page}
                    delivery={delivery}
                    canEdit={canEdit}
                  />
                ))}
              </tbody>
            </table>
          </div>
        )}
      <p class="actions">
        {data.paged && <a href={page}>Newest</a>}{" "}
        {older && <a href={`${page}?before=${older}`}>Older deliveries</a>}
      </p>
    </section>
  );
}

function DeliveryRow(
  { data, page, delivery, canEdit }: PartProps & { delivery: Delivery; canEdit: boolean },
) {
  const answer = [delivery.last_status ? `HTTP ${delivery.last_status}` : "", delivery.last_error ?? ""]
    .filter(Boolean).join(" · ") || "—";
  return (
    <tr data-delivery={delivery.id} data-status={delivery.status}>
      <td>
        <code>{delivery.event_type}</code>
        <br />
        <small class="muted">{delivery.event_id}</small>
      </td>
      <td>
        <code>{delivery.endpoint_url ?? "—"}</code>
        {delivery.endpoint_id === null && (
          <>
            <br />
            <small class="muted">removed</small>
          </>
        )}
      </td>
      <td>{delivery.status}</td>
      <td>{delivery.attempts}</td>
      <td>{answer}</td>
      <td>{when(delivery.next_attempt_at)}</td>
      <td>{when(delivery.delivered_at)}</td>
      {canEdit && (
        <td>
          {delivery.status === "failed" && (
            <form method="post" action={`${page}/deliveries/${delivery.id}/resend`} class="inline">
              <CsrfField token={data.frame.csrf} />
              <button type="submit" class="link">Resend</button>
            </form>
          )}
        </td>
      )}
    </tr>
  );
}
