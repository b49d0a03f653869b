/**
 * POST /dashboard/projects/:id/settings/mail: the sender name, the from address (on a MAIL_FROM_DOMAINS domain)
 * and the per-language subject and intro of the hosted login's mail (settings mail_sender_name,
 * mail_from_address, mail_texts; validated by api.update_project_settings).
 * An empty field means Astapa's own wording.
 */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { AppError } from "@/lib/http/errors.ts";
import { updateProjectSettings } from "@/db/project_settings.ts";
import { settingsAction } from "@/lib/dashboard/settings_page.ts";
import { MAIL_TEXT_FIELDS, mailTextField } from "@/components/dashboard/MailSettings.tsx";
import { type SettingsData, SettingsView } from "@/components/dashboard/SettingsView.tsx";

const MailForm = z.object({
  csrf: z.string(),
  mail_sender_name: z.string().max(200),
  mail_from_address: z.string().max(300).optional(),
  ...Object.fromEntries(MAIL_TEXT_FIELDS.map((f) => [mailTextField(f), z.string().max(1000).optional()])),
});

export const handler: Handlers<SettingsData> = {
  POST: (c) => {
    const allowed = c.var.deps.config.mailFromDomains;
    return settingsAction(c, "admin", MailForm, async (tx, projectId, posted) => {
      const form = posted as Record<string, string | undefined>;
      const texts: Record<string, Record<string, Record<string, string>>> = {};
      for (const field of MAIL_TEXT_FIELDS) {
        const value = form[mailTextField(field)]?.trim();
        if (!value) continue;
        ((texts[field.kind] ??= {})[field.lang] ??= {})[field.part] = value;
      }
      const fromAddress = form.mail_from_address?.trim() || null;
      // SQL checks the address's form; which domains the mail server may send for is configuration.
      if (fromAddress && !allowed.includes(fromAddress.split("@").at(-1)!.toLowerCase())) {
        throw new AppError("validation_failed", {
          description: `The from address must be at ${allowed.join(" or ")} (MAIL_FROM_DOMAINS): mail from ` +
            "another domain fails its SPF and DKIM checks.",
        });
      }
      await updateProjectSettings(tx, projectId, {
        mail_sender_name: form.mail_sender_name?.trim() || null,
        mail_from_address: fromAddress,
        mail_texts: Object.keys(texts).length ? texts : null,
      });
      return "mail_saved";
    });
  },
};

export default function MailSettingsPage({ data }: PageProps<SettingsData>) {
  return <SettingsView data={data} />;
}
