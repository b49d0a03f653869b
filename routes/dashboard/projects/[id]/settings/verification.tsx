import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { updateProjectSettings } from "@/db/project_settings.ts";
import { settingsAction } from "@/lib/dashboard/settings_page.ts";
import { type SettingsData, SettingsView } from "@/components/dashboard/SettingsView.tsx";

// An unchecked box sends nothing: that means "not required" (the default, so the key is removed).
const VerificationForm = z.object({ csrf: z.string(), require_verified_email: z.literal("on").optional() });

/** POST /dashboard/projects/:id/settings/verification: require a verified email before reaching the app. */
export const handler: Handlers<SettingsData> = {
  POST: (c) =>
    settingsAction(c, "admin", VerificationForm, async (tx, projectId, form) => {
      await updateProjectSettings(tx, projectId, {
        require_verified_email: form.require_verified_email ? true : null,
      });
      return "verification_saved";
    }),
};

export default function VerificationPage({ data }: PageProps<SettingsData>) {
  return <SettingsView data={data} />;
}
