/** POST /dashboard/projects/:id/settings/phone-providers: the project's own phone code provider account. */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { PHONE_PROVIDERS, setPhoneProviderCredentials } from "@/db/phone_providers.ts";
import { AppError } from "@/lib/http/errors.ts";
import { PROVIDER_FIELDS, sealPhoneProvider } from "@/lib/phone/providers/project_credentials.ts";
import { settingsAction } from "@/lib/dashboard/settings_page.ts";
import { type SettingsData, SettingsView } from "@/components/dashboard/SettingsView.tsx";

const Form = z.object({
  csrf: z.string(),
  provider: z.enum(PHONE_PROVIDERS),
  action: z.enum(["save", "remove"]),
}).catchall(z.string().max(2000));

/**
 * Saves (sealed under the master key, bound to the project and provider) or removes one provider's
 * credentials; like the Xendit keys and social apps, an admin's or owner's to change, never shown back.
 */
export const handler: Handlers<SettingsData> = {
  POST: (c) =>
    settingsAction(c, "admin", Form, async (tx, projectId, form) => {
      if (form.action === "remove") {
        await setPhoneProviderCredentials(tx, projectId, form.provider, null);
        return "phone_provider_removed";
      }
      const fields = PROVIDER_FIELDS[form.provider].safeParse(form);
      if (!fields.success) {
        const issue = fields.error.issues[0];
        throw new AppError("validation_failed", {
          description: issue.code === "custom" || issue.code === "invalid_format"
            ? issue.message
            : `Enter the ${String(issue.path[0]).replace(/_/g, " ")} of your account.`,
        });
      }
      const sealed = await sealPhoneProvider(
        c.var.deps.masterKeys.phone,
        projectId,
        form.provider,
        fields.data as Record<string, string>,
      );
      await setPhoneProviderCredentials(tx, projectId, form.provider, sealed);
      return "phone_provider_saved";
    }),
};

export default function PhoneProvidersPage({ data }: PageProps<SettingsData>) {
  return <SettingsView data={data} />;
}
