/** The Settings page's automatic-renewal switches (settings.linked_methods, docs/billing.md "Automatic renewal"). */
import type { SettingsData } from "@/lib/dashboard/page_data.ts";
import { CsrfField } from "./Frame.tsx";
import { SettingSwitch } from "./SettingSwitch.tsx";
import { SETTINGS_BILLING_TEXT } from "@/lib/dashboard/text/settings_billing.ts";

const SWITCHES = [
  { key: "enabled", label: "switchEnabled" },
  { key: "shopeepay", label: "switchShopeepay" },
  { key: "gopay_recurring", label: "switchGopay" },
  { key: "direct_debit", label: "switchDirectDebit" },
  { key: "cards", label: "switchCards" },
] as const;

/** Linking e-wallets for automatic renewal: on or off, and the channels that need Xendit's approval. */
export function LinkedMethodsSettings(
  { data, base, canEdit }: { data: SettingsData; base: string; canEdit: boolean },
) {
  const current = (data.project.settings.linked_methods ?? {}) as Record<string, unknown>;
  const text = SETTINGS_BILLING_TEXT[data.frame.lang];
  return (
    <section class="card" aria-labelledby="linked-methods-heading">
      <h2 id="linked-methods-heading">{text.automaticRenewal}</h2>
      <p class="muted">{text.automaticRenewalIntro}</p>
      <form method="post" action={`${base}/settings/linked-methods`} class="form">
        <CsrfField token={data.frame.csrf} />
        <fieldset>
          <legend>{text.linkedMethods}</legend>
          {SWITCHES.map(({ key, label }) => (
            <SettingSwitch
              key={key}
              name={key}
              value="on"
              label={text[label]}
              checked={current[key] === true}
              disabled={!canEdit}
              data={{ "data-linked-switch": key }}
            />
          ))}
        </fieldset>
        {canEdit && <button type="submit" class="button">{text.saveAutomaticRenewal}</button>}
      </form>
    </section>
  );
}
