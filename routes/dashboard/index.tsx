import type { Handlers } from "@/lib/router/routes.ts";
import { page, type PageProps } from "@/lib/router/page.tsx";
import { asApp } from "@/db/client.ts";
import { type AccountProject, listAccountProjects } from "@/db/dashboard.ts";
import { actorOf, developer } from "@/lib/dashboard/access.ts";
import { frameOf } from "@/lib/dashboard/frame.ts";
import { Frame, type FrameData, ModeBadge, Notice } from "@/components/dashboard/Frame.tsx";
import { EmptyState } from "@/components/dashboard/EmptyState.tsx";

type ProjectsData = { frame: FrameData; projects: AccountProject[]; notice?: string };

// After a deletion on a project's Settings page, which sends the owner back here.
const DONE: Record<string, string> = { project_deleted: "Project deleted: its credentials no longer work." };

export const handler: Handlers<ProjectsData> = {
  GET: async (c) => {
    const signedIn = developer(c);
    const projects = await asApp(
      c.var.deps.sql,
      null,
      (tx) => listAccountProjects(tx, signedIn.session.id),
      { actor: actorOf(signedIn) },
    );
    const notice = DONE[c.req.query("done") ?? ""];
    return page({ frame: frameOf(c), projects, notice }, { title: "Projects" });
  },
};

/** GET /dashboard: the projects this developer is a member of. */
export default function Projects({ data }: PageProps<ProjectsData>) {
  return (
    <Frame frame={data.frame}>
      <div class="dash-title">
        <h1>Projects</h1>
        <a class="button" href="/dashboard/projects/new">New project</a>
      </div>
      <Notice notice={data.notice} />
      {data.frame.deploymentOwner && (
        <p class="muted">
          You own this deployment: <a href="/dashboard/keys">signing keys</a>.
        </p>
      )}
      {data.projects.length === 0
        ? (
          <EmptyState
            title="No projects yet"
            action={{ href: "/dashboard/projects/new", label: "Create your first project" }}
            more={{ href: "/docs/quick-start", label: "Read the quick start" }}
          >
            <p>
              A project is one app: its users, plans and payments, and the <code>client_id</code> and{" "}
              <code>client_secret</code>{" "}
              your app signs people in with. Create one, then add your app's callback URL as a redirect URI.
            </p>
            <p>
              Made a project with the CLI? Attach it to your account on the server:{" "}
              <code>deno task astapa account create --email {data.frame.email} --project proj_…</code>
            </p>
          </EmptyState>
        )
        : (
          <table class="list">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Mode</th>
                <th scope="col">Client ID</th>
                <th scope="col">Your role</th>
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
                  <td>{project.role}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
    </Frame>
  );
}
