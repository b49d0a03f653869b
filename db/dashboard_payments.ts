/**
 * Typed wrappers for the dashboard's Plans and Payments pages (db/api/dashboard.sql): subscriber counts, the
 * payments list, the live feed over payment_events, and the chart aggregates.
 */
import { z } from "zod";
import type { Tx } from "./client.ts";
import { AbandonedChargeSchema, type StoredMethod, StoredMethodSchema } from "./payments.ts";
import { ReconcileLastErrorSchema } from "./reconcile_errors.ts";
import { result } from "./result.ts";

export const CheckoutStatusSchema = z.enum(["open", "pending", "paid", "expired"]);

/** Plan key → active subscribers in the project's current mode. */
export function planSubscriberCounts(tx: Tx, projectId: string): Promise<Record<string, number>> {
  return result(
    tx`select api.plan_subscriber_counts(${projectId}) as result`,
    z.record(z.string(), z.number().int()),
  );
}

export const PaymentRowSchema = z.object({
  id: z.string(),
  checkout_id: z.string(),
  status: CheckoutStatusSchema,
  method: StoredMethodSchema.nullable(),
  bank: z.string().nullable(),
  amount: z.number().int(),
  currency: z.literal("IDR"),
  sub: z.string(),
  email: z.string().nullable(),
  plan: z.string(),
  plan_name: z.string().nullable(),
  environment: z.enum(["sandbox", "production"]),
  created_at: z.string(),
  paid_at: z.string().nullable(),
  /** The most errors of ours while the billing pass reconciled one of its pending charges (the third stops it). */
  reconcile_errors: z.number().int(),
  /** When the billing pass stopped asking Xendit about one of its pending charges (its callback still settles it). */
  reconcile_stopped_at: z.string().nullable(),
  /** When such a stop was last resumed, or null. */
  reconcile_resumed_at: z.string().nullable().describe(
    "When a stopped reconciliation was last resumed (POST …/reconcile, the dashboard, the CLI), or null.",
  ),
  /** The latest error met asking Xendit about one of its pending charges (kept until the next one), or null. */
  reconcile_last_error: ReconcileLastErrorSchema.nullable(),
  /** Its latest charge ended here (api.abandon_charge), not by Xendit, while that end stands; else null. */
  abandoned: AbandonedChargeSchema.nullable(),
});
export type PaymentRow = z.infer<typeof PaymentRowSchema>;

/** One payment (its checkout's public id) as the payments list shows it. */
export function getPayment(tx: Tx, projectId: string, checkoutId: string): Promise<PaymentRow> {
  return result(tx`select api.get_payment(${projectId}, ${checkoutId}) as result`, PaymentRowSchema);
}

export type PaymentFilter = {
  status?: z.infer<typeof CheckoutStatusSchema>;
  method?: StoredMethod;
  /** A user's id (the sub): their checkouts only. */
  user?: string;
  /** A row's id: the rows older than it. */
  before?: string;
  size?: number;
};

/** A page of the project's checkouts (current mode), newest first. */
export function listPayments(tx: Tx, projectId: string, filter: PaymentFilter): Promise<PaymentRow[]> {
  return result(
    tx`select api.list_payments(${projectId}, ${JSON.stringify(filter)}::text::jsonb) as result`,
    z.array(PaymentRowSchema),
  );
}

export const FeedSchema = z.object({
  cursor: z.string(),
  events: z.array(z.object({
    event_id: z.string(),
    outcome: z.string().nullable(),
    payment: PaymentRowSchema,
  })),
});
export type Feed = z.infer<typeof FeedSchema>;

/** Where a feed starts for a page rendered now. */
export function paymentFeedCursor(tx: Tx, projectId: string): Promise<string> {
  return result(
    tx`select api.payment_feed_cursor(${projectId})::text as result`,
    z.string(),
  );
}

/** Applied payment events after `afterEvent`, with their checkouts as the list shows them. */
export function paymentFeed(tx: Tx, projectId: string, afterEvent: string, size = 50): Promise<Feed> {
  return result(
    tx`select api.payment_feed(${projectId}, ${afterEvent}::bigint, ${size}) as result`,
    FeedSchema,
  );
}

export const SignupDaySchema = z.object({ day: z.string(), count: z.number().int() });
export type SignupDay = z.infer<typeof SignupDaySchema>;

/** Users created per UTC day, the `days` days ending on `until`'s. */
export function signupsPerDay(tx: Tx, projectId: string, days = 30, until?: Date): Promise<SignupDay[]> {
  return result(
    tx`select api.signups_per_day(${projectId}, ${days}, coalesce(${until ?? null}::timestamptz, now()))
      as result`,
    z.array(SignupDaySchema),
  );
}

export const MethodRevenueSchema = z.object({
  method: StoredMethodSchema,
  amount: z.number().int(),
  payments: z.number().int(),
});
export type MethodRevenue = z.infer<typeof MethodRevenueSchema>;

/** Paid revenue per method over the same window. */
export function revenueByMethod(
  tx: Tx,
  projectId: string,
  days = 30,
  until?: Date,
): Promise<MethodRevenue[]> {
  return result(
    tx`select api.revenue_by_method(${projectId}, ${days}, coalesce(${until ?? null}::timestamptz, now()))
      as result`,
    z.array(MethodRevenueSchema),
  );
}
