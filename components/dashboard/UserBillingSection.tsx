/**
 * A user's billing on their dashboard page (api.user_billing): start a free trial (admins), the trials they
 * had, plan changes, linked e-wallets with Unlink (admins), renewal charges to those e-wallets, and payments
 * of every status (pending, paid, refunded, failed, expired) with the printable receipts and refunds of paid ones.
 */
import type { Plan } from "@/db/plans.ts";
import type { UserBilling } from "@/db/user_billing.ts";
import { formatRupiah, formatWhen, methodLabel } from "@/lib/dashboard/rupiah.ts";
import { CsrfField } from "./Frame.tsx";
import { RowAction } from "./RowAction.tsx";

type Props = {
  billing: UserBilling;
  plans: Plan[];
  /** On a paid plan or a trial of one: api.start_trial would refuse, so no trial is offered. */
  onPaidPlan: boolean;
  action: string;
  /** The project's Receipts page, for "every receipt of this user". */
  receiptsHref: string;
  csrf: string;
  canEdit: boolean;
};

const CHANGE_STATES = {
  awaiting_payment: "pending (waiting for its payment)",
  scheduled: "scheduled for the period end",
  applied: "applied",
  canceled: "withdrawn",
} as const;

const CHARGE_STATES = {
  charging: "charging",
  pending: "pending at Xendit",
  paid: "paid",
  failed: "failed (pay link mailed)",
} as const;

const PAYMENT_STATES = {
  pending: "pending at Xendit",
  paid: "paid",
  failed: "failed",
  expired: "expired (not paid)",
} as const;

/** A payment's state as the page says it: a paid one given back in part or in full says so. */
function paymentState(payment: UserBilling["payments"][number]): string {
  if (payment.status !== "paid" || payment.refunded_idr === 0) return PAYMENT_STATES[payment.status];
  return payment.refunded_idr >= payment.amount ? "refunded" : "paid, partly refunded";
}

