/**
 * The Settings page's renewal-pass days (billing_grace_days, billing_renewal_notice_days,
 * billing_trial_reminder_days; docs/project-settings.md): whole days 0–365, empty for the default.
 */
import type { SettingsData } from "@/lib/dashboard/page_data.ts";
import { CsrfField } from "./Frame.tsx";
import { WholeNumberField } from "./WholeNumberField.tsx";

export const BILLING_DAYS = [
  {
    key: "billing_grace_days",
    label: "Grace days",
    fallback: 3,
    hint: "Days an unpaid renewal keeps the plan (past due) before the user falls back to the default plan.",
  },
  {
    key: "billing_renewal_notice_days",
    label: "Renewal notice days",
    fallback: 7,
    hint: "Days before the period ends that the renewal pay link is mailed (or a linked method is charged).",
  },
  {
    key: "billing_trial_reminder_days",
    label: "Trial reminder days",
    fallback: 3,
    hint:
      "Days before a trial ends that its reminder with the pay link goes out (or a linked method is charged).",
  },
] as const;

/** The three day counts the billing pass reads, each empty for its default. */
export function BillingDaysSettings(
  { data, base, canEdit }: { data: SettingsData; base: string; canEdit: boolean },
) {
  const settings = data.project.settings;
  return (
    <section class="card" aria-labelledby="billing-days-heading">
      <h2 id="billing-days-heading">Renewals and trials</h2>
      <p class="muted">
        Whole days from 0 to 365; leave a field empty for the default. The next billing pass uses them.
      </p>
      <form method="post" action={`${base}/settings/billing-days`} class="form" data-form="billing-days">
        <CsrfField token={data.frame.csrf} />
        {BILLING_DAYS.map(({ key, label, fallback, hint }) => (
          <WholeNumberField
            key={key}
            name={key}
            label={label}
            min={0}
            max={365}
            value={settings[key]}
            fallback={fallback}
            disabled={!canEdit}
          >
            {hint} Default {fallback}.
          </WholeNumberField>
        ))}
        {canEdit && <button type="submit" class="button">Save renewal days</button>}
      </form>
    </section>
  );
}
