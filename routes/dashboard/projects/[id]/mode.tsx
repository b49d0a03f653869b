import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { getProject, ModeSchema, updateProject } from "@/db/projects.ts";
import { hasLiveDeploymentXendit } from "@/lib/payments/accounts.ts";
import { AppError } from "@/lib/http/errors.ts";
import { projectAction } from "@/lib/dashboard/project_page.ts";
import { ProjectView, type ProjectViewData } from "@/components/dashboard/ProjectView.tsx";

const ModeForm = z.object({ csrf: z.string(), mode: ModeSchema, confirm: z.string().max(200) });

/** POST /dashboard/projects/:id/mode: the go-live toggle, owners only, confirmed by typing the name. */
export const handler: Handlers<ProjectViewData> = {
  POST: (c) =>
    projectAction(c, "owner", ModeForm, async (tx, projectId, form) => {
      const project = await getProject(tx, projectId);
      if (form.confirm.trim() !== project.name) {
        throw new AppError("validation_failed", {
          description: `To switch modes, type the project name exactly: ${project.name}.`,
        });
      }
      const deploymentLiveXendit = hasLiveDeploymentXendit(c.var.deps.config);
      await updateProject(tx, projectId, { mode: form.mode, deploymentLiveXendit });
      return `mode_${form.mode}`;
    }),
};

export default function ModePage({ data }: PageProps<ProjectViewData>) {
  return <ProjectView data={data} />;
}
