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
const DONE_MESSAGES: Record<string, string> = {
  user_deleted: "User deleted: the account was erased and the app was sent user.deleted.",
};

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
        notice: DONE_MESSAGES[query.done ?? ""],
      };
    });
    return page(data, { title: `Users · ${data.project.name}` });
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
  return (
    <Frame
      frame={data.frame}
      crumbs={[{ href: "/dashboard", label: "Projects" }, { href: base, label: data.project.name }]}
      project={{ id: data.project.project_id, section: "users" }}
    >
      <h1>Users</h1>
      <Notice notice={data.notice} />
      {signUpMode(data.project) === "waitlist" && (
        <p>
          Sign-ups go through a waitlist: <a href={`${base}/waitlist`}>see who is waiting</a>.
        </p>
      )}
      <form method="get" action={`${base}/users`} class="form inline-form search">
        <label for="q">Search users</label>
        <input
          id="q"
          name="q"
          type="search"
          maxLength={254}
          value={data.query}
          placeholder="ayu, ayu@example.com, @example.com or a sub"
          aria-describedby="q-hint"
        />
        <button type="submit" class="button secondary">Search</button>
        <p id="q-hint" class="hint">
          The start of an email or a name, <code>@example.com</code> for a domain, or a sub (exact).
        </p>
      </form>
      <p class="muted">
        Show: {data.guests ? <a href={`${base}/users`}>everyone</a> : "everyone"} ·{" "}
        {data.guests === "only" ? "guests only" : <a href={`${base}/users?guests=only`}>guests only</a>} ·
        {" "}
        {data.guests === "none" ? "without guests" : <a href={`${base}/users?guests=none`}>without guests</a>}
      </p>
      {data.users.length === 0
        ? (
          !data.query && !data.guests
            ? (
              <EmptyState
                title={`No ${data.project.mode} users yet`}
                action={firstUserLink(data.project)}
                more={{ href: "/docs/migrating", label: "Or import users from another service" }}
              >
                <p>
                  The people who sign up or sign in on your app's hosted login appear here, with their plan
                  and how they sign in. Make a first test user on the hosted sign-up page; in sandbox mode its
                  confirmation mail waits in the <a href={`${base}/sandbox-inbox`}>sandbox inbox</a>.
                </p>
              </EmptyState>
            )
            : (
              <p class="muted">
                {!data.query
                  ? `No ${data.project.mode} user ${data.guests === "only" ? "is" : "is not"} a guest.`
                  : /^[^@]+@/.test(data.query)
                  ? `No ${data.project.mode} user has the email ${data.query}.`
                  : `No ${data.project.mode} user matches ${data.query}.`}
              </p>
            )
        )
        : (
          <table class="list stack">
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Name</th>
                <th scope="col">sub</th>
                <th scope="col">Environment</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {data.users.map((user) => (
                <tr key={user.id}>
                  <td data-label="Email">
                    <a href={`${base}/users/${user.id}`}>
                      {user.email ?? user.phone_number ?? (user.is_anonymous ? `Guest ${user.id}` : user.id)}
                    </a>
                  </td>
                  <td data-label="Name">{displayName(user)}</td>
                  <td data-label="sub">
                    <code>{user.id}</code>
                  </td>
                  <td data-label="Environment">
                    <ModeBadge mode={user.environment} />
                  </td>
                  <td data-label="Status">
                    {user.disabled
                      ? "disabled"
                      : user.is_anonymous
                      ? "guest"
                      : user.email_verified
                      ? "verified"
                      : "unverified"}
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
            Next page
          </a>
        </p>
      )}
    </Frame>
  );
}
