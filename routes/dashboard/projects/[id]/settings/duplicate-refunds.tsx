import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { updateBillingSettings } from "@/db/project_settings.ts";
import { settingsAction } from "@/lib/dashboard/settings_page.ts";
import { type SettingsData, SettingsView } from "@/components/dashboard/SettingsView.tsx";

const DuplicateRefundsForm = z.object({
  csrf: z.string(),
  billing_refund_duplicates: z.literal("on").optional(),
});

/**
 * POST /dashboard/projects/:id/settings/duplicate-refunds: whether a paid_again payment is refunded in full without
 * an operator (admins), through the Platform API's setter (api.update_billing_settings, audited as
 * project.settings). Unticked removes the key: off, the default.
 */
export const handler: Handlers<SettingsData> = {
  POST: (c) =>
    settingsAction(c, "admin", DuplicateRefundsForm, async (tx, projectId, form) => {
      await updateBillingSettings(tx, projectId, {
        billing_refund_duplicates: form.billing_refund_duplicates ? true : null,
      });
      return "duplicate_refunds_saved";
    }),
};

export default function DuplicateRefundsPage({ data }: PageProps<SettingsData>) {
  return <SettingsView data={data} />;
}
