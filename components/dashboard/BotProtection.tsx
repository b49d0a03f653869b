/**
 * The Settings page's bot protection (docs/hosted-login.md#bot-protection, settings.bot_protection): Cloudflare
 * Turnstile or hCaptcha on the hosted login's forms. The secret key is write-only: the page says only whether
 * one is stored, and an empty field keeps it. Postgres validates the rest; a refusal re-renders with the reason.
 */
import type { SettingsData } from "@/lib/dashboard/page_data.ts";
import { botProtectionView } from "@/lib/login/bot_protection_settings.ts";
import { PROVIDER_PAGE } from "@/lib/login/bot_check.ts";
import { CsrfField } from "./Frame.tsx";

const FORMS = [
  { value: "sign_up", label: "Sign-up" },
  { value: "sign_in", label: "Sign-in with a password" },
  { value: "forgot", label: "Forgot password" },
  { value: "email_code", label: "Sending an email code" },
  { value: "phone", label: "Sending a phone code (WhatsApp or SMS)" },
  { value: "passkey_sign_up", label: "Passkey sign-up's emailed code" },
  { value: "resend", label: "Sending the verification link again" },
  { value: "anonymous", label: "Guest sign-ins (POST /api/platform/anonymous)" },
] as const;

export function BotProtection(
  { data, base, canEdit }: { data: SettingsData; base: string; canEdit: boolean },
) {
  const current = botProtectionView(data.project.settings);
  const on = new Set<string>(current.provider ? current.on : ["sign_up"]);
  return (
    <section class="card" aria-labelledby="bot-protection-heading">
      <h2 id="bot-protection-heading">Bot protection</h2>
      <form method="post" action={`${base}/settings/bot-protection`} class="form">
        <CsrfField token={data.frame.csrf} />
        <label for="bot_provider">Challenge</label>
        <select id="bot_provider" name="provider" disabled={!canEdit}>
          <option value="off" selected={!current.provider}>Off</option>
          {(["turnstile", "hcaptcha"] as const).map((provider) => (
            <option key={provider} value={provider} selected={current.provider === provider}>
              {PROVIDER_PAGE[provider].name}
            </option>
          ))}
        </select>
        <label for="bot_site_key">Site key</label>
        <input id="bot_site_key" name="site_key" value={current.site_key ?? ""} disabled={!canEdit} />
        <label for="bot_secret_key">Secret key</label>
        <input
          id="bot_secret_key"
          name="secret_key"
          type="password"
          autocomplete="off"
          placeholder={current.secret_key_set ? "set (leave empty to keep it)" : ""}
          disabled={!canEdit}
        />
        <fieldset>
          <legend>Forms that ask for the check</legend>
          {FORMS.map((form) => (
            <label key={form.value}>
              <input
                type="checkbox"
                name="on"
                value={form.value}
                checked={on.has(form.value)}
                disabled={!canEdit}
              />{" "}
              {form.label}
            </label>
          ))}
        </fieldset>
        <p class="hint">
          People solve the provider's challenge before the form is accepted; without JavaScript they cannot.
          The secret key is sealed and never shown again. If the provider cannot be reached, sign-in goes on
          (the password still counts) and the other forms ask people to try again shortly.
        </p>
        {canEdit && <button type="submit" class="button">Save bot protection</button>}
      </form>
    </section>
  );
}
