import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { AppError } from "@/lib/http/errors.ts";
import { updateProjectSettings } from "@/db/project_settings.ts";
import { settingsAction } from "@/lib/dashboard/settings_page.ts";
import { initiateLoginUriProblem } from "@/lib/oauth/initiate_login_uri.ts";
import { type SettingsData, SettingsView } from "@/components/dashboard/SettingsView.tsx";

const InitiateLoginForm = z.object({
  csrf: z.string(),
  initiate_login_uri: z.string().trim().max(2000).default(""),
});

/**
 * POST /dashboard/projects/:id/settings/initiate-login: the project client's initiate_login_uri (admins), through
 * the setter the Platform API's /api/platform/initiate-login-settings uses; an empty field removes it.
 */
export const handler: Handlers<SettingsData> = {
  POST: (c) =>
    settingsAction(
      c,
      "admin",
      InitiateLoginForm,
      async (tx, projectId, { initiate_login_uri: uri }) => {
        const problem = uri ? initiateLoginUriProblem(uri) : null;
        if (problem) {
          throw new AppError("validation_failed", { description: `The initiate-login URI ${problem}.` });
        }
        await updateProjectSettings(tx, projectId, { initiate_login_uri: uri || null });
        return "initiate_login_saved";
      },
    ),
};

export default function InitiateLoginPage({ data }: PageProps<SettingsData>) {
  return <SettingsView data={data} />;
}
