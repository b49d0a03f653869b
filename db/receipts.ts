/** Typed wrappers around the receipt and PPN functions in `api` (db/api/receipts.sql). */
import { z } from "zod";
import type { Tx } from "./client.ts";
import { result } from "./result.ts";

const Idr = z.coerce.number().int();
const Rate = z.coerce.number();

export const TaxSettingsSchema = z.object({
  pkp: z.boolean(),
  ppn_rate: Rate,
  tax_base_numerator: z.number().int(),
  tax_base_denominator: z.number().int(),
  seller_name: z.string().nullable(),
  seller_npwp: z.string().nullable(),
  seller_address: z.string().nullable(),
  project_name: z.string(),
});
export type TaxSettings = z.infer<typeof TaxSettingsSchema>;

export const ReceiptSchema = z.object({
  receipt_id: z.string(),
  number: z.string(),
  year: z.number().int(),
  sequence: z.number().int(),
  issued_at: z.string(),
  seller: z.object({
    project_name: z.string(),
    name: z.string(),
    npwp: z.string().nullable(),
    address: z.string().nullable(),
  }),
  sub: z.string(),
  buyer: z.object({
    email: z.string().nullable(),
    name: z.string().nullable(),
    tax_id: z.string().nullable(),
  }),
  checkout_id: z.string(),
  provider_id: z.string(),
  plan: z.string(),
  plan_name: z.string(),
  period_start: z.string().nullable(),
  period_end: z.string().nullable(),
  method: z.string(),
  bank: z.string().nullable(),
  discount_idr: Idr.nullable(),
  coupon_code: z.string().nullable(),
  amount: Idr,
  currency: z.literal("IDR"),
  pkp: z.boolean(),
  ppn_rate: Rate.nullable(),
  tax_base_numerator: z.number().int().nullable(),
  tax_base_denominator: z.number().int().nullable(),
  price_before_tax_idr: Idr,
  tax_base_idr: Idr.nullable(),
  ppn_idr: Idr,
  environment: z.enum(["sandbox", "production"]),
  /** A team plan's receipt: the organization it is made out to (buyer.email is the owner or admin who paid). */
  organization: z.object({ id: z.string(), name: z.string() }).nullable().default(null),
  /** What succeeded refunds gave back of this payment. */
  refunded_idr: Idr,
});
export type Receipt = z.infer<typeof ReceiptSchema>;

/** A refund of one payment as the portal and the dashboard's user page list it. */
export const PaymentRefundSchema = z.object({
  refund_id: z.string(),
  amount: z.number().int(),
  status: z.enum(["requested", "pending", "succeeded", "failed"]),
  created_at: z.string(),
  succeeded_at: z.string().nullable(),
});

/**
 * One of a user's paid payments with its receipt and refunds, as the portal (api.billing_account) and the
 * dashboard's user page (api.user_billing) list them; each extends it with what only it shows.
 */
export const ReceiptedPaymentSchema = z.object({
  receipt_id: z.string(),
  number: z.string(),
  issued_at: z.string(),
  plan: z.string(),
  method: z.string(),
  bank: z.string().nullable(),
  amount: z.number().int(),
  coupon_code: z.string().nullable(),
  discount_idr: z.number().int().nullable(),
  refunded_idr: z.number().int(),
  refunds: z.array(PaymentRefundSchema),
});

/** The project's PPN settings with defaults filled in. */
export function taxSettings(tx: Tx, projectId: string): Promise<TaxSettings> {
  return result(tx`select api.tax_settings(${projectId}) as result`, TaxSettingsSchema);
}

/** Changes some PPN settings (null restores a default); answers all of them. */
export function setTaxSettings(
  tx: Tx,
  projectId: string,
  changes: Record<string, unknown>,
): Promise<TaxSettings> {
  return result(
    tx`select api.set_tax_settings(${projectId}, ${JSON.stringify(changes)}::text::jsonb) as result`,
    TaxSettingsSchema,
  );
}

/** Records who a checkout's receipt is made out to (name, NPWP or NIK). */
export function setCheckoutBuyer(
  tx: Tx,
  projectId: string,
  checkoutId: string,
  buyer: { name?: string; tax_id?: string },
): Promise<unknown> {
  return result(
    tx`select api.set_checkout_buyer(${projectId}, ${checkoutId}, ${
      JSON.stringify(buyer)
    }::text::jsonb) as result`,
    z.unknown(),
  );
}

/** A receipt by id (rcp_…) or number (R-2026-000001), or null. */
export function getReceipt(tx: Tx, projectId: string, receiptId: string): Promise<Receipt | null> {
  return result(tx`select api.get_receipt(${projectId}, ${receiptId}) as result`, ReceiptSchema.nullable());
}

/** The project's receipts, newest first; only one user's when `userId` is given. */
export function listReceipts(
  tx: Tx,
  projectId: string,
  max = 50,
  beforeId: string | null = null,
  userId: string | null = null,
): Promise<Receipt[]> {
  return result(
    tx`select api.list_receipts(${projectId}, ${max}, ${beforeId}, ${userId}::bigint) as result`,
    z.array(ReceiptSchema),
  );
}

/** The project a receipt id belongs to (runs with no project set), or null. */
export function receiptProject(tx: Tx, receiptId: string): Promise<string | null> {
  return result(tx`select api.receipt_project(${receiptId}) as result`, z.string().nullable());
}
