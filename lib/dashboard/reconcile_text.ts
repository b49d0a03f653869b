/**
 * The words of the dashboard's Resume button (a payment or refund whose reconciliation with Xendit stopped) in
 * English and Bahasa Indonesia: the label — also drawn by the PaymentsLive island, so this module imports
 * nothing — and the notices after it (refusals: reconcile_resume.ts).
 */
export type Worded = { en: string; id: string };
/** Both wordings in one string, English first (as the dashboard says trial refusals). */
export const both = (worded: Worded) => `${worded.en} — ${worded.id}`;

export const RESUME_LABEL: Worded = { en: "Resume reconciliation", id: "Lanjutkan rekonsiliasi" };

/** `?done=` keys of the pages the button is on → the notice. */
export const RESUMED_NOTICES: Record<string, string> = {
  payment_reconcile_resumed: both({
    en: "Reconciliation resumed: Xendit is asked about this payment again now, and every 15 minutes after.",
    id:
      "Rekonsiliasi dilanjutkan: Xendit ditanya lagi tentang pembayaran ini sekarang, lalu setiap 15 menit.",
  }),
  refund_reconcile_resumed: both({
    en: "Reconciliation resumed: Xendit is asked about this refund again now, and every 15 minutes after.",
    id:
      "Rekonsiliasi dilanjutkan: Xendit ditanya lagi tentang pengembalian dana ini sekarang, lalu setiap 15 menit.",
  }),
};
