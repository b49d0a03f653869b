/**
 * `astapa payment show|reconcile` and `astapa refund show|reconcile`: show a payment or refund with its
 * reconciliation — and why it stopped (its last error) — and resume the reconciliation with Xendit that the
 * billing pass stopped after three errors on our side (reconcile_stopped_at), as the Platform API's
 * POST …/{id}/reconcile and the dashboard's Resume button do; audited as cli. A running server reconciles it at
 * once (NOTIFY astapa_reconcile), else its next start's billing pass does.
 */
import { asApp, type Sql } from "@/db/client.ts";
import { resumePaymentReconciliation } from "@/db/billing.ts";
import { getPayment, type PaymentRow } from "@/db/dashboard_payments.ts";
import type { ReconcileLastError } from "@/db/reconcile_errors.ts";
import { getRefund, resumeRefundReconciliation } from "@/db/refunds.ts";
import { allowFlags, flag, operands, type ParsedArgs, UsageError } from "./args.ts";
import { type Output, table } from "./output.ts";

export const RECONCILE_USAGE = `  payment show --project ID CHECKOUT_ID
                             a payment's status and reconciliation with Xendit: errors, when it stopped
                             and why (its last error), when it was resumed; a charge ended here because
                             Xendit still called it pending past its horizon: when, the horizon, why
  payment reconcile --project ID CHECKOUT_ID
                             resume a payment's reconciliation that stopped after three errors on our
                             side (reconcile_stopped_at): Xendit is asked about its charge again now
  refund show --project ID REFUND_ID
  refund reconcile --project ID REFUND_ID
                             the same for a refund`;

const CLI = { actor: "cli" };

/** What a payment or refund says about its reconciliation. */
type Reconciled = {
  status: string;
  reconcile_errors: number;
  reconcile_stopped_at: string | null;
  reconcile_resumed_at: string | null;
  reconcile_last_error: ReconcileLastError | null;
};

/** The reconciliation lines of `show`: whether it stopped, after how many errors, why and when. */
function reconciliationRows(row: Reconciled): [string, string][] {
  const last = row.reconcile_last_error;
  return [
    [
      "reconciliation",
      row.reconcile_stopped_at
        ? `stopped after ${row.reconcile_errors} errors (${row.reconcile_stopped_at})`
        : `${row.reconcile_errors} errors counted${row.reconcile_resumed_at ? ", resumed" : ""}`,
    ],
    ["last error", last ? `${last.code}: ${last.message} (${last.at})` : "none"],
    ["resumed at", row.reconcile_resumed_at ?? "never"],
  ];
}

/** `payment show|reconcile --project ID CHECKOUT_ID` */
export async function paymentCommand(sql: Sql, args: ParsedArgs, out: Output): Promise<number> {
  const [action, project, checkoutId] = commandArgs(args, "payment", "CHECKOUT_ID");
  const payment = await asApp(
    sql,
    project,
    (tx) =>
      action === "show"
        ? getPayment(tx, project, checkoutId)
        : resumePaymentReconciliation(tx, project, checkoutId),
    CLI,
  );
  out.result(payment, summary(["payment", payment.checkout_id], payment, action, abandonedRows(payment)));
  return 0;
}

/** A charge of the payment the billing pass ended here, not Xendit (api.abandon_charge): when, its horizon, why. */
function abandonedRows(payment: PaymentRow): [string, string][] {
  const ended = payment.abandoned;
  if (!ended) return [];
  return [
    [
      "ended here",
      `${ended.provider_id} (${ended.method}) at ${ended.at}, past its horizon ${ended.horizon}`,
    ],
    ["why", ended.reason],
  ];
}

/** `refund show|reconcile --project ID REFUND_ID` */
export async function refundCommand(sql: Sql, args: ParsedArgs, out: Output): Promise<number> {
  const [action, project, refundId] = commandArgs(args, "refund", "REFUND_ID");
  const refund = await asApp(
    sql,
    project,
    (tx) =>
      action === "show"
        ? getRefund(tx, project, refundId)
        : resumeRefundReconciliation(tx, project, refundId),
    CLI,
  );
  out.result(refund, summary(["refund", refund.refund_id], refund, action));
  return 0;
}

/** The human output: what it is, its status, and its reconciliation (show) or the resume with its cause. */
function summary(
  named: [string, string],
  row: Reconciled,
  action: "show" | "reconcile",
  ended: [string, string][] = [],
): string {
  const last = row.reconcile_last_error;
  const resumed: [string, string][] = [
    ["reconciliation", "resumed: Xendit is asked about it again"],
    // What had stopped it, kept for the record.
    ...(last ? [["stopped by", `${last.code}: ${last.message} (${last.at})`] as [string, string]] : []),
  ];
  return table([
    named,
    ["status", row.status],
    ...ended,
    ...(action === "show" ? reconciliationRows(row) : resumed),
  ]);
}

function commandArgs(
  args: ParsedArgs,
  command: string,
  operand: string,
): ["show" | "reconcile", string, string] {
  const action = args.positionals[1];
  if (action !== "reconcile" && action !== "show") {
    throw new UsageError(`Unknown ${command} command "${action ?? ""}"`);
  }
  allowFlags(args, ["project"]);
  const project = flag(args, "project", true);
  const [id] = operands(args, 2, [operand]);
  return [action, project, id];
}
