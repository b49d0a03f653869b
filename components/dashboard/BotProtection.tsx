/**
 * The Settings page's bot protection (docs/hosted-login.md#bot-protection, settings.bot_protection): Cloudflare
 * Turnstile or hCaptcha on the hosted login's forms. The secret key is write-only: the page says only whether
 * one is stored, and an empty field keeps it. Postgres validates the rest; a refusal re-renders with the reason.
 */
import type { SettingsData } from "@/lib/dashboard/page_data.ts";
import { botProtectionView } from "@/lib/login/bot_protection_settings.ts";
import { PROVIDER_PAGE } from "@/lib/login/bot_check.ts";
import { CsrfField } from "./Frame.tsx";
import { SettingSwitch } from "./SettingSwitch.tsx";
import { SETTINGS_LOGIN_TEXT } from "@/lib/dashboard/text/settings_login.ts";

const FORMS = [
  { value: "sign_up", label: "formSignUp" },
  { value: "sign_in", label: "formSignIn" },
  { value: "forgot", label: "formForgot" },
  { value: "email_code", label: "formEmailCode" },
  { value: "phone", label: "formPhone" },
  { value: "passkey_sign_up", label: "formPasskeySignUp" },
  { value: "resend", label: "formResend" },
  { value: "anonymous", label: "formAnonymous" },
] as const;

export function BotProtection(
  { data, base, canEdit }: { data: SettingsData; base: string; canEdit: boolean },
) {
  const current = botProtectionView(data.project.settings);
  const on = new Set<string>(current.provider ? current.on : ["sign_up"]);
  const text = SETTINGS_LOGIN_TEXT[data.frame.lang];
  return (
    <section class="card" aria-labelledby="bot-protection-heading">
      <h2 id="bot-protection-heading">{text.botProtection}</h2>
      <form method="post" action={`${base}/settings/bot-protection`} class="form">
        <CsrfField token={data.frame.csrf} />
        <label for="bot_provider">{text.challenge}</label>
        <select id="bot_provider" name="provider" disabled={!canEdit}>
          <option value="off" selected={!current.provider}>{text.off}</option>
          {(["turnstile", "hcaptcha"] as const).map((provider) => (
            <option key={provider} value={provider} selected={current.provider === provider}>
              {PROVIDER_PAGE[provider].name}
            </option>
          ))}
        </select>
        <label for="bot_site_key">{text.siteKey}</label>
        <input id="bot_site_key" name="site_key" value={current.site_key ?? ""} disabled={!canEdit} />
        <label for="bot_secret_key">{text.secretKey}</label>
        <input
          id="bot_secret_key"
          name="secret_key"
          type="password"
          autocomplete="off"
          placeholder={current.secret_key_set ? text.secretKeySet : ""}
          disabled={!canEdit}
        />
        <fieldset>
          <legend>{text.formsLegend}</legend>
          {FORMS.map((form) => (
            <SettingSwitch
              key={form.value}
              name="on"
              value={form.value}
              label={text[form.label]}
              checked={on.has(form.value)}
              disabled={!canEdit}
            />
          ))}
        </fieldset>
        <p class="hint">{text.botHint}</p>
        {canEdit && <button type="submit" class="button">{text.saveBotProtection}</button>}
      </form>
    </section>
  );
}
