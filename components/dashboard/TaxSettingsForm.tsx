/**
 * The dashboard's PPN settings form (docs/receipts.md "PPN settings"): PKP or not, rate, tax-base fraction and
 * the seller's name, NPWP and address printed on receipts. Empty fields restore the default (or clear).
 */
import type { TaxSettings } from "@/db/receipts.ts";
import { CsrfField } from "./Frame.tsx";
import { SettingSwitch } from "./SettingSwitch.tsx";
import type { Lang } from "@/lib/dashboard/i18n.ts";
import { RECEIPTS_TEXT } from "@/lib/dashboard/text/receipts.ts";

export function TaxSettingsForm(
  props: { action: string; csrf: string; tax: TaxSettings; canEdit: boolean; lang?: Lang },
) {
  const { tax } = props;
  const text = RECEIPTS_TEXT[props.lang ?? "en"];
  return (
    <section aria-labelledby="tax-settings">
      <h2 id="tax-settings">{text.taxTitle}</h2>
      <p class="muted">{text.taxExplained}</p>
      <form method="post" action={props.action} class="stacked tax-form">
        <CsrfField token={props.csrf} />
        <fieldset disabled={!props.canEdit}>
          <SettingSwitch class="check" name="pkp" value="true" label={text.pkp} checked={tax.pkp} />
          <label>
            {text.ppnRate}
            <input name="ppn_rate" inputMode="decimal" value={String(tax.ppn_rate)} />
          </label>
          <label>
            {text.numerator}
            <input name="tax_base_numerator" inputMode="numeric" value={String(tax.tax_base_numerator)} />
          </label>
          <label>
            {text.denominator}
            <input name="tax_base_denominator" inputMode="numeric" value={String(tax.tax_base_denominator)} />
          </label>
          <label>
            {text.sellerName}
            <input name="seller_name" maxLength={200} value={tax.seller_name ?? ""} />
          </label>
          <label>
            {text.sellerNpwp}
            <input name="seller_npwp" maxLength={40} inputMode="numeric" value={tax.seller_npwp ?? ""} />
          </label>
          <label>
            {text.sellerAddress}
            <textarea name="seller_address" maxLength={500}>{tax.seller_address ?? ""}</textarea>
          </label>
          <button type="submit" class="button">{text.saveTax}</button>
        </fieldset>
      </form>
    </section>
  );
}
