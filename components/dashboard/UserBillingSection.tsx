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
import { Phrase } from "./Phrase.tsx";
import { fill, type Lang } from "@/lib/dashboard/i18n.ts";
import { USER_BILLING_TEXT } from "@/lib/dashboard/text/user_billing.ts";

type Words = (typeof USER_BILLING_TEXT)["en"];

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
  lang: Lang;
};

const CHANGE_STATES = {
  awaiting_payment: "changeAwaitingPayment",
  scheduled: "changeScheduled",
  applied: "changeApplied",
  canceled: "changeCanceled",
} as const;

const CHARGE_STATES = {
  charging: "chargeCharging",
  pending: "pendingAtXendit",
  paid: "paid",
  failed: "chargeFailed",
} as const;

const PAYMENT_STATES = {
  pending: "pendingAtXendit",
  paid: "paid",
  failed: "paymentFailed",
  expired: "paymentExpired",
} as const;

/** A payment's state as the page says it: a paid one given back in part or in full says so. */
function paymentState(payment: UserBilling["payments"][number], text: Words): string {
  if (payment.status !== "paid" || payment.refunded_idr === 0) return text[PAYMENT_STATES[payment.status]];
  return payment.refunded_idr >= payment.amount ? text.refunded : text.partlyRefunded;
}

