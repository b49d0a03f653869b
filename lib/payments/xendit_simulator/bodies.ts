/**
 * The simulator's records and the JSON bodies Xendit sends for them, field for field as xendit-node 7
 * parses them (Invoice strictly: all six available_* arrays, expiry_date, created, updated).
 */

export type PaymentRequestRecord = {
  id: string;
  paymentMethodId: string;
  businessId: string;
  referenceId: string;
  amount: number;
  currency: "IDR";
  description: string | null;
  metadata: Record<string, unknown> | null;
  type: "QR_CODE" | "VIRTUAL_ACCOUNT" | "EWALLET" | "DIRECT_DEBIT" | "CARD";
  channelCode: string;
  channelProperties: Record<string, unknown>;
  status: "PENDING" | "REQUIRES_ACTION" | "SUCCEEDED" | "FAILED" | "EXPIRED";
  failureCode: string | null;
  created: string;
  updated: string;
  /** The payment (py-…) once one lands, for callbacks. */
  paymentId: string | null;
  /** Charged to a linked (MULTIPLE_USE) method, which stays ACTIVE after the charge. */
  linked?: boolean;
};

export type InvoiceRecord = {
  id: string;
  externalId: string;
  userId: string;
  amount: number;
  payerEmail: string | null;
  description: string | null;
  paymentMethods: string[];
  status: "PENDING" | "PAID" | "SETTLED" | "EXPIRED";
  expiryDate: string;
  successRedirectUrl: string | null;
  failureRedirectUrl: string | null;
  metadata: Record<string, unknown> | null;
  created: string;
  updated: string;
  paidAt: string | null;
  paymentChannel: string | null;
  paymentId: string | null;
};

export const MERCHANT_NAME = "Astapa Simulator";
export const INVOICE_BANKS = ["BCA", "BNI", "BRI", "MANDIRI", "PERMATA"];
export const INVOICE_EWALLETS = ["OVO", "DANA", "SHOPEEPAY", "LINKAJA", "GOPAY"];

/** GET/POST /payment_requests body. */
export function paymentRequestBody(pr: PaymentRequestRecord): Record<string, unknown> {
  const method = pr.type === "QR_CODE"
    ? { qr_code: { channel_code: pr.channelCode, channel_properties: pr.channelProperties } }
    : pr.type === "VIRTUAL_ACCOUNT"
    ? {
      virtual_account: {
        amount: pr.amount,
        currency: pr.currency,
        channel_code: pr.channelCode,
        channel_properties: pr.channelProperties,
      },
    }
    : pr.type === "DIRECT_DEBIT"
    ? {
      direct_debit: {
        channel_code: pr.channelCode,
        channel_properties: pr.channelProperties,
        type: "DEBIT_CARD",
      },
    }
    : pr.type === "CARD"
    ? { card: { currency: pr.currency, channel_properties: { cardonfile_type: "RECURRING" } } }
    : { ewallet: { channel_code: pr.channelCode, channel_properties: pr.channelProperties, account: null } };
  return {
    id: pr.id,
    created: pr.created,
    updated: pr.updated,
    reference_id: pr.referenceId,
    business_id: pr.businessId,
    customer_id: null,
    customer: null,
    amount: pr.amount,
    min_amount: null,
    max_amount: null,
    country: "ID",
    currency: pr.currency,
    payment_method: {
      id: pr.paymentMethodId,
      type: pr.type,
      created: pr.created,
      updated: pr.updated,
      description: null,
      reference_id: pr.referenceId,
      card: null,
      direct_debit: null,
      ewallet: null,
      over_the_counter: null,
      virtual_account: null,
      qr_code: null,
      ...method,
      reusability: pr.linked ? "MULTIPLE_USE" : "ONE_TIME_USE",
      status: pr.status === "SUCCEEDED" && !pr.linked ? "EXPIRED" : "ACTIVE",
      metadata: null,
    },
    description: pr.description,
    failure_code: pr.failureCode,
    capture_method: "AUTOMATIC",
    initiator: null,
    card_verification_results: null,
    status: pr.status,
    actions: [],
    metadata: pr.metadata,
    shipping_information: null,
    items: null,
  };
}

