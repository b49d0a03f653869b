import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import { page, type PageProps } from "@/lib/router/page.tsx";
import { addMember, type MemberRole, MemberRoleSchema } from "@/db/accounts.ts";
import { inviteAccount, listMembers, type Member } from "@/db/dashboard.ts";
import { getProject, type Project } from "@/db/projects.ts";
import { withProject } from "@/lib/dashboard/access.ts";
import { formAction, type Loader } from "@/lib/dashboard/form_action.ts";
import { frameOf } from "@/lib/dashboard/frame.ts";
import type { Ctx } from "@/lib/app_env.ts";
import { CsrfField, Frame, type FrameData, Notice, roleLabel } from "@/components/dashboard/Frame.tsx";
import { RowAction } from "@/components/dashboard/RowAction.tsx";
import { dashboardLang, doneNotice, fill, type Lang } from "@/lib/dashboard/i18n.ts";
import { MEMBERS_TEXT } from "@/lib/dashboard/text/members.ts";
import { PROJECTS_TEXT } from "@/lib/dashboard/text/projects.ts";

const InviteForm = z.object({
  csrf: z.string(),
  email: z.string().trim().min(3).max(254),
  role: MemberRoleSchema,
});

const MEMBER_NOTICES = { invited: "invitedNotice", role_changed: "roleChanged", removed: "removed" } as const;

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
    notice: doneNotice(MEMBERS_TEXT[dashboardLang(c)], MEMBER_NOTICES, c.req.query("done")),
    ...extra,
  });
}

export const handler: Handlers<MembersData> = {
  GET: async (c) => {
    const load = membersView(c);
    const data = await withProject(c, "viewer", (tx, role, projectId) => load(tx, role, projectId, {}));
    return page(data, { title: membersTitle(data) });
  },
  /** Owners invite by email: the account is made as an invitation if new, then added with a role. */
  POST: (c) =>
    formAction(c, {
      needed: "owner",
      back: `/dashboard/projects/${c.req.param("id")}/members`,
      body: InviteForm,
      load: membersView(c),
      run: async (tx, projectId, _role, form) => {
        const account = await inviteAccount(tx, form.email);
        await addMember(tx, projectId, account.id, form.role);
        return "invited";
      },
      title: membersTitle,
    }),
};

/** The page's title, in its language. */
export const membersTitle = (data: MembersData) =>
  `${MEMBERS_TEXT[data.frame.lang].title} · ${data.project.name}`;

/**
 * GET /dashboard/projects/:id/members: who administers the project; owners invite by email, change roles and
 * remove members (members/change.tsx; the last owner can be neither demoted nor removed).
 */
export default function MembersPage({ data }: PageProps<MembersData>) {
  const base = `/dashboard/projects/${data.project.project_id}`;
  const lang = data.frame.lang;
  const text = MEMBERS_TEXT[lang];
  return (
    <Frame
      frame={data.frame}
      crumbs={[{ href: "/dashboard", label: PROJECTS_TEXT[lang].title }, {
        href: base,
        label: data.project.name,
      }]}
      project={{ id: data.project.project_id, section: "members" }}
    >
      <h1>{text.title}</h1>
      <Notice notice={data.notice} error={data.error} />
      <table class="list">
        <thead>
          <tr>
            <th scope="col">{text.columnEmail}</th>
            <th scope="col">{text.columnRole}</th>
            <th scope="col">{text.columnStatus}</th>
            {data.role === "owner" && <th scope="col">{text.columnChange}</th>}
          </tr>
        </thead>
        <tbody>
          {data.members.map((member) => (
            <tr key={member.account_id}>
              <td>{member.email}</td>
              <td>{roleLabel(lang, member.role)}</td>
              <td>{member.signed_in ? text.active : text.invited}</td>
              {data.role === "owner" && (
                <td>
                  <MemberControls base={base} csrf={data.frame.csrf} member={member} lang={lang} />
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      {data.role === "owner" && (
        <form method="post" action={`${base}/members`} class="card form">
          <CsrfField token={data.frame.csrf} />
          <h2>{text.invite}</h2>
          <label for="email">{text.email}</label>
          <input id="email" name="email" type="email" required />
          <label for="role">{text.role}</label>
          <select id="role" name="role">
            <option value="viewer">{`${roleLabel(lang, "viewer")}: ${text.viewerDoes}`}</option>
            <option value="admin">{`${roleLabel(lang, "admin")}: ${text.adminDoes}`}</option>
            <option value="owner">{`${roleLabel(lang, "owner")}: ${text.ownerDoes}`}</option>
          </select>
          <button type="submit" class="button">{text.inviteButton}</button>
        </form>
      )}
    </Frame>
  );
}

/** An owner's controls for one member: a new role, or removal (each its own form; no JavaScript needed). */
function MemberControls(
  { base, csrf, member, lang }: { base: string; csrf: string; member: Member; lang: Lang },
) {
  const id = `role-${member.account_id}`;
  const text = MEMBERS_TEXT[lang];
  return (
    <div class="member-controls">
      <form method="post" action={`${base}/members/change`} class="inline">
        <CsrfField token={csrf} />
        <input type="hidden" name="email" value={member.email} />
        <label for={id} class="visually-hidden">{fill(text.roleOf, { email: member.email })}</label>
        <select id={id} name="role">
          {MemberRoleSchema.options.map((role) => (
            <option key={role} value={role} selected={role === member.role}>{roleLabel(lang, role)}</option>
          ))}
        </select>{" "}
        <button type="submit" name="change" value="role" class="button secondary">{text.changeRole}</button>
      </form>{" "}
      <RowAction
        action={`${base}/members/change`}
        csrf={csrf}
        fields={{ email: member.email }}
        pressed={{ name: "change", value: "remove" }}
      >
        {text.remove}
        <span class="visually-hidden">{` ${member.email}`}</span>
      </RowAction>
    </div>
  );
}
