/**
 * POST /dashboard/projects/:id/members/change: an owner changes a member's role (`change=role`) or removes
 * them (`change=remove`). SQL refuses demoting or removing the last owner; the page then says why (422).
 */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { MemberRoleSchema, removeMember, setMemberRole } from "@/db/accounts.ts";
import { formAction } from "@/lib/dashboard/form_action.ts";
import MembersPage, {
  type MembersData,
  membersTitle,
  membersView,
} from "@/routes/dashboard/projects/[id]/members.tsx";

const ChangeForm = z.discriminatedUnion("change", [
  z.object({
    csrf: z.string(),
    change: z.literal("role"),
    email: z.string().max(254),
    role: MemberRoleSchema,
  }),
  z.object({ csrf: z.string(), change: z.literal("remove"), email: z.string().max(254) }),
]);

export const handler: Handlers<MembersData> = {
  POST: (c) =>
    formAction(c, {
      needed: "owner",
      back: `/dashboard/projects/${c.req.param("id")}/members`,
      body: ChangeForm,
      load: membersView(c),
      run: async (tx, projectId, _role, form) => {
        if (form.change === "role") {
          await setMemberRole(tx, projectId, form.email, form.role);
          return "role_changed";
        }
        await removeMember(tx, projectId, form.email);
        return "removed";
      },
      title: membersTitle,
    }),
};

export default function MemberChangePage(props: PageProps<MembersData>) {
  return <MembersPage {...props} />;
}
