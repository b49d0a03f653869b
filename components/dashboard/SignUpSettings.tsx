/**
 * The Settings page's sign-ups (docs/project-settings.md, settings.sign_up): open, by invitation, by waitlist or
 * closed, the allowed and blocked email domains, the switches refusing throwaway domains and +tag addresses, and
 * the throwaway domains let in all the same, and the one asking for consent to the terms and privacy policy.
 * Postgres validates the domains; a refusal re-renders with the reason.
 */
import type { SettingsData } from "@/lib/dashboard/page_data.ts";
import { signUpSettingsOf } from "@/lib/login/sign_up_mode.ts";
import { CsrfField } from "./Frame.tsx";
import { SettingSwitch } from "./SettingSwitch.tsx";
import { SETTINGS_ACCESS_TEXT } from "@/lib/dashboard/text/settings_access.ts";

const MODES = [
  { value: "open", label: "modeOpen" },
  { value: "invitation", label: "modeInvitation" },
  { value: "waitlist", label: "modeWaitlist" },
  { value: "closed", label: "modeClosed" },
] as const;

const SWITCHES = [
  { name: "block_disposable_domains", label: "blockDisposable" },
  { name: "block_subaddresses", label: "blockSubaddresses" },
  { name: "require_legal_consent", label: "requireLegalConsent" },
] as const;

export function SignUpSettings(
  { data, base, canEdit }: { data: SettingsData; base: string; canEdit: boolean },
) {
  const current = signUpSettingsOf(data.project.settings);
  const text = SETTINGS_ACCESS_TEXT[data.frame.lang];
  return (
    <section class="card" aria-labelledby="sign-up-heading">
      <h2 id="sign-up-heading">{text.signUps}</h2>
      <form method="post" action={`${base}/settings/sign-up`} class="form">
        <CsrfField token={data.frame.csrf} />
        <fieldset>
          <legend>{text.whoMayCreate}</legend>
          {MODES.map((mode) => (
            <label key={mode.value}>
              <input
                type="radio"
                name="mode"
                value={mode.value}
                checked={current.mode === mode.value}
                disabled={!canEdit}
              />{" "}
              {text[mode.label]}
            </label>
          ))}
        </fieldset>
        <label for="allowed_domains">{text.allowedDomains}</label>
        <textarea id="allowed_domains" name="allowed_domains" rows={3} disabled={!canEdit}>
          {current.allowed_domains.join("\n")}
        </textarea>
        <label for="blocked_domains">{text.blockedDomains}</label>
        <textarea id="blocked_domains" name="blocked_domains" rows={3} disabled={!canEdit}>
          {current.blocked_domains.join("\n")}
        </textarea>
        <p class="hint">{text.domainsHint}</p>
        {SWITCHES.map((check) => (
          <SettingSwitch
            key={check.name}
            name={check.name}
            value="on"
            label={text[check.label]}
            checked={current[check.name]}
            disabled={!canEdit}
          />
        ))}
        <label for="disposable_allowed_domains">{text.disposableAllowedDomains}</label>
        <textarea
          id="disposable_allowed_domains"
          name="disposable_allowed_domains"
          rows={3}
          disabled={!canEdit}
        >
          {current.disposable_allowed_domains.join("\n")}
        </textarea>
        <p class="hint">{text.disposableAllowedHint}</p>
        {canEdit && <button type="submit" class="button">{text.saveSignUps}</button>}
      </form>
    </section>
  );
}
