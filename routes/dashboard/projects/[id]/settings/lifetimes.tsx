import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { updateProjectSettings } from "@/db/project_settings.ts";
import { settingsAction } from "@/lib/dashboard/settings_page.ts";
import { type SettingsData, SettingsView } from "@/components/dashboard/SettingsView.tsx";

const Seconds = z.string().trim().max(20).default("");
const LifetimesForm = z.object({
  csrf: z.string(),
  access_token_ttl: Seconds,
  refresh_token_ttl: Seconds,
  refresh_grace_seconds: Seconds,
  refresh_token_max_age: Seconds,
  login_session_ttl: Seconds,
});

/** Empty → the default (the key is removed); a number → that; anything else goes to SQL, which says why not. */
function seconds(text: string): number | string | null {
  if (text === "") return null;
  return /^-?\d+$/.test(text) ? Number(text) : text;
}

/** POST /dashboard/projects/:id/settings/lifetimes: access, refresh, grace, sign-in max age and hosted-login session (admins). */
export const handler: Handlers<SettingsData> = {
  POST: (c) =>
    settingsAction(c, "admin", LifetimesForm, async (tx, projectId, form) => {
      await updateProjectSettings(tx, projectId, {
        access_token_ttl: seconds(form.access_token_ttl),
        refresh_token_ttl: seconds(form.refresh_token_ttl),
        refresh_grace_seconds: seconds(form.refresh_grace_seconds),
        refresh_token_max_age: seconds(form.refresh_token_max_age),
        login_session_ttl: seconds(form.login_session_ttl),
      });
      return "lifetimes_saved";
    }),
};

export default function LifetimesPage({ data }: PageProps<SettingsData>) {
  return <SettingsView data={data} />;
}
