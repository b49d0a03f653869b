import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { updateProjectSettings } from "@/db/project_settings.ts";
import { settingsAction } from "@/lib/dashboard/settings_page.ts";
import { dpopRequiredChange } from "@/lib/oauth/dpop_settings.ts";
import { type SettingsData, SettingsView } from "@/components/dashboard/SettingsView.tsx";

// An unchecked box sends nothing: DPoP is then not required (the default, so the key is removed).
const DpopForm = z.object({ csrf: z.string(), dpop_required: z.literal("on").optional() });

/** POST /dashboard/projects/:id/settings/dpop: require DPoP-bound tokens of every client (admins). */
export const handler: Handlers<SettingsData> = {
  POST: (c) =>
    settingsAction(c, "admin", DpopForm, async (tx, projectId, form) => {
      await updateProjectSettings(tx, projectId, dpopRequiredChange(form.dpop_required === "on"));
      return "dpop_saved";
    }),
};

export default function DpopPage({ data }: PageProps<SettingsData>) {
  return <SettingsView data={data} />;
}
