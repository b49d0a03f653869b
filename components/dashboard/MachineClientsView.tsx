import { shortTime } from "@/lib/dashboard/format.ts";
import { allows } from "@/lib/dashboard/access.ts";
import { CsrfField, Frame, Notice } from "./Frame.tsx";
import { RowAction } from "./RowAction.tsx";
import { SecretOnce } from "./SecretOnce.tsx";
import type { MachineClientsData } from "@/lib/dashboard/page_data.ts";
import { EmptyState } from "./EmptyState.tsx";
import { ThirdPartyClientsSection } from "./ConsentsSection.tsx";
import { SelfRegisteredClientsSection } from "./SelfRegisteredClientsSection.tsx";
export type { MachineClientsData };

/** GET /dashboard/projects/:id/machine-clients and the answers of its forms. */
export function MachineClientsView({ data }: { data: MachineClientsData }) {
  const base = `/dashboard/projects/${data.project.project_id}`;
  const page = `${base}/machine-clients`;
  const canEdit = allows(data.role, "admin");
  const csrf = <CsrfField token={data.frame.csrf} />;
  return (
    <Frame
      frame={data.frame}
      crumbs={[{ href: "/dashboard", label: "Projects" }, { href: base, label: data.project.name }]}
      project={{ id: data.project.project_id, section: "machine-clients" }}
    >
      <h1>Machine clients</h1>
      <p class="muted">
        AI agents, MCP clients and services get short-lived tokens with <code>client_credentials</code>{" "}
        using these credentials, limited to the scopes and resources below.
      </p>
      <Notice notice={data.notice} error={data.error} />
      {data.confirmRotation && (
        <section class="card" aria-labelledby="confirm-rotation-heading">
          <h2 id="confirm-rotation-heading">Rotate the secret of {data.confirmRotation.name}?</h2>
          <p>
            Its current secret stops working at once: its token requests are refused until it has the new one,
            which is shown once after this.
          </p>
          <form
            method="post"
            action={`${page}/${data.confirmRotation.client_id}/secret`}
            class="form inline-form"
          >
            {csrf}
            <input type="hidden" name="confirm" value="yes" />
            <button type="submit" class="button danger">Rotate secret</button>{" "}
            <a href={page} class="button secondary">Cancel</a>
          </form>
        </section>
      )}
      {data.issued && (
        <SecretOnce
          heading={`Credentials for ${data.issued.name}`}
          values={[
            { name: "client_id", value: data.issued.client_id },
            { name: "client_secret", value: data.issued.client_secret },
          ]}
          warning="Copy the client secret now: Astapa keeps only its hash and cannot show it again. If you lose it, rotate it."
        />
      )}
      {data.clients.length === 0
        ? (
          <EmptyState
            title="No machine clients yet"
            action={canEdit ? { href: "#new-machine-client", label: "Create a machine client" } : undefined}
            more={{ href: "/docs/mcp", label: "Machine clients and MCP servers" }}
          >
            <p>
              A machine client is a server, job or AI agent that gets its own tokens with the
              client-credentials grant — no person signs in. Declare the scopes (and protected resources) it
              may ask for below, then create the client and put its secret in that program's secret store.
            </p>
          </EmptyState>
        )
        : (
          <div class="table-scroll">
            <table class="list">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Client ID</th>
                  <th scope="col">Scopes</th>
                  <th scope="col">Resources</th>
                  <th scope="col">Token lifetime</th>
                  <th scope="col">Status</th>
                  <th scope="col">Created</th>
                  {canEdit && <th scope="col">Actions</th>}
                </tr>
              </thead>
              <tbody>
                {data.clients.map((client) => (
                  <tr key={client.client_id}>
                    <td>{client.name}</td>
                    <td>
                      <code>{client.client_id}</code>
                    </td>
                    <td>{client.scopes.join(" ") || "—"}</td>
                    <td>{client.resources.join(" ") || "—"}</td>
                    <td>{client.access_token_ttl ? `${client.access_token_ttl} s` : "project's"}</td>
                    <td>{client.enabled ? "enabled" : "disabled"}</td>
                    <td>{shortTime(client.created_at)}</td>
                    {canEdit && (
                      <td class="actions">
                        <RowAction
                          action={`${page}/${client.client_id}/secret`}
                          csrf={data.frame.csrf}
                          fields={{}}
                          look="link"
                          ariaLabel={`Rotate secret of ${client.name}`}
                        >
                          Rotate secret
                        </RowAction>{" "}
                        <RowAction
                          action={`${page}/${client.client_id}/enabled`}
                          csrf={data.frame.csrf}
                          fields={{ enabled: client.enabled ? "false" : "true" }}
                          look={client.enabled ? "danger-link" : "link"}
                          ariaLabel={`${client.enabled ? "Disable" : "Enable"} ${client.name}`}
                        >
                          {client.enabled ? "Disable" : "Enable"}
                        </RowAction>
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      {canEdit && (
        <form method="post" action={page} class="card form" id="new-machine-client">
          {csrf}
          <h2>New machine client</h2>
          <label for="name">Name</label>
          <input id="name" name="name" required maxLength={100} />
          <fieldset>
            <legend>Scopes it may ask for</legend>
            {data.scopes.length === 0 && <p class="muted">Declare scopes below first.</p>}
            {data.scopes.map((scope) => (
              <label key={scope.name}>
                <input type="checkbox" name="scopes" value={scope.name} /> <code>{scope.name}</code>{" "}
                {scope.description}
              </label>
            ))}
          </fieldset>
          <fieldset>
            <legend>Resources it may get tokens for</legend>
            {data.resources.length === 0 && <p class="muted">Register resources below first.</p>}
            {data.resources.map((resource) => (
              <label key={resource.uri}>
                <input type="checkbox" name="resources" value={resource.uri} /> <code>{resource.uri}</code>
              </label>
            ))}
          </fieldset>
          <label for="access_token_ttl">Token lifetime in seconds (optional, 300–86400)</label>
          <input id="access_token_ttl" name="access_token_ttl" inputMode="numeric" />
          <button type="submit" class="button">Create machine client</button>
        </form>
      )}
      <ScopesSection data={data} page={page} canEdit={canEdit} />
      <ResourcesSection data={data} page={page} canEdit={canEdit} />
      <SelfRegisteredClientsSection
        settings={data.project.settings}
        page={page}
        csrf={data.frame.csrf}
        canEdit={canEdit}
      />
      <ThirdPartyClientsSection clients={data.thirdPartyClients} />
    </Frame>
  );
}

type SectionProps = { data: MachineClientsData; page: string; canEdit: boolean };

function ScopesSection({ data, page, canEdit }: SectionProps) {
  return (
    <section class="card" aria-labelledby="scopes-heading">
      <h2 id="scopes-heading">Scopes</h2>
      {data.scopes.length === 0 ? <p class="muted">No scopes declared.</p> : (
        <ul class="uri-list">
          {data.scopes.map((scope) => (
            <li key={scope.name}>
              <code>{scope.name}</code> <span class="muted">{scope.description}</span>
              {canEdit && (
                <RowAction
                  action={`${page}/scopes`}
                  csrf={data.frame.csrf}
                  fields={{ intent: "remove", name: scope.name }}
                >
                  Remove
                </RowAction>
              )}
            </li>
          ))}
        </ul>
      )}
      {canEdit && (
        <form method="post" action={`${page}/scopes`} class="form inline-form">
          <CsrfField token={data.frame.csrf} />
          <input type="hidden" name="intent" value="add" />
          <label for="scope-name">Scope</label>
          <input id="scope-name" name="name" required maxLength={100} placeholder="notes:read" />
          <label for="scope-description">Description</label>
          <input id="scope-description" name="description" maxLength={200} />
          <button type="submit" class="button">Declare</button>
        </form>
      )}
    </section>
  );
}

function ResourcesSection({ data, page, canEdit }: SectionProps) {
  return (
    <section class="card" aria-labelledby="resources-heading">
      <h2 id="resources-heading">Protected resources</h2>
      {data.resources.length === 0 ? <p class="muted">No resources registered.</p> : (
        <ul class="uri-list">
          {data.resources.map((resource) => (
            <li key={resource.uri}>
              <code>{resource.uri}</code> <span class="muted">{resource.name}</span>
              {canEdit && (
                <RowAction
                  action={`${page}/resources`}
                  csrf={data.frame.csrf}
                  fields={{ intent: "remove", uri: resource.uri }}
                >
                  Remove
                </RowAction>
              )}
            </li>
          ))}
        </ul>
      )}
      {canEdit && (
        <form method="post" action={`${page}/resources`} class="form inline-form">
          <CsrfField token={data.frame.csrf} />
          <input type="hidden" name="intent" value="add" />
          <label for="resource-uri">URI</label>
          <input
            id="resource-uri"
            name="uri"
            required
            maxLength={2000}
            placeholder="https://mcp.example.com/mcp"
          />
          <label for="resource-name">Display name</label>
          <input id="resource-name" name="name" maxLength={100} />
          <button type="submit" class="button">Register</button>
        </form>
      )}
    </section>
  );
}
