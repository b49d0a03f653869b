import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { updateProjectSettings } from "@/db/project_settings.ts";
import { settingsAction } from "@/lib/dashboard/settings_page.ts";
import { MFA_POLICIES, rememberDays } from "@/lib/login/factors/policy.ts";
import { getProject } from "@/db/projects.ts";
import { type SettingsData, SettingsView } from "@/components/dashboard/SettingsView.tsx";

const MfaForm = z.object({
  csrf: z.string(),
  policy: z.enum(MFA_POLICIES),
  /** The checkbox: a code to a verified phone may be the second factor (off unless ticked). */
  phone: z.literal("on").optional(),
});

/** POST /dashboard/projects/:id/settings/mfa: the second-factor policy (off, optional, required), phone codes. */
export const handler: Handlers<SettingsData> = {
  POST: (c) =>
    settingsAction(c, "admin", MfaForm, async (tx, projectId, form) => {
      // The whole mfa object is replaced: the remembered-browser days set elsewhere (the SQL API) stay.
      const days = rememberDays(await getProject(tx, projectId));
      await updateProjectSettings(tx, projectId, {
        mfa: {
          policy: form.policy,
          ...(days > 0 ? { remember_days: days } : {}),
          ...(form.phone ? { phone: true } : {}),
        },
      });
      return "mfa_saved";
    }),
};

export default function MfaPage({ data }: PageProps<SettingsData>) {
  return <SettingsView data={data} />;
}
