/**
 * POST /dashboard/projects/:id/settings/bot-protection: Turnstile or hCaptcha on the hosted login's forms, or
 * off (settings.bot_protection). The secret key is sealed here; left empty, the stored one is kept.
 */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { validate } from "@/lib/http/body.ts";
import { updateProjectSettings } from "@/db/project_settings.ts";
import { settingsAction } from "@/lib/dashboard/settings_page.ts";
import { type SettingsData, SettingsView } from "@/components/dashboard/SettingsView.tsx";
import { BotProtectionChange, botProtectionSetting } from "@/lib/login/bot_protection_settings.ts";

// Checkboxes: none posts nothing, one a string, several an array.
const BotProtectionForm = z.object({
  csrf: z.string(),
  provider: z.enum(["off", "turnstile", "hcaptcha"]),
  site_key: z.string().max(200).default(""),
  secret_key: z.string().max(1000).default(""),
  on: z.union([z.string().max(20), z.array(z.string().max(20)).max(10)]).default([])
    .transform((on) => Array.isArray(on) ? on : [on]),
});

export const handler: Handlers<SettingsData> = {
  POST: (c) =>
    settingsAction(c, "admin", BotProtectionForm, async (tx, projectId, form) => {
      const setting = form.provider === "off" ? null : await botProtectionSetting(
        c.var.deps.masterKeys.social,
        projectId,
        validate(BotProtectionChange, {
          provider: form.provider,
          site_key: form.site_key,
          on: form.on,
          ...(form.secret_key.trim() ? { secret_key: form.secret_key } : {}),
        }),
      );
      await updateProjectSettings(tx, projectId, { bot_protection: setting });
      return "bot_protection_saved";
    }),
};

export default function BotProtectionPage({ data }: PageProps<SettingsData>) {
  return <SettingsView data={data} />;
}
