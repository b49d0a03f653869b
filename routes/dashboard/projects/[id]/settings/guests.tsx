/**
 * POST /dashboard/projects/:id/settings/guests: anonymous sign-ins (settings.anonymous_users, admins), through
 * the Platform API's setter (api.update_anonymous_user_settings: validated, audited as project.settings).
 */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { updateAnonymousUserSettings } from "@/db/anonymous_users.ts";
import { settingsAction } from "@/lib/dashboard/settings_page.ts";
import { type SettingsData, SettingsView } from "@/components/dashboard/SettingsView.tsx";

const Count = z.string().trim().max(20).default("");
const GuestsForm = z.object({
  csrf: z.string(),
  enabled: z.literal("on").optional(),
  sweep_after_days: Count,
  hourly_limit: Count,
});

/** Empty → the default (the key is removed); a whole number → that; anything else SQL refuses with its reason. */
function count(text: string): number | string | null {
  if (text === "") return null;
  return /^-?\d{1,9}$/.test(text) ? Number(text) : text;
}

export const handler: Handlers<SettingsData> = {
  POST: (c) =>
    settingsAction(c, "admin", GuestsForm, async (tx, projectId, form) => {
      await updateAnonymousUserSettings(tx, projectId, {
        enabled: form.enabled === "on" ? true : null,
        sweep_after_days: count(form.sweep_after_days),
        hourly_limit: count(form.hourly_limit),
      });
      return "guests_saved";
    }),
};

export default function GuestsSettingsPage({ data }: PageProps<SettingsData>) {
  return <SettingsView data={data} />;
}
