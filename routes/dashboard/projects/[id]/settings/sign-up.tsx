/**
 * POST /dashboard/projects/:id/settings/sign-up: who may create an account through the hosted login
 * (settings.sign_up): the mode, the allowed and blocked domains (one a line), the switches refusing throwaway
 * domains and +tag addresses, and the throwaway domains let through all the same (one a line).
 */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { updateProjectSettings } from "@/db/project_settings.ts";
import { settingsAction } from "@/lib/dashboard/settings_page.ts";
import { type SettingsData, SettingsView } from "@/components/dashboard/SettingsView.tsx";
import { signUpChange } from "@/lib/login/sign_up_mode.ts";

// One a line (commas and spaces also separate); each domain's form is Postgres's to judge, with its reason.
const Domains = z.string().max(40_000).default("").transform((text) => text.split(/[\s,]+/).filter(Boolean));

const SignUpForm = z.object({
  csrf: z.string(),
  mode: z.enum(["open", "invitation", "waitlist", "closed"]).default("open"),
  allowed_domains: Domains,
  blocked_domains: Domains,
  // An unticked checkbox sends nothing: absent is off.
  block_disposable_domains: z.literal("on").optional(),
  disposable_allowed_domains: Domains,
  block_subaddresses: z.literal("on").optional(),
  require_legal_consent: z.literal("on").optional(),
});

export const handler: Handlers<SettingsData> = {
  POST: (c) =>
    settingsAction(c, "admin", SignUpForm, async (tx, projectId, form) => {
      await updateProjectSettings(tx, projectId, {
        sign_up: signUpChange({
          mode: form.mode,
          allowed_domains: form.allowed_domains,
          blocked_domains: form.blocked_domains,
          block_disposable_domains: form.block_disposable_domains === "on",
          disposable_allowed_domains: form.disposable_allowed_domains,
          block_subaddresses: form.block_subaddresses === "on",
          require_legal_consent: form.require_legal_consent === "on",
        }),
      });
      return "sign_up_saved";
    }),
};

export default function SignUpSettingsPage({ data }: PageProps<SettingsData>) {
  return <SettingsView data={data} />;
}
