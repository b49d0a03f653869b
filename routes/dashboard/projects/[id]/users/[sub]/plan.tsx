import { z } from "zod";
import type { Handlers } from "../../../../../../lib/router/routes.ts";
import type { PageProps } from "../../../../../../lib/router/page.tsx";
import { readBody } from "../../../../../../lib/http/body.ts";
import { assignPlan } from "../../../../../../db/plans.ts";
import { formAction } from "../../../../../../lib/dashboard/form_action.ts";
import { userIdOf, userView } from "../../../../../../lib/dashboard/user_page.ts";
import { UserView, type UserViewData } from "../../../../../../components/dashboard/UserView.tsx";

const PlanForm = z.object({ csrf: z.string(), plan: z.string().trim().min(1).max(100) });

/** POST …/users/:sub/plan: puts the user on a plan through api.assign_plan (source "dashboard"). */
export const handler: Handlers<UserViewData> = {
  POST: async (c) => {
    const form = await readBody(c, PlanForm, ["form"]);
    const userId = userIdOf(c);
    return formAction(c, {
      needed: "admin",
      back: `/dashboard/projects/${c.req.param("id")}/users/${userId}`,
      load: userView(c),
      run: async (tx, projectId) => {
        await assignPlan(tx, projectId, userId, form.plan, "dashboard");
        return "plan_assigned";
      },
      title: (data) => data.user.email,
    });
  },
};

export default function PlanPage({ data }: PageProps<UserViewData>) {
  return <UserView data={data} />;
}
