import { z } from "zod";
import { UserIdSchema } from "@/lib/http/user_id.ts";
import type { Handlers } from "@/lib/router/routes.ts";
import { page, type PageProps } from "@/lib/router/page.tsx";
import { validate } from "@/lib/http/body.ts";
import { getProject, type Project } from "@/db/projects.ts";
import { findUserByEmail, type User } from "@/db/users.ts";
import { listEnvironmentUsers } from "@/db/user_admin.ts";
import { withProject } from "@/lib/dashboard/access.ts";
import { frameOf } from "@/lib/dashboard/frame.ts";
import { Frame, type FrameData, ModeBadge } from "@/components/dashboard/Frame.tsx";

const PAGE_SIZE = 50;

const Query = z.object({
  email: z.string().trim().max(254).optional(),
  after: UserIdSchema.optional(),
});

type UsersData = {
  frame: FrameData;
  project: Project;
  users: User[];
  email: string;
  next?: string;
};

export const handler: Handlers<UsersData> = {
  GET: async (c) => {
    const query = validate(Query, c.req.query());
    const data = await withProject(c, "viewer", async (tx, _role, projectId) => {
      const project = await getProject(tx, projectId);
      if (query.email) {
        const found = await findUserByEmail(tx, projectId, query.email);
        return { frame: frameOf(c), project, users: found ? [found] : [], email: query.email };
      }
      const users = await listEnvironmentUsers(tx, projectId, { size: PAGE_SIZE, afterId: query.after });
      const next = users.length === PAGE_SIZE ? users.at(-1)!.id : undefined;
      return { frame: frameOf(c), project, users, email: "", next };
    });
    return page(data, { title: `Users · ${data.project.name}` });
  },
};

/** GET /dashboard/projects/:id/users: the users of the project's current mode, or the one with an email. */
export default function UsersPage({ data }: PageProps<UsersData>) {
  const base = `/dashboard/projects/${data.project.project_id}`;
  return (
    <Frame
      frame={data.frame}
      crumbs={[{ href: "/dashboard", label: "Projects" }, { href: base, label: data.project.name }]}
      project={{ id: data.project.project_id, section: "users" }}
    >
      <h1>Users</h1>
      <form method="get" action={`${base}/users`} class="form inline-form search">
        <label for="email">Find by email</label>
        <input id="email" name="email" type="email" value={data.email} placeholder="ayu@example.com" />
        <button type="submit" class="button secondary">Search</button>
      </form>
      {data.users.length === 0
        ? (
          <p class="muted">
            {data.email ? `No ${data.project.mode} user has the email ${data.email}.` : "No users yet."}
          </p>
        )
        : (
          <table class="list">
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">sub</th>
                <th scope="col">Environment</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {data.users.map((user) => (
                <tr key={user.id}>
                  <td>
                    <a href={`${base}/users/${user.id}`}>{user.email}</a>
                  </td>
                  <td>
                    <code>{user.id}</code>
                  </td>
                  <td>
                    <ModeBadge mode={user.environment} />
                  </td>
                  <td>{user.disabled ? "disabled" : user.email_verified ? "verified" : "unverified"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      {data.next && (
        <p>
          <a href={`${base}/users?after=${data.next}`}>Next page</a>
        </p>
      )}
    </Frame>
  );
}
