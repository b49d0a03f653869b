/**
 * The SDK's plan helpers: the project's plans and coupons (`astapa.billing.plans`, `.coupons`) and one
 * customer's trials, plan changes and linked e-wallets (`.startTrial`, `.trials`, `.changePlan`,
 * `.cancelPlanChange`, `.planChanges`, `.linkedMethods`, `.unlinkMethod`): thin calls to the Platform API with the
 * project's client credentials (docs/billing.md, docs/plans.md). Amounts are whole rupiah.
 */

type Json = <T>(path: string, method?: string, body?: unknown) => Promise<T>;

/** What a plan is made of; `trial_days` (0–365) offers a free trial of a paid monthly or yearly plan. */
export type PlanFields = {
  name: string;
  description?: string;
  price_idr?: number;
  interval?: "month" | "year" | "one_time";
  trial_days?: number;
  claims?: Record<string, unknown>;
  default?: true;
  sort_order?: number;
  archived?: boolean;
};
export type Plan = Required<Omit<PlanFields, "default" | "archived">> & {
  key: string;
  default: boolean;
  archived: boolean;
  archived_at: string | null;
  seat_pricing: "per_seat" | "flat" | null;
  included_seats: number | null;
  created_at: string;
  updated_at: string;
};

export type BillingSubscription = {
  sub: string;
  plan: string;
  status: string;
  trial_ends_at: string | null;
  paid_through: string | null;
};
export type PlanChange = {
  id: number;
  from_plan: string;
  to_plan: string;
  kind: "upgrade" | "scheduled";
  status: "awaiting_payment" | "scheduled" | "applied" | "canceled";
  amount_idr: number;
  credit_idr: number;
  effective_at: string | null;
  checkout_id: string | null;
};
export type LinkedMethod = {
  method_id: string;
  sub: string;
  /** E-wallets; BRI and MANDIRI are direct debit; CARD is a card on file. */
  channel: "OVO" | "DANA" | "SHOPEEPAY" | "GOPAY" | "BRI" | "MANDIRI" | "CARD";
  label: string;
  status: "requires_action" | "active" | "failed" | "expired";
  created_at: string;
  activated_at: string | null;
  /**
   * Set while an unlink is under way (the method is not charged meanwhile; Astapa finishes one Xendit did not
   * answer within 15 minutes, or unlink again); on an ended method, when the unlink that ended it began.
   */
  unlink_requested_at?: string | null;
};
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
export type Coupon = NewCoupon & {
  disabled: boolean;
  redemptions: number;
  paid_redemptions: number;
};

export type CouponRedemption = {
  sub: string;
  email: string | null;
  checkout_id: string;
  checkout_status: "open" | "pending" | "paid" | "expired";
  plan: string;
  discount_idr: number;
  amount: number;
  redeemed_at: string;
};
export type CouponWithRedemptions = Coupon & { redemption_list: CouponRedemption[] };

/** The helpers, given the client's authenticated JSON call. */
export function billingPlans(json: Json) {
  const plan = (key: string) => `/api/platform/plans/${encodeURIComponent(key)}`;
  return {
    plans: {
      /** The project's plans (archived ones too with `includeArchived`). */
      list: async (includeArchived = false) =>
        (await json<{ plans: Plan[] }>(
          `/api/platform/plans${includeArchived ? "?include_archived=true" : ""}`,
        ))
          .plans,
      get: (key: string) => json<Plan>(plan(key)),
      create: (input: PlanFields & { key: string }) => json<Plan>("/api/platform/plans", "POST", input),
      /** Changes some of a plan's fields, e.g. `{ trial_days: 14 }`. */
      update: (key: string, changes: Partial<PlanFields>) => json<Plan>(plan(key), "PATCH", changes),
    },
    /** Starts a user's one free trial of a plan; their tokens then carry custom_claims.trial_ends_at. */
    startTrial: (sub: string, plan: string) =>
      json<BillingSubscription>(
        `/api/platform/users/${encodeURIComponent(sub)}/trial`,
        "POST",
        { plan },
      ),
    /** The trials a user had; `other_account` when another account of their address had it. */
    trials: (sub: string) =>
      json<
        { trials: { plan: string; started_at: string; ends_at: string; other_account: boolean }[] }
      >(
        `/api/platform/users/${encodeURIComponent(sub)}/trial`,
      ),
    /**
     * Changes a paying user's plan: an upgrade answers a checkout for the prorated difference (the plan
     * switches when it is paid); a downgrade is scheduled for the period end (checkout null).
     */
    changePlan: (sub: string, plan: string, successUrl?: string) =>
      json<
        {
          change: PlanChange;
          checkout: {
            checkout_id: string;
            checkout_url: string;
            amount: number;
          } | null;
        }
      >(
        `/api/platform/users/${encodeURIComponent(sub)}/plan-change`,
        "POST",
        successUrl ? { plan, success_url: successUrl } : { plan },
      ),
    /** Withdraws the user's open plan change. */
    cancelPlanChange: (sub: string) =>
      json<PlanChange>(
        `/api/platform/users/${encodeURIComponent(sub)}/plan-change`,
        "DELETE",
      ),
    /** The user's plan changes, newest first. */
    planChanges: (sub: string) =>
      json<{ changes: PlanChange[] }>(
        `/api/platform/users/${encodeURIComponent(sub)}/plan-change`,
      ),
    /** The user's linked e-wallets (active or waiting for approval), charged at renewal; labels are masked. */
    linkedMethods: async (sub: string) =>
      (await json<{ linked_methods: LinkedMethod[] }>(
        `/api/platform/users/${encodeURIComponent(sub)}/linked-methods`,
      )).linked_methods,
    /** Unlinks one of the user's e-wallets (expired at Xendit too); renewals go back to pay links by email. */
    unlinkMethod: (sub: string, methodId: string) =>
      json<LinkedMethod>(
        `/api/platform/users/${encodeURIComponent(sub)}/linked-methods/${encodeURIComponent(methodId)}`,
        "DELETE",
      ),
    coupons: {
      create: (coupon: NewCoupon) => json<Coupon>("/api/platform/coupons", "POST", coupon),
      list: () => json<{ coupons: Coupon[] }>("/api/platform/coupons"),
      /** One coupon with `redemption_list` (who redeemed it, on which checkout, its status). */
      get: (code: string) => json<CouponWithRedemptions>(`/api/platform/coupons/${encodeURIComponent(code)}`),
      /** Who redeemed a coupon, newest first. */
      redemptions: async (code: string) =>
        (await json<CouponWithRedemptions>(`/api/platform/coupons/${encodeURIComponent(code)}`))
          .redemption_list,
      disable: (code: string, disabled = true) =>
        json<Coupon>(
          `/api/platform/coupons/${encodeURIComponent(code)}`,
          "PATCH",
          { disabled },
        ),
    },
  };
}
