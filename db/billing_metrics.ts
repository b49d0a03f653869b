/** Typed wrapper around the subscription metrics in `api` (db/api/billing_metrics.sql). */
import { z } from "zod";
import type { Tx } from "./client.ts";
import { result } from "./result.ts";

export const MrrMonthSchema = z.object({
  month: z.string(),
  mrr_idr: z.number().int(),
  paying: z.number().int(),
  new: z.number().int(),
  churned: z.number().int(),
  paying_at_start: z.number().int(),
});
export type MrrMonth = z.infer<typeof MrrMonthSchema>;

/** MRR (IDR) and churn for the last `months` UTC months up to `until`, oldest first. */
export function mrrByMonth(tx: Tx, projectId: string, months = 12, until?: Date): Promise<MrrMonth[]> {
  return result(
    tx`select api.mrr_by_month(${projectId}, ${months}, coalesce(${
      until ?? null
    }::timestamptz, now())) as result`,
    z.array(MrrMonthSchema),
  );
}
