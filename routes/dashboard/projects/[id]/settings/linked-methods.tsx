import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { updateProjectSettings } from "@/db/project_settings.ts";
import { settingsAction } from "@/lib/dashboard/settings_page.ts";
import { type SettingsData, SettingsView } from "@/components/dashboard/SettingsView.tsx";

// An unticked checkbox sends nothing: absent is off.
const Switch = z.literal("on").optional();
const LinkedMethodsForm = z.object({
  csrf: z.string(),
  enabled: Switch,
  shopeepay: Switch,
  gopay_recurring: Switch,
  direct_debit: Switch,
  cards: Switch,
});

/**
 * POST /dashboard/projects/:id/settings/linked-methods: automatic renewal with linked e-wallets
 * (settings.linked_methods, docs/billing.md "Automatic renewal"): linking on the portal and charging at renewal,
 * the ShopeePay and GoPay recurring switches, direct debit and cards on file (each only once Xendit has activated
 * it for the account).
 */
export const handler: Handlers<SettingsData> = {
  POST: (c) =>
    settingsAction(c, "admin", LinkedMethodsForm, async (tx, projectId, form) => {
      await updateProjectSettings(tx, projectId, {
        linked_methods: {
          enabled: form.enabled === "on",
          shopeepay: form.shopeepay === "on",
          gopay_recurring: form.gopay_recurring === "on",
          direct_debit: form.direct_debit === "on",
          cards: form.cards === "on",
        },
      });
      return "linked_methods_saved";
    }),
};

export default function LinkedMethodsPage({ data }: PageProps<SettingsData>) {
  return <SettingsView data={data} />;
}
