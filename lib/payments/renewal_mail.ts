/**
 * The renewal notice and the trial reminder: the next period's pay link, in English and Bahasa Indonesia in one
 * mail (billing_words.ts), in the project's own words where it has them. Plain text plus a small HTML version.
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

/** Astapa's words per kind and language; `date` is the period's start as the language writes it. */
const WORDS = {
  renewal_due: {
    en: (plan: string, date: string, amount: string) => ({
      subject: `${plan}: pay for your next period`,
      intro: `Your ${plan} plan renews on ${date}. Pay ${amount} for the next period here:`,
    }),
    id: (plan: string, date: string, amount: string) => ({
      subject: "bayar periode berikutnya",
      intro:
        `Paket ${plan} Anda diperpanjang pada ${date}. Bayar ${amount} untuk periode berikutnya di sini:`,
    }),
  },
  trial_ending: {
    en: (plan: string, date: string, amount: string) => ({
      subject: `${plan}: your trial ends soon`,
      intro: `Your free trial of ${plan} ends on ${date}. Pay ${amount} here to keep it from then on:`,
    }),
    id: (plan: string, date: string, amount: string) => ({
      subject: "masa uji coba segera berakhir",
      intro: `Masa uji coba gratis ${plan} Anda berakhir pada ${date}. ` +
        `Bayar ${amount} di sini agar paket tetap aktif setelahnya:`,
    }),
  },
} as const;

/** What a failed automatic charge adds first (Astapa's words: it is about the person's money). */
const failedNote = (lang: Lang, method: string) =>
  lang === "en"
    ? `We could not charge your ${method} automatically.`
    : `Kami tidak dapat menagih ${method} Anda secara otomatis.`;

function payLinkMail(kind: keyof typeof WORDS, notice: RenewalNotice, own?: OwnWording): Mail {
  const amount = idr(notice.amount);
  const parts = halves(
    own,
    kind,
    (lang) => ({ plan: notice.planName, amount, date: longDate(notice.periodStart, lang) }),
    (lang) => WORDS[kind][lang](notice.planName, longDate(notice.periodStart, lang), amount),
  );
  const failed = notice.failedMethod;
  return {
    to: notice.to,
    template: kind,
    subject: bothSubjects(parts),
    ...payLinkBody(parts, notice.payUrl, failed ? (lang) => failedNote(lang, failed) : undefined),
  };
}

/** The renewal notice: the period starting at periodStart is paid through the link. */
export function renewalMail(notice: RenewalNotice, own?: OwnWording): Mail {
  return payLinkMail("renewal_due", notice, own);
}

/** The trial reminder: the trial ends on periodStart; paying the link keeps the plan from then on. */
export function trialReminderMail(notice: RenewalNotice, own?: OwnWording): Mail {
  return payLinkMail("trial_ending", notice, own);
}
