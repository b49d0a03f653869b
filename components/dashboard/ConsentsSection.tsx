/**
 * Remembered consent on the dashboard (issue 26 item 6): a user's consents to third-party clients with a revoke
 * button each (their refresh tokens for that client and resource end), and the project's list of such clients.
 */
import type { Consent, ThirdPartyClient } from "@/db/consents.ts";
import { shortTime } from "@/lib/dashboard/format.ts";
import { RowAction } from "./RowAction.tsx";

/** Who a third-party client says it is, and (for a metadata-document client) the host that vouches for it. */
function ClientLabel({ name, id, host }: { name?: string; id: string; host?: string }) {
  return (
    <>
      {name ? <>“{name}”</> : null}
      <code>{id.length > 80 ? `${id.slice(0, 80)}…` : id}</code>
      {host ? <span class="muted">(published at {host})</span> : null}
    </>
  );
}

export function ConsentsSection(
  { consents, action, csrf, canEdit }: {
    consents: Consent[];
    action: string;
    csrf: string;
    canEdit: boolean;
  },
) {
  return (
    <section class="card" aria-labelledby="consents-heading">
      <h2 id="consents-heading">Apps this user allowed</h2>
      {consents.length === 0
        ? <p class="muted">No third-party app has this user's consent.</p>
        : (
          <table class="list">
            <thead>
              <tr>
                <th scope="col">App</th>
                <th scope="col">Resource</th>
                <th scope="col">Scopes</th>
                <th scope="col">Last allowed</th>
                {canEdit && <th scope="col">Revoke</th>}
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
                    />
                  </td>
                  <td>
                    {consent.resource_name ?? ""} <code>{consent.resource}</code>
                  </td>
                  <td>{consent.scopes.join(" ") || "—"}</td>
                  <td>{shortTime(consent.updated_at)}</td>
                  {canEdit && (
                    <td>
                      <RowAction
                        action={`${action}/consents`}
                        csrf={csrf}
                        fields={{ client_id: consent.client_id, resource: consent.resource }}
                        look="danger-button"
                        ariaLabel={`Revoke ${consent.client_name ?? consent.client_id} (${consent.resource})`}
                      >
                        Revoke
                      </RowAction>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      <p class="muted">Revoking ends the app's refresh tokens for that resource; it must ask again.</p>
    </section>
  );
}

export function ThirdPartyClientsSection({ clients }: { clients: ThirdPartyClient[] }) {
  return (
    <section class="card" aria-labelledby="third-party-heading">
      <h2 id="third-party-heading">Registered clients people allowed</h2>
      <p class="muted">
        Self-registered (RFC 7591) and metadata-document clients that users of this project allowed. Their
        names are their own claims.
      </p>
      {clients.length === 0 ? <p class="muted">None yet.</p> : (
        <table class="list">
          <thead>
            <tr>
              <th scope="col">Client</th>
              <th scope="col">Kind</th>
              <th scope="col">Users</th>
              <th scope="col">Resources</th>
              <th scope="col">Last allowed</th>
              <th scope="col">Last used</th>
            </tr>
          </thead>
          <tbody>
            {clients.map((client) => (
              <tr key={client.client_id}>
                <td>
                  <ClientLabel name={client.client_name} id={client.client_id} />
                </td>
                <td>{client.kind === "registered" ? "registered" : "metadata document"}</td>
                <td>{client.users}</td>
                <td>{client.resources.map((r) => <code key={r}>{r}</code>)}</td>
                <td>{shortTime(client.last_granted_at)}</td>
                <td>{shortTime(client.last_used_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
