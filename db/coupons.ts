/** Typed wrappers around the coupon functions in `api` (db/api/coupons.sql). */
import { z } from "zod";
import type { Tx } from "./client.ts";
import { type Checkout, CheckoutSchema } from "./payments.ts";
import { result } from "./result.ts";

export const CouponSchema = z.object({
  code: z.string(),
  percent_off: z.number().int().nullable(),
  amount_off_idr: z.number().int().nullable(),
  duration: z.enum(["once", "repeating", "forever"]),
  duration_periods: z.number().int().nullable(),
  max_redemptions: z.number().int().nullable(),
  plans: z.array(z.string()).nullable(),
  expires_at: z.string().nullable(),
  disabled: z.boolean(),
  disabled_at: z.string().nullable(),
  created_at: z.string(),
  /** Redemptions counting towards max_redemptions (their checkout did not expire unpaid). */
  redemptions: z.number().int(),
  paid_redemptions: z.number().int(),
});
export type Coupon = z.infer<typeof CouponSchema>;

export const RedemptionSchema = z.object({
  sub: z.string(),
  email: z.string(),
  checkout_id: z.string(),
  checkout_status: z.enum(["open", "pending", "paid", "expired"]),
  plan: z.string(),
  discount_idr: z.number().int(),
  amount: z.number().int(),
  redeemed_at: z.string(),
});
export const CouponDetailSchema = CouponSchema.extend({ redemption_list: z.array(RedemptionSchema) });
export type CouponDetail = z.infer<typeof CouponDetailSchema>;

/** A coupon to create; the database checks every field and names the ones at fault. */
export type NewCoupon = {
  code: string;
  percent_off?: number;
  amount_off_idr?: number;
  duration?: "once" | "repeating" | "forever";
  duration_periods?: number;
  max_redemptions?: number | null;
  plans?: string[] | null;
  expires_at?: string | null;
};

export function createCoupon(tx: Tx, projectId: string, coupon: NewCoupon): Promise<Coupon> {
  return result(
    tx`select api.create_coupon(${projectId}, ${JSON.stringify(coupon)}::text::jsonb) as result`,
    CouponSchema,
  );
}

export function listCoupons(tx: Tx, projectId: string): Promise<Coupon[]> {
  return result(tx`select api.list_coupons(${projectId}) as result`, z.array(CouponSchema));
}

export function getCoupon(tx: Tx, projectId: string, code: string): Promise<CouponDetail> {
  return result(tx`select api.get_coupon(${projectId}, ${code}) as result`, CouponDetailSchema);
}

export function setCouponDisabled(
  tx: Tx,
  projectId: string,
  code: string,
  disabled: boolean,
): Promise<Coupon> {
  return result(
    tx`select api.set_coupon_disabled(${projectId}, ${code}, ${disabled}) as result`,
    CouponSchema,
  );
}

/** Applies a coupon to an open checkout (before a method is chosen); answers the discounted checkout. */
export function applyCheckoutCoupon(
  tx: Tx,
  projectId: string,
  checkoutId: string,
  code: string,
  now = new Date(),
): Promise<Checkout> {
  return result(
    tx`select api.apply_checkout_coupon(${projectId}, ${checkoutId}, ${code}, ${now.toISOString()}::timestamptz)
      as result`,
    CheckoutSchema,
  );
}
