import { Island } from "@/lib/islands/Island.tsx";
import CopyButton from "@/islands/CopyButton.tsx";
import { CsrfField, Frame, ModeBadge, Notice } from "./Frame.tsx";
import { RowAction } from "./RowAction.tsx";
import { Credentials } from "./Credentials.tsx";
import { Snippets } from "./Snippets.tsx";
import { Phrase } from "./Phrase.tsx";
import { roleLabel } from "./Frame.tsx";
import type { ProjectViewData } from "@/lib/dashboard/page_data.ts";
import { PROJECTS_TEXT } from "@/lib/dashboard/text/projects.ts";
export type { ProjectViewData };

/** A project's settings page: credentials, redirect URIs, mode, integration snippets. */
export function ProjectView({ data }: { data: ProjectViewData }) {
  const { project, role } = data;
  const base = `/dashboard/projects/${project.project_id}`;
  const canEdit = role !== "viewer";
  const lang = data.frame.lang;
  const text = PROJECTS_TEXT[lang];
  return (
    <Frame
      frame={data.frame}
      crumbs={[{ href: "/dashboard", label: text.title }]}
      project={{ id: project.project_id, section: "" }}
    >
      <div class="dash-title">
        <h1>
          {project.name} <ModeBadge mode={project.mode} />
        </h1>
      </div>
      <Notice notice={data.notice} error={data.error} />
      {data.newSecret && (
        <Credentials clientId={project.client_id} clientSecret={data.newSecret} lang={lang} />
      )}
      <section class="card" aria-labelledby="client-heading">
        <h2 id="client-heading">{text.client}</h2>
        <div class="copy-row">
          <code>{project.client_id}</code>
          <Island of={CopyButton} props={{ text: project.client_id, label: text.copy }} />
        </div>
        <p class="muted">
          <Phrase
            text={text.yourRole}
            parts={{ role: roleLabel(lang, role), id: <code>{project.project_id}</code> }}
          />
        </p>
        {canEdit && (
          <form method="post" action={`${base}/secret`} class="form inline-form">
            <CsrfField token={data.frame.csrf} />
            <label>
              <input type="checkbox" name="confirm" value="yes" required /> {text.secretStops}
            </label>
            <button type="submit" class="button secondary">{text.rotateSecret}</button>
          </form>
        )}
      </section>
      <section class="card" aria-labelledby="redirect-heading">
        <h2 id="redirect-heading">{text.redirectUris}</h2>
        {project.redirect_uris.length === 0
          ? <p class="muted">{text.noRedirectUris}</p>
          : (
            <ul class="uri-list">
              {project.redirect_uris.map((uri) => (
                <li>
                  <code>{uri}</code>
                  {canEdit && (
                    <RowAction
                      action={`${base}/redirect-uris`}
                      csrf={data.frame.csrf}
                      fields={{ action: "remove", uri }}
                    >
                      {text.remove}
                    </RowAction>
                  )}
                </li>
              ))}
            </ul>
          )}
        {canEdit && (
          <form method="post" action={`${base}/redirect-uris`} class="form inline-form">
            <CsrfField token={data.frame.csrf} />
            <input type="hidden" name="action" value="add" />
            <label for="uri">{text.addRedirectUri}</label>
            <input id="uri" name="uri" type="url" required placeholder="https://yourapp.example/callback" />
            <button type="submit" class="button">{text.add}</button>
          </form>
        )}
      </section>
      <ModeSection data={data} base={base} />
      <Snippets
        baseUrl={data.baseUrl}
        clientId={project.client_id}
        redirectUri={project.redirect_uris[0] ?? "https://yourapp.example/callback"}
        lang={lang}
      />
    </Frame>
  );
}

function ModeSection({ data, base }: { data: ProjectViewData; base: string }) {
  const { project } = data;
  const text = PROJECTS_TEXT[data.frame.lang];
  const target = project.mode === "sandbox" ? "production" : "sandbox";
  return (
    <section class="card" aria-labelledby="mode-heading">
      <h2 id="mode-heading">{text.modeHeading}</h2>
      <p>
        <Phrase text={text.modeIs} parts={{ mode: <ModeBadge mode={project.mode} /> }} />{" "}
        {project.mode === "sandbox" ? text.sandboxExplained : text.productionExplained}
      </p>
      {project.mode === "sandbox" && (
        <p class="muted">
          <Phrase
            text={text.goingLiveNeedsKeys}
            parts={{ settings: <a href={`${base}/settings`}>{text.settings}</a> }}
          />
        </p>
      )}
      {data.role === "owner"
        ? (
          <form method="post" action={`${base}/mode`} class="form">
            <CsrfField token={data.frame.csrf} />
            <input type="hidden" name="mode" value={target} />
            <label for="confirm-mode">
              <Phrase text={text.typeName} parts={{ name: <strong>{project.name}</strong>, target }} />
            </label>
            <input id="confirm-mode" name="confirm" required autocomplete="off" />
            <button type="submit" class={target === "production" ? "button" : "button secondary"}>
              {target === "production" ? text.goLive : text.backToSandbox}
            </button>
          </form>
        )
        : <p class="muted">{text.ownersOnlyMode}</p>}
    </section>
  );
}
