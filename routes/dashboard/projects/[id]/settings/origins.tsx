import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { updateProjectSettings } from "@/db/project_settings.ts";
import { settingsAction } from "@/lib/dashboard/settings_page.ts";
import { type SettingsData, SettingsView } from "@/components/dashboard/SettingsView.tsx";

const OriginsForm = z.object({ csrf: z.string(), origins: z.string().max(20000) });

/** POST /dashboard/projects/:id/settings/origins: the allowed origins, one a line (admins). */
export const handler: Handlers<SettingsData> = {
  POST: (c) =>
    settingsAction(c, "admin", OriginsForm, async (tx, projectId, form) => {
      const origins = form.origins.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== "");
      await updateProjectSettings(tx, projectId, { allowed_origins: origins.length ? origins : null });
      return "origins_saved";
    }),
};

export default function OriginsPage({ data }: PageProps<SettingsData>) {
  return <SettingsView data={data} />;
}
