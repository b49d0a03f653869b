import { shortTime } from "@/lib/dashboard/format.ts";
import { allows } from "@/lib/dashboard/access.ts";
import { CsrfField, Frame, Notice } from "./Frame.tsx";
import { RowAction } from "./RowAction.tsx";
import { SecretOnce } from "./SecretOnce.tsx";
import type { MachineClientsData } from "@/lib/dashboard/page_data.ts";
import { EmptyState } from "./EmptyState.tsx";
import { ThirdPartyClientsSection } from "./ConsentsSection.tsx";
import { SelfRegisteredClientsSection } from "./SelfRegisteredClientsSection.tsx";
import { Phrase } from "./Phrase.tsx";
import { fill } from "@/lib/dashboard/i18n.ts";
import { MACHINE_CLIENTS_TEXT } from "@/lib/dashboard/text/machine_clients.ts";
import { PROJECTS_TEXT } from "@/lib/dashboard/text/projects.ts";
export type { MachineClientsData };

/** GET /dashboard/projects/:id/machine-clients and the answers of its forms. */
export function MachineClientsView({ data }: { data: MachineClientsData }) {
  const base = `/dashboard/projects/${data.project.project_id}`;
  const page = `${base}/machine-clients`;
  const canEdit = allows(data.role, "admin");
  const csrf = <CsrfField token={data.frame.csrf} />;
  const lang = data.frame.lang;
  const text = MACHINE_CLIENTS_TEXT[lang];
  return (
    <Frame
      frame={data.frame}
      crumbs={[{ href: "/dashboard", label: PROJECTS_TEXT[lang].title }, {
        href: base,
        label: data.project.name,
      }]}
      project={{ id: data.project.project_id, section: "machine-clients" }}
    >
      <h1>{text.title}</h1>
      <p class="muted">
        <Phrase text={text.explained} parts={{ grant: <code>client_credentials</code> }} />
      </p>
      <Notice notice={data.notice} error={data.error} />
      {data.confirmRotation && (
        <section class="card" aria-labelledby="confirm-rotation-heading">
          <h2 id="confirm-rotation-heading">
            {fill(text.confirmRotation, { name: data.confirmRotation.name })}
          </h2>
          <p>{text.rotationExplained}</p>
          <form
            method="post"
            action={`${page}/${data.confirmRotation.client_id}/secret`}
            class="form inline-form"
          >
            {csrf}
            <input type="hidden" name="confirm" value="yes" />
            <button type="submit" class="button danger">{text.rotateSecret}</button>{" "}
            <a href={page} class="button secondary">{text.cancel}</a>
          </form>
        </section>
      )}
      {data.issued && (
        <SecretOnce
          heading={fill(text.credentialsFor, { name: data.issued.name })}
          values={[
            { name: "client_id", value: data.issued.client_id },
            { name: "client_secret", value: data.issued.client_secret },
          ]}
          warning={text.copySecret}
        />
      )}
      {data.clients.length === 0
        ? (
          <EmptyState
            title={text.emptyTitle}
            action={canEdit ? { href: "#new-machine-client", label: text.emptyAction } : undefined}
            more={{ href: "/docs/mcp", label: text.emptyMore }}
          >
            <p>{text.emptyWhat}</p>
          </EmptyState>
        )
        : (
          <div class="table-scroll">
            <table class="list">
              <thead>
                <tr>
                  <th scope="col">{text.columnName}</th>
                  <th scope="col">{text.columnClientId}</th>
                  <th scope="col">{text.columnScopes}</th>
                  <th scope="col">{text.columnResources}</th>
                  <th scope="col">{text.columnLifetime}</th>
                  <th scope="col">{text.columnStatus}</th>
                  <th scope="col">{text.columnCreated}</th>
                  {canEdit && <th scope="col">{text.columnActions}</th>}
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
                    <td>{client.access_token_ttl ? `${client.access_token_ttl} s` : text.projectLifetime}</td>
                    <td>{client.enabled ? text.enabled : text.disabled}</td>
                    <td>{shortTime(client.created_at, lang)}</td>
                    {canEdit && (
                      <td class="actions">
                        <RowAction
                          action={`${page}/${client.client_id}/secret`}
                          csrf={data.frame.csrf}
                          fields={{}}
                          look="link"
                          ariaLabel={fill(text.rotateSecretOf, { name: client.name })}
                        >
                          {text.rotateSecret}
                        </RowAction>{" "}
                        <RowAction
                          action={`${page}/${client.client_id}/enabled`}
                          csrf={data.frame.csrf}
                          fields={{ enabled: client.enabled ? "false" : "true" }}
                          look={client.enabled ? "danger-link" : "link"}
                          ariaLabel={fill(client.enabled ? text.disableNamed : text.enableNamed, {
                            name: client.name,
                          })}
                        >
                          {client.enabled ? text.disable : text.enable}
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
          <h2>{text.newClient}</h2>
          <label for="name">{text.name}</label>
          <input id="name" name="name" required maxLength={100} />
          <fieldset>
            <legend>{text.scopesItMayAsk}</legend>
            {data.scopes.length === 0 && <p class="muted">{text.declareScopesFirst}</p>}
            {data.scopes.map((scope) => (
              <label key={scope.name}>
                <input type="checkbox" name="scopes" value={scope.name} /> <code>{scope.name}</code>{" "}
                {scope.description}
              </label>
            ))}
          </fieldset>
          <fieldset>
            <legend>{text.resourcesItMayGet}</legend>
            {data.resources.length === 0 && <p class="muted">{text.registerResourcesFirst}</p>}
            {data.resources.map((resource) => (
              <label key={resource.uri}>
                <input type="checkbox" name="resources" value={resource.uri} /> <code>{resource.uri}</code>
              </label>
            ))}
          </fieldset>
          <label for="access_token_ttl">{text.lifetimeField}</label>
          <input id="access_token_ttl" name="access_token_ttl" inputMode="numeric" />
          <button type="submit" class="button">{text.createClient}</button>
        </form>
      )}
      <ScopesSection data={data} page={page} canEdit={canEdit} />
      <ResourcesSection data={data} page={page} canEdit={canEdit} />
      <SelfRegisteredClientsSection
        settings={data.project.settings}
        page={page}
        csrf={data.frame.csrf}
        canEdit={canEdit}
        lang={lang}
      />
      <ThirdPartyClientsSection clients={data.thirdPartyClients} lang={lang} />
    </Frame>
  );
}

type SectionProps = { data: MachineClientsData; page: string; canEdit: boolean };

function ScopesSection({ data, page, canEdit }: SectionProps) {
  const text = MACHINE_CLIENTS_TEXT[data.frame.lang];
  return (
    <section class="card" aria-labelledby="scopes-heading">
      <h2 id="scopes-heading">{text.scopes}</h2>
      {data.scopes.length === 0 ? <p class="muted">{text.noScopes}</p> : (
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
                  {text.remove}
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
          <label for="scope-name">{text.scope}</label>
          <input id="scope-name" name="name" required maxLength={100} placeholder="notes:read" />
          <label for="scope-description">{text.description}</label>
          <input id="scope-description" name="description" maxLength={200} />
          <button type="submit" class="button">{text.declare}</button>
        </form>
      )}
    </section>
  );
}

function ResourcesSection({ data, page, canEdit }: SectionProps) {
  const text = MACHINE_CLIENTS_TEXT[data.frame.lang];
  return (
    <section class="card" aria-labelledby="resources-heading">
      <h2 id="resources-heading">{text.resources}</h2>
      {data.resources.length === 0 ? <p class="muted">{text.noResources}</p> : (
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
                  {text.remove}
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
          <label for="resource-uri">{text.uri}</label>
          <input
            id="resource-uri"
            name="uri"
            required
            maxLength={2000}
            placeholder="https://mcp.example.com/mcp"
          />
          <label for="resource-name">{text.displayName}</label>
          <input id="resource-name" name="name" maxLength={100} />
          <button type="submit" class="button">{text.register}</button>
        </form>
      )}
    </section>
  );
}
