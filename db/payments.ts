/** Typed wrappers around the checkout, payment and payment-event functions in `api` (db/api/payments.sql). */
import { z } from "zod";
import type { Tx } from "./client.ts";
import { result } from "./result.ts";

export const XenditAccountSchema = z.enum(["project", "deployment", "simulator"]);
export type XenditAccount = z.infer<typeof XenditAccountSchema>;

/**
 * How a payment was made: the methods of the checkout page, and linked DANA or ShopeePay accounts. In
 * astapa.payment_methods()'s order (QRIS, the e-wallets, banks, cards), the order lists and filters show them in.
 */
export const StoredMethodSchema = z.enum([
  "qris",
  "gopay",
  "ovo",
  "dana",
  "shopeepay",
  "bank_transfer",
  "direct_debit",
  "card",
]);
export type StoredMethod = z.infer<typeof StoredMethodSchema>;

export const PaymentSchema = z.object({
  kind: z.enum(["payment_request", "invoice"]),
  provider_id: z.string(),
  method: StoredMethodSchema,
  bank: z.string().nullable(),
  status: z.enum(["pending", "paid", "failed", "expired"]),
  details: z.record(z.string(), z.string()),
  expires_at: z.string().nullable(),
  paid_at: z.string().nullable(),
});

/** A charge Xendit still called pending past its horizon, ended here as expired (docs/payments.md). */
export const AbandonedChargeSchema = z.object({
  provider_id: z.string(),
  method: StoredMethodSchema,
  at: z.string().describe("When the billing pass ended it here."),
  horizon: z.string().describe("The last moment it could be paid, and a day more (astapa.charge_horizon)."),
  reason: z.string().describe("Why, in a sentence (also in the audit log's payment.charge_abandoned)."),
}).describe(
  "A charge of the checkout that Xendit still called PENDING past its horizon, ended here as expired " +
    "(not by Xendit); a payment Xendit reports later is still applied. Null when none.",
);
export type AbandonedCharge = z.infer<typeof AbandonedChargeSchema>;

export const CheckoutSchema = z.object({
  checkout_id: z.string(),
  sub: z.string(),
  plan: z.string(),
  plan_name: z.string(),
  interval: z.enum(["month", "year", "one_time"]),
  amount: z.number().int(),
  currency: z.literal("IDR"),
  status: z.enum(["open", "pending", "paid", "expired"]),
  method: StoredMethodSchema.nullable(),
  bank: z.string().nullable(),
  /** The coupon taken off the list price (amount + discount_idr), for the receipt. */
  coupon_code: z.string().nullable(),
  discount_idr: z.number().int(),
  /** Who the receipt is made out to (name, NPWP or NIK), when the buyer or the API gave them. */
  buyer_name: z.string().nullable(),
  buyer_tax_id: z.string().nullable(),
  xendit_account: XenditAccountSchema,
  environment: z.enum(["sandbox", "production"]),
  period_start: z.string().nullable(),
  success_url: z.string().nullable(),
  failure_url: z.string().nullable(),
  expires_at: z.string(),
  paid_at: z.string().nullable(),
  created_at: z.string(),
  payment: PaymentSchema.nullable(),
  /** A team plan checkout's organization and seats (db/api/team_plans.sql); absent for a personal one. */
  organization: z.object({
    id: z.string(),
    name: z.string(),
    seats: z.number().int(),
    seats_from: z.number().int().nullable(),
  }).nullable().optional(),
  /** Its latest charge ended here (astapa.abandoned_charge_json), not by Xendit, while that end stands; else null. */
  abandoned: AbandonedChargeSchema.nullable(),
});
export type Checkout = z.infer<typeof CheckoutSchema>;

export type NewCheckout = {
  sub: string;
  plan: string;
  xendit_account: XenditAccount;
  success_url?: string;
  failure_url?: string;
  period_start?: string;
  ttl_seconds?: number;
  /** A coupon code to redeem on the new checkout. */
  coupon?: string;
};

export function createCheckout(tx: Tx, projectId: string, checkout: NewCheckout): Promise<Checkout> {
  return result(
    tx`select api.create_checkout(${projectId}, ${JSON.stringify(checkout)}::text::jsonb) as result`,
    CheckoutSchema,
  );
}

export function getCheckout(tx: Tx, projectId: string, checkoutId: string): Promise<Checkout | null> {
  return result(
    tx`select api.get_checkout(${projectId}, ${checkoutId}) as result`,
    CheckoutSchema.nullable(),
  );
}

