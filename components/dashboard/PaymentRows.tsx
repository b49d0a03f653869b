/** Rows of the payments list; rendered on the server and, for live updates, by the PaymentsLive island. */
import type { PaymentRow } from "@/db/dashboard_payments.ts";
import { formatRupiah, formatWhen, methodLabel } from "@/lib/dashboard/rupiah.ts";
import { RESUME_LABEL } from "@/lib/dashboard/reconcile_text.ts";
import { ReconcileStopped } from "./ReconcileStopped.tsx";

/** Where the Resume button of a row whose reconciliation stopped posts, with the page's CSRF token. */
export type ResumeForm = { action: string; csrf: string };

export function PaymentsTable(
  { rows, base, resume = null }: { rows: PaymentRow[]; base: string; resume?: ResumeForm | null },
) {
  return (
    <table class="list payments">
      <thead>
        <tr>
          <th scope="col">Status</th>
          <th scope="col">Method</th>
          <th scope="col">Amount</th>
          <th scope="col">User</th>
          <th scope="col">Plan</th>
          <th scope="col">Created</th>
          <th scope="col">Paid</th>
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
                />
              )}
              {row.reconcile_stopped_at && resume && (
                <form method="post" action={resume.action} class="inline reconcile-form">
                  <input type="hidden" name="csrf" value={resume.csrf} />
                  <input type="hidden" name="id" value={row.checkout_id} />
                  <button type="submit" class="link" lang="en">
                    {RESUME_LABEL.en}
                    <span class="visually-hidden">{row.checkout_id}</span>
                  </button>{" "}
                  <span class="muted" lang="id">({RESUME_LABEL.id})</span>
                </form>
              )}
            </td>
            <td>{methodLabel(row.method, row.bank)}</td>
            <td class="number">{formatRupiah(row.amount)}</td>
            <td>
              <a href={`${base}/users/${row.sub}`}>{row.email ?? `user ${row.sub}`}</a>
            </td>
            <td>{row.plan_name ?? row.plan}</td>
            <td>{formatWhen(row.created_at)}</td>
            <td>{formatWhen(row.paid_at)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
