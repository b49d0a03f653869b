/** Rows of the payments list; rendered on the server and, for live updates, by the PaymentsLive island. */
import type { PaymentRow } from "@/db/dashboard_payments.ts";
import { formatRupiah, formatWhen, methodLabel } from "@/lib/dashboard/rupiah.ts";
import { ReconcileStopped, ResumeButton } from "./ReconcileStopped.tsx";
import type { Lang } from "@/lib/login/i18n.ts";
import { fill } from "@/lib/dashboard/text/catalogue.ts";
import { PAYMENTS_TEXT } from "@/lib/dashboard/text/payments.ts";

/** Where the Resume button of a row whose reconciliation stopped posts, with the page's CSRF token. */
export type ResumeForm = { action: string; csrf: string };

export function PaymentsTable(
  { rows, base, resume = null, lang = "en" }: {
    rows: PaymentRow[];
    base: string;
    resume?: ResumeForm | null;
    lang?: Lang;
  },
) {
  const text = PAYMENTS_TEXT[lang];
  return (
    <table class="list payments">
      <thead>
        <tr>
          <th scope="col">{text.columnStatus}</th>
          <th scope="col">{text.columnMethod}</th>
          <th scope="col">{text.columnAmount}</th>
          <th scope="col">{text.columnUser}</th>
          <th scope="col">{text.columnPlan}</th>
          <th scope="col">{text.columnCreated}</th>
          <th scope="col">{text.columnPaid}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.checkout_id} data-checkout={row.checkout_id} data-status={row.status}>
            <td>
              <span class={`badge status-${row.status}`}>{row.status}</span>
              {row.reconcile_stopped_at && (
                <ReconcileStopped
                  errors={row.reconcile_errors}
                  stoppedAt={row.reconcile_stopped_at}
                  lastError={row.reconcile_last_error}
                  logEvent="reconcile_stopped"
                  lang={lang}
                />
              )}
              {row.abandoned && (
                <span
                  class="muted"
                  data-abandoned={row.abandoned.at}
                  data-provider-id={row.abandoned.provider_id}
                  title={row.abandoned.reason}
                >
                  {fill(text.abandoned, {
                    at: formatWhen(row.abandoned.at, lang),
                    horizon: formatWhen(row.abandoned.horizon, lang),
                  })}
                </span>
              )}
              {row.reconcile_stopped_at && resume && (
                <form method="post" action={resume.action} class="inline reconcile-form">
                  <input type="hidden" name="csrf" value={resume.csrf} />
                  <input type="hidden" name="id" value={row.checkout_id} />
                  <ResumeButton row={row.checkout_id} lang={lang} />
                </form>
              )}
            </td>
            <td>{methodLabel(row.method, row.bank, lang)}</td>
            <td class="number">{formatRupiah(row.amount)}</td>
            <td>
              <a href={`${base}/users/${row.sub}`}>{row.email ?? fill(text.user, { sub: row.sub })}</a>
            </td>
            <td>{row.plan_name ?? row.plan}</td>
            <td>{formatWhen(row.created_at, lang)}</td>
            <td>{formatWhen(row.paid_at, lang)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
