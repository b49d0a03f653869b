import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { updatePlan } from "@/db/plans.ts";
import { formAction } from "@/lib/dashboard/form_action.ts";
import { planKeyOf, type PlansData, plansView } from "@/lib/dashboard/plans_page.ts";
import PlansPage from "../index.tsx";

const DefaultForm = z.object({ csrf: z.string() });

/** POST …/plans/:key/default: makes the plan the project's default through api.update_plan. */
export const handler: Handlers<PlansData> = {
  POST: (c) => {
    const key = planKeyOf(c);
    return formAction(c, {
      needed: "admin",
      back: `/dashboard/projects/${c.req.param("id")}/plans`,
      body: DefaultForm,
      load: plansView(c),
      run: async (tx, projectId) => {
        await updatePlan(tx, projectId, key, { default: true });
        return "default";
      },
      title: (data) => `Plans · ${data.project.name}`,
    });
  },
};

export default function DefaultPage(props: PageProps<PlansData>) {
  return <PlansPage {...props} />;
}
