/**
 * The SDK's helpers for one customer's subscription (`astapa.billing.subscription`, `.account`, `.cancel`,
 * `.resume`), the project's payments and metrics (`.payments`, `.metrics`), and reading a checkout or applying a
 * coupon to one (`astapa.checkout.get`, `.applyCoupon`): thin calls to the Platform API with the project's
 * client credentials. Amounts are whole rupiah. Also the links to the hosted portal and plan picker.
 */

import type { ReconcileLastError } from "./billing_receipts.ts";

type Json = <T>(path: string, method?: string, body?: unknown) => Promise<T>;

export type Subscription = {
  sub: string;
  plan: string;
  status: "trialing" | "active" | "past_due" | "canceled" | "expired";
  source: string;
  current_period_start: string;
  current_period_end: string | null;
  paid_through: string | null;
  created_at: string;
  ended_at: string | null;
  trial_ends_at: string | null;
};

/** One user's billing, as the customer portal shows it (docs/billing.md "The customer portal"). */
export type BillingAccount = {
  sub: string;
  email: string | null;
  plan: {
    key: string;
    name: string;
    price_idr: number;
    interval: string;
    [key: string]: unknown;
  };
  subscription: Subscription | null;
  next_renewal: {
    at: string;
    plan: string;
    plan_name: string;
    amount: number;
    interval: string;
  } | null;
  open_change: {
    id: number;
    to_plan: string;
    kind: string;
    status: string;
    [key: string]: unknown;
  } | null;
  open_checkouts: {
    checkout_id: string;
    plan: string;
    amount: number;
    status: "open" | "pending";
    period_start: string | null;
    expires_at: string;
  }[];
  payments: {
    receipt_id: string;
    number: string;
    issued_at: string;
    plan: string;
    amount: number;
    method: string;
    refunded_idr: number;
    refunds: { refund_id: string; amount: number; status: string }[];
    [key: string]: unknown;
  }[];
  /** What automatic renewal did: each charge to a linked method, newest first (at most 50). */
  renewal_charges: RenewalCharge[];
  linked_methods: {
    method_id: string;
    channel: string;
    label: string;
    status: string;
  }[];
  linkable_channels: string[];
  trials: string[];
  plans: {
    key: string;
    name: string;
    price_idr: number;
    interval: string;
    trial_days: number;
  }[];
};

export type MrrMonth = {
  month: string;
  mrr_idr: number;
  paying: number;
  new: number;
  churned: number;
  paying_at_start: number;
};

/** How a checkout or payment was paid (Xendit's channels, named as Astapa names them). */
export type PaymentMethod =
  | "qris"
  | "gopay"
  | "ovo"
  | "dana"
  | "shopeepay"
  | "bank_transfer"
  | "direct_debit"
  | "card";

/** One of the project's checkouts, as the dashboard's Payments list shows it. */
export type PaymentRow = {
  id: string;
  checkout_id: string;
  status: "open" | "pending" | "paid" | "expired";
  method: PaymentMethod | null;
  bank: string | null;
  amount: number;
  currency: "IDR";
  sub: string;
  email: string | null;
  plan: string;
  plan_name: string | null;
  environment: "sandbox" | "production";
  created_at: string;
  paid_at: string | null;
  /** The most errors on Astapa's side while reconciling one of its pending charges (the third stops that). */
  reconcile_errors: number;
  /** When the billing pass stopped asking Xendit about one of its pending charges (its callback still settles it). */
  reconcile_stopped_at: string | null;
  /** When such a stop was last resumed, or null. */
  reconcile_resumed_at: string | null;
  /** Why: the latest error met asking Xendit about one of its pending charges, or null. */
  reconcile_last_error: ReconcileLastError | null;
  /**
   * A charge Xendit still called pending past its horizon, ended here as expired (not by Xendit): when, its
   * horizon and why. Null when none. A payment Xendit reports later is still applied.
   */
  abandoned: AbandonedCharge | null;
};

/** A charge ended by Astapa rather than by Xendit (PaymentRow.abandoned). */
export type AbandonedCharge = {
  provider_id: string;
  method: PaymentMethod;
  /** When the billing pass ended it. */
  at: string;
  /** The last moment it could be paid, and a day more. */
  horizon: string;
  reason: string;
};

export type MethodRevenue = {
  method: PaymentMethod;
  amount: number;
  payments: number;
};

/** A checkout as the Platform API answers it (POST /api/platform/checkout and the reads below). */
export type Checkout = {
  checkout_id: string;
  checkout_url: string;
  status: "open" | "pending" | "paid" | "expired";
  amount: number;
  currency: string;
  coupon_code: string | null;
  discount_idr: number;
  expires_at: string;
  plan: string;
  sub: string;
  method: string | null;
  payment?: { method: string; status: string; [key: string]: unknown };
  /** A charge of it Astapa ended itself (Xendit still called it pending past its horizon), else null. */
  abandoned: AbandonedCharge | null;
};

