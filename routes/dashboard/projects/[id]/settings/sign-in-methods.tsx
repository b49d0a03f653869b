/**
 * POST /dashboard/projects/:id/settings/sign-in-methods: passwords, passkeys (and the upgrade after a password
 * sign-in), email codes, whether codes create accounts and the breached-password lookups, each on or off.
 */
import { z } from "zod";
import type { Handlers } from "@/lib/router/routes.ts";
import type { PageProps } from "@/lib/router/page.tsx";
import { updateProjectSettings } from "@/db/project_settings.ts";
import { settingsAction } from "@/lib/dashboard/settings_page.ts";
import { type SettingsData, SettingsView } from "@/components/dashboard/SettingsView.tsx";

// An unchecked box sends nothing. Each key is removed when it is back at its default (passwords and the breach
// lookups on, the others off), so an untouched project's settings stay empty.
const On = z.literal("on").optional();
const MethodsForm = z.object({
  csrf: z.string(),
  passwords: On,
  passkeys: On,
  passkey_upgrade: On,
  email_codes: On,
  email_code_sign_up: On,
  breached_passwords: On,
  breached_password_sign_in: On,
});

export const handler: Handlers<SettingsData> = {
  POST: (c) =>
    settingsAction(c, "admin", MethodsForm, async (tx, projectId, form) => {
      await updateProjectSettings(tx, projectId, {
        passwords: form.passwords ? null : false,
        passkeys: form.passkeys ? true : null,
        passkey_upgrade: form.passkey_upgrade ? true : null,
        email_codes: form.email_codes ? true : null,
        email_code_sign_up: form.email_code_sign_up ? true : null,
        breached_passwords: form.breached_passwords ? null : false,
        breached_password_sign_in: form.breached_password_sign_in ? null : false,
      });
      return "sign_in_methods_saved";
    }),
};

export default function SignInMethodsPage({ data }: PageProps<SettingsData>) {
  return <SettingsView data={data} />;
}
