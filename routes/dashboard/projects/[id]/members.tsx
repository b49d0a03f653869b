import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { page, type PageProps } from "@/lib/router/page.tsx";
import { readBody } from "@/lib/http/body.ts";
import { addMember, type MemberRole, MemberRoleSchema } from "@/db/accounts.ts";
import { inviteAccount, listMembers, type Member } from "@/db/dashboard.ts";
import { getProject, type Project } from "@/db/projects.ts";
import { withProject } from "@/lib/dashboard/access.ts";
import { formAction, type Loader } from "@/lib/dashboard/form_action.ts";
import { frameOf } from "@/lib/dashboard/frame.ts";
import type { Ctx } from "@/lib/app_env.ts";
import { CsrfField, Frame, type FrameData, Notice } from "@/components/dashboard/Frame.tsx";
import { RowAction } from "@/components/dashboard/RowAction.tsx";

const InviteForm = z.object({
  csrf: z.string(),
  email: z.string().trim().min(3).max(254),
  role: MemberRoleSchema,
});

const MEMBER_NOTICES: Record<string, string> = {
  invited: "Invited: they join when they first sign in.",
  role_changed: "Role changed.",
  removed: "Member removed.",
};

export type MembersData = {
  frame: FrameData;
  project: Project;
  role: MemberRole;
  members: Member[];
  notice?: string;
  error?: string;
};

export function membersView(c: Ctx): Loader<MembersData> {
  return async (tx, role, projectId, extra) => ({
    frame: frameOf(c),
    project: await getProject(tx, projectId),
    role,
    members: await listMembers(tx, projectId),
    notice: MEMBER_NOTICES[c.req.query("done") ?? ""],
    ...extra,
  });
}

export const handler: Handlers<MembersData> = {
  GET: async (c) => {
    const load = membersView(c);
    const data = await withProject(c, "viewer", (tx, role, projectId) => load(tx, role, projectId, {}));
    return page(data, { title: `Members · ${data.project.name}` });
  },
  /** Owners invite by email: the account is made as an invitation if new, then added with a role. */
  POST: async (c) => {
    const form = await readBody(c, InviteForm, ["form"]);
    return formAction(c, {
      needed: "owner",
      back: `/dashboard/projects/${c.req.param("id")}/members`,
      load: membersView(c),
      run: async (tx, projectId) => {
        const account = await inviteAccount(tx, form.email);
        await addMember(tx, projectId, account.id, form.role);
        return "invited";
      },
      title: (data) => `Members · ${data.project.name}`,
    });
  },
};

/**
 * GET /dashboard/projects/:id/members: who administers the project; owners invite by email, change roles and
 * remove members (members/change.tsx; the last owner can be neither demoted nor removed).
 */
export default function MembersPage({ data }: PageProps<MembersData>) {
  const base = `/dashboard/projects/${data.project.project_id}`;
  return (
    <Frame
      frame={data.frame}
      crumbs={[{ href: "/dashboard", label: "Projects" }, { href: base, label: data.project.name }]}
      project={{ id: data.project.project_id, section: "members" }}
    >
      <h1>Members</h1>
      <Notice notice={data.notice} error={data.error} />
      <table class="list">
        <thead>
          <tr>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            <th scope="col">Status</th>
            {data.role === "owner" && <th scope="col">Change</th>}
          </tr>
        </thead>
        <tbody>
          {data.members.map((member) => (
            <tr key={member.account_id}>
              <td>{member.email}</td>
              <td>{member.role}</td>
              <td>{member.signed_in ? "active" : "invited"}</td>
              {data.role === "owner" && (
                <td>
                  <MemberControls base={base} csrf={data.frame.csrf} member={member} />
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      {data.role === "owner" && (
        <form method="post" action={`${base}/members`} class="card form">
          <CsrfField token={data.frame.csrf} />
          <h2>Invite a developer</h2>
          <label for="email">Email</label>
          <input id="email" name="email" type="email" required />
          <label for="role">Role</label>
          <select id="role" name="role">
            <option value="viewer">viewer: reads everything, changes nothing</option>
            <option value="admin">admin: settings and users</option>
            <option value="owner">owner: also the mode and members</option>
          </select>
          <button type="submit" class="button">Invite</button>
        </form>
      )}
    </Frame>
  );
}

/** An owner's controls for one member: a new role, or removal (each its own form; no JavaScript needed). */
function MemberControls({ base, csrf, member }: { base: string; csrf: string; member: Member }) {
  const id = `role-${member.account_id}`;
  return (
    <div class="member-controls">
      <form method="post" action={`${base}/members/change`} class="inline">
        <CsrfField token={csrf} />
        <input type="hidden" name="email" value={member.email} />
        <label for={id} class="visually-hidden">{`Role of ${member.email}`}</label>
        <select id={id} name="role">
          {MemberRoleSchema.options.map((role) => (
            <option key={role} value={role} selected={role === member.role}>{role}</option>
          ))}
        </select>{" "}
        <button type="submit" name="change" value="role" class="button secondary">Change role</button>
      </form>{" "}
      <RowAction
        action={`${base}/members/change`}
        csrf={csrf}
        fields={{ email: member.email }}
        pressed={{ name: "change", value: "remove" }}
      >
        Remove<span class="visually-hidden">{` ${member.email}`}</span>
      </RowAction>
    </div>
  );
}
