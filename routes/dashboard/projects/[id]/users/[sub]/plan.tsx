import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { assignPlan } from "@/db/plans.ts";
import { wordAssignRefusal } from "@/lib/dashboard/trial_refusals.ts";
import { userAction } from "@/lib/dashboard/user_page.ts";
import { UserView, type UserViewData } from "@/components/dashboard/UserView.tsx";

const PlanForm = z.object({ csrf: z.string(), plan: z.string().trim().min(1).max(100) });

/**
 * POST …/users/:sub/plan: puts the user on a plan through api.assign_plan (source "dashboard"); a team plan is
 * refused in English and Indonesian.
 */
export const handler: Handlers<UserViewData> = {
  POST: (c) =>
    userAction(c, PlanForm, async (tx, projectId, userId, form) => {
      await assignPlan(tx, projectId, userId, form.plan, "dashboard").catch((thrown) =>
        wordAssignRefusal(thrown, form.plan)
      );
      return "plan_assigned";
    }),
};

export default function PlanPage({ data }: PageProps<UserViewData>) {
  return <UserView data={data} />;
}
