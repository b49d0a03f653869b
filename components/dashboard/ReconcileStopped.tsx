/**
 * Why the billing pass stopped reconciling a payment or refund, beside its Resume button: "Stopped after 3
 * errors: <message> (<when>)". An Indonesian page says it in Indonesian only; an English one in English with the
 * Indonesian after it (as it always did). Also drawn by the PaymentsLive island (through PaymentRows), so it
 * imports only browser-safe modules.
 */
import { formatWhen } from "@/lib/dashboard/rupiah.ts";
import {
  CALLBACK_SETTLES,
  type LastError,
  RESUME_LABEL,
  stoppedReason,
} from "@/lib/dashboard/reconcile_text.ts";
import type { Lang } from "@/lib/login/i18n.ts";

export function ReconcileStopped(
  { errors, stoppedAt, lastError, logEvent, lang = "en" }: {
    errors: number;
    stoppedAt: string;
    lastError: LastError | null;
    /** The log line the stop wrote (reconcile_stopped, refund_reconcile_stopped). */
    logEvent: string;
    lang?: Lang;
  },
) {
  const reason = stoppedReason(errors, lastError, formatWhen(lastError?.at ?? stoppedAt, lang));
  return (
    <span class="muted" data-reconcile-stopped={stoppedAt} data-reconcile-error={lastError?.code}>
      {lang === "en" && <span lang="en">{reason.en} {CALLBACK_SETTLES.en} (log: {logEvent})</span>}{" "}
      <span lang="id">{reason.id} {CALLBACK_SETTLES.id}</span>
    </span>
  );
}

/**
 * The Resume button's label (its form is the page's): in Indonesian on an Indonesian page; in English with the
 * Indonesian after it on an English one. `row` names the payment or refund to screen readers.
 */
export function ResumeButton({ row, lang = "en" }: { row: string; lang?: Lang }) {
  return (
    <>
      <button type="submit" class="link" lang={lang}>
        {RESUME_LABEL[lang]}
        <span class="visually-hidden">{row}</span>
      </button>
      {lang === "en" && (
        <>
          {" "}
          <span class="muted" lang="id">({RESUME_LABEL.id})</span>
        </>
      )}
    </>
  );
}
