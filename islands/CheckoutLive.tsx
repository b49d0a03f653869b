import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { shownStatus } from "@/lib/payments/checkout_status.ts";

type CheckoutLiveProps = {
  checkoutId: string;
  status: string;
  /** The last charge's status (null: none yet): a pending checkout whose charge ended says so. */
  paymentStatus: string | null;
  continueUrl: string | null;
  /** Status → sentence, in the page's language. */
  labels: Record<string, string>;
  continueLabel: string;
};

const DONE = ["paid", "expired"];

/**
 * The checkout's status, kept current by server-sent events. Once paid (or expired) the ways to pay on the
 * page (marked data-while-open) go away and the way back to the app shows, as after a reload.
 */
export default function CheckoutLive(
  { checkoutId, status, paymentStatus, continueUrl, labels, continueLabel }: CheckoutLiveProps,
) {
  const current = useSignal(shownStatus(status, paymentStatus));
  useEffect(() => {
    if (!DONE.includes(current.value)) return;
    for (const part of document.querySelectorAll<HTMLElement>("[data-while-open]")) part.hidden = true;
  }, [current.value]);
  useEffect(() => {
    if (status === "paid" || status === "expired") return;
    const source = new EventSource(`/billing/checkout/${checkoutId}/events`);
    source.addEventListener("status", (event) => {
      const data = JSON.parse((event as MessageEvent).data) as {
        status: string;
        payment_status: string | null;
      };
      current.value = shownStatus(data.status, data.payment_status);
      if (data.status === "paid" || data.status === "expired") source.close();
    });
    return () => source.close();
  }, [checkoutId]);
  return (
    <div class={`checkout-status status-${current.value}`} role="status" aria-live="polite">
      <p data-status={current.value}>{labels[current.value] ?? current.value}</p>
      {current.value === "paid" && continueUrl && <a class="button" href={continueUrl}>{continueLabel}</a>}
    </div>
  );
}
