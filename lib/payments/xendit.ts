/**
 * The one place Astapa talks to Xendit, through the unmodified xendit-node client. QRIS, virtual accounts and
 * OVO use the Payment Request API with an idempotency key; GoPay (absent from that API's SDK enum) uses the
 * Invoice API, whose create call has no idempotency key — so the external_id is unique per billing period and
 * looked up before creating. Amounts are whole rupiah and checked against the method's limits first.
 */
import { isDeadlineError } from "../http/deadline.ts";
import { isUnreachableError } from "../http/unreachable.ts";
import { log } from "../http/log.ts";
import type { Xendit, XenditSdkError } from "xendit-node";
import type { Invoice } from "xendit-node/invoice/models/index.js";
import type { PaymentRequest } from "xendit-node/payment_request/models/index.js";
import { type Bank, limitProblem, type Method } from "./methods.ts";
import { withDeadline } from "./xendit_deadline.ts";

/** timeoutMs: each request's deadline (XENDIT_TIMEOUT_MS). */
export type XenditConnection = { secretKey: string; baseUrl?: string; timeoutMs: number };

export type ChargeRequest = {
  method: Method;
  bank?: Bank;
  /** OVO: the customer's number, +628… */
  mobileNumber?: string;
  amount: number;
  /** Our reference (the checkout id): reference_id, or the invoice's external_id. */
  reference: string;
  /** Same key, same charge: a retried create returns the first answer. */
  idempotencyKey: string;
  description: string;
  customerName: string;
  payerEmail?: string;
  expiresAt: Date;
  successUrl?: string;
  failureUrl?: string;
  metadata: Record<string, string>;
};

export type ChargeStatus = "pending" | "paid" | "failed" | "expired";

export type Charge = {
  kind: "payment_request" | "invoice";
  /** pr-… or the invoice id: what callbacks name. */
  providerId: string;
  status: ChargeStatus;
  amount: number;
  /** The currency Xendit names (IDR), or null when its answer names none. */
  currency: string | null;
  expiresAt: string | null;
  /** What the checkout page shows: qr_string, bank + virtual_account_number, mobile_number, invoice_url. */
  details: Record<string, string>;
};

