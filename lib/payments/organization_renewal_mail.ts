/**
 * The team plan renewal notice: the organization's next period pay link, mailed to each owner and admin, in
 * English and Bahasa Indonesia in one mail (like the personal renewal notice in renewal_mail.ts).
 */
import type { Mail } from "@/db/billing.ts";
import { escapeHtml, mailDocument } from "@/lib/mail/layout.ts";

export type OrganizationRenewalNotice = {
  to: string;
  organizationName: string;
  planName: string;
  seats: number;
  amount: number;
  /** When the period being paid for starts (the organization's plan_paid_through). */
  periodStart: string;
  payUrl: string;
  /** The organization's linked method (masked label) whose automatic charge failed: the mail says so first. */
  failedMethod?: string;
};

const date = (iso: string, locale: string) =>
  new Date(iso).toLocaleDateString(locale, {
    year: "numeric",
    month: "long",
    day: "numeric",
    timeZone: "UTC",
  });

export function organizationRenewalMail(notice: OrganizationRenewalNotice): Mail {
  const amount = `IDR ${notice.amount.toLocaleString("id-ID")}`;
  const failedEn = notice.failedMethod ? `We could not charge ${notice.failedMethod} automatically. ` : "";
  const failedId = notice.failedMethod
    ? `Kami tidak dapat menagih ${notice.failedMethod} secara otomatis. `
    : "";
  const en =
    `${failedEn}The ${notice.planName} plan of ${notice.organizationName} (${notice.seats} seats) renews on ` +
    `${date(notice.periodStart, "en-GB")}. Any owner or admin can pay ${amount} for the next period here:`;
  const id =
    `${failedId}Paket ${notice.planName} milik ${notice.organizationName} (${notice.seats} kursi) diperpanjang ` +
    `pada ${date(notice.periodStart, "id-ID")}. Pemilik atau admin mana pun dapat membayar ${amount} untuk ` +
    `periode berikutnya di sini:`;
  const link = `<a href="${escapeHtml(notice.payUrl)}">${escapeHtml(notice.payUrl)}</a>`;
  return {
    to: notice.to,
    template: "renewal_due",
    subject: `${notice.organizationName}: pay for the next period / bayar periode berikutnya`,
    text: `${en}\n${notice.payUrl}\n\n${id}\n${notice.payUrl}\n`,
    html: mailDocument(
      null,
      `<p lang="en">${escapeHtml(en)}<br>${link}</p><p lang="id">${escapeHtml(id)}<br>${link}</p>`,
    ),
  };
}
