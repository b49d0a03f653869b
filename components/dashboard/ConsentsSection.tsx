/**
 * Remembered consent on the dashboard (issue 26 item 6): a user's consents to third-party clients with a revoke
 * button each (their refresh tokens for that client and resource end), and the project's list of such clients.
 */
import type { Consent, ThirdPartyClient } from "@/db/consents.ts";
import { shortTime } from "@/lib/dashboard/format.ts";
import { RowAction } from "./RowAction.tsx";
import { fill, type Lang } from "@/lib/dashboard/i18n.ts";
import { CONSENTS_TEXT } from "@/lib/dashboard/text/consents.ts";

/** Who a third-party client says it is, and (for a metadata-document client) the host that vouches for it. */
function ClientLabel({ name, id, host, lang }: { name?: string; id: string; host?: string; lang: Lang }) {
  return (
    <>
      {name ? <>“{name}”</> : null}
      <code>{id.length > 80 ? `${id.slice(0, 80)}…` : id}</code>
      {host ? <span class="muted">{fill(CONSENTS_TEXT[lang].publishedAt, { host })}</span> : null}
    </>
  );
}

export function ConsentsSection(
  { consents, action, csrf, canEdit, lang }: {
    consents: Consent[];
    action: string;
    csrf: string;
    canEdit: boolean;
    lang: Lang;
  },
) {
  const text = CONSENTS_TEXT[lang];
  return (
    <section class="card" aria-labelledby="consents-heading">
      <h2 id="consents-heading">{text.appsAllowed}</h2>
      {consents.length === 0 ? <p class="muted">{text.noConsents}</p> : (
        <table class="list">
          <thead>
            <tr>
              <th scope="col">{text.columnApp}</th>
              <th scope="col">{text.columnResource}</th>
              <th scope="col">{text.columnScopes}</th>
              <th scope="col">{text.columnLastAllowed}</th>
              {canEdit && <th scope="col">{text.columnRevoke}</th>}
            </tr>
          </thead>
          <tbody>
            {consents.map((consent) => (
              <tr key={`${consent.client_id} ${consent.resource}`}>
                <td>
                  <ClientLabel
                    name={consent.client_name}
                    id={consent.client_id}
                    host={consent.client_host}
                    lang={lang}
                  />
                </td>
                <td>
                  {consent.resource_name ?? ""} <code>{consent.resource}</code>
                </td>
                <td>{consent.scopes.join(" ") || "—"}</td>
                <td>{shortTime(consent.updated_at, lang)}</td>
                {canEdit && (
                  <td>
                    <RowAction
                      action={`${action}/consents`}
                      csrf={csrf}
                      fields={{ client_id: consent.client_id, resource: consent.resource }}
                      look="danger-button"
                      ariaLabel={fill(text.revokeOf, {
                        client: consent.client_name ?? consent.client_id,
                        resource: consent.resource,
                      })}
                    >
                      {text.revoke}
                    </RowAction>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p class="muted">{text.revokeExplained}</p>
    </section>
  );
}

export function ThirdPartyClientsSection({ clients, lang }: { clients: ThirdPartyClient[]; lang: Lang }) {
  const text = CONSENTS_TEXT[lang];
  return (
    <section class="card" aria-labelledby="third-party-heading">
      <h2 id="third-party-heading">{text.thirdPartyTitle}</h2>
      <p class="muted">{text.thirdPartyIntro}</p>
      {clients.length === 0 ? <p class="muted">{text.noneYet}</p> : (
        <table class="list">
          <thead>
            <tr>
              <th scope="col">{text.columnClient}</th>
              <th scope="col">{text.columnKind}</th>
              <th scope="col">{text.columnUsers}</th>
              <th scope="col">{text.columnResources}</th>
              <th scope="col">{text.columnLastAllowed}</th>
              <th scope="col">{text.columnLastUsed}</th>
            </tr>
          </thead>
          <tbody>
            {clients.map((client) => (
              <tr key={client.client_id}>
                <td>
                  <ClientLabel name={client.client_name} id={client.client_id} lang={lang} />
                </td>
                <td>{client.kind === "registered" ? text.kindRegistered : text.kindMetadataDocument}</td>
                <td>{client.users}</td>
                <td>{client.resources.map((r) => <code key={r}>{r}</code>)}</td>
                <td>{shortTime(client.last_granted_at, lang)}</td>
                <td>{shortTime(client.last_used_at, lang)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
