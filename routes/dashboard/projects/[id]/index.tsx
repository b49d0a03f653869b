import type { Handlers } from "@/lib/router/routes.ts";
import { page, type PageProps } from "@/lib/router/page.tsx";
import { withProject } from "@/lib/dashboard/access.ts";
import { projectView } from "@/lib/dashboard/project_page.ts";
import { ProjectView, type ProjectViewData } from "@/components/dashboard/ProjectView.tsx";

export const handler: Handlers<ProjectViewData> = {
  GET: async (c) => {
    const data = await withProject(c, "viewer", (tx, role, id) => projectView(c, tx, id, role));
    return page(data, { title: data.project.name });
  },
};

/** GET /dashboard/projects/:id */
export default function ProjectPage({ data }: PageProps<ProjectViewData>) {
  return <ProjectView data={data} />;
}
