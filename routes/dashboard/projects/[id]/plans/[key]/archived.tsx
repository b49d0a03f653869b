import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { updatePlan } from "@/db/plans.ts";
import { formAction } from "@/lib/dashboard/form_action.ts";
import { planKeyOf, type PlansData, plansView } from "@/lib/dashboard/plans_page.ts";
import PlansPage from "../index.tsx";

const ArchivedForm = z.object({ csrf: z.string(), archived: z.enum(["true", "false"]) });

/** POST …/plans/:key/archived: archives (or unarchives) a plan through api.update_plan. */
export const handler: Handlers<PlansData> = {
  POST: (c) => {
    const key = planKeyOf(c);
    return formAction(c, {
      needed: "admin",
      back: `/dashboard/projects/${c.req.param("id")}/plans`,
      body: ArchivedForm,
      load: plansView(c),
      run: async (tx, projectId, _role, form) => {
        const archived = form.archived === "true";
        await updatePlan(tx, projectId, key, { archived });
        return archived ? "archived" : "unarchived";
      },
      title: (data) => `Plans · ${data.project.name}`,
    });
  },
};

export default function ArchivedPage(props: PageProps<PlansData>) {
  return <PlansPage {...props} />;
}
