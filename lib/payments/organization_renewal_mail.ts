/**
 * The team plan renewal notice: the organization's next period pay link, mailed to each owner and admin, in
 * English and Bahasa Indonesia in one mail, in the project's own words where it has them (billing_words.ts).
 */
import type { Mail } from "@/db/billing.ts";
import {
  bothSubjects,
  halves,
  idr,
  type Lang,
  longDate,
  type OwnWording,
  payLinkBody,
} from "./billing_words.ts";

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

const WORDS = {
  en: (n: OrganizationRenewalNotice, date: string, amount: string) => ({
    subject: `${n.organizationName}: pay for the next period`,
    intro: `The ${n.planName} plan of ${n.organizationName} (${n.seats} seats) renews on ${date}. ` +
      `Any owner or admin can pay ${amount} for the next period here:`,
  }),
  id: (n: OrganizationRenewalNotice, date: string, amount: string) => ({
    subject: "bayar periode berikutnya",
    intro: `Paket ${n.planName} milik ${n.organizationName} (${n.seats} kursi) diperpanjang pada ${date}. ` +
      `Pemilik atau admin mana pun dapat membayar ${amount} untuk periode berikutnya di sini:`,
  }),
};

const failedNote = (lang: Lang, method: string) =>
  lang === "en"
    ? `We could not charge ${method} automatically.`
    : `Kami tidak dapat menagih ${method} secara otomatis.`;

export function organizationRenewalMail(notice: OrganizationRenewalNotice, own?: OwnWording): Mail {
  const amount = idr(notice.amount);
  const parts = halves(
    own,
    "organization_renewal_due",
    (lang) => ({
      plan: notice.planName,
      organization: notice.organizationName,
      seats: notice.seats,
      amount,
      date: longDate(notice.periodStart, lang),
    }),
    (lang) => WORDS[lang](notice, longDate(notice.periodStart, lang), amount),
  );
  const failed = notice.failedMethod;
  return {
    to: notice.to,
    template: "renewal_due",
    subject: bothSubjects(parts),
    ...payLinkBody(parts, notice.payUrl, failed ? (lang) => failedNote(lang, failed) : undefined),
  };
}
