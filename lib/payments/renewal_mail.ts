/**
 * The renewal notice and the trial reminder: the next period's pay link, in English and Bahasa Indonesia in one mail (the outbox
 * does not know the person's language yet). Plain text plus a small HTML version with the same content.
 */
import type { Mail } from "@/db/billing.ts";
import { escapeHtml, mailDocument } from "@/lib/mail/layout.ts";

export type RenewalNotice = {
  to: string;
  planName: string;
  amount: number;
  /** When the period being paid for starts (the current paid_through). */
  periodStart: string;
  payUrl: string;
  /** The linked method (masked label) whose automatic charge failed: the mail says so first. */
  failedMethod?: string;
};

const date = (iso: string, locale: string) =>
  new Date(iso).toLocaleDateString(locale, {
    year: "numeric",
    month: "long",
    day: "numeric",
    timeZone: "UTC",
  });

export function renewalMail(notice: RenewalNotice): Mail {
  const amount = `IDR ${notice.amount.toLocaleString("id-ID")}`;
  const failedEn = notice.failedMethod
    ? `We could not charge your ${notice.failedMethod} automatically. `
    : "";
  const failedId = notice.failedMethod
    ? `Kami tidak dapat menagih ${notice.failedMethod} Anda secara otomatis. `
    : "";
  const en = `${failedEn}Your ${notice.planName} plan renews on ${date(notice.periodStart, "en-GB")}. ` +
    `Pay ${amount} for the next period here:`;
  const id =
    `${failedId}Paket ${notice.planName} Anda diperpanjang pada ${date(notice.periodStart, "id-ID")}. ` +
    `Bayar ${amount} untuk periode berikutnya di sini:`;
  return {
    to: notice.to,
    template: "renewal_due",
    subject: `${notice.planName}: pay for your next period / bayar periode berikutnya`,
    text: `${en}\n${notice.payUrl}\n\n${id}\n${notice.payUrl}\n`,
    html: mailDocument(
      null,
      `<p lang="en">${escapeHtml(en)}<br><a href="${escapeHtml(notice.payUrl)}">${
        escapeHtml(notice.payUrl)
      }</a></p>` +
        `<p lang="id">${escapeHtml(id)}<br><a href="${escapeHtml(notice.payUrl)}">${
          escapeHtml(notice.payUrl)
        }</a></p>`,
    ),
  };
}

/** The trial reminder: the trial ends on periodStart; paying the link keeps the plan from then on. */
export function trialReminderMail(notice: RenewalNotice): Mail {
  const amount = `IDR ${notice.amount.toLocaleString("id-ID")}`;
  const failedEn = notice.failedMethod
    ? `We could not charge your ${notice.failedMethod} automatically. `
    : "";
  const failedId = notice.failedMethod
    ? `Kami tidak dapat menagih ${notice.failedMethod} Anda secara otomatis. `
    : "";
  const en =
    `${failedEn}Your free trial of ${notice.planName} ends on ${date(notice.periodStart, "en-GB")}. ` +
    `Pay ${amount} here to keep it from then on:`;
  const id =
    `${failedId}Masa uji coba gratis ${notice.planName} Anda berakhir pada ${
      date(notice.periodStart, "id-ID")
    }. ` +
    `Bayar ${amount} di sini agar paket tetap aktif setelahnya:`;
  return {
    to: notice.to,
    template: "trial_ending",
    subject: `${notice.planName}: your trial ends soon / masa uji coba segera berakhir`,
    text: `${en}\n${notice.payUrl}\n\n${id}\n${notice.payUrl}\n`,
    html:
      `<p>${escapeHtml(en)}<br><a href="${escapeHtml(notice.payUrl)}">${escapeHtml(notice.payUrl)}</a></p>` +
      `<p lang="id">${escapeHtml(id)}<br><a href="${escapeHtml(notice.payUrl)}">${
        escapeHtml(notice.payUrl)
      }</a></p>`,
  };
}