/** `checkout.get` and `checkout.applyCoupon`, given the client's authenticated JSON call. */
export function checkoutReads(json: Json) {
  const path = (id: string) => `/api/platform/checkout/${encodeURIComponent(id)}`;
  return {
    /** One checkout (chk_…): its status, amount, coupon and charge details, e.g. to poll a payment. */
    get: (checkoutId: string) => json<Checkout>(path(checkoutId)),
    /** Applies a coupon to an open checkout (a renewal pay link, an upgrade) before a method is chosen. */
    applyCoupon: (checkoutId: string, coupon: string) =>
      json<Checkout>(`${path(checkoutId)}/coupon`, "POST", { coupon }),
  };
}

/**
 * Links to the hosted billing pages for this client's users (they sign in through the hosted login first):
 * the customer portal ("Manage billing") and the plan picker. `lang` picks English or Indonesian.
 */
/** A renewal charged to a linked method (automatic renewal) and its outcome (docs/billing.md). */
export type RenewalCharge = {
  charge_id: string;
  /** A personal renewal, a trial's first paid period, or an organization's team plan. */
  purpose: "renewal" | "trial" | "organization";
  checkout_id: string;
  plan: string;
  organization_id: string | null;
  period_start: string | null;
  amount: number;
  /** `failed` carries `failure_code`; the pay-link mail went out instead. */
  status: "charging" | "pending" | "paid" | "failed";
  failure_code: string | null;
  method_id: string;
  /** The masked label, e.g. `DANA` or `VISA •••• 1091`. */
  method_label: string;
  attempted_at: string | null;
  mailed_at: string | null;
  created_at: string;
};

export function billingPages(issuer: string, clientId: string) {
  const page = (path: string, lang?: "en" | "id") => {
    const url = new URL(path, issuer);
    url.search = new URLSearchParams({ client_id: clientId, ...(lang ? { lang } : {}) }).toString();
    return url.toString();
  };
  return {
    /** The customer portal: plan, next renewal, payment history with receipts, change, cancel, linked e-wallets. */
    portalUrl: (request: { lang?: "en" | "id" } = {}) => page("/billing/account", request.lang),
    /** The hosted plan picker: choose a plan, start a trial, or change a paid plan. */
    planPickerUrl: (request: { lang?: "en" | "id" } = {}) => page("/billing", request.lang),
  };
}

/** The helpers, given the client's authenticated JSON call. */
export function billingAccounts(json: Json) {
  const user = (sub: string) => `/api/platform/users/${encodeURIComponent(sub)}`;
  return {
    /** The plan a user's tokens name now, their current subscription (null: the default plan) and history. */
    subscription: (sub: string) =>
      json<
        {
          plan: string;
          subscription: Subscription | null;
          history: Subscription[];
        }
      >(
        `${user(sub)}/subscription`,
      ),
    /** Everything the portal shows the user: next renewal, open change, pay links, payment history, methods. */
    account: (sub: string) => json<BillingAccount>(`${user(sub)}/billing`),
    /** A user's renewal charges to a linked method, newest first (from their billing: `account(sub)`). */
    renewalCharges: async (sub: string) =>
      (await json<BillingAccount>(`${user(sub)}/billing`)).renewal_charges,
    /** Cancels a paid plan at the end of what is paid (no renewal); again is a no-op. */
    cancel: (sub: string) => json<Subscription>(`${user(sub)}/subscription/cancel`, "POST", {}),
    /** Undoes a cancel while the paid period still runs. */
    resume: (sub: string) => json<Subscription>(`${user(sub)}/subscription/resume`, "POST", {}),
    payments: {
      /** The project's checkouts, newest first (one user's with `user`, a sub); page with `before` (the last row's `id`). */
      list: async (
        query: {
          status?: PaymentRow["status"];
          method?: NonNullable<PaymentRow["method"]>;
          user?: string;
          before?: string;
          limit?: number;
        } = {},
      ) => {
        const params = new URLSearchParams();
        for (const [name, value] of Object.entries(query)) {
          if (value !== undefined) params.set(name, String(value));
        }
        const suffix = params.toString() ? `?${params}` : "";
        return (await json<{ payments: PaymentRow[] }>(`/api/platform/payments${suffix}`)).payments;
      },
      /** One payment by its `checkout_id`, as the list shows it (either mode). Errors: not_found. */
      get: (checkoutId: string) =>
        json<PaymentRow>(`/api/platform/payments/${encodeURIComponent(checkoutId)}`),
      /**
       * Resumes the reconciliation with Xendit that stopped after three errors on Astapa's side
       * (`reconcile_stopped_at`); the payment is its `checkout_id`. Errors: reconciliation_not_stopped,
       * already_final (paid or expired), not_found.
       */
      resumeReconciliation: (checkoutId: string) =>
        json<PaymentRow>(`/api/platform/payments/${encodeURIComponent(checkoutId)}/reconcile`, "POST", {}),
    },
    metrics: {
      /** MRR and churn for the last `months` UTC months (default 12), oldest first. */
      mrr: async (months?: number) =>
        (await json<{ months: MrrMonth[] }>(
          `/api/platform/metrics/mrr${months === undefined ? "" : `?months=${months}`}`,
        )).months,
      /** Paid revenue by method over the last `days` UTC days (default 30). */
      revenue: async (days?: number) =>
        (await json<{ methods: MethodRevenue[] }>(
          `/api/platform/metrics/revenue${days === undefined ? "" : `?days=${days}`}`,
        )).methods,
    },
  };
}
