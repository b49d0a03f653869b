/**
 * The dashboard's PPN settings form (docs/receipts.md "PPN settings"): PKP or not, rate, tax-base fraction and
 * the seller's name, NPWP and address printed on receipts. Empty fields restore the default (or clear).
 */
import type { TaxSettings } from "@/db/receipts.ts";
import { CsrfField } from "./Frame.tsx";

export function TaxSettingsForm(props: { action: string; csrf: string; tax: TaxSettings; canEdit: boolean }) {
  const { tax } = props;
  return (
    <section aria-labelledby="tax-settings">
      <h2 id="tax-settings">Tax settings (PPN)</h2>
      <p class="muted">
        Prices include PPN. A PKP gets the tax base (DPP) and PPN printed on each receipt; changes apply to
        receipts issued from now on. Since 2025: 12 % of a tax base of 11/12 for services that are not luxury
        goods.
      </p>
      <form method="post" action={props.action} class="stacked tax-form">
        <CsrfField token={props.csrf} />
        <fieldset disabled={!props.canEdit}>
          <label class="check">
            <input type="checkbox" name="pkp" value="true" checked={tax.pkp} />{" "}
            The seller is a PKP (charges PPN)
          </label>
          <label>
            PPN rate (%)
            <input name="ppn_rate" inputMode="decimal" value={String(tax.ppn_rate)} />
          </label>
          <label>
            Tax base fraction: numerator
            <input name="tax_base_numerator" inputMode="numeric" value={String(tax.tax_base_numerator)} />
          </label>
          <label>
            Tax base fraction: denominator
            <input name="tax_base_denominator" inputMode="numeric" value={String(tax.tax_base_denominator)} />
          </label>
          <label>
            Seller name on receipts (empty: the project's name)
            <input name="seller_name" maxLength={200} value={tax.seller_name ?? ""} />
          </label>
          <label>
            Seller NPWP (15 or 16 digits)
            <input name="seller_npwp" maxLength={40} inputMode="numeric" value={tax.seller_npwp ?? ""} />
          </label>
          <label>
            Seller address
            <textarea name="seller_address" maxLength={500}>{tax.seller_address ?? ""}</textarea>
          </label>
          <button type="submit" class="button">Save tax settings</button>
        </fieldset>
      </form>
    </section>
  );
}
