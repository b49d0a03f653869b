/** Typed wrappers around the linked-method renewal charges in `api` (db/api/renewal_charges.sql). */
import { z } from "zod";
import type { Tx } from "./client.ts";
import { CheckoutSchema } from "./payments.ts";
import { result } from "./result.ts";

/** A renewal charge to a linked method as the dashboard, the portal and the Platform API list it. */
export const RenewalChargeSchema = z.object({
  charge_id: z.string(),
  purpose: z.enum(["renewal", "trial", "organization"]),
  checkout_id: z.string(),
  plan: z.string(),
  organization_id: z.string().nullable(),
  period_start: z.string().nullable(),
  amount: z.number().int(),
  status: z.enum(["charging", "pending", "paid", "failed"]),
  failure_code: z.string().nullable(),
  method_id: z.string(),
  method_label: z.string(),
  attempted_at: z.string().nullable(),
  mailed_at: z.string().nullable(),
  created_at: z.string(),
});
export type RenewalCharge = z.infer<typeof RenewalChargeSchema>;

const charge = { charge_id: z.string() };
const fallback = z.object({
  ...charge,
  action: z.enum(["mail", "none"]),
  failure_code: z.string(),
  /** What the checkout pays for: the pay-link mail a failure falls back to (db/api/renewal_charges.sql). */
  purpose: z.enum(["renewal", "trial", "organization"]),
  label: z.string(),
  checkout: CheckoutSchema,
  email: z.string().nullable(),
  /** A team plan's charge: its pay link goes to every owner and admin instead. */
  organization: z.object({
    id: z.string(),
    name: z.string(),
    period_start: z.string().nullable(),
    emails: z.array(z.string()),
  }).nullable().optional(),
});

export const RenewalChargeWorkSchema = z.discriminatedUnion("action", [
  z.object({
    ...charge,
    action: z.literal("charge"),
    amount: z.number().int(),
    provider_method_id: z.string(),
    channel: z.string(),
    label: z.string(),
    checkout: CheckoutSchema,
  }),
  fallback,
  z.object({ ...charge, action: z.literal("paid") }),
]).nullable();
export type RenewalChargeWork = NonNullable<z.infer<typeof RenewalChargeWorkSchema>>;

/** The next linked-method renewal charge to make, settle or fall back from (null: none left). */
export function nextRenewalCharge(
  tx: Tx,
  projectId: string,
  now: Date,
  retrySeconds: number,
): Promise<z.infer<typeof RenewalChargeWorkSchema>> {
  return result(
    tx`select api.next_renewal_charge(${projectId}, ${now.toISOString()}::timestamptz, ${retrySeconds})
      as result`,
    RenewalChargeWorkSchema,
  );
}

export type RenewalChargeAnswer =
  | { provider_id: string; amount: number; status: string }
  | { failure: string };

export const RecordedRenewalChargeSchema = z.union([
  z.object({ ...charge, action: z.enum(["pending", "none"]) }),
  fallback,
]);
export type RecordedRenewalCharge = z.infer<typeof RecordedRenewalChargeSchema>;

/** Records Xendit's answer to a renewal charge; action mail means the pay-link mail must go out now. */
export function recordRenewalCharge(
  tx: Tx,
  projectId: string,
  chargeId: string,
  answer: RenewalChargeAnswer,
  now: Date,
): Promise<RecordedRenewalCharge> {
  return result(
    tx`select api.record_renewal_charge(${projectId}, ${chargeId}, ${JSON.stringify(answer)}::text::jsonb,
      ${now.toISOString()}::timestamptz) as result`,
    RecordedRenewalChargeSchema,
  );
}
