import type { Handlers } from "@/lib/router/routes.ts";
import { page, type PageProps } from "@/lib/router/page.tsx";
import type { Receipt } from "@/db/receipts.ts";
import { findReceipt } from "@/lib/payments/find_receipt.ts";
import { type Lang, pickLang } from "@/lib/login/i18n.ts";
import { BILLING_TEXT, methodLabel } from "@/lib/payments/page_text.ts";
import { RECEIPT_TEXT, receiptDate, rupiah, taxLabels } from "@/lib/payments/receipt_text.ts";
import { useProjectBrand } from "@/lib/branding/use_brand.ts";
import { Fragment } from "preact";

type ReceiptData = { lang: Lang; receipt: Receipt };

export const handler: Handlers<ReceiptData> = {
  async GET(c) {
    const { projectId, receipt } = await findReceipt(c.var.deps.sql, c.req.param("id")!);
    await useProjectBrand(c, projectId);
    const lang = pickLang(c);
    // The random id in the URL is the capability: keep the page out of shared caches and referrers.
    c.header("cache-control", "no-store");
    c.header("referrer-policy", "no-referrer");
    return page({ lang, receipt }, { title: `${RECEIPT_TEXT[lang].receipt} ${receipt.number}`, lang });
  },
};

/**
 * The printable receipt: seller, buyer (with NPWP/NIK when given; a team plan's is the organization, paid by
 * the owner or admin), the item, and the PPN lines for a PKP.
 */
export default function ReceiptPage({ data }: PageProps<ReceiptData>) {
  const { receipt, lang } = data;
  const text = RECEIPT_TEXT[lang];
  const labels = taxLabels(text, receipt);
  const period = receipt.period_start && receipt.period_end
    ? `${receiptDate(receipt.period_start, lang)} – ${receiptDate(receipt.period_end, lang)}`
    : null;
  return (
    <section class="card receipt">
      <p class="eyebrow">
        {text.receipt}
        {receipt.environment === "sandbox" ? ` · ${BILLING_TEXT[lang].offlineSandbox}` : ""}
      </p>
      <h1>{receipt.seller.name}</h1>
      {receipt.seller.name !== receipt.seller.project_name && <p>{receipt.seller.project_name}</p>}
      {receipt.seller.address && <p>{receipt.seller.address}</p>}
      {receipt.seller.npwp && <p>{text.npwp}: {receipt.seller.npwp}</p>}
      <dl class="receipt-facts">
        <dt>{text.number}</dt>
        <dd data-receipt-number>{receipt.number}</dd>
        <dt>{text.issued}</dt>
        <dd>{receiptDate(receipt.issued_at, lang)}</dd>
        <dt>{text.buyer}</dt>
        <dd data-buyer>
          {billedTo(receipt, text.taxId).map((line, i) => (
            <Fragment key={i}>
              {i > 0 && <br />}
              {i === 0 && receipt.organization ? <strong data-organization>{line}</strong> : line}
            </Fragment>
          ))}
        </dd>
        {receipt.organization && (
          <>
            {/* A team plan: made out to the organization, paid by one of its owners or admins. */}
            <dt>{text.paidBy}</dt>
            <dd data-paid-by>{receipt.buyer.email}</dd>
          </>
        )}
        <dt>{text.method}</dt>
        <dd>
          {methodLabel(BILLING_TEXT[lang], receipt.method as Parameters<typeof methodLabel>[1])}
          {receipt.bank ? ` (${receipt.bank})` : ""}
        </dd>
      </dl>
      <table class="receipt-lines">
        <tbody>
          <tr>
            <th scope="row">
              {receipt.plan_name}
              {period && (
                <>
                  <br />
                  <small>{text.period}: {period}</small>
                </>
              )}
            </th>
            <td>{rupiah(receipt.amount + (receipt.discount_idr ?? 0))}</td>
          </tr>
          {receipt.discount_idr
            ? (
              <tr>
                <th scope="row">{text.discount}{receipt.coupon_code ? ` (${receipt.coupon_code})` : ""}</th>
                <td>-{rupiah(receipt.discount_idr)}</td>
              </tr>
            )
            : null}
          {receipt.pkp && receipt.tax_base_idr !== null && (
            <>
              <tr>
                <th scope="row">{text.priceBeforeTax}</th>
                <td data-price-before-tax>{rupiah(receipt.price_before_tax_idr)}</td>
              </tr>
              <tr>
                <th scope="row">{labels.taxBase}</th>
                <td data-tax-base>{rupiah(receipt.tax_base_idr)}</td>
              </tr>
              <tr>
                <th scope="row">{labels.ppn}</th>
                <td data-ppn>{rupiah(receipt.ppn_idr)}</td>
              </tr>
            </>
          )}
          <tr class="total">
            <th scope="row">{text.total}</th>
            <td data-total>{rupiah(receipt.amount)}</td>
          </tr>
          {receipt.refunded_idr > 0 && (
            <>
              <tr>
                <th scope="row">{text.refunded}</th>
                <td data-refunded>-{rupiah(receipt.refunded_idr)}</td>
              </tr>
              <tr class="total">
                <th scope="row">{text.net}</th>
                <td data-net>{rupiah(receipt.amount - receipt.refunded_idr)}</td>
              </tr>
            </>
          )}
        </tbody>
      </table>
      <p>{receipt.pkp ? text.included : text.notPkp}</p>
      {receipt.environment === "sandbox" && <p class="note">{text.sandbox}</p>}
      <p class="note no-print">{text.printHint}</p>
    </section>
  );
}

/** "Billed to", one line each: the organization (a team plan), the name given, the email (a person's), NPWP/NIK. */
function billedTo(receipt: Receipt, taxId: string): string[] {
  return [
    receipt.organization?.name,
    receipt.buyer.name,
    receipt.organization ? null : receipt.buyer.email,
    receipt.buyer.tax_id && `${taxId}: ${receipt.buyer.tax_id}`,
  ].filter((line): line is string => !!line);
}
