/**
 * The portal's automatic renewal history: each charge to a linked method (a renewal, a trial's first period, a
 * team plan the customer chose their method for) with the method's masked label, amount, date and outcome, in
 * English or Indonesian. Shown only once a charge was made.
 */
import type { RenewalCharge } from "@/db/renewal_charges.ts";
import type { Lang } from "@/lib/login/i18n.ts";
import { portalDate } from "@/lib/payments/portal_text.ts";
import { rupiah } from "@/lib/payments/receipt_text.ts";

const TEXT = {
  en: {
    title: "Automatic renewal charges",
    date: "Date",
    method: "Method",
    plan: "Plan",
    amount: "Amount",
    outcome: "Outcome",
    purpose: { renewal: "renewal", trial: "first period after the trial", organization: "team plan" },
    status: {
      charging: "being charged",
      pending: "waiting for the e-wallet or bank",
      paid: "paid",
      failed: "not charged: the pay link was mailed",
    },
  },
  id: {
    title: "Penagihan perpanjangan otomatis",
    date: "Tanggal",
    method: "Metode",
    plan: "Paket",
    amount: "Jumlah",
    outcome: "Hasil",
    purpose: {
      renewal: "perpanjangan",
      trial: "periode pertama setelah masa coba",
      organization: "paket tim",
    },
    status: {
      charging: "sedang ditagih",
      pending: "menunggu e-wallet atau bank",
      paid: "lunas",
      failed: "tidak tertagih: tautan pembayaran dikirim lewat email",
    },
  },
} as const;

/** The charges newest first; nothing when none was made. */
export function RenewalChargesSection({ lang, charges }: { lang: Lang; charges: RenewalCharge[] }) {
  if (charges.length === 0) return null;
  const text = TEXT[lang];
  return (
    <section aria-labelledby="portal-renewal-charges">
      <h2 id="portal-renewal-charges">{text.title}</h2>
      <table class="portal-history" data-list="renewal-charges">
        <thead>
          <tr>
            <th scope="col">{text.date}</th>
            <th scope="col">{text.method}</th>
            <th scope="col">{text.plan}</th>
            <th scope="col">{text.amount}</th>
            <th scope="col">{text.outcome}</th>
          </tr>
        </thead>
        <tbody>
          {charges.map((charge) => (
            <tr key={charge.charge_id} data-charge-status={charge.status}>
              <td>{portalDate(charge.attempted_at ?? charge.created_at, lang)}</td>
              <td>{charge.method_label}</td>
              <td>
                {charge.plan} <span class="hint">({text.purpose[charge.purpose]})</span>
              </td>
              <td>{rupiah(charge.amount)}</td>
              <td>{text.status[charge.status]}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
