/**
 * What the Platform API's billing routes answer, for the OpenAPI document (lib/openapi.ts): the schemas the db/
 * wrappers parse the SQL answers with, wrapped as the routes send them. Documentation only: nothing parses
 * responses with these.
 */
import { z } from "zod";
import { BillingAccountSchema } from "@/db/billing_portal.ts";
import { MrrMonthSchema } from "@/db/billing_metrics.ts";
import { CouponDetailSchema, CouponSchema } from "@/db/coupons.ts";
import { MethodRevenueSchema, PaymentRowSchema } from "@/db/dashboard_payments.ts";
import { LinkedMethodSchema } from "@/db/linked_methods.ts";
import { CheckoutSchema } from "@/db/payments.ts";
import { PlanChangeSchema } from "@/db/plan_changes.ts";
import { PlanSchema, PlanStateSchema, SubscriptionSchema } from "@/db/plans.ts";
import { ReceiptSchema, TaxSettingsSchema } from "@/db/receipts.ts";
import { RefundSchema } from "@/db/refunds.ts";
import { TrialSchema } from "@/db/trials.ts";

/** lib/payments/checkout.ts checkoutResponse: the checkout with its URL and, once charged, the charge. */
export const CheckoutAnswer = CheckoutSchema.pick({
  checkout_id: true,
  status: true,
  amount: true,
  currency: true,
  coupon_code: true,
  discount_idr: true,
  expires_at: true,
  plan: true,
  sub: true,
  method: true,
  abandoned: true,
}).extend({
  checkout_url: z.string().describe("The hosted checkout page to send the user to."),
  payment: z.object({ method: z.string(), status: z.string() }).catchall(z.unknown()).optional()
    .describe(
      "Once a method is chosen: the charge's details (qr_string, virtual_account_number, invoice_url…).",
    ),
});

export const BILLING_ANSWERS = {
  plan: PlanSchema,
  plans: z.object({ plans: z.array(PlanSchema) }),
  subscription: SubscriptionSchema,
  planState: PlanStateSchema,
  account: BillingAccountSchema,
  trials: z.object({ trials: z.array(TrialSchema) }),
  planChange: PlanChangeSchema,
  planChanges: z.object({ changes: z.array(PlanChangeSchema) }),
  planChangeAnswer: z.object({ change: PlanChangeSchema, checkout: CheckoutAnswer.nullable() }),
  linkedMethod: LinkedMethodSchema,
  linkedMethods: z.object({ linked_methods: z.array(LinkedMethodSchema) }),
  coupon: CouponSchema,
  couponDetail: CouponDetailSchema,
  coupons: z.object({ coupons: z.array(CouponSchema) }),
  checkout: CheckoutAnswer,
  refund: RefundSchema,
  refunds: z.object({ refunds: z.array(RefundSchema) }),
  receipt: ReceiptSchema,
  receipts: z.object({ receipts: z.array(ReceiptSchema) }),
  taxSettings: TaxSettingsSchema,
  payment: PaymentRowSchema,
  payments: z.object({ payments: z.array(PaymentRowSchema) }),
  mrr: z.object({ months: z.array(MrrMonthSchema) }),
  revenue: z.object({ methods: z.array(MethodRevenueSchema) }),
};
