/**
 * `astapa payment reconcile` and `astapa refund reconcile`: resume the reconciliation with Xendit that the billing
 * pass stopped after three errors on our side (reconcile_stopped_at), as the Platform API's
 * POST …/{id}/reconcile and the dashboard's Resume button do; audited as cli. A running server reconciles it at
 * once (NOTIFY astapa_reconcile), else its next start's billing pass does.
 */
import { asApp, type Sql } from "@/db/client.ts";
import { resumePaymentReconciliation } from "@/db/billing.ts";
import { resumeRefundReconciliation } from "@/db/refunds.ts";
import { allowFlags, flag, operands, type ParsedArgs, UsageError } from "./args.ts";
import { type Output, table } from "./output.ts";

export const RECONCILE_USAGE = `  payment reconcile --project ID CHECKOUT_ID
                             resume a payment's reconciliation that stopped after three errors on our
                             side (reconcile_stopped_at): Xendit is asked about its charge again now
  refund reconcile --project ID REFUND_ID
                             the same for a refund`;

const CLI = { actor: "cli" };

/** `payment reconcile --project ID CHECKOUT_ID` */
export async function paymentCommand(sql: Sql, args: ParsedArgs, out: Output): Promise<number> {
  const [project, checkoutId] = reconcileArgs(args, "payment", "CHECKOUT_ID");
  const payment = await asApp(
    sql,
    project,
    (tx) => resumePaymentReconciliation(tx, project, checkoutId),
    CLI,
  );
  out.result(
    payment,
    table([
      ["payment", payment.checkout_id],
      ["status", payment.status],
      ["reconciliation", "resumed: Xendit is asked about it again"],
    ]),
  );
  return 0;
}

/** `refund reconcile --project ID REFUND_ID` */
export async function refundCommand(sql: Sql, args: ParsedArgs, out: Output): Promise<number> {
  const [project, refundId] = reconcileArgs(args, "refund", "REFUND_ID");
  const refund = await asApp(sql, project, (tx) => resumeRefundReconciliation(tx, project, refundId), CLI);
  out.result(
    refund,
    table([
      ["refund", refund.refund_id],
      ["status", refund.status],
      ["reconciliation", "resumed: Xendit is asked about it again"],
    ]),
  );
  return 0;
}

function reconcileArgs(args: ParsedArgs, command: string, operand: string): [string, string] {
  const action = args.positionals[1];
  if (action !== "reconcile") throw new UsageError(`Unknown ${command} command "${action ?? ""}"`);
  allowFlags(args, ["project"]);
  const project = flag(args, "project", true);
  const [id] = operands(args, 2, [operand]);
  return [project, id];
}
