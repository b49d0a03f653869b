/**
 * The Settings page's renewal-pass days (billing_grace_days, billing_renewal_notice_days,
 * billing_trial_reminder_days; docs/project-settings.md): whole days 0–365, empty for the default.
 */
import type { SettingsData } from "@/lib/dashboard/page_data.ts";
import { CsrfField } from "./Frame.tsx";
import { fill } from "@/lib/dashboard/i18n.ts";
import { SETTINGS_BILLING_TEXT } from "@/lib/dashboard/text/settings_billing.ts";
import { WholeNumberField } from "./WholeNumberField.tsx";

export const BILLING_DAYS = [
  {
    key: "billing_grace_days",
    label: "graceDays",
    fallback: 3,
    hint: "graceDaysHint",
  },
  {
    key: "billing_renewal_notice_days",
    label: "renewalNoticeDays",
    fallback: 7,
    hint: "renewalNoticeDaysHint",
  },
  {
    key: "billing_trial_reminder_days",
    label: "trialReminderDays",
    fallback: 3,
    hint: "trialReminderDaysHint",
  },
] as const;

/** The three day counts the billing pass reads, each empty for its default. */
export function BillingDaysSettings(
  { data, base, canEdit }: { data: SettingsData; base: string; canEdit: boolean },
) {
  const settings = data.project.settings;
  const text = SETTINGS_BILLING_TEXT[data.frame.lang];
  return (
    <section class="card" aria-labelledby="billing-days-heading">
      <h2 id="billing-days-heading">{text.renewalsAndTrials}</h2>
      <p class="muted">{text.daysIntro}</p>
      <form method="post" action={`${base}/settings/billing-days`} class="form" data-form="billing-days">
        <CsrfField token={data.frame.csrf} />
        {BILLING_DAYS.map(({ key, label, fallback, hint }) => (
          <WholeNumberField
            key={key}
            name={key}
            label={text[label]}
            min={0}
            max={365}
            value={settings[key]}
            fallback={fallback}
            disabled={!canEdit}
          >
            {fill(text.defaultDays, { hint: text[hint], days: fallback })}
          </WholeNumberField>
        ))}
        {canEdit && <button type="submit" class="button">{text.saveRenewalDays}</button>}
      </form>
    </section>
  );
}
