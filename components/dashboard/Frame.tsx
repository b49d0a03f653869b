import type { ComponentChildren } from "preact";
import type { FrameData } from "@/lib/dashboard/page_data.ts";
import type { MemberRole } from "@/db/accounts.ts";
import type { Lang } from "@/lib/dashboard/i18n.ts";
import { FRAME_TEXT } from "@/lib/dashboard/text/frame.ts";
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
  "": "sectionOverview",
  users: "sectionUsers",
  plans: "sectionPlans",
  coupons: "sectionCoupons",
  organizations: "sectionOrganizations",
  payments: "sectionPayments",
  "machine-clients": "sectionMachineClients",
  webhooks: "sectionWebhooks",
  mail: "sectionMail",
  audit: "sectionAudit",
  members: "sectionMembers",
  settings: "sectionSettings",
} as const;

export type ProjectSection = keyof typeof PROJECT_SECTIONS;

export function Frame({ frame, crumbs = [], project, children }: FrameProps) {
  const text = FRAME_TEXT[frame.lang];
  return (
    <>
      <header class="dash-header">
        <a class="dash-brand" href="/dashboard">{text.brand}</a>
        <span class="muted">{frame.email}</span>
        <LanguageSwitch frame={frame} />
        <form method="post" action="/dashboard/logout" class="inline">
          <CsrfField token={frame.csrf} />
          <button type="submit" class="link">{text.signOut}</button>
        </form>
      </header>
      {crumbs.length > 0 && (
        <nav class="crumbs" aria-label={text.breadcrumb}>
          {crumbs.map((crumb) => <a key={crumb.href} href={crumb.href}>{crumb.label}</a>)}
        </nav>
      )}
      {project && <ProjectNav id={project.id} section={project.section} lang={frame.lang} />}
      {children}
    </>
  );
}

/** The other language, offered by name: a form (it sets a cookie), back to this page once chosen. */
function LanguageSwitch({ frame }: { frame: FrameData }) {
  const text = FRAME_TEXT[frame.lang];
  const other: Lang = frame.lang === "en" ? "id" : "en";
  return (
    <form method="post" action="/dashboard/language" class="inline" aria-label={text.languageSwitch}>
      <CsrfField token={frame.csrf} />
      <input type="hidden" name="lang" value={other} />
      <input type="hidden" name="back" value={frame.here} />
      <button type="submit" class="link" lang={other} title={text.otherLanguageHint}>
        {text.otherLanguage}
      </button>
    </form>
  );
}

function ProjectNav({ id, section, lang }: { id: string; section: ProjectSection; lang: Lang }) {
  const base = `/dashboard/projects/${id}`;
  const text = FRAME_TEXT[lang];
  return (
    <nav class="project-nav" aria-label={text.projectNav}>
      {Object.entries(PROJECT_SECTIONS).map(([key, label]) => (
        <a key={key} href={key ? `${base}/${key}` : base} aria-current={key === section ? "page" : undefined}>
          {text[label]}
        </a>
      ))}
    </nav>
  );
}

/** A member's role, as the page's language names it. */
export function roleLabel(lang: Lang, role: MemberRole): string {
  const text = FRAME_TEXT[lang];
  return role === "owner" ? text.roleOwner : role === "admin" ? text.roleAdmin : text.roleViewer;
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
