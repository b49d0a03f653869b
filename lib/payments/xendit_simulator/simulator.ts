/**
 * A local Xendit speaking the real API closely enough that the unmodified xendit-node client talks to it:
 * Basic auth with the secret key, the Payment Request API (QRIS, virtual accounts, OVO) with idempotency
 * replay, the Invoice API (GoPay) with complete bodies, test-mode payment simulation, and callbacks with
 * x-callback-token. Tests serve it on a loopback port; the server mounts it for sandbox projects without keys.
 */
import type { Hono } from "hono";
import { type SimEnv, simulatorApp } from "./routes.ts";
import {
  invoiceCallbackBody,
  type InvoiceRecord,
  paymentCallbackBody,
  type PaymentRequestRecord,
} from "./bodies.ts";
import { type Deliver, type DeliveryOptions, WebhookSender } from "./webhooks.ts";

export type SimulatorAccount = {
  secretKey: string;
  /** The verification token sent as x-callback-token. */
  callbackToken: string;
  /** Where callbacks go (Xendit: set per account in its dashboard). */
  webhookUrl: string;
  businessId: string;
};

export type SimulatorOptions = {
  /** Absolute URL the simulator is reachable at (invoice_url and the hosted pages use it). No trailing slash. */
  baseUrl: string;
  accounts?: SimulatorAccount[];
  /** Finds an account not given up front by its secret key (the offline sandbox: per-project keys in Postgres). */
  findAccount?: (secretKey: string) => Promise<SimulatorAccount | null>;
  retryDelaysMs?: number[];
  deliver?: Deliver;
};

export class XenditSimulator {
  readonly accounts = new Map<string, SimulatorAccount>();
  readonly paymentRequests = new Map<string, PaymentRequestRecord & { secretKey: string }>();
  readonly invoices = new Map<string, InvoiceRecord & { secretKey: string }>();
  /** secretKey + idempotency key → the request it was first used with and the answer given. */
  readonly idempotency = new Map<string, { requestHash: string; status: number; body: unknown }>();
  readonly webhooks: WebhookSender;
  baseUrl: string;
  readonly app: Hono<SimEnv>;
  readonly #findAccount: SimulatorOptions["findAccount"];

  constructor(options: SimulatorOptions) {
    this.baseUrl = options.baseUrl;
    this.#findAccount = options.findAccount;
    for (const account of options.accounts ?? []) this.addAccount(account);
    this.webhooks = new WebhookSender({ retryDelaysMs: options.retryDelaysMs, deliver: options.deliver });
    this.app = simulatorApp(this);
  }

  addAccount(account: SimulatorAccount): void {
    this.accounts.set(account.secretKey, account);
  }

  /** The account a secret key authenticates, known already or found (then remembered); null for none. */
  async account(secretKey: string): Promise<SimulatorAccount | null> {
    const known = this.accounts.get(secretKey);
    if (known || !this.#findAccount) return known ?? null;
    const found = await this.#findAccount(secretKey);
    if (found) this.addAccount(found);
    return found;
  }

  /** Test mode: the customer pays. Sends payment.succeeded (or the invoice's PAID callback). */
  pay(id: string, delivery: DeliveryOptions = {}): void {
    const pr = this.paymentRequests.get(id);
    if (pr) {
      this.#settle(pr, "SUCCEEDED", delivery);
      return;
    }
    const invoice = this.#invoice(id);
    if (invoice.status !== "PENDING") {
      throw new SimulatorError(409, "INVOICE_NOT_PENDING", "invoice is not pending");
    }
    const now = new Date().toISOString();
    Object.assign(invoice, {
      status: "PAID",
      paidAt: now,
      updated: now,
      paymentChannel: "GOPAY",
      paymentId: `ewc_${crypto.randomUUID()}`,
    });
    this.#notify(invoice.secretKey, invoiceCallbackBody(invoice, "PAID"), delivery);
  }

  /** The charge fails (payment requests only): payment.failed. */
  fail(id: string, delivery: DeliveryOptions = {}): void {
    this.#settle(this.#paymentRequest(id), "FAILED", delivery);
  }

  /** The charge expires unpaid: payment.expired, or the invoice's EXPIRED callback. */
  expire(id: string, delivery: DeliveryOptions = {}): void {
    const pr = this.paymentRequests.get(id);
    if (pr) {
      this.#settle(pr, "EXPIRED", delivery);
      return;
    }
    const invoice = this.#invoice(id);
    if (invoice.status !== "PENDING") {
      throw new SimulatorError(409, "INVOICE_NOT_PENDING", "invoice is not pending");
    }
    Object.assign(invoice, { status: "EXPIRED", updated: new Date().toISOString() });
    this.#notify(invoice.secretKey, invoiceCallbackBody(invoice, "EXPIRED"), delivery);
  }

  /** The callback body Xendit would send for `id` in `status` (for tests that deliver themselves). */
  callbackBody(id: string, status: string): Record<string, unknown> {
    const pr = this.paymentRequests.get(id);
    return pr ? paymentCallbackBody(pr, status) : invoiceCallbackBody(this.#invoice(id), status);
  }

  /** Delivers `body` to the account that owns `id`, as a callback. */
  send(id: string, body: unknown, delivery: DeliveryOptions = {}): void {
    const owner = this.paymentRequests.get(id)?.secretKey ?? this.#invoice(id).secretKey;
    this.#notify(owner, body, delivery);
  }

  close(): void {
    this.webhooks.close();
  }

  #settle(
    pr: PaymentRequestRecord & { secretKey: string },
    status: "SUCCEEDED" | "FAILED" | "EXPIRED",
    delivery: DeliveryOptions,
  ): void {
    if (pr.status !== "PENDING" && pr.status !== "REQUIRES_ACTION") {
      throw new SimulatorError(409, "PAYMENT_REQUEST_NOT_PENDING", `payment request is ${pr.status}`);
    }
    pr.status = status;
    pr.updated = new Date().toISOString();
    if (status === "SUCCEEDED") pr.paymentId = `py-${crypto.randomUUID()}`;
    if (status === "FAILED") pr.failureCode = "INSUFFICIENT_BALANCE";
    this.#notify(pr.secretKey, paymentCallbackBody(pr, status), delivery);
  }

  #notify(secretKey: string, body: unknown, delivery: DeliveryOptions): void {
    const account = this.accounts.get(secretKey);
    if (!account) return;
    this.webhooks.send(account.webhookUrl, account.callbackToken, body, delivery);
  }

  #paymentRequest(id: string) {
    const pr = this.paymentRequests.get(id);
    if (!pr) throw new SimulatorError(404, "DATA_NOT_FOUND", "Payment request not found");
    return pr;
  }

  #invoice(id: string) {
    const invoice = this.invoices.get(id);
    if (!invoice) throw new SimulatorError(404, "DATA_NOT_FOUND", "Could not find invoice");
    return invoice;
  }
}

/** A Xendit-shaped failure: HTTP status, error_code, message. */
export class SimulatorError extends Error {
  constructor(readonly status: number, readonly errorCode: string, message: string) {
    super(message);
  }
}