/** The Payment Request API callback: { event, business_id, created, data }. */
export function paymentCallbackBody(
  pr: PaymentRequestRecord,
  status: string,
  created = new Date().toISOString(),
): Record<string, unknown> {
  const event = status === "SUCCEEDED"
    ? "payment.succeeded"
    : status === "FAILED"
    ? "payment.failed"
    : status === "EXPIRED"
    ? "payment.expired"
    : "payment.pending";
  const body = paymentRequestBody(pr);
  return {
    event,
    business_id: pr.businessId,
    created,
    data: {
      id: pr.paymentId ?? `py-${crypto.randomUUID()}`,
      payment_request_id: pr.id,
      reference_id: pr.referenceId,
      customer_id: null,
      currency: pr.currency,
      amount: pr.amount,
      country: "ID",
      status,
      payment_method: body.payment_method,
      channel_properties: null,
      payment_detail: null,
      failure_code: status === "FAILED" ? (pr.failureCode ?? "PAYMENT_FAILED") : null,
      created: pr.created,
      updated: created,
      metadata: pr.metadata,
    },
  };
}

/** GET/POST /v2/invoices body. */
export function invoiceBody(inv: InvoiceRecord, baseUrl: string): Record<string, unknown> {
  const allows = (code: string) => inv.paymentMethods.length === 0 || inv.paymentMethods.includes(code);
  return {
    id: inv.id,
    external_id: inv.externalId,
    user_id: inv.userId,
    payer_email: inv.payerEmail,
    description: inv.description,
    ...(inv.status === "PAID" || inv.status === "SETTLED"
      ? { payment_method: "EWALLET", payment_channel: inv.paymentChannel, paid_at: inv.paidAt }
      : {}),
    status: inv.status,
    merchant_name: MERCHANT_NAME,
    merchant_profile_picture_url: `${baseUrl}/merchant.png`,
    locale: "en",
    amount: inv.amount,
    expiry_date: inv.expiryDate,
    invoice_url: `${baseUrl}/web/invoices/${inv.id}`,
    available_banks: INVOICE_BANKS.filter(allows).map((bank) => ({
      bank_code: bank,
      collection_type: "POOL",
      bank_branch: "Virtual Account",
      account_holder_name: MERCHANT_NAME.toUpperCase(),
      transfer_amount: inv.amount,
    })),
    available_retail_outlets: [],
    available_ewallets: INVOICE_EWALLETS.filter(allows).map((type) => ({ ewallet_type: type })),
    available_qr_codes: allows("QRIS") ? [{ qr_code_type: "QRIS" }] : [],
    available_direct_debits: [],
    available_paylaters: [],
    should_exclude_credit_card: true,
    should_send_email: false,
    created: inv.created,
    updated: inv.updated,
    success_redirect_url: inv.successRedirectUrl ?? undefined,
    failure_redirect_url: inv.failureRedirectUrl ?? undefined,
    currency: "IDR",
    metadata: inv.metadata,
  };
}

/** The Invoice callback body (PAID or EXPIRED). */
export function invoiceCallbackBody(inv: InvoiceRecord, status: string): Record<string, unknown> {
  const paid = status === "PAID" || status === "SETTLED";
  return {
    id: inv.id,
    external_id: inv.externalId,
    user_id: inv.userId,
    is_high: false,
    status,
    merchant_name: MERCHANT_NAME,
    amount: inv.amount,
    ...(inv.payerEmail ? { payer_email: inv.payerEmail } : {}),
    ...(inv.description ? { description: inv.description } : {}),
    ...(paid
      ? {
        paid_amount: inv.amount,
        paid_at: inv.paidAt ?? new Date().toISOString(),
        payment_method: "EWALLET",
        payment_channel: inv.paymentChannel ?? "GOPAY",
        payment_destination: inv.paymentChannel ?? "GOPAY",
        payment_id: inv.paymentId ?? `ewc_${crypto.randomUUID()}`,
        ewallet_type: inv.paymentChannel ?? "GOPAY",
      }
      : {}),
    currency: "IDR",
    created: inv.created,
    updated: inv.updated,
    ...(inv.metadata ? { metadata: inv.metadata } : {}),
  };
}