/**
 * The checkout a method was chosen for, before Xendit is asked for its charge: AS409 (conflict) when
 * api.record_payment would refuse that charge (paid or expired, its period paid, its subscription canceled).
 */
export function checkoutToCharge(tx: Tx, projectId: string, checkoutId: string): Promise<Checkout> {
  return result(
    tx`select api.checkout_to_charge(${projectId}, ${checkoutId}) as result`,
    CheckoutSchema,
  );
}

export type NewPayment = {
  kind: "payment_request" | "invoice";
  provider_id: string;
  method: string;
  bank?: string;
  details: Record<string, string>;
  expires_at: string | null;
  /** The amount the charge was made for: refused (409) when the checkout's changed meanwhile. */
  amount?: number;
};

export function recordPayment(
  tx: Tx,
  projectId: string,
  checkoutId: string,
  payment: NewPayment,
): Promise<Checkout> {
  return result(
    tx`select api.record_payment(${projectId}, ${checkoutId}, ${
      JSON.stringify(payment)
    }::text::jsonb) as result`,
    CheckoutSchema,
  );
}

const CheckoutAccountSchema = z.object({
  project_id: z.string(),
  xendit_account: XenditAccountSchema,
  environment: z.enum(["sandbox", "production"]),
}).nullable();

/** Whose checkout a callback names (runs with no project set). */
export function checkoutAccount(tx: Tx, checkoutId: string): Promise<z.infer<typeof CheckoutAccountSchema>> {
  return result(tx`select api.checkout_account(${checkoutId}) as result`, CheckoutAccountSchema);
}

export function recordPaymentEvent(
  tx: Tx,
  projectId: string,
  event: { providerId: string; status: string; checkoutId: string; body: unknown },
): Promise<{ event_id: number | null; duplicate: boolean }> {
  return result(
    tx`select api.record_payment_event(${projectId}, ${event.providerId}, ${event.status}, ${event.checkoutId},
                                        ${JSON.stringify(event.body)}::text::jsonb) as result`,
    z.object({ event_id: z.coerce.number().nullable(), duplicate: z.boolean() }),
  );
}

export async function projectsWithPaymentEvents(tx: Tx): Promise<string[]> {
  const [row] = await tx`select api.projects_with_payment_events() as result`;
  return z.array(z.string()).parse(row.result);
}

export const AppliedEventSchema = z.object({
  event_id: z.coerce.number(),
  outcome: z.string(),
  /** Only with outcome "error": why the event could not be applied (it is set aside, not retried). */
  error: z.string().optional(),
  /** With outcome paid or paid_again: the receipt the payment got (db/api/receipts.sql). */
  receipt_id: z.string().optional(),
}).nullable();

/** Puts an event that failed to apply back in line (after its cause is fixed); not_found for any other. */
export function requeuePaymentEvent(tx: Tx, projectId: string, eventId: number): Promise<unknown> {
  return tx`select api.requeue_payment_event(${projectId}, ${eventId})`;
}

/** Applies the project's next unprocessed payment event; null when none is left. */
export function applyPaymentEvent(tx: Tx, projectId: string): Promise<z.infer<typeof AppliedEventSchema>> {
  return result(tx`select api.apply_payment_event(${projectId}) as result`, AppliedEventSchema);
}

export async function xenditKeys(
  tx: Tx,
  projectId: string,
  environment: string,
): Promise<{ secretKeySealed: Uint8Array; callbackTokenSealed: Uint8Array } | null> {
  const [row] = await tx`select api.xendit_keys(${projectId}, ${environment}) as result`;
  const parsed = z.object({ secret_key_sealed: z.base64(), callback_token_sealed: z.base64() }).nullable()
    .parse(row.result);
  if (!parsed) return null;
  const bytes = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  return {
    secretKeySealed: bytes(parsed.secret_key_sealed),
    callbackTokenSealed: bytes(parsed.callback_token_sealed),
  };
}

export async function setXenditKeys(
  tx: Tx,
  projectId: string,
  environment: string,
  sealed: { secretKey: Uint8Array; callbackToken: Uint8Array } | null,
): Promise<void> {
  await tx`select api.set_xendit_keys(${projectId}, ${environment}, ${sealed?.secretKey ?? null},
                                      ${sealed?.callbackToken ?? null})`;
}
