import type { Handlers } from "@/lib/router/routes.ts";
import { page, type PageProps } from "@/lib/router/page.tsx";
import { asApp } from "@/db/client.ts";
import { type AccountProject, listAccountProjects } from "@/db/dashboard.ts";
import { actorOf, developer } from "@/lib/dashboard/access.ts";
import { frameOf } from "@/lib/dashboard/frame.ts";
import { Frame, type FrameData, ModeBadge, Notice, roleLabel } from "@/components/dashboard/Frame.tsx";
import { EmptyState } from "@/components/dashboard/EmptyState.tsx";
import { Phrase } from "@/components/dashboard/Phrase.tsx";
import { dashboardLang, doneNotice } from "@/lib/dashboard/i18n.ts";
import { PROJECTS_TEXT } from "@/lib/dashboard/text/projects.ts";

type ProjectsData = { frame: FrameData; projects: AccountProject[]; notice?: string };

// After a deletion on a project's Settings page, which sends the owner back here.
const DONE = { project_deleted: "projectDeleted" } as const;

export const handler: Handlers<ProjectsData> = {
  GET: async (c) => {
    const signedIn = developer(c);
    const projects = await asApp(
      c.var.deps.sql,
      null,
      (tx) => listAccountProjects(tx, signedIn.session.id),
      { actor: actorOf(signedIn) },
    );
    const text = PROJECTS_TEXT[dashboardLang(c)];
    const notice = doneNotice(text, DONE, c.req.query("done"));
    return page({ frame: frameOf(c), projects, notice }, { title: text.title });
  },
};

/** GET /dashboard: the projects this developer is a member of. */
export default function Projects({ data }: PageProps<ProjectsData>) {
  const text = PROJECTS_TEXT[data.frame.lang];
  return (
    <Frame frame={data.frame}>
      <div class="dash-title">
        <h1>{text.title}</h1>
        <a class="button" href="/dashboard/projects/new">{text.newProject}</a>
      </div>
      <Notice notice={data.notice} />
      {data.frame.deploymentOwner && (
        <p class="muted">
          <Phrase
            text={text.deploymentOwner}
            parts={{ keys: <a href="/dashboard/keys">{text.signingKeys}</a> }}
          />
        </p>
      )}
      {data.projects.length === 0
        ? (
          <EmptyState
            title={text.emptyTitle}
            action={{ href: "/dashboard/projects/new", label: text.emptyAction }}
            more={{ href: "/docs/quick-start", label: text.emptyMore }}
          >
            <p>
              <Phrase
                text={text.emptyWhat}
                parts={{ clientId: <code>client_id</code>, clientSecret: <code>client_secret</code> }}
              />
            </p>
            <p>
              <Phrase
                text={text.emptyCli}
                parts={{
                  command: (
                    <code>deno task astapa account create --email {data.frame.email} --project proj_…</code>
                  ),
                }}
              />
            </p>
          </EmptyState>
        )
        : (
          <table class="list">
            <thead>
              <tr>
                <th scope="col">{text.columnName}</th>
                <th scope="col">{text.columnMode}</th>
                <th scope="col">{text.columnClientId}</th>
                <th scope="col">{text.columnRole}</th>
              </tr>
            </thead>
            <tbody>
              {data.projects.map((project) => (
                <tr>
                  <td>
                    <a href={`/dashboard/projects/${project.project_id}`}>{project.name}</a>
                  </td>
                  <td>
                    <ModeBadge mode={project.mode} />
                  </td>
                  <td>
                    <code>{project.client_id}</code>
                  </td>
                  <td>{roleLabel(data.frame.lang, project.role)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
    </Frame>
  );
}
