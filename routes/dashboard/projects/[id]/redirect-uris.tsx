import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { addRedirectUri, removeRedirectUri } from "@/db/projects.ts";
import { projectAction } from "@/lib/dashboard/project_page.ts";
import { ProjectView, type ProjectViewData } from "@/components/dashboard/ProjectView.tsx";

const RedirectUriForm = z.object({
  csrf: z.string(),
  action: z.enum(["add", "remove"]),
  uri: z.string().trim().min(1).max(2000),
});

/** POST /dashboard/projects/:id/redirect-uris: add or remove one (admins and owners). */
export const handler: Handlers<ProjectViewData> = {
  POST: (c) =>
    projectAction(c, "admin", RedirectUriForm, async (tx, projectId, form) => {
      if (form.action === "add") {
        await addRedirectUri(tx, projectId, form.uri);
        return "redirect_uri_added";
      }
      await removeRedirectUri(tx, projectId, form.uri);
      return "redirect_uri_removed";
    }),
};

export default function RedirectUrisPage({ data }: PageProps<ProjectViewData>) {
  return <ProjectView data={data} />;
}
