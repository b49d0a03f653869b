/**
 * The SDK's receipt, PPN, refund and billing-settings helpers (`astapa.billing.receipts`, `.refunds`,
 * `.taxSettings`, `.settings`): thin calls
 * to the Platform API with the project's client credentials. Amounts are whole rupiah.
 */

type Json = <T>(path: string, method?: string, body?: unknown) => Promise<T>;

export type Receipt = {
  receipt_id: string;
  number: string;
  issued_at: string;
  checkout_id: string;
  sub: string;
  plan: string;
  amount: number;
  pkp: boolean;
  price_before_tax_idr: number;
  tax_base_idr: number | null;
  ppn_idr: number;
  refunded_idr: number;
  buyer: { email: string | null; name: string | null; tax_id: string | null };
  /** A team plan's receipt: the organization it is made out to; `buyer.email` is the owner or admin who paid. */
  organization: { id: string; name: string } | null;
  [key: string]: unknown;
};

/**
 * The last error the billing pass met asking Xendit about a payment or refund, kept until the next one (a resume
 * keeps it): with `reconcile_stopped_at` set, why reconciliation stopped. Only `provider_refused`,
 * `unexpected_answer` and `internal_error` count towards stopping.
 */
export type ReconcileLastError = {
  code:
    | "credentials_refused"
    | "provider_refused"
    | "rate_limited"
    | "provider_5xx"
    | "provider_timeout"
    | "provider_unreachable"
    | "provider_interrupted"
    | "unexpected_answer"
    | "internal_error";
  /** A sentence (at most 300 characters): Xendit's status and error code at most, never a key or its body. */
  message: string;
  at: string;
};

export type Refund = {
  refund_id: string;
  amount: number;
  status: "requested" | "pending" | "succeeded" | "failed";
  plan_effect: "end_now" | "keep_to_period_end" | "none";
  receipt_number: string | null;
  /** Why it failed: Xendit's refusal (`CODE: message`) or its failure code; null otherwise. */
  failure_code: string | null;
  /** Errors on Astapa's side while reconciling it; the third stops that (reconcile_stopped_at). */
  reconcile_errors: number;
  /** When the billing pass stopped asking Xendit about it (its callback still settles it), or null. */
  reconcile_stopped_at: string | null;
  /** When that stop was last resumed, or null. */
  reconcile_resumed_at: string | null;
  /** Why: the last error met asking Xendit about it, or null. */
  reconcile_last_error: ReconcileLastError | null;
  [key: string]: unknown;
};

export type TaxSettings = {
  pkp: boolean;
  ppn_rate: number;
  tax_base_numerator: number;
  tax_base_denominator: number;
  seller_name: string | null;
  seller_npwp: string | null;
  seller_address: string | null;
};

export type BillingSettings = {
  /** Linking on the portal; ShopeePay, GoPay recurring, direct debit and cards only once Xendit activated them. */
  linked_methods: {
    enabled: boolean;
    shopeepay: boolean;
    gopay_recurring: boolean;
    direct_debit: boolean;
    cards: boolean;
  };
  billing_grace_days: number;
  billing_renewal_notice_days: number;
  billing_trial_reminder_days: number;
  /** A paid_again payment (a second payment of what was bought already) is refunded in full without an operator. */
  billing_refund_duplicates: boolean;
  /** The publishable keys of the project's own Xendit account (the portal's card form); null when unset. */
  xendit_public_keys: { sandbox: string | null; production: string | null };
};

/** What `billing.settings.set` takes: switches merge one by one; null restores a default. */
export type BillingSettingsChanges = {
  linked_methods?: Partial<BillingSettings["linked_methods"]> | null;
  billing_grace_days?: number | null;
  billing_renewal_notice_days?: number | null;
  billing_trial_reminder_days?: number | null;
  /** true: refund paid_again payments automatically (reason DUPLICATE, no plan effect); null: off again. */
  billing_refund_duplicates?: boolean | null;
  /** xnd_public_development_… for sandbox, xnd_public_production_… for production; null removes one. */
  xendit_public_keys?: { sandbox?: string | null; production?: string | null };
};

/** The helpers, given the client's authenticated JSON call and the server's origin. */
export function billingReceipts(json: Json, issuer: string) {
  return {
    receipts: {
      /**
       * The project's receipts, newest first (`before`: the last receipt_id of the previous page); `user`: only
       * that user's (their sub).
       */
      list: async (
        query: { limit?: number; before?: string; user?: string } = {},
      ) => {
        const params = new URLSearchParams();
        if (query.user) params.set("user", query.user);
        if (query.limit) params.set("limit", String(query.limit));
        if (query.before) params.set("before", query.before);
        const suffix = params.toString() ? `?${params}` : "";
        return (await json<{ receipts: Receipt[] }>(
          `/api/platform/receipts${suffix}`,
        )).receipts;
      },
      /** One receipt by id (rcp_…) or number (R-2026-000001). */
      get: (id: string) => json<Receipt>(`/api/platform/receipts/${encodeURIComponent(id)}`),
      /**
       * The printable receipt page for the buyer (print or save as PDF); its random receipt_id (rcp_…) is the
       * capability, so hand the link only to the buyer.
       */
      printableUrl: (receiptId: string) => `${issuer}/billing/receipts/${encodeURIComponent(receiptId)}`,
    },
    refunds: {
      /** Refunds (part of) a receipted payment through Xendit; pending until Xendit confirms it. */
      create: (input: {
        receipt: string;
        plan_effect: Refund["plan_effect"];
        amount?: number;
        reason?:
          | "REQUESTED_BY_CUSTOMER"
          | "CANCELLATION"
          | "DUPLICATE"
          | "FRAUDULENT"
          | "OTHERS";
      }) => json<Refund>("/api/platform/refunds", "POST", input),
      /** Refunds, newest first, or one receipt's. */
      list: async (receipt?: string) => {
        const suffix = receipt ? `?receipt=${encodeURIComponent(receipt)}` : "";
        return (await json<{ refunds: Refund[] }>(
          `/api/platform/refunds${suffix}`,
        )).refunds;
      },
      /** One refund by its `refund_id` (rfd_…), as the list shows it. Errors: not_found. */
      get: (refundId: string) => json<Refund>(`/api/platform/refunds/${encodeURIComponent(refundId)}`),
      /**
       * Resumes the reconciliation with Xendit that stopped after three errors on Astapa's side
       * (`reconcile_stopped_at`). Errors: reconciliation_not_stopped, already_final (succeeded or failed),
       * not_found.
       */
      resumeReconciliation: (refundId: string) =>
        json<Refund>(`/api/platform/refunds/${encodeURIComponent(refundId)}/reconcile`, "POST", {}),
    },
    taxSettings: {
      get: () => json<TaxSettings>("/api/platform/tax-settings"),
      /** Changes some PPN settings; null restores a default. */
      set: (
        changes: Partial<{ [K in keyof TaxSettings]: TaxSettings[K] | null }>,
      ) => json<TaxSettings>("/api/platform/tax-settings", "PATCH", changes),
    },
    settings: {
      /** Linked-method switches, the renewal pass's days and the Xendit public keys, defaults filled in. */
      get: () => json<BillingSettings>("/api/platform/billing-settings"),
      /** Changes some billing settings (the dashboard's setter, audited). */
      set: (changes: BillingSettingsChanges) =>
        json<BillingSettings>(
          "/api/platform/billing-settings",
          "PATCH",
          changes,
        ),
    },
  };
}
