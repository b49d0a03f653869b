import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";

type CheckoutLiveProps = { checkoutId: string; status: string; continueUrl: string | null };

const LABELS: Record<string, string> = {
  open: "Choose how to pay.",
  pending: "Waiting for your payment…",
  paid: "Payment received. Your plan is active.",
  expired: "This checkout has expired.",
};

/** The checkout's status, kept current by server-sent events; reveals the way back once paid. */
export default function CheckoutLive({ checkoutId, status, continueUrl }: CheckoutLiveProps) {
  const current = useSignal(status);
  useEffect(() => {
    if (status === "paid" || status === "expired") return;
    const source = new EventSource(`/billing/checkout/${checkoutId}/events`);
    source.addEventListener("status", (event) => {
      const data = JSON.parse((event as MessageEvent).data) as { status: string };
      current.value = data.status;
      if (data.status === "paid" || data.status === "expired") source.close();
    });
    return () => source.close();
  }, [checkoutId]);
  return (
    <div class={`checkout-status status-${current.value}`} role="status" aria-live="polite">
      <p data-status={current.value}>{LABELS[current.value] ?? current.value}</p>
      {current.value === "paid" && continueUrl && <a class="button" href={continueUrl}>Continue</a>}
    </div>
  );
}