/** A payment that Xendit refused or could not take; `limit` when Astapa refused before calling. */
export class ChargeError extends Error {
  override name = "ChargeError";
  constructor(
    message: string,
    readonly code: string,
    readonly status: number | null,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

const clients = new Map<string, Xendit>();

type Sdk = { Xendit: typeof Xendit; XenditSdkError: typeof XenditSdkError };
/**
 * The SDK is loaded on first use: it is about 10 MB resident, which a server that takes no payment (or has
 * not yet) does not need to hold.
 */
let sdk: Sdk | undefined;

/**
 * One client per key, URL and deadline (the SDK logs a line each time one is made with a test key); every
 * request it makes gives up after the connection's timeoutMs.
 */
export async function xenditClient(connection: XenditConnection): Promise<Xendit> {
  if (!sdk) {
    // Typed through the static names: the CommonJS module's dynamic-import type differs, its values do not.
    const module = await import("xendit-node") as unknown as Sdk;
    sdk = { Xendit: module.Xendit, XenditSdkError: module.XenditSdkError };
  }
  const xenditURL = connection.baseUrl?.replace(/\/+$/, "");
  const cacheKey = `${connection.secretKey}\0${xenditURL ?? ""}\0${connection.timeoutMs}`;
  let client = clients.get(cacheKey);
  if (!client) {
    if (clients.size > 1000) clients.clear();
    client = withDeadline(
      new sdk.Xendit({ secretKey: connection.secretKey, xenditURL }),
      connection.timeoutMs,
    );
    clients.set(cacheKey, client);
  }
  return client;
}

/** Creates (or finds again) the charge for `request`. */
export async function createCharge(connection: XenditConnection, request: ChargeRequest): Promise<Charge> {
  const problem = limitProblem(request.method, request.amount, request.bank);
  if (problem) throw new ChargeError(problem, "limit", null);
  const xendit = await xenditClient(connection);
  try {
    if (request.method === "gopay") return invoiceCharge(await findOrCreateInvoice(xendit, request));
    return paymentRequestCharge(
      await xendit.PaymentRequest.createPaymentRequest({
        idempotencyKey: request.idempotencyKey,
        data: {
          referenceId: request.reference,
          amount: request.amount,
          currency: "IDR",
          description: request.description,
          metadata: request.metadata,
          paymentMethod: paymentMethodFor(request),
        },
      }),
    );
  } catch (error) {
    throw asChargeError(error);
  }
}

export type LinkedChargeRequest = {
  /** The linked method at Xendit (pm-…), ACTIVE. */
  paymentMethodId: string;
  amount: number;
  /** Our checkout id: the callback's reference_id finds the project. */
  reference: string;
  /** The renewal charge's id: a retry after no answer is the same charge. */
  idempotencyKey: string;
  description: string;
  metadata: Record<string, string>;
};

/** Debits a linked (MULTIPLE_USE) method without the customer: a Payment Request naming it (renewals). */
export async function chargeLinkedMethod(
  connection: XenditConnection,
  request: LinkedChargeRequest,
): Promise<{ providerId: string; amount: number; status: string }> {
  const xendit = await xenditClient(connection);
  try {
    const pr = await xendit.PaymentRequest.createPaymentRequest({
      idempotencyKey: request.idempotencyKey,
      data: {
        referenceId: request.reference,
        amount: request.amount,
        currency: "IDR",
        description: request.description,
        metadata: request.metadata,
        paymentMethodId: request.paymentMethodId,
      },
    });
    return { providerId: pr.id, amount: pr.amount ?? 0, status: String(pr.status) };
  } catch (error) {
    throw asChargeError(error);
  }
}

/** The charge's current state at Xendit (reconciliation of checkouts whose callback never came). */
export async function fetchCharge(
  connection: XenditConnection,
  kind: Charge["kind"],
  providerId: string,
): Promise<Charge> {
  const xendit = await xenditClient(connection);
  try {
    return kind === "invoice"
      ? invoiceCharge(await xendit.Invoice.getInvoiceById({ invoiceId: providerId }))
      : paymentRequestCharge(
        await xendit.PaymentRequest.getPaymentRequestByID({ paymentRequestId: providerId }),
      );
  } catch (error) {
    throw asChargeError(error);
  }
}

/**
 * createInvoice has no idempotency key, so a retried charge looks for the invoice it may already have made.
 * It adopts one only when every term it would have set matches — amount, currency, both redirect URLs — so an
 * invoice someone else created under the same external_id (an attacker's redirect, another amount) is never
 * adopted: a fresh one is made instead, and the mismatch is logged.
 */
async function findOrCreateInvoice(xendit: Xendit, request: ChargeRequest): Promise<Invoice> {
  const existing = await xendit.Invoice.getInvoices({ externalId: request.reference });
  const live = existing.filter((inv) =>
    inv.status === "PENDING" || inv.status === "PAID" || inv.status === "SETTLED"
  );
  const usable = live.find((inv) => invoiceMatches(inv, request));
  if (usable) return usable;
  if (live.length > 0) {
    log("warn", "xendit_invoice_not_adopted", {
      reference: request.reference,
      invoices: live.map((inv) => inv.id),
      reason: "an invoice with this external_id has other terms (amount, currency or redirect URLs)",
    });
  }
  return await xendit.Invoice.createInvoice({
    data: {
      externalId: request.reference,
      amount: request.amount,
      currency: "IDR",
      payerEmail: request.payerEmail,
      description: request.description,
      invoiceDuration: Math.max(60, Math.round((request.expiresAt.getTime() - Date.now()) / 1000)),
      paymentMethods: ["GOPAY"],
      successRedirectUrl: request.successUrl,
      failureRedirectUrl: request.failureUrl,
      metadata: request.metadata,
    },
  });
}

/** Whether an invoice found by external_id carries exactly the terms this charge would set. */
export function invoiceMatches(
  invoice: Pick<Invoice, "amount" | "currency" | "successRedirectUrl" | "failureRedirectUrl">,
  request: Pick<ChargeRequest, "amount" | "successUrl" | "failureUrl">,
): boolean {
  return invoice.amount === request.amount &&
    invoice.currency === "IDR" &&
    (invoice.successRedirectUrl ?? undefined) === (request.successUrl ?? undefined) &&
    (invoice.failureRedirectUrl ?? undefined) === (request.failureUrl ?? undefined);
}

function paymentMethodFor(request: ChargeRequest) {
  const base = { reusability: "ONE_TIME_USE" as const, referenceId: request.reference };
  switch (request.method) {
    case "qris":
      return {
        ...base,
        type: "QR_CODE" as const,
        qrCode: { channelCode: "QRIS" as const, channelProperties: { expiresAt: request.expiresAt } },
      };
    case "bank_transfer":
      return {
        ...base,
        type: "VIRTUAL_ACCOUNT" as const,
        virtualAccount: {
          channelCode: request.bank ?? "BCA",
          channelProperties: { customerName: request.customerName, expiresAt: request.expiresAt },
        },
      };
    case "ovo":
      return {
        ...base,
        type: "EWALLET" as const,
        ewallet: {
          channelCode: "OVO" as const,
          channelProperties: {
            mobileNumber: request.mobileNumber,
            successReturnUrl: request.successUrl,
            failureReturnUrl: request.failureUrl,
          },
        },
      };
    default:
      throw new ChargeError(`${request.method} does not use the Payment Request API`, "unsupported", null);
  }
}

const PR_STATUS: Record<string, ChargeStatus> = {
  SUCCEEDED: "paid",
  FAILED: "failed",
  EXPIRED: "expired",
  CANCELED: "failed",
  VOIDED: "failed",
};

function paymentRequestCharge(pr: PaymentRequest): Charge {
  const method = pr.paymentMethod;
  const details: Record<string, string> = {};
  let expiresAt: Date | undefined;
  if (method.qrCode?.channelProperties?.qrString) {
    details.qr_string = method.qrCode.channelProperties.qrString;
    expiresAt = method.qrCode.channelProperties.expiresAt;
  }
  if (method.virtualAccount) {
    details.bank = String(method.virtualAccount.channelCode);
    details.virtual_account_number = method.virtualAccount.channelProperties.virtualAccountNumber ?? "";
    expiresAt = method.virtualAccount.channelProperties.expiresAt;
  }
  if (method.ewallet?.channelProperties?.mobileNumber) {
    details.mobile_number = method.ewallet.channelProperties.mobileNumber;
  }
  return {
    kind: "payment_request",
    providerId: pr.id,
    status: PR_STATUS[pr.status] ?? "pending",
    amount: pr.amount ?? 0,
    currency: pr.currency ? String(pr.currency) : null,
    expiresAt: expiresAt?.toISOString() ?? null,
    details,
  };
}

function invoiceCharge(invoice: Invoice): Charge {
  const status: ChargeStatus = invoice.status === "PAID" || invoice.status === "SETTLED"
    ? "paid"
    : invoice.status === "EXPIRED"
    ? "expired"
    : "pending";
  return {
    kind: "invoice",
    providerId: invoice.id ?? "",
    status,
    amount: invoice.amount,
    currency: invoice.currency ? String(invoice.currency) : null,
    expiresAt: invoice.expiryDate.toISOString(),
    details: { invoice_url: invoice.invoiceUrl },
  };
}

/**
 * Whether the connection failed while Xendit's answer was being read (it had the request): Deno's fetch gives a
 * body read that loses its connection no other shape than a TypeError without a cause, named by its message.
 */
function isCutOffAnswer(error: unknown): boolean {
  return error instanceof TypeError && error.cause === undefined &&
    /^error reading a body from connection/.test(error.message);
}

/**
 * Xendit's refusal (status + code), no answer before the deadline ("timeout"), no connection at all
 * ("unreachable": refused, DNS, TLS, reset — lib/http/unreachable.ts, as for Google and GitHub) or an answer
 * cut off ("interrupted") as a ChargeError. The last three have no status: callers treat them alike
 * (payment_provider_error, or try later), and Xendit may have acted on a request it did not answer
 * (docs/payments.md "When Xendit does not answer"). Anything else — a bug of ours, an answer we cannot read —
 * is no failure of Xendit's and is thrown again as it is: a 500 with the request id, logged with its stack,
 * never "Xendit could not be reached", and never counted by the pass's breaker.
 */
export function asChargeError(error: unknown): ChargeError {
  if (error instanceof ChargeError) return error;
  // The SDK is loaded whenever one of its errors exists (a client was made first).
  if (sdk && error instanceof sdk.XenditSdkError) {
    return new ChargeError(
      error.errorMessage || "Xendit refused the payment.",
      error.errorCode || "xendit",
      Number(error.status) || null,
      {
        cause: error,
      },
    );
  }
  if (isDeadlineError(error)) {
    return new ChargeError("Xendit did not answer in time.", "timeout", null, { cause: error });
  }
  if (isUnreachableError(error)) {
    return new ChargeError("Xendit could not be reached.", "unreachable", null, { cause: error });
  }
  if (isCutOffAnswer(error)) {
    return new ChargeError("Xendit's answer was cut off.", "interrupted", null, { cause: error });
  }
  throw error;
}

/**
 * Whether an error is Xendit's (a refusal, no answer, a cut-off answer: asChargeError's kinds), which a pass
 * expects now and then and asks again later, rather than one of ours (a bug, an answer we cannot read, the
 * database), which it logs as an error with its stack.
 */
export function isXenditFailure(error: unknown): boolean {
  try {
    asChargeError(error);
    return true;
  } catch {
    return false;
  }
}
