import { Island } from "@/lib/islands/Island.tsx";
import CopyButton from "@/islands/CopyButton.tsx";
import { CsrfField, Frame, ModeBadge, Notice } from "./Frame.tsx";
import { RowAction } from "./RowAction.tsx";
import { Credentials } from "./Credentials.tsx";
import { Snippets } from "./Snippets.tsx";
import type { ProjectViewData } from "@/lib/dashboard/page_data.ts";
export type { ProjectViewData };

/** A project's settings page: credentials, redirect URIs, mode, integration snippets. */
export function ProjectView({ data }: { data: ProjectViewData }) {
  const { project, role } = data;
  const base = `/dashboard/projects/${project.project_id}`;
  const canEdit = role !== "viewer";
  return (
    <Frame
      frame={data.frame}
      crumbs={[{ href: "/dashboard", label: "Projects" }]}
      project={{ id: project.project_id, section: "" }}
    >
      <div class="dash-title">
        <h1>
          {project.name} <ModeBadge mode={project.mode} />
        </h1>
      </div>
      <Notice notice={data.notice} error={data.error} />
      {data.newSecret && <Credentials clientId={project.client_id} clientSecret={data.newSecret} />}
      <section class="card" aria-labelledby="client-heading">
        <h2 id="client-heading">Client</h2>
        <div class="copy-row">
          <code>{project.client_id}</code>
          <Island of={CopyButton} props={{ text: project.client_id, label: "Copy" }} />
        </div>
        <p class="muted">
          Your role here: {role}. Project id <code>{project.project_id}</code>.
        </p>
        {canEdit && (
          <form method="post" action={`${base}/secret`} class="form inline-form">
            <CsrfField token={data.frame.csrf} />
            <label>
              <input type="checkbox" name="confirm" value="yes" required />{" "}
              The current secret stops working at once
            </label>
            <button type="submit" class="button secondary">Rotate client secret</button>
          </form>
        )}
      </section>
      <section class="card" aria-labelledby="redirect-heading">
        <h2 id="redirect-heading">Redirect URIs</h2>
        {project.redirect_uris.length === 0
          ? (
            <p class="muted">
              None yet: the hosted login refuses every redirect until you add your callback URL.
            </p>
          )
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
                      Remove
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
            <label for="uri">Add a redirect URI</label>
            <input id="uri" name="uri" type="url" required placeholder="https://yourapp.example/callback" />
            <button type="submit" class="button">Add</button>
          </form>
        )}
      </section>
      <ModeSection data={data} base={base} />
      <Snippets
        baseUrl={data.baseUrl}
        clientId={project.client_id}
        redirectUri={project.redirect_uris[0] ?? "https://yourapp.example/callback"}
      />
    </Frame>
  );
}

function ModeSection({ data, base }: { data: ProjectViewData; base: string }) {
  const { project } = data;
  const target = project.mode === "sandbox" ? "production" : "sandbox";
  return (
    <section class="card" aria-labelledby="mode-heading">
      <h2 id="mode-heading">Sandbox and production</h2>
      <p>
        This project is in <ModeBadge mode={project.mode} /> mode. {project.mode === "sandbox"
          ? "Sandbox has relaxed rate limits and its users are kept apart from production's: when you go live, sandbox users cannot sign in to production."
          : "Production users are kept apart from sandbox ones; switching back to sandbox hides them until you return."}
      </p>
      {project.mode === "sandbox" && (
        <p class="muted">
          Going live needs live Xendit keys: set them in <a href={`${base}/settings`}>Settings</a>.
        </p>
      )}
      {data.role === "owner"
        ? (
          <form method="post" action={`${base}/mode`} class="form">
            <CsrfField token={data.frame.csrf} />
            <input type="hidden" name="mode" value={target} />
            <label for="confirm-mode">
              Type the project name, <strong>{project.name}</strong>, to switch to {target}
            </label>
            <input id="confirm-mode" name="confirm" required autocomplete="off" />
            <button type="submit" class={target === "production" ? "button" : "button secondary"}>
              {target === "production" ? "Go live: switch to production" : "Switch back to sandbox"}
            </button>
          </form>
        )
        : <p class="muted">Only the project's owners can switch its mode.</p>}
    </section>
  );
}
