/**
 * The receipt mail: queued by the payment worker in the transaction that applied the payment, so a receipt
 * and its mail exist together. English and Bahasa Indonesia in one mail (like the renewal notice), with the
 * tax lines and a link to the printable receipt page; the intro, subject and closing in the project's own
 * words where it has them (billing_words.ts), the amounts always Astapa's.
 */
import { type Mail, queueMail } from "@/db/billing.ts";
import type { Tx } from "@/db/client.ts";
import { getProject } from "@/db/projects.ts";
import { getReceipt, type Receipt } from "@/db/receipts.ts";
import { escapeHtml } from "@/lib/mail/layout.ts";
import { bothSubjects, type Half, halves, type OwnWording } from "./billing_words.ts";
import { fill, RECEIPT_TEXT, rupiah, taxLabels } from "./receipt_text.ts";

/** The amounts a finance team looks for, in one language. */
function statement(lang: "en" | "id", receipt: Receipt): string[] {
  const text = RECEIPT_TEXT[lang];
  const lines: string[] = [];
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
export function receiptMail(receipt: Receipt, baseUrl: string, own?: OwnWording): Mail | null {
  if (!receipt.buyer.email) return null;
  const url = `${baseUrl}/billing/receipts/${receipt.receipt_id}`;
  const values = { amount: rupiah(receipt.amount), plan: receipt.plan_name, number: receipt.number };
  const parts = halves(own, "receipt", () => values, (lang) => {
    const text = RECEIPT_TEXT[lang];
    return {
      subject: fill(text.mailSubject, values),
      intro: receipt.organization
        ? fill(text.mailIntroTeam, { ...values, organization: receipt.organization.name })
        : fill(text.mailIntro, values),
    };
  });
  const lines = (half: Half) => [half.intro, ...statement(half.lang, receipt)];
  const closing = (half: Half) => (half.closing ? [half.closing] : []);
  const html = (half: Half) =>
    `<div lang="${half.lang}">${lines(half).map((line) => `<p>${escapeHtml(line)}</p>`).join("")}` +
    `<p><a href="${escapeHtml(url)}?lang=${half.lang}">${escapeHtml(url)}</a></p>` +
    closing(half).map((line) => `<p>${escapeHtml(line)}</p>`).join("") + "</div>";
  const text = (half: Half) =>
    [...lines(half), `${url}?lang=${half.lang}`, ...(half.closing ? ["", half.closing] : [])].join("\n");
  return {
    to: receipt.buyer.email,
    template: "receipt",
    subject: bothSubjects(parts),
    text: parts.map(text).join("\n\n") + "\n",
    html: `<html lang="en"><body>${parts.map(html).join("<hr>")}</body></html>`,
  };
}

/** Queues the receipt mail inside the transaction that issued the receipt (no buyer email: no mail). */
export async function queueReceiptMail(tx: Tx, projectId: string, receiptId: string, baseUrl: string) {
  const receipt = await getReceipt(tx, projectId, receiptId);
  const project = receipt && await getProject(tx, projectId);
  const mail = receipt && project &&
    receiptMail(receipt, baseUrl, { appName: project.name, settings: project.settings });
  if (mail) await queueMail(tx, projectId, mail);
}
