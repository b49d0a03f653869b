import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { deleteProject } from "@/db/project_settings.ts";
import { settingsAction } from "@/lib/dashboard/settings_page.ts";
import { type SettingsData, SettingsView } from "@/components/dashboard/SettingsView.tsx";

const DeleteForm = z.object({ csrf: z.string(), confirm: z.string().max(200) });

/**
 * POST /dashboard/projects/:id/settings/delete: owners only, confirmed by typing the name (checked in SQL,
 * which also refuses the console and a live project that has taken live payments). Back to the projects list.
 */
export const handler: Handlers<SettingsData> = {
  POST: (c) =>
    settingsAction(c, "owner", DeleteForm, async (tx, projectId, form) => {
      await deleteProject(tx, projectId, form.confirm);
      return "project_deleted";
    }, "/dashboard"),
};

export default function DeletePage({ data }: PageProps<SettingsData>) {
  return <SettingsView data={data} />;
}
