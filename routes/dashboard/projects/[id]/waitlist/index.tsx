import type { Handlers } from "@/lib/router/routes.ts";
import { page, type PageProps } from "@/lib/router/page.tsx";
import { withProject } from "@/lib/dashboard/access.ts";
import { type WaitlistData, waitlistView } from "@/lib/dashboard/waitlist_page.ts";
import { CsrfField, Frame, Notice } from "@/components/dashboard/Frame.tsx";

/** GET …/waitlist: the sign-up waitlist of the project's current environment, one status at a time. */
export const handler: Handlers<WaitlistData> = {
  GET: async (c) => {
    const data = await withProject(
      c,
      "viewer",
      (tx, role, projectId) => waitlistView(c)(tx, role, projectId, {}),
    );
    return page(data, { title: `Waitlist · ${data.project.name}` });
  },
};

const STATUSES = [["waiting", "Waiting"], ["approved", "Approved"], ["declined", "Declined"]] as const;

/** Addresses that asked to sign up; admins approve (mailing the sign-up link) or decline, viewers read. */
export default function WaitlistPage({ data }: PageProps<WaitlistData>) {
  const base = `/dashboard/projects/${data.project.project_id}`;
  const admin = data.role !== "viewer";
  return (
    <Frame
      frame={data.frame}
      crumbs={[
        { href: "/dashboard", label: "Projects" },
        { href: base, label: data.project.name },
        { href: `${base}/users`, label: "Users" },
      ]}
      project={{ id: data.project.project_id, section: "users" }}
    >
      <h1>Waitlist</h1>
      <Notice notice={data.notice} error={data.error} />
      <p class="hint">
        {data.active
          ? "Sign-ups go through this waitlist: only an address you approve may create an account. Approving emails it the sign-up link."
          : "Sign-ups do not go through a waitlist now (Settings → Sign-ups); the list is kept."}
      </p>
      <nav class="tabs" aria-label="Status">
        {STATUSES.map(([value, label]) => (
          <a
            key={value}
            href={`${base}/waitlist?status=${value}`}
            aria-current={value === data.status ? "page" : undefined}
          >
            {label}
          </a>
        ))}
      </nav>
      {data.entries.length === 0
        ? <p class="muted">No {data.status} addresses in {data.project.mode}.</p>
        : (
          <table class="list stack">
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Joined</th>
                <th scope="col">Status</th>
                {admin && <th scope="col">Decide</th>}
              </tr>
            </thead>
            <tbody>
              {data.entries.map((entry) => (
                <tr key={entry.id}>
                  <td data-label="Email">{entry.email}</td>
                  <td data-label="Joined">{entry.created_at.slice(0, 16).replace("T", " ")}</td>
                  <td data-label="Status">{entry.status}</td>
                  {admin && (
                    <td data-label="Decide">
                      <form method="post" action={`${base}/waitlist/decide`} class="inline-form">
                        <CsrfField token={data.frame.csrf} />
                        <input type="hidden" name="id" value={entry.id} />
                        {entry.status !== "approved" && (
                          <button type="submit" name="decision" value="approve" class="button">
                            Approve
                          </button>
                        )}
                        {entry.status !== "declined" && (
                          <button type="submit" name="decision" value="decline" class="button secondary">
                            Decline
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
            Next page
          </a>
        </p>
      )}
    </Frame>
  );
}
