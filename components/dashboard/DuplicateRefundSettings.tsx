/**
 * The Settings page's double payments (billing_refund_duplicates; docs/receipts.md "Refunds"): whether a payment
 * recorded as paid_again is refunded in full without an operator.
 */
import type { SettingsData } from "@/lib/dashboard/page_data.ts";
import { CsrfField } from "./Frame.tsx";
import { SettingSwitch } from "./SettingSwitch.tsx";
import { SETTINGS_BILLING_TEXT } from "@/lib/dashboard/text/settings_billing.ts";

/** One switch, off by default. */
export function DuplicateRefundSettings(
  { data, base, canEdit }: { data: SettingsData; base: string; canEdit: boolean },
) {
  const text = SETTINGS_BILLING_TEXT[data.frame.lang];
  return (
    <section class="card" aria-labelledby="double-payments-heading">
      <h2 id="double-payments-heading">{text.doublePayments}</h2>
      <p class="muted">{text.doublePaymentsIntro}</p>
      <form
        method="post"
        action={`${base}/settings/duplicate-refunds`}
        class="form"
        data-form="duplicate-refunds"
      >
        <CsrfField token={data.frame.csrf} />
        <SettingSwitch
          name="billing_refund_duplicates"
          label={text.switchRefundDuplicates}
          checked={data.project.settings.billing_refund_duplicates === true}
          disabled={!canEdit}
          class="check"
        />
        {canEdit && <button type="submit" class="button">{text.saveDoublePayments}</button>}
      </form>
    </section>
  );
}
