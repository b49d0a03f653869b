import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { PaymentRow } from "../db/dashboard_payments.ts";
import { PaymentsTable, type ResumeForm } from "../components/dashboard/PaymentRows.tsx";
import type { Lang } from "@/lib/login/i18n.ts";
import { PAYMENTS_TEXT } from "@/lib/dashboard/text/payments.ts";

type PaymentsLiveProps = {
  rows: PaymentRow[];
  /** Project page base, for links to users. */
  base: string;
  /** The server-sent events to follow (first page only), starting after this page was listed; or null. */
  feed: string | null;
  filter: { status?: string; method?: string };
  /** Whether to say "No payments yet" on an empty list (not when the page shows its empty state). */
  sayEmpty: boolean;
  /** Where an admin's Resume button posts (a row whose reconciliation stopped), or null for viewers. */
  resume: ResumeForm | null;
  /** The page's language (English when absent). */
  lang?: Lang;
};

const STATES = { idle: "liveIdle", live: "liveOn", lost: "liveLost" } as const;

/**
 * The payments list, kept current by the dashboard's payment feed: a payment that changes moves to the top
 * (or is added there), if it fits the page's filter. Without JavaScript this is the server's list as is.
 */
export default function PaymentsLive(
  { rows, base, feed, filter, sayEmpty, resume, lang = "en" }: PaymentsLiveProps,
) {
  const text = PAYMENTS_TEXT[lang];
  const list = useSignal(rows);
  const state = useSignal<"idle" | "live" | "lost">("idle");
  useEffect(() => {
    if (!feed) return;
    const source = new EventSource(feed);
    source.addEventListener("open", () => state.value = "live");
    source.addEventListener("error", () => state.value = "lost");
    source.addEventListener("payment", (event) => {
      const { payment } = JSON.parse((event as MessageEvent).data) as { payment: PaymentRow };
      if (filter.status && payment.status !== filter.status) return;
      if (filter.method && payment.method !== filter.method) return;
      list.value = [payment, ...list.value.filter((row) => row.checkout_id !== payment.checkout_id)];
    });
    return () => source.close();
  }, [feed]);
  return (
    <div class="payments-live">
      {feed && (
        <p class="muted live-state" role="status" data-live={state.value}>{text[STATES[state.value]]}</p>
      )}
      {list.value.length === 0
        ? sayEmpty && <p class="muted empty">{text.none}</p>
        : <PaymentsTable rows={list.value} base={base} resume={resume} lang={lang} />}
    </div>
  );
}
