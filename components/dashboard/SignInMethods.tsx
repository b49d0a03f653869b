/**
 * The Settings page's ways to sign in (docs/passkeys.md): passwords, passkeys and emailed codes, each on or off,
 * and the breached-password lookups (docs/hosted-login.md).
 * Postgres refuses passwords off while neither of the others is on; the page then says so.
 */
import type { SettingsData } from "@/lib/dashboard/page_data.ts";
import { CsrfField } from "./Frame.tsx";
import { SettingSwitch } from "./SettingSwitch.tsx";
import { SETTINGS_ACCESS_TEXT } from "@/lib/dashboard/text/settings_access.ts";

const METHODS = [
  { name: "passwords", label: "methodPasswords", on: (s: Record<string, unknown>) => s.passwords !== false },
  {
    name: "passkeys",
    label: "methodPasskeys",
    on: (s: Record<string, unknown>) => s.passkeys === true,
  },
  {
    name: "passkey_upgrade",
    label: "methodPasskeyUpgrade",
    on: (s: Record<string, unknown>) => s.passkey_upgrade === true,
  },
  {
    name: "email_codes",
    label: "methodEmailCodes",
    on: (s: Record<string, unknown>) => s.email_codes === true,
  },
  {
    name: "email_code_sign_up",
    label: "methodEmailCodeSignUp",
    on: (s: Record<string, unknown>) => s.email_code_sign_up === true,
  },
] as const;

/** Pwned Passwords lookups (docs/hosted-login.md), on unless set to false. */
const BREACH_CHECKS = [
  {
    name: "breached_passwords",
    label: "breachedPasswords",
  },
  {
    name: "breached_password_sign_in",
    label: "breachedSignIn",
  },
] as const;

export function SignInMethods(
  { data, base, canEdit }: { data: SettingsData; base: string; canEdit: boolean },
) {
  const settings = data.project.settings;
  const text = SETTINGS_ACCESS_TEXT[data.frame.lang];
  return (
    <section class="card" aria-labelledby="sign-in-methods-heading">
      <h2 id="sign-in-methods-heading">{text.waysToSignIn}</h2>
      <form method="post" action={`${base}/settings/sign-in-methods`} class="form">
        <CsrfField token={data.frame.csrf} />
        <fieldset>
          <legend>{text.offeredOnHosted}</legend>
          {METHODS.map((method) => (
            <SettingSwitch
              key={method.name}
              name={method.name}
              value="on"
              label={text[method.label]}
              checked={method.on(settings)}
              disabled={!canEdit}
            />
          ))}
        </fieldset>
        <fieldset>
          <legend>{text.breachedLegend}</legend>
          {BREACH_CHECKS.map((check) => (
            <SettingSwitch
              key={check.name}
              name={check.name}
              value="on"
              label={text[check.label]}
              checked={settings[check.name] !== false}
              disabled={!canEdit}
            />
          ))}
        </fieldset>
        <p class="hint">{text.withoutPasswords}</p>
        {canEdit && <button type="submit" class="button">{text.saveWaysToSignIn}</button>}
      </form>
    </section>
  );
}
