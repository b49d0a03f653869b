import type { Handlers } from "@/lib/router/routes.ts";
import { page, type PageProps } from "@/lib/router/page.tsx";
import { withProject } from "@/lib/dashboard/access.ts";
import { type WaitlistData, waitlistView } from "@/lib/dashboard/waitlist_page.ts";
import { CsrfField, Frame, Notice } from "@/components/dashboard/Frame.tsx";
import { dashboardLang, fill } from "@/lib/dashboard/i18n.ts";
import { WAITLIST_TEXT } from "@/lib/dashboard/text/waitlist.ts";
import { PROJECTS_TEXT } from "@/lib/dashboard/text/projects.ts";
import { USERS_TEXT } from "@/lib/dashboard/text/users.ts";

/** GET …/waitlist: the sign-up waitlist of the project's current environment, one status at a time. */
export const handler: Handlers<WaitlistData> = {
  GET: async (c) => {
    const data = await withProject(
      c,
      "viewer",
      (tx, role, projectId) => waitlistView(c)(tx, role, projectId, {}),
    );
    return page(data, { title: `${WAITLIST_TEXT[dashboardLang(c)].title} · ${data.project.name}` });
  },
};

const STATUSES = [["waiting", "waiting"], ["approved", "approved"], ["declined", "declined"]] as const;
const NONE = { waiting: "noneWaiting", approved: "noneApproved", declined: "noneDeclined" } as const;
const STATUS_WORDS = {
  waiting: "statusWaiting",
  approved: "statusApproved",
  declined: "statusDeclined",
} as const;

/** Addresses that asked to sign up; admins approve (mailing the sign-up link) or decline, viewers read. */
export default function WaitlistPage({ data }: PageProps<WaitlistData>) {
  const base = `/dashboard/projects/${data.project.project_id}`;
  const admin = data.role !== "viewer";
  const lang = data.frame.lang;
  const text = WAITLIST_TEXT[lang];
  return (
    <Frame
      frame={data.frame}
      crumbs={[
        { href: "/dashboard", label: PROJECTS_TEXT[lang].title },
        { href: base, label: data.project.name },
        { href: `${base}/users`, label: USERS_TEXT[lang].title },
      ]}
      project={{ id: data.project.project_id, section: "users" }}
    >
      <h1>{text.title}</h1>
      <Notice notice={data.notice} error={data.error} />
      <p class="hint">{data.active ? text.active : text.inactive}</p>
      <nav class="tabs" aria-label={text.statusNav}>
        {STATUSES.map(([value, label]) => (
          <a
            key={value}
            href={`${base}/waitlist?status=${value}`}
            aria-current={value === data.status ? "page" : undefined}
          >
            {text[label]}
          </a>
        ))}
      </nav>
      {data.entries.length === 0
        ? <p class="muted">{fill(text[NONE[data.status]], { mode: data.project.mode })}</p>
        : (
          <table class="list stack">
            <thead>
              <tr>
                <th scope="col">{text.columnEmail}</th>
                <th scope="col">{text.columnJoined}</th>
                <th scope="col">{text.columnStatus}</th>
                {admin && <th scope="col">{text.columnDecide}</th>}
              </tr>
            </thead>
            <tbody>
              {data.entries.map((entry) => (
                <tr key={entry.id}>
                  <td data-label={text.columnEmail}>{entry.email}</td>
                  <td data-label={text.columnJoined}>{entry.created_at.slice(0, 16).replace("T", " ")}</td>
                  <td data-label={text.columnStatus}>{text[STATUS_WORDS[entry.status]]}</td>
                  {admin && (
                    <td data-label={text.columnDecide}>
                      <form method="post" action={`${base}/waitlist/decide`} class="inline-form">
                        <CsrfField token={data.frame.csrf} />
                        <input type="hidden" name="id" value={entry.id} />
                        {entry.status !== "approved" && (
                          <button type="submit" name="decision" value="approve" class="button">
                            {text.approve}
                          </button>
                        )}
                        {entry.status !== "declined" && (
                          <button type="submit" name="decision" value="decline" class="button secondary">
                            {text.decline}
                          </button>
                        )}
                      </form>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      {data.nextBefore && (
        <p>
          <a
            href={`${base}/waitlist?${new URLSearchParams({ status: data.status, before: data.nextBefore })}`}
          >
            {text.nextPage}
          </a>
        </p>
      )}
    </Frame>
  );
}
