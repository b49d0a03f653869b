/**
 * Why the billing pass stopped reconciling a payment or refund, beside its Resume button: "Stopped after 3
 * errors: <message> (<when>)" in English and Bahasa Indonesia. Also drawn by the PaymentsLive island (through
 * PaymentRows), so it imports only browser-safe modules.
 */
import { formatWhen } from "@/lib/dashboard/rupiah.ts";
import { CALLBACK_SETTLES, type LastError, stoppedReason } from "@/lib/dashboard/reconcile_text.ts";

export function ReconcileStopped(
  { errors, stoppedAt, lastError, logEvent }: {
    errors: number;
    stoppedAt: string;
    lastError: LastError | null;
    /** The log line the stop wrote (reconcile_stopped, refund_reconcile_stopped). */
    logEvent: string;
  },
) {
  const reason = stoppedReason(errors, lastError, formatWhen(lastError?.at ?? stoppedAt));
  return (
    <span class="muted" data-reconcile-stopped={stoppedAt} data-reconcile-error={lastError?.code}>
      <span lang="en">{reason.en} {CALLBACK_SETTLES.en} (log: {logEvent})</span>{" "}
      <span lang="id">{reason.id} {CALLBACK_SETTLES.id}</span>
    </span>
  );
}
