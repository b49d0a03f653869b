/** Request validation the way Xendit answers it: 400 {error_code: "API_VALIDATION_ERROR", message}. */
import { z } from "zod";

const isoDate = z.string().refine((s) => !Number.isNaN(Date.parse(s)), "must be an ISO 8601 date");
const idr = z.number().int("IDR amounts have no decimals").positive();

export const VA_BANKS = [
  "BCA",
  "BNI",
  "BRI",
  "MANDIRI",
  "PERMATA",
  "BSI",
  "CIMB",
  "BJB",
  "SAHABAT_SAMPOERNA",
];

export const PaymentRequestInput = z.object({
  reference_id: z.string().min(1).max(255),
  amount: idr,
  currency: z.literal("IDR"),
  description: z.string().max(1000).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  /** A linked (MULTIPLE_USE, ACTIVE) method to charge instead of a new one (payment_methods.ts). */
  payment_method_id: z.string().min(1).max(255).optional(),
  payment_method: z.object({
    type: z.enum(["QR_CODE", "VIRTUAL_ACCOUNT", "EWALLET"]),
    reusability: z.enum(["ONE_TIME_USE", "MULTIPLE_USE"]),
    reference_id: z.string().optional(),
    qr_code: z.object({
      channel_code: z.literal("QRIS"),
      channel_properties: z.object({ expires_at: isoDate.optional() }).optional(),
    }).optional(),
    virtual_account: z.object({
      channel_code: z.enum(VA_BANKS as [string, ...string[]]),
      channel_properties: z.object({
        customer_name: z.string().min(1).max(255),
        expires_at: isoDate.optional(),
      }),
    }).optional(),
    ewallet: z.object({
      channel_code: z.enum(["OVO", "DANA", "SHOPEEPAY", "LINKAJA"]),
      channel_properties: z.object({
        mobile_number: z.string().optional(),
        success_return_url: z.url().optional(),
        failure_return_url: z.url().optional(),
      }).optional(),
    }).optional(),
  }).optional(),
}).refine((input) => (input.payment_method === undefined) !== (input.payment_method_id === undefined), {
  message: "exactly one of payment_method and payment_method_id is required",
  path: ["payment_method"],
});
export type PaymentRequestInput = z.infer<typeof PaymentRequestInput>;

export const InvoiceInput = z.object({
  external_id: z.string().min(1).max(255),
  amount: idr,
  currency: z.literal("IDR").optional(),
  payer_email: z.email().optional(),
  description: z.string().max(1000).optional(),
  invoice_duration: z.number().int().min(1).max(31_536_000).optional(),
  payment_methods: z.array(z.string()).optional(),
  success_redirect_url: z.url().optional(),
  failure_redirect_url: z.url().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});
export type InvoiceInput = z.infer<typeof InvoiceInput>;

/** Channel rules beyond the shape: Xendit's per-method amount limits and required properties. */
export function channelProblem(input: PaymentRequestInput): string | null {
  if (!input.payment_method) return null; // a linked method: checked where it is looked up
  const { type, qr_code, virtual_account, ewallet } = input.payment_method;
  const amount = input.amount;
  if (type === "QR_CODE") {
    if (!qr_code) return "payment_method.qr_code is required for QR_CODE";
    if (amount > 10_000_000) return "amount must be between 1 and 10000000 for QRIS";
  }
  if (type === "VIRTUAL_ACCOUNT") {
    if (!virtual_account) return "payment_method.virtual_account is required for VIRTUAL_ACCOUNT";
    if (virtual_account.channel_code === "BCA" && amount < 10_000) {
      return "amount must be at least 10000 for BCA";
    }
    if (amount > 50_000_000_000) return "amount exceeds the virtual account maximum";
  }
  if (type === "EWALLET") {
    if (!ewallet) return "payment_method.ewallet is required for EWALLET";
    if (ewallet.channel_code === "OVO") {
      const mobile = ewallet.channel_properties?.mobile_number;
      if (!mobile || !/^\+628\d{7,12}$/.test(mobile)) {
        return "channel_properties.mobile_number must be an Indonesian number in E.164 format (+628…) for OVO";
      }
      if (amount < 100 || amount > 20_000_000) return "amount must be between 100 and 20000000 for OVO";
    }
  }
  return null;
}

/** The first zod issue as Xendit would word it. */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return `${issue.path.join(".") || "body"}: ${issue.message}`;
}
