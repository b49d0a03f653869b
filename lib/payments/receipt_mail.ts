/**
 * The receipt mail: queued by the payment worker in the transaction that applied the payment, so a receipt
 * and its mail exist together. English and Bahasa Indonesia in one mail (like the renewal notice), with the
 * tax lines and a link to the printable receipt page.
 */
import { type Mail, queueMail } from "@/db/billing.ts";
import type { Tx } from "@/db/client.ts";
import { getReceipt, type Receipt } from "@/db/receipts.ts";
import { fill, RECEIPT_TEXT, rupiah, taxLabels } from "./receipt_text.ts";

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** The lines of one language's part: intro, then the amounts a finance team looks for. */
function part(lang: "en" | "id", receipt: Receipt): string[] {
  const text = RECEIPT_TEXT[lang];
  const values = { amount: rupiah(receipt.amount), plan: receipt.plan_name, number: receipt.number };
  const lines = receipt.organization
    ? [fill(text.mailIntroTeam, { ...values, organization: receipt.organization.name })]
    : [fill(text.mailIntro, values)];
  if (receipt.discount_idr) lines.push(`${text.discount}: -${rupiah(receipt.discount_idr)}`);
  if (receipt.pkp && receipt.tax_base_idr !== null) {
    const labels = taxLabels(text, receipt);
    lines.push(
      `${text.priceBeforeTax}: ${rupiah(receipt.price_before_tax_idr)}`,
      `${labels.taxBase}: ${rupiah(receipt.tax_base_idr)}`,
      `${labels.ppn}: ${rupiah(receipt.ppn_idr)}`,
    );
  } else {
    lines.push(text.notPkp);
  }
  lines.push(`${text.total}: ${rupiah(receipt.amount)}`);
  return lines;
}

/** The mail for a receipt, linking to `{baseUrl}/billing/receipts/{id}`. */
export function receiptMail(receipt: Receipt, baseUrl: string): Mail | null {
  if (!receipt.buyer.email) return null;
  const url = `${baseUrl}/billing/receipts/${receipt.receipt_id}`;
  const en = part("en", receipt);
  const id = part("id", receipt);
  const html = (lines: string[], lang: string) =>
    `<div lang="${lang}">${lines.map((line) => `<p>${escapeHtml(line)}</p>`).join("")}` +
    `<p><a href="${escapeHtml(url)}?lang=${lang}">${escapeHtml(url)}</a></p></div>`;
  const values = { number: receipt.number, plan: receipt.plan_name };
  return {
    to: receipt.buyer.email,
    template: "receipt",
    subject: `${fill(RECEIPT_TEXT.en.mailSubject, values)} / ${fill(RECEIPT_TEXT.id.mailSubject, values)}`,
    text: `${en.join("\n")}\n${url}?lang=en\n\n${id.join("\n")}\n${url}?lang=id\n`,
    html: `<html lang="en"><body>${html(en, "en")}<hr>${html(id, "id")}</body></html>`,
  };
}

/** Queues the receipt mail inside the transaction that issued the receipt (no buyer email: no mail). */
export async function queueReceiptMail(tx: Tx, projectId: string, receiptId: string, baseUrl: string) {
  const receipt = await getReceipt(tx, projectId, receiptId);
  const mail = receipt && receiptMail(receipt, baseUrl);
  if (mail) await queueMail(tx, projectId, mail);
}
