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
const RESUMED_NOTICES: Record<string, Worded> = {
  payment_reconcile_resumed: {
    en: "Reconciliation resumed: Xendit is asked about this payment again now, and every 15 minutes after.",
    id:
      "Rekonsiliasi dilanjutkan: Xendit ditanya lagi tentang pembayaran ini sekarang, lalu setiap 15 menit.",
  },
  refund_reconcile_resumed: {
    en: "Reconciliation resumed: Xendit is asked about this refund again now, and every 15 minutes after.",
    id:
      "Rekonsiliasi dilanjutkan: Xendit ditanya lagi tentang pengembalian dana ini sekarang, lalu setiap 15 menit.",
  },
};

/**
 * The notice after Resume for a page's `?done=`, in its language: an Indonesian page says only the Indonesian, an
 * English one both (as it always did); none for another key.
 */
export function resumedNotice(lang: "en" | "id", done: string | undefined): string | undefined {
  const worded = done !== undefined && Object.hasOwn(RESUMED_NOTICES, done)
    ? RESUMED_NOTICES[done]
    : undefined;
  if (!worded) return undefined;
  return lang === "id" ? worded.id : both(worded);
}

/** A reconcile error's code (db/reconcile_errors.ts) in Bahasa Indonesia; the English is the stored message. */
const ERROR_WORDS_ID: Record<string, string> = {
  credentials_refused: "Xendit menolak kunci API proyek",
  provider_refused: "Xendit menolak pertanyaannya",
  rate_limited: "Xendit menjawab terlalu banyak permintaan (429)",
  provider_5xx: "Xendit menjawab dengan galat server",
  provider_timeout: "Xendit tidak menjawab tepat waktu",
  provider_unreachable: "Xendit tidak dapat dihubungi",
  provider_interrupted: "jawaban Xendit terputus",
  unexpected_answer: "jawaban Xendit tidak dapat dibaca",
  internal_error: "galat di sisi Astapa",
};

/** A stopped reconciliation's last error, as the API answers it. */
export type LastError = { code: string; message: string; at: string };

/**
 * Why a reconciliation stopped, in both languages: "Stopped after 3 errors: <message> (<when>)." — `when`
 * formatted by the caller. A stop from before causes were kept (migration 4217) has none to say.
 */
export function stoppedReason(errors: number, lastError: LastError | null, when: string): Worded {
  if (!lastError) {
    return {
      en: `Stopped after ${errors} errors (the cause was not recorded).`,
      id: `Berhenti setelah ${errors} galat (penyebabnya tidak tercatat).`,
    };
  }
  const id = ERROR_WORDS_ID[lastError.code] ?? lastError.code;
  return {
    en: `Stopped after ${errors} errors: ${lastError.message.replace(/\.$/, "")} (${when}).`,
    id: `Berhenti setelah ${errors} galat: ${id} (${when}).`,
  };
}

/** What still settles a stopped payment or refund. */
export const CALLBACK_SETTLES: Worded = {
  en: "Xendit's callback still settles it.",
  id: "Callback Xendit tetap menyelesaikannya.",
};
