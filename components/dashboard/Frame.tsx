import type { ComponentChildren } from "preact";
import type { FrameData } from "@/lib/dashboard/page_data.ts";
export type { FrameData };

/** What every dashboard page shows around its content: who is signed in, sign-out, where you are. */
type FrameProps = {
  frame: FrameData;
  crumbs?: { href: string; label: string }[];
  /** On a project's pages: the project and which of its sections this page is (a PROJECT_SECTIONS key). */
  project?: { id: string; section: ProjectSection };
  children: ComponentChildren;
};

/** A project's pages, in the order its navigation shows them; the key is the URL segment after the id. */
export const PROJECT_SECTIONS = {
  "": "Overview",
  users: "Users",
  plans: "Plans",
  coupons: "Coupons",
  organizations: "Organizations",
  payments: "Payments",
  "machine-clients": "Machine clients",
  webhooks: "Webhooks",
  mail: "Mail",
  audit: "Audit log",
  members: "Members",
  settings: "Settings",
} as const;

export type ProjectSection = keyof typeof PROJECT_SECTIONS;

export function Frame({ frame, crumbs = [], project, children }: FrameProps) {
  return (
    <>
      <header class="dash-header">
        <a class="dash-brand" href="/dashboard">Astapa dashboard</a>
        <span class="muted">{frame.email}</span>
        <form method="post" action="/dashboard/logout" class="inline">
          <CsrfField token={frame.csrf} />
          <button type="submit" class="link">Sign out</button>
        </form>
      </header>
      {crumbs.length > 0 && (
        <nav class="crumbs" aria-label="Breadcrumb">
          {crumbs.map((crumb) => <a key={crumb.href} href={crumb.href}>{crumb.label}</a>)}
        </nav>
      )}
      {project && <ProjectNav id={project.id} section={project.section} />}
      {children}
    </>
  );
}

function ProjectNav({ id, section }: { id: string; section: ProjectSection }) {
  const base = `/dashboard/projects/${id}`;
  return (
    <nav class="project-nav" aria-label="Project">
      {Object.entries(PROJECT_SECTIONS).map(([key, label]) => (
        <a key={key} href={key ? `${base}/${key}` : base} aria-current={key === section ? "page" : undefined}>
          {label}
        </a>
      ))}
    </nav>
  );
}

/** The hidden field every mutating dashboard form carries (checked in routes/dashboard/_middleware.ts). */
export function CsrfField({ token }: { token: string }) {
  return <input type="hidden" name="csrf" value={token} />;
}

/** A short message after an action, or an error to fix. */
export function Notice({ notice, error }: { notice?: string; error?: string }) {
  return (
    <>
      {notice && <p class="notice" role="status">{notice}</p>}
      {error && <p class="alert" role="alert">{error}</p>}
    </>
  );
}

/** sandbox / production, as a badge. */
export function ModeBadge({ mode }: { mode: string }) {
  return <span class={`badge ${mode}`}>{mode}</span>;
}
