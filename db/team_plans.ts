/** Typed calls to the team plan functions in SQL (db/api/team_plans.sql): seat pricing and organization checkouts. */
import { z } from "zod";
import type { Tx } from "./client.ts";
import { CheckoutSchema, type XenditAccount } from "./payments.ts";
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
