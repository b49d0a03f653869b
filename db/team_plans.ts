/** Typed calls to the team plan functions in SQL (db/api/team_plans.sql): seat pricing and organization checkouts. */
import { z } from "zod";
import type { Tx } from "./client.ts";
import { CheckoutSchema, type XenditAccount } from "./payments.ts";
import { OrganizationPlanChange } from "./organization_plan_changes.ts";
import { result } from "./result.ts";

export const PlanSeats = z.object({
  plan: z.string(),
  seat_pricing: z.enum(["per_seat", "flat"]).nullable(),
  included_seats: z.number().int().nullable(),
  price_idr: z.number().int(),
  interval: z.string(),
});
export type PlanSeats = z.infer<typeof PlanSeats>;

/** A team plan checkout: a checkout with the organization it buys for and its seats. */
export const OrganizationCheckout = CheckoutSchema.extend({
  organization_id: z.string(),
  seats: z.number().int(),
  /** Seats already paid for the running period when it adds seats (prorated); null for a full period. */
  seats_from: z.number().int().nullable(),
});
export type OrganizationCheckout = z.infer<typeof OrganizationCheckout>;

export type NewOrganizationCheckout = {
  sub: string;
  plan: string;
  seats?: number;
  xendit_account: XenditAccount;
  success_url?: string;
  failure_url?: string;
};

export const setPlanSeats = (
  tx: Tx,
  projectId: string,
  key: string,
  pricing: "per_seat" | "flat" | null,
  includedSeats: number | null,
) =>
  result(
    tx`select api.set_plan_seats(${projectId}, ${key}, ${pricing}, ${includedSeats}) as result`,
    PlanSeats,
  );

export const createOrganizationCheckout = (
  tx: Tx,
  projectId: string,
  organization: string,
  checkout: NewOrganizationCheckout,
) =>
  result(
    tx`select api.create_organization_checkout(${projectId}, ${organization},
                                               ${JSON.stringify(checkout)}::text::jsonb) as result`,
    OrganizationCheckout,
  );

export const OrganizationBilling = z.object({
  organizations: z.array(z.object({
    id: z.string(),
    name: z.string(),
    slug: z.string(),
    role: z.string(),
    plan: z.string().nullable(),
    plan_name: z.string().nullable(),
    plan_paid_through: z.string().nullable(),
    /** Canceled: the plan ends at plan_paid_through. */
    plan_canceled_at: z.string().nullable(),
    /** Unpaid past plan_paid_through: the plan is kept until then. */
    plan_grace_until: z.string().nullable(),
    seat_limit: z.number().int().nullable(),
    /** Other seats paid for the next period, in force from next_seat_limit_from. */
    next_seat_limit: z.number().int().nullable(),
    next_seat_limit_from: z.string().nullable(),
    members: z.number().int(),
    /** The team plan scheduled for the next period (api.change_organization_plan), or null. */
    plan_change: OrganizationPlanChange.extend({ to_plan_name: z.string() }).nullable(),
    /**
     * The linked method chosen to pay the renewals (masked label); `mine` when this user chose it; `unlinking`
     * while an unlink of it is under way (not charged meanwhile).
     */
    billing_method: z.object({
      method_id: z.string(),
      label: z.string(),
      active: z.boolean(),
      mine: z.boolean(),
      unlinking: z.boolean(),
    }).nullable(),
    payments: z.array(z.object({
      checkout_id: z.string(),
      plan: z.string(),
      seats: z.number().int().nullable(),
      seats_from: z.number().int().nullable(),
      amount: z.number().int(),
      paid_at: z.string().nullable(),
    })),
  })),
  team_plans: z.array(z.object({
    key: z.string(),
    name: z.string(),
    price_idr: z.number().int(),
    interval: z.enum(["month", "year", "one_time"]),
    seat_pricing: z.enum(["per_seat", "flat"]),
    included_seats: z.number().int().nullable(),
  })),
  /** The user's own active linked methods: the ones they may choose to pay an organization's renewals. */
  linked_methods: z.array(z.object({ method_id: z.string(), label: z.string() })),
});
export type OrganizationBilling = z.infer<typeof OrganizationBilling>;

/** The organizations a user pays for (owner or admin) with their team plans, and the team plans on sale. */
export const organizationBilling = (tx: Tx, userId: string) =>
  result(tx`select api.organization_billing(${userId}) as result`, OrganizationBilling);