export function UserBillingSection(
  { billing, plans, onPaidPlan, action, receiptsHref, csrf, canEdit, lang }: Props,
) {
  const text = USER_BILLING_TEXT[lang];
  const when = (iso: string | null) => formatWhen(iso, lang);
  const trialed = new Set(billing.trials.map((t) => t.plan));
  const trialState = {
    trialing: text.trialTrialing,
    paid: text.trialPaid,
    ended: text.trialEnded,
    other_account: text.trialOtherAccount,
  };
  // What api.start_trial accepts: a personal paid monthly/yearly plan with trial days, not trialed before.
  const offered = onPaidPlan
    ? []
    : plans.filter((p) =>
      (p.trial_days ?? 0) > 0 && p.price_idr > 0 && !p.archived_at && !trialed.has(p.key) &&
      (p.interval === "month" || p.interval === "year") && !p.seat_pricing
    );
  return (
    <section class="card" aria-labelledby="billing-heading" id="billing">
      <h2 id="billing-heading">{text.billing}</h2>
      {canEdit && offered.length > 0 && (
        <form method="post" action={`${action}/trial`} class="form inline-form" data-form="trial">
          <CsrfField token={csrf} />
          <label for="trial-plan">{text.startTrialLabel}</label>
          <select id="trial-plan" name="plan">
            {offered.map((plan) => (
              <option key={plan.key} value={plan.key}>
                {fill(text.trialOption, { plan: plan.name, days: plan.trial_days ?? 0 })}
              </option>
            ))}
          </select>
          <button type="submit" class="button">{text.startTrial}</button>
        </form>
      )}
      {canEdit && offered.length === 0 && (
        <p class="muted">
          {onPaidPlan ? text.noTrialOnPaidPlan : text.noTrialLeft}
        </p>
      )}

      <h3>{text.trials}</h3>
      {billing.trials.length === 0
        ? <p class="muted">{text.none}</p>
        : (
          <table class="list" data-list="trials">
            <thead>
              <tr>
                <th scope="col">{text.columnPlan}</th>
                <th scope="col">{text.columnStarted}</th>
                <th scope="col">{text.columnEnds}</th>
                <th scope="col">{text.columnState}</th>
              </tr>
            </thead>
            <tbody>
              {billing.trials.map((trial) => (
                <tr key={trial.plan}>
                  <td>{trial.plan}</td>
                  <td>{when(trial.started_at)}</td>
                  <td>{when(trial.ends_at)}</td>
                  <td>{trialState[trial.state]}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}

      <h3>{text.planChanges}</h3>
      {billing.plan_changes.length === 0
        ? <p class="muted">{text.none}</p>
        : (
          <table class="list" data-list="plan-changes">
            <thead>
              <tr>
                <th scope="col">{text.columnFromTo}</th>
                <th scope="col">{text.columnKind}</th>
                <th scope="col">{text.columnState}</th>
                <th scope="col" class="number">{text.columnCharged}</th>
                <th scope="col">{text.columnAsked}</th>
                <th scope="col">{text.columnApplies}</th>
              </tr>
            </thead>
            <tbody>
              {billing.plan_changes.map((change) => (
                <tr key={change.id}>
                  <td>{change.from_plan} → {change.to_plan}</td>
                  <td>{change.kind}</td>
                  <td>{text[CHANGE_STATES[change.status]]}</td>
                  <td class="number">{change.kind === "upgrade" ? formatRupiah(change.amount_idr) : "—"}</td>
                  <td>{when(change.created_at)}</td>
                  <td>{when(change.resolved_at ?? change.effective_at ?? change.period_end)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}

      <h3>{text.linkedWallets}</h3>
      {billing.linked_methods.length === 0
        ? <p class="muted">{text.noLinkedWallets}</p>
        : (
          <table class="list" data-list="linked-methods">
            <thead>
              <tr>
                <th scope="col">{text.columnWallet}</th>
                <th scope="col">{text.columnStatus}</th>
                <th scope="col">{text.columnLinked}</th>
                {canEdit && <th scope="col">{text.columnAction}</th>}
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
                        {fill(text.beingUnlinked, { date: when(method.unlink_requested_at) })}
                      </span>
                    )}
                  </td>
                  <td>{when(method.activated_at ?? method.created_at)}</td>
                  {canEdit && (
                    <td>
                      {(method.status === "active" || method.status === "requires_action") && (
                        <RowAction
                          action={`${action}/linked-methods`}
                          csrf={csrf}
                          fields={{ method: method.method_id }}
                        >
                          {text.unlink}
                        </RowAction>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        )}

      <h3>{text.renewalCharges}</h3>
      {billing.renewal_charges.length === 0
        ? <p class="muted">{text.noRenewalCharges}</p>
        : (
          <table class="list" data-list="renewal-charges">
            <thead>
              <tr>
                <th scope="col">{text.columnWhen}</th>
                <th scope="col">{text.columnWallet}</th>
                <th scope="col">{text.columnPlan}</th>
                <th scope="col" class="number">{text.columnAmount}</th>
                <th scope="col">{text.columnOutcome}</th>
              </tr>
            </thead>
            <tbody>
              {billing.renewal_charges.map((charge) => (
                <tr key={charge.charge_id}>
                  <td>{when(charge.attempted_at ?? charge.created_at)}</td>
                  <td>{charge.method_label}</td>
                  <td>{charge.plan}</td>
                  <td class="number">{formatRupiah(charge.amount)}</td>
                  <td>
                    {text[CHARGE_STATES[charge.status]]}
                    {charge.failure_code && <span class="muted">{charge.failure_code}</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}

      <h3>{text.payments}</h3>
      {billing.payments.length === 0
        ? <p class="muted">{text.noPayments}</p>
        : (
          <table class="list" data-list="payments">
            <thead>
              <tr>
                <th scope="col">{text.columnWhen}</th>
                <th scope="col">{text.columnPlan}</th>
                <th scope="col" class="number">{text.columnAmount}</th>
                <th scope="col">{text.columnStatus}</th>
                <th scope="col">{text.columnReceipt}</th>
                <th scope="col">{text.columnRefunds}</th>
              </tr>
            </thead>
            <tbody>
              {billing.payments.map((payment) => (
                <tr
                  key={payment.provider_id}
                  data-payment={payment.status}
                  data-receipt={payment.number ?? undefined}
                >
                  <td>{when(payment.paid_at ?? payment.created_at)}</td>
                  <td>
                    {payment.plan}{" "}
                    <span class="muted">{methodLabel(payment.method, payment.bank, lang)}</span>
                  </td>
                  <td class="number">
                    {formatRupiah(payment.amount)}
                    {payment.coupon_code && <span class="muted">{payment.coupon_code}</span>}
                  </td>
                  <td>{paymentState(payment, text)}</td>
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
        <Phrase
          text={text.everyReceipt}
          parts={{ link: <a href={receiptsHref}>{text.everyReceiptLink}</a> }}
        />
      </p>
    </section>
  );
}
