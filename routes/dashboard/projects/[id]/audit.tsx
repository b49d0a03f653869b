import { z } from "zod";
import { isUserId } from "@/lib/http/user_id.ts";
import type { Handlers } from "@/lib/router/routes.ts";
import { page, type PageProps } from "@/lib/router/page.tsx";
import { validate } from "@/lib/http/body.ts";
import { getProject, type Project } from "@/db/projects.ts";
import { type AuditEntry, listAudit } from "@/db/project_logs.ts";
import { withProject } from "@/lib/dashboard/access.ts";
import { frameOf } from "@/lib/dashboard/frame.ts";
import { Frame, type FrameData } from "@/components/dashboard/Frame.tsx";
import { AuditTable } from "@/components/dashboard/AuditTable.tsx";
import { EmptyState } from "@/components/dashboard/EmptyState.tsx";
import { fill } from "@/lib/dashboard/i18n.ts";
import { AUDIT_TEXT } from "@/lib/dashboard/text/audit.ts";
import { PROJECTS_TEXT } from "@/lib/dashboard/text/projects.ts";

const PAGE_SIZE = 50;

const Query = z.object({
  action: z.string().trim().max(100).regex(/^([a-z_]+(\.[a-z_]*)?)?$/, {
    message: "An action looks like user.create (or user. for every user action).",
  }).optional(),
  actor: z.string().trim().max(254).optional(),
  user: z.string().trim().refine((text) => text === "" || isUserId(text), {
    message: "Filter by user with their sub (digits).",
  }).optional(),
  before: z.string().regex(/^\d{1,18}$/).optional(),
});
type Filters = { action: string; actor: string; user: string };

type AuditData = {
  frame: FrameData;
  project: Project;
  entries: AuditEntry[];
  filters: Filters;
  next?: string;
};

export const handler: Handlers<AuditData> = {
  GET: async (c) => {
    const query = validate(Query, c.req.query());
    const filters = { action: query.action ?? "", actor: query.actor ?? "", user: query.user ?? "" };
    const data = await withProject(c, "viewer", async (tx, _role, projectId) => {
      const entries = await listAudit(tx, projectId, {
        filters: Object.fromEntries(Object.entries(filters).filter(([, value]) => value)),
        beforeId: query.before,
        size: PAGE_SIZE,
      });
      const next = entries.length === PAGE_SIZE ? entries.at(-1)!.id : undefined;
      return { frame: frameOf(c), project: await getProject(tx, projectId), entries, filters, next };
    });
    return page(data, { title: `${AUDIT_TEXT[data.frame.lang].title} · ${data.project.name}` });
  },
};

/** GET /dashboard/projects/:id/audit: who did what, newest first; filter by action, actor, user. */
export default function AuditPage({ data }: PageProps<AuditData>) {
  const base = `/dashboard/projects/${data.project.project_id}`;
  const { filters } = data;
  const older = new URLSearchParams({ ...nonEmpty(filters), before: data.next ?? "" });
  const lang = data.frame.lang;
  const text = AUDIT_TEXT[lang];
  return (
    <Frame
      frame={data.frame}
      crumbs={[{ href: "/dashboard", label: PROJECTS_TEXT[lang].title }, {
        href: base,
        label: data.project.name,
      }]}
      project={{ id: data.project.project_id, section: "audit" }}
    >
      <h1>{text.title}</h1>
      <p class="muted">{fill(text.otherMode, { mode: data.project.mode })}</p>
      <form method="get" action={`${base}/audit`} class="form inline-form search">
        <label for="action">{text.action}</label>
        <input id="action" name="action" value={filters.action} placeholder={text.actionPlaceholder} />
        <label for="actor">{text.actor}</label>
        <input id="actor" name="actor" value={filters.actor} placeholder={text.actorPlaceholder} />
        <label for="user">{text.user}</label>
        <input id="user" name="user" value={filters.user} inputMode="numeric" placeholder="42" />
        <button type="submit" class="button secondary">{text.filter}</button>
      </form>
      {data.entries.length === 0
        ? (
          filters.action || filters.actor || filters.user ? <p class="muted">{text.noMatch}</p> : (
            <EmptyState
              title={text.emptyTitle}
              action={{ href: base, label: text.emptyAction }}
              more={{ href: "/docs/security", label: text.emptyMore }}
            >
              <p>{text.emptyWhat}</p>
            </EmptyState>
          )
        )
        : <AuditTable entries={data.entries} usersBase={`${base}/users`} lang={lang} />}
      {data.next && (
        <p>
          <a href={`${base}/audit?${older}`}>{text.older}</a>
        </p>
      )}
    </Frame>
  );
}

function nonEmpty(filters: Filters): Record<string, string> {
  return Object.fromEntries(Object.entries(filters).filter(([, value]) => value));
}
