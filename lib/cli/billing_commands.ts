/**
 * `astapa billing …`: a project's billing settings (api.billing_settings, docs/project-settings.md) and the one
 * switch changed here: whether a double payment (paid_again) is refunded without an operator (docs/receipts.md).
 */
import { asApp, type Sql } from "@/db/client.ts";
import { billingSettings, updateBillingSettings } from "@/db/project_settings.ts";
import { allowFlags, operands, type ParsedArgs, trueOrFalse } from "./args.ts";
import type { Output } from "./output.ts";

export const BILLING_USAGE = `  billing ID [--refund-duplicates true|false]
                             show the billing settings, or turn the automatic full refund of a payment made
                             twice (paid_again; reason DUPLICATE, no plan effect) on or off`;

export async function billingCommand(sql: Sql, args: ParsedArgs, out: Output): Promise<number> {
  const [id] = operands(args, 1, ["ID"]);
  allowFlags(args, ["refund-duplicates"]);
  const refund = trueOrFalse(args, "refund-duplicates");
  const shown = await asApp(
    sql,
    id,
    (tx) =>
      refund === null
        ? billingSettings(tx, id)
        : updateBillingSettings(tx, id, { billing_refund_duplicates: refund || null }),
    { actor: "cli" },
  );
  out.result(
    { project_id: id, ...shown },
    `Billing for ${id}: grace ${shown.billing_grace_days} days, renewal notice ${shown.billing_renewal_notice_days} ` +
      `days, trial reminder ${shown.billing_trial_reminder_days} days; linked methods ` +
      `${shown.linked_methods.enabled ? "on" : "off"}; double payments refunded ` +
      `${shown.billing_refund_duplicates ? "automatically" : "by hand"}`,
  );
  return 0;
}
