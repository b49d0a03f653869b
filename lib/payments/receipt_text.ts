/**
 * The receipt page and the receipt mail in English and Bahasa Indonesia. Amounts are whole rupiah written the
 * Indonesian way (IDR 111.000) in both languages, so a receipt reads the same to a finance team either way.
 */
import type { Lang } from "../login/i18n.ts";
import type { Receipt } from "@/db/receipts.ts";

const en = {
  receipt: "Receipt",
  number: "Receipt number",
  issued: "Date",
  seller: "From",
  buyer: "Billed to",
  paidBy: "Paid by",
  npwp: "NPWP",
  taxId: "NPWP / NIK",
  item: "Item",
  period: "Period",
  method: "Paid with",
  priceBeforeTax: "Price before PPN",
  discount: "Discount",
  taxBase: "Tax base (DPP) {fraction}",
  ppn: "PPN {rate} %",
  total: "Total paid",
  refunded: "Refunded",
  net: "Paid after refunds",
  included: "Prices include PPN.",
  notPkp: "The seller is not a PKP: no PPN is charged.",
  sandbox: "Sandbox: no real money was paid.",
  printHint: "Print this page or save it as PDF from your browser.",
  mailSubject: "Receipt {number} for {plan}",
  mailIntro: "Thank you for your payment of {amount} for {plan}. Your receipt {number}:",
  mailIntroTeam: "Thank you for your payment of {amount} for {plan} of {organization}. Its receipt {number}:",
};
export type ReceiptText = typeof en;

const id: ReceiptText = {
  receipt: "Kuitansi",
  number: "Nomor kuitansi",
  issued: "Tanggal",
  seller: "Dari",
  buyer: "Ditagihkan kepada",
  paidBy: "Dibayar oleh",
  npwp: "NPWP",
  taxId: "NPWP / NIK",
  item: "Item",
  period: "Periode",
  method: "Dibayar dengan",
  priceBeforeTax: "Harga sebelum PPN",
  discount: "Diskon",
  taxBase: "Dasar pengenaan pajak (DPP) {fraction}",
  ppn: "PPN {rate} %",
  total: "Total dibayar",
  refunded: "Dikembalikan (refund)",
  net: "Dibayar setelah refund",
  included: "Harga sudah termasuk PPN.",
  notPkp: "Penjual bukan PKP: tidak ada PPN yang dipungut.",
  sandbox: "Sandbox: tidak ada uang sungguhan yang dibayar.",
  printHint: "Cetak halaman ini atau simpan sebagai PDF dari peramban Anda.",
  mailSubject: "Kuitansi {number} untuk {plan}",
  mailIntro: "Terima kasih atas pembayaran {amount} untuk {plan}. Kuitansi Anda {number}:",
  mailIntroTeam:
    "Terima kasih atas pembayaran {amount} untuk {plan} bagi {organization}. Kuitansinya {number}:",
};

export const RECEIPT_TEXT: Record<Lang, ReceiptText> = { en, id };

/** IDR 111.000 — the Indonesian grouping, whatever the page language. */
export const rupiah = (amount: number) => `IDR ${amount.toLocaleString("id-ID")}`;

/** A date in the page's language, in Jakarta time (receipt years are counted there too). */
export const receiptDate = (iso: string, lang: Lang) =>
  new Date(iso).toLocaleDateString(lang === "id" ? "id-ID" : "en-GB", {
    year: "numeric",
    month: "long",
    day: "numeric",
    timeZone: "Asia/Jakarta",
  });

/** "11/12" and "12" as printed on the tax lines, from a receipt's snapshot. */
export function taxLabels(text: ReceiptText, receipt: Receipt): { taxBase: string; ppn: string } {
  const fraction = `${receipt.tax_base_numerator}/${receipt.tax_base_denominator}`;
  return {
    taxBase: text.taxBase.replace("{fraction}", fraction),
    ppn: text.ppn.replace("{rate}", String(receipt.ppn_rate ?? 0)),
  };
}

/** Fills {name} placeholders. */
export const fill = (template: string, values: Record<string, string>) =>
  template.replace(/\{(\w+)\}/g, (_, key: string) => values[key] ?? `{${key}}`);
