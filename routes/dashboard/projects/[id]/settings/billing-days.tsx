import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { updateBillingSettings } from "@/db/project_settings.ts";
import { settingsAction } from "@/lib/dashboard/settings_page.ts";
import { type SettingsData, SettingsView } from "@/components/dashboard/SettingsView.tsx";

const Days = z.string().trim().max(20).default("");
const BillingDaysForm = z.object({
  csrf: z.string(),
  billing_grace_days: Days,
  billing_renewal_notice_days: Days,
  billing_trial_reminder_days: Days,
});

/** Empty → the default (the key is removed); a number → that; anything else goes to SQL, which says why not. */
function days(text: string): number | string | null {
  if (text === "") return null;
  return /^-?\d+$/.test(text) ? Number(text) : text;
}

/**
 * POST /dashboard/projects/:id/settings/billing-days: the renewal pass's grace, renewal-notice and trial-reminder
 * days (admins), through the Platform API's setter (api.update_billing_settings: 0–365 whole days, audited as
 * project.settings).
 */
export const handler: Handlers<SettingsData> = {
  POST: (c) =>
    settingsAction(c, "admin", BillingDaysForm, async (tx, projectId, form) => {
      await updateBillingSettings(tx, projectId, {
        billing_grace_days: days(form.billing_grace_days),
        billing_renewal_notice_days: days(form.billing_renewal_notice_days),
        billing_trial_reminder_days: days(form.billing_trial_reminder_days),
      });
      return "billing_days_saved";
    }),
};

export default function BillingDaysPage({ data }: PageProps<SettingsData>) {
  return <SettingsView data={data} />;
}