export function UserBillingSection(
  { billing, plans, onPaidPlan, action, receiptsHref, csrf, canEdit }: Props,
) {
  const trialed = new Set(billing.trials.map((t) => t.plan));
  // What api.start_trial accepts: a personal paid monthly/yearly plan with trial days, not trialed before.
  const offered = onPaidPlan
    ? []
    : plans.filter((p) =>
      (p.trial_days ?? 0) > 0 && p.price_idr > 0 && !p.archived_at && !trialed.has(p.key) &&
      (p.interval === "month" || p.interval === "year") && !p.seat_pricing
    );
  return (
    <section class="card" aria-labelledby="billing-heading" id="billing">
      <h2 id="billing-heading">Billing</h2>
      {canEdit && offered.length > 0 && (
        <form method="post" action={`${action}/trial`} class="form inline-form" data-form="trial">
          <CsrfField token={csrf} />
          <label for="trial-plan">Start a free trial</label>
          <select id="trial-plan" name="plan">
            {offered.map((plan) => (
              <option key={plan.key} value={plan.key}>{plan.name} ({plan.trial_days} days)</option>
            ))}
          </select>
          <button type="submit" class="button">Start trial</button>
        </form>
      )}
      {canEdit && offered.length === 0 && (
        <p class="muted">
          {onPaidPlan
            ? "No trial to offer: this user is on a paid plan or a trial."
            : "No trial to offer: no plan has trial days, or this user had each one's trial."}
        </p>
      )}

      <h3>Trials</h3>
      {billing.trials.length === 0 ? <p class="muted">None.</p> : (
        <table class="list" data-list="trials">
          <thead>
            <tr>
              <th scope="col">Plan</th>
              <th scope="col">Started</th>
              <th scope="col">Ends</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {billing.trials.map((trial) => (
              <tr key={trial.plan}>
                <td>{trial.plan}</td>
                <td>{formatWhen(trial.started_at)}</td>
                <td>{formatWhen(trial.ends_at)}</td>
                <td>{trial.state}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h3>Plan changes</h3>
      {billing.plan_changes.length === 0
        ? <p class="muted">None.</p>
        : (
          <table class="list" data-list="plan-changes">
            <thead>
              <tr>
                <th scope="col">From → to</th>
                <th scope="col">Kind</th>
                <th scope="col">State</th>
                <th scope="col" class="number">Charged</th>
                <th scope="col">Asked</th>
                <th scope="col">Applies / applied</th>
              </tr>
            </thead>
            <tbody>
              {billing.plan_changes.map((change) => (
                <tr key={change.id}>
                  <td>{change.from_plan} → {change.to_plan}</td>
                  <td>{change.kind}</td>
                  <td>{CHANGE_STATES[change.status]}</td>
                  <td class="number">{change.kind === "upgrade" ? formatRupiah(change.amount_idr) : "—"}</td>
                  <td>{formatWhen(change.created_at)}</td>
                  <td>{formatWhen(change.resolved_at ?? change.effective_at ?? change.period_end)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}

      <h3>Linked e-wallets</h3>
      {billing.linked_methods.length === 0
        ? <p class="muted">None linked for automatic renewal.</p>
        : (
          <table class="list" data-list="linked-methods">
            <thead>
              <tr>
                <th scope="col">E-wallet</th>
                <th scope="col">Status</th>
                <th scope="col">Linked</th>
                {canEdit && <th scope="col">Action</th>}
              </tr>
            </thead>
            <tbody>
              {billing.linked_methods.map((method) => (
                <tr key={method.method_id} data-method={method.method_id}>
                  <td>{method.label}</td>
                  <td>
                    {method.status.replace("_", " ")}
                    {(method.status === "active" || method.status === "requires_action") &&
                      method.unlink_requested_at && (
                      <span class="muted" data-unlinking={method.method_id}>
                        {` · being unlinked since ${
                          formatWhen(method.unlink_requested_at)
                        }: not charged meanwhile; Unlink tries again`}
                      </span>
                    )}
                  </td>
                  <td>{formatWhen(method.activated_at ?? method.created_at)}</td>
                  {canEdit && (
                    <td>
                      {(method.status === "active" || method.status === "requires_action") && (
                        <RowAction
                          action={`${action}/linked-methods`}
                          csrf={csrf}
                          fields={{ method: method.method_id }}
                        >
                          Unlink
                        </RowAction>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        )}

      <h3>Renewal charges</h3>
      {billing.renewal_charges.length === 0
        ? <p class="muted">No renewal was charged to a linked e-wallet.</p>
        : (
          <table class="list" data-list="renewal-charges">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">E-wallet</th>
                <th scope="col">Plan</th>
                <th scope="col" class="number">Amount</th>
                <th scope="col">Outcome</th>
              </tr>
            </thead>
            <tbody>
              {billing.renewal_charges.map((charge) => (
                <tr key={charge.charge_id}>
                  <td>{formatWhen(charge.attempted_at ?? charge.created_at)}</td>
                  <td>{charge.method_label}</td>
                  <td>{charge.plan}</td>
                  <td class="number">{formatRupiah(charge.amount)}</td>
                  <td>
                    {CHARGE_STATES[charge.status]}
                    {charge.failure_code && <span class="muted">{charge.failure_code}</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}

      <h3>Payments</h3>
      {billing.payments.length === 0
        ? <p class="muted">No payment yet.</p>
        : (
          <table class="list" data-list="payments">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Plan</th>
                <th scope="col" class="number">Amount</th>
                <th scope="col">Status</th>
                <th scope="col">Receipt</th>
                <th scope="col">Refunds</th>
              </tr>
            </thead>
            <tbody>
              {billing.payments.map((payment) => (
                <tr
                  key={payment.provider_id}
                  data-payment={payment.status}
                  data-receipt={payment.number ?? undefined}
                >
                  <td>{formatWhen(payment.paid_at ?? payment.created_at)}</td>
                  <td>
                    {payment.plan} <span class="muted">{methodLabel(payment.method, payment.bank)}</span>
                  </td>
                  <td class="number">
                    {formatRupiah(payment.amount)}
                    {payment.coupon_code && <span class="muted">{payment.coupon_code}</span>}
                  </td>
                  <td>{paymentState(payment)}</td>
                  <td>
                    {payment.receipt_id && payment.number
                      ? <a href={`/billing/receipts/${payment.receipt_id}`}>{payment.number}</a>
                      : "—"}
                  </td>
                  <td>
                    {payment.refunds.length === 0
                      ? "—"
                      : payment.refunds.map((refund) => (
                        <span key={refund.refund_id} class="refund">
                          {formatRupiah(refund.amount)} {refund.status}
                          {refund.failure_code ? ` (${refund.failure_code})` : ""}
                          {" "}
                        </span>
                      ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      <p class="muted">
        <a href={receiptsHref}>Every receipt of this user</a> (refunds are made there).
      </p>
    </section>
  );
}
