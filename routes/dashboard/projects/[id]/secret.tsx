import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { rotateClientSecret } from "@/db/projects.ts";
import { projectAction } from "@/lib/dashboard/project_page.ts";
import { ProjectView, type ProjectViewData } from "@/components/dashboard/ProjectView.tsx";

const RotateForm = z.object({ csrf: z.string(), confirm: z.literal("yes") });

/** POST /dashboard/projects/:id/secret: a new client secret, shown once on the page this answers with. */
export const handler: Handlers<ProjectViewData> = {
  POST: (c) =>
    projectAction(c, "admin", RotateForm, async (tx, projectId) => {
      const rotated = await rotateClientSecret(tx, projectId);
      return {
        newSecret: rotated.client_secret,
        notice: "A new client secret is in force; the old one no longer works.",
      };
    }),
};

export default function SecretPage({ data }: PageProps<ProjectViewData>) {
  return <ProjectView data={data} />;
}
