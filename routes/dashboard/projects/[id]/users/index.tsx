import { z } from "zod";
import { UserIdSchema } from "@/lib/http/user_id.ts";
import type { Handlers } from "@/lib/router/routes.ts";
import { page, type PageProps } from "@/lib/router/page.tsx";
import { validate } from "@/lib/http/body.ts";
import { getProject, type Project } from "@/db/projects.ts";
import type { User } from "@/db/users.ts";
import { listEnvironmentUsers, searchEnvironmentUsers } from "@/db/user_admin.ts";
import { withProject } from "@/lib/dashboard/access.ts";
import { frameOf } from "@/lib/dashboard/frame.ts";
import { Frame, type FrameData, ModeBadge, Notice } from "@/components/dashboard/Frame.tsx";
import { EmptyState, firstUserLink } from "@/components/dashboard/EmptyState.tsx";
import { signUpMode } from "@/lib/login/sign_up_mode.ts";
import { Phrase } from "@/components/dashboard/Phrase.tsx";
import { dashboardLang, doneNotice, fill } from "@/lib/dashboard/i18n.ts";
import { USERS_TEXT } from "@/lib/dashboard/text/users.ts";
import { PROJECTS_TEXT } from "@/lib/dashboard/text/projects.ts";

const PAGE_SIZE = 50;

// `q` searches (api.search_environment_users); `email` is the older name of the same field, kept for links.
const Query = z.object({
  q: z.string().trim().max(254).optional(),
  email: z.string().trim().max(254).optional(),
  after: UserIdSchema.optional(),
  done: z.string().max(40).optional(),
  // Guests (docs/anonymous-users.md): only them, or everyone but them; a search finds guests by their sub.
  guests: z.enum(["only", "none"]).optional(),
});

// What the page says after an action elsewhere sent the admin back here.
const DONE_NOTICES = { user_deleted: "userDeleted" } as const;

type UsersData = {
  frame: FrameData;
  project: Project;
  users: User[];
  query: string;
  guests?: "only" | "none";
  next?: string;
  notice?: string;
};

export const handler: Handlers<UsersData> = {
  GET: async (c) => {
    const query = validate(Query, c.req.query());
    const text = USERS_TEXT[dashboardLang(c)];
    const data = await withProject(c, "viewer", async (tx, _role, projectId) => {
      const project = await getProject(tx, projectId);
      const search = query.q || query.email || "";
      const isAnonymous = query.guests === undefined ? undefined : query.guests === "only";
      const page = { size: PAGE_SIZE, afterId: query.after, isAnonymous };
      const users = search
        ? await searchEnvironmentUsers(tx, projectId, search, page)
        : await listEnvironmentUsers(tx, projectId, page);
      const next = users.length === PAGE_SIZE ? users.at(-1)!.id : undefined;
      return {
        frame: frameOf(c),
        project,
        users,
        query: search,
        guests: search ? undefined : query.guests,
        next,
        notice: doneNotice(text, DONE_NOTICES, query.done),
      };
    });
    return page(data, { title: `${text.title} · ${data.project.name}` });
  },
};

/** The profile's name, else its given and family names; empty when the person has none. */
function displayName(user: User): string {
  return user.name ?? [user.given_name, user.family_name].filter(Boolean).join(" ");
}

/**
 * GET /dashboard/projects/:id/users: the users of the project's current mode, 50 a page (keyset on the sub),
 * or those matching a search: an email or name prefix, `@domain`, or a sub.
 */
export default function UsersPage({ data }: PageProps<UsersData>) {
  const base = `/dashboard/projects/${data.project.project_id}`;
  const lang = data.frame.lang;
  const text = USERS_TEXT[lang];
  const mode = data.project.mode;
  return (
    <Frame
      frame={data.frame}
      crumbs={[{ href: "/dashboard", label: PROJECTS_TEXT[lang].title }, {
        href: base,
        label: data.project.name,
      }]}
      project={{ id: data.project.project_id, section: "users" }}
    >
      <h1>{text.title}</h1>
      <Notice notice={data.notice} />
      {signUpMode(data.project) === "waitlist" && (
        <p>
          <Phrase
            text={text.waitlist}
            parts={{ link: <a href={`${base}/waitlist`}>{text.waitlistLink}</a> }}
          />
        </p>
      )}
      <form method="get" action={`${base}/users`} class="form inline-form search">
        <label for="q">{text.search}</label>
        <input
          id="q"
          name="q"
          type="search"
          maxLength={254}
          value={data.query}
          placeholder={text.searchPlaceholder}
          aria-describedby="q-hint"
        />
        <button type="submit" class="button secondary">{text.searchButton}</button>
        <p id="q-hint" class="hint">
          <Phrase text={text.searchHint} parts={{ domain: <code>@example.com</code> }} />
        </p>
      </form>
      <p class="muted">
        {text.show} {data.guests ? <a href={`${base}/users`}>{text.everyone}</a> : text.everyone} ·{" "}
        {data.guests === "only"
          ? text.guestsOnly
          : <a href={`${base}/users?guests=only`}>{text.guestsOnly}</a>} · {data.guests === "none"
          ? text.withoutGuests
          : <a href={`${base}/users?guests=none`}>{text.withoutGuests}</a>}
      </p>
      {data.users.length === 0
        ? (
          !data.query && !data.guests
            ? (
              <EmptyState
                title={fill(text.emptyTitle, { mode })}
                action={firstUserLink(data.project, lang)}
                more={{ href: "/docs/migrating", label: text.importUsers }}
              >
                <p>
                  <Phrase
                    text={text.emptyWhat}
                    parts={{ inbox: <a href={`${base}/sandbox-inbox`}>{text.sandboxInbox}</a> }}
                  />
                </p>
              </EmptyState>
            )
            : (
              <p class="muted">
                {!data.query
                  ? fill(data.guests === "only" ? text.noGuest : text.noNonGuest, { mode })
                  : fill(/^[^@]+@/.test(data.query) ? text.noEmail : text.noMatch, {
                    mode,
                    query: data.query,
                  })}
              </p>
            )
        )
        : (
          <table class="list stack">
            <thead>
              <tr>
                <th scope="col">{text.columnEmail}</th>
                <th scope="col">{text.columnName}</th>
                <th scope="col">sub</th>
                <th scope="col">{text.columnEnvironment}</th>
                <th scope="col">{text.columnStatus}</th>
              </tr>
            </thead>
            <tbody>
              {data.users.map((user) => (
                <tr key={user.id}>
                  <td data-label={text.columnEmail}>
                    <a href={`${base}/users/${user.id}`}>
                      {user.email ?? user.phone_number ??
                        (user.is_anonymous ? fill(text.guest, { id: user.id }) : user.id)}
                    </a>
                  </td>
                  <td data-label={text.columnName}>{displayName(user)}</td>
                  <td data-label="sub">
                    <code>{user.id}</code>
                  </td>
                  <td data-label={text.columnEnvironment}>
                    <ModeBadge mode={user.environment} />
                  </td>
                  <td data-label={text.columnStatus}>
                    {user.disabled
                      ? text.statusDisabled
                      : user.is_anonymous
                      ? text.statusGuest
                      : user.email_verified
                      ? text.statusVerified
                      : text.statusUnverified}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      {data.next && (
        <p>
          <a
            href={`${base}/users?${new URLSearchParams({
              ...(data.query ? { q: data.query } : {}),
              ...(data.guests ? { guests: data.guests } : {}),
              after: data.next,
            })}`}
          >
            {text.nextPage}
          </a>
        </p>
      )}
    </Frame>
  );
}
