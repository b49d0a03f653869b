import { type Delivery, describeEvents, EVENT_TYPES, type WebhookEndpoint } from "@/db/webhooks.ts";
import { MAX_WEBHOOK_ENDPOINTS } from "@/db/webhook_endpoints.ts";
import { allows } from "@/lib/dashboard/access.ts";
import { CsrfField, Frame, Notice } from "./Frame.tsx";
import { SecretOnce } from "./SecretOnce.tsx";
import type { WebhooksData } from "@/lib/dashboard/page_data.ts";
import { shortTime } from "@/lib/dashboard/format.ts";
import { fill, type Lang } from "@/lib/dashboard/i18n.ts";
import { WEBHOOKS_TEXT } from "@/lib/dashboard/text/webhooks.ts";
import { PROJECTS_TEXT } from "@/lib/dashboard/text/projects.ts";
import { Phrase } from "./Phrase.tsx";
export type { WebhooksData };

const when = (iso: string | null, lang: Lang) => shortTime(iso, lang) || "—";

/** A page-unique element id for the endpoint at `index`: the first keeps the plain name. */
const idFor = (name: string, index: number) => index === 0 ? name : `${name}-${index + 1}`;

/** GET /dashboard/projects/:id/webhooks and the answers of its forms. */
export function WebhooksView({ data }: { data: WebhooksData }) {
  const base = `/dashboard/projects/${data.project.project_id}`;
  const page = `${base}/webhooks`;
  const canEdit = allows(data.role, "admin");
  const { endpoints } = data;
  const lang = data.frame.lang;
  const text = WEBHOOKS_TEXT[lang];
  return (
    <Frame
      frame={data.frame}
      crumbs={[{ href: "/dashboard", label: PROJECTS_TEXT[lang].title }, {
        href: base,
        label: data.project.name,
      }]}
      project={{ id: data.project.project_id, section: "webhooks" }}
    >
      <h1>{text.title}</h1>
      <p class="muted">
        <Phrase
          text={text.explained}
          parts={{
            headers: (
              <>
                <code>webhook-id</code>, <code>webhook-timestamp</code>, <code>webhook-signature</code>
              </>
            ),
          }}
        />
      </p>
      <Notice notice={data.notice} error={data.error} />
      {data.secret && (
        <SecretOnce
          heading={text.signingSecret}
          values={[{ name: "signing_secret", value: data.secret }]}
          warning={text.copySecret}
        />
      )}
      {endpoints.length === 0 && (
        <section class="card" aria-labelledby="endpoint-heading">
          <h2 id="endpoint-heading">{text.endpoint}</h2>
          <p>
            <Phrase
              text={canEdit ? text.noEndpointBelow : text.noEndpoint}
              parts={{ docs: <a href="/docs/plans#events-and-app-webhooks">{text.eventsDocs}</a> }}
            />
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
          <h2 id="add-endpoint-heading">{endpoints.length ? text.addAnother : text.addOne}</h2>
          {endpoints.length >= MAX_WEBHOOK_ENDPOINTS
            ? <p class="muted">{fill(text.atMost, { max: MAX_WEBHOOK_ENDPOINTS })}</p>
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
  const lang = props.data.frame.lang;
  const text = WEBHOOKS_TEXT[lang];
  return (
    <section class="card" aria-labelledby={heading} data-endpoint={endpoint.id}>
      <h2 id={heading}>
        {props.data.endpoints.length > 1 ? fill(text.endpointNumber, { number: index + 1 }) : text.endpoint}
      </h2>
      <dl class="facts">
        <dt>{text.url}</dt>
        <dd>
          <code id={idFor("endpoint-url", index)}>{endpoint.url}</code>
        </dd>
        <dt>{text.id}</dt>
        <dd>
          <code>{endpoint.id}</code>
        </dd>
        {endpoint.description && (
          <>
            <dt>{text.description}</dt>
            <dd class="endpoint-description">{endpoint.description}</dd>
          </>
        )}
        <dt>{text.events}</dt>
        <dd>{endpoint.events === "*" ? text.allEvents : describeEvents(endpoint.events)}</dd>
        <dt>{text.status}</dt>
        <dd>{endpoint.enabled ? text.enabled : text.paused}</dd>
        <dt>{text.since}</dt>
        <dd>{when(endpoint.created_at, lang)}</dd>
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
  const text = WEBHOOKS_TEXT[data.frame.lang];
  return (
    <form method="post" action={page} class="form">
      <CsrfField token={data.frame.csrf} />
      <input type="hidden" name="endpoint" value={endpoint?.id ?? "new"} />
      <label for={field}>{endpoint ? text.changeUrl : text.url}</label>
      <input
        id={field}
        name="url"
        type="url"
        required
        maxLength={2000}
        placeholder="https://yourapp.example/webhooks/astapa"
        value={endpoint?.url ?? ""}
      />
      <label for={describing}>{text.descriptionOptional}</label>
      <input
        id={describing}
        name="description"
        type="text"
        maxLength={200}
        placeholder={text.descriptionPlaceholder}
        value={endpoint?.description ?? ""}
      />
      <fieldset>
        <legend>{text.eventsToReceive}</legend>
        <label>
          <input type="radio" name="receive" value="all" checked={events === "*"} /> {text.receiveAll}
        </label>
        <label>
          <input type="radio" name="receive" value="listed" checked={events !== "*"} /> {text.receiveListed}
        </label>
        {listsEveryType && (
          <p class="muted" id={idFor("lists-every-type", index ?? 0)}>
            {text.listsEveryType}
          </p>
        )}
      </fieldset>
      <fieldset>
        <legend>{text.eventTypes}</legend>
        {EVENT_TYPES.map((type) => (
          <label key={type}>
            <input type="checkbox" name="events" value={type} checked={chosen.has(type)} />{" "}
            <code>{type}</code>
          </label>
        ))}
      </fieldset>
      <button type="submit" class="button">{endpoint ? text.saveEndpoint : text.addEndpoint}</button>
    </form>
  );
}

function EndpointActions({ data, page, endpoint }: EndpointProps) {
  const text = WEBHOOKS_TEXT[data.frame.lang];
  return (
    <div class="endpoint-actions">
      <form method="post" action={`${page}/test`} class="inline">
        <CsrfField token={data.frame.csrf} />
        <input type="hidden" name="endpoint" value={endpoint.id} />
        <button type="submit" class="button secondary">{text.sendTest}</button>
      </form>
      <form method="post" action={`${page}/enabled`} class="inline">
        <CsrfField token={data.frame.csrf} />
        <input type="hidden" name="endpoint" value={endpoint.id} />
        <input type="hidden" name="enabled" value={endpoint.enabled ? "false" : "true"} />
        <button type="submit" class="button secondary">{endpoint.enabled ? text.pause : text.enable}</button>
      </form>
      <form method="post" action={`${page}/secret`} class="form inline-form">
        <CsrfField token={data.frame.csrf} />
        <input type="hidden" name="endpoint" value={endpoint.id} />
        <label>
          <input type="checkbox" name="confirm" value="yes" required /> {text.secretStops}
        </label>
        <button type="submit" class="button secondary">{text.rotateSecret}</button>
      </form>
      <form method="post" action={`${page}/remove`} class="form inline-form">
        <CsrfField token={data.frame.csrf} />
        <input type="hidden" name="endpoint" value={endpoint.id} />
        <label>
          <input type="checkbox" name="confirm" value="yes" required /> {text.forget}
        </label>
        <button type="submit" class="button danger">{text.removeEndpoint}</button>
      </form>
    </div>
  );
}

function DeliveryLog({ data, page, canEdit }: PartProps & { canEdit: boolean }) {
  const { deliveries, older } = data.deliveries;
  const text = WEBHOOKS_TEXT[data.frame.lang];
  return (
    <section class="card" aria-labelledby="deliveries-heading">
      <h2 id="deliveries-heading">{text.deliveries}</h2>
      {deliveries.length === 0
        ? (
          <p class="muted">
            {data.paged ? text.noOlder : data.endpoints.length ? text.noneYet : text.noneAddFirst}
          </p>
        )
        : (
          <div class="table-scroll">
            <table class="list deliveries">
              <thead>
                <tr>
                  <th scope="col">{text.columnEvent}</th>
                  <th scope="col">{text.columnEndpoint}</th>
                  <th scope="col">{text.columnStatus}</th>
                  <th scope="col">{text.columnAttempts}</th>
                  <th scope="col">{text.columnAnswer}</th>
                  <th scope="col">{text.columnNext}</th>
                  <th scope="col">{text.columnDelivered}</th>
                  {canEdit && <th scope="col">{text.columnActions}</th>}
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
        {data.paged && <a href={page}>{text.newest}</a>}{" "}
        {older && <a href={`${page}?before=${older}`}>{text.older}</a>}
      </p>
    </section>
  );
}

function DeliveryRow(
  { data, page, delivery, canEdit }: PartProps & { delivery: Delivery; canEdit: boolean },
) {
  const answer = [delivery.last_status ? `HTTP ${delivery.last_status}` : "", delivery.last_error ?? ""]
    .filter(Boolean).join(" · ") || "—";
  const lang = data.frame.lang;
  const text = WEBHOOKS_TEXT[lang];
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
            <small class="muted">{text.removed}</small>
          </>
        )}
      </td>
      <td>{delivery.status}</td>
      <td>{delivery.attempts}</td>
      <td>{answer}</td>
      <td>{when(delivery.next_attempt_at, lang)}</td>
      <td>{when(delivery.delivered_at, lang)}</td>
      {canEdit && (
        <td>
          {delivery.status === "failed" && (
            <form method="post" action={`${page}/deliveries/${delivery.id}/resend`} class="inline">
              <CsrfField token={data.frame.csrf} />
              <button type="submit" class="link">{text.resend}</button>
            </form>
          )}
        </td>
      )}
    </tr>
  );
}
