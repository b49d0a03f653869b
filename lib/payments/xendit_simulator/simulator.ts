/**
 * A local Xendit speaking the real API closely enough that the unmodified xendit-node client talks to it:
 * Basic auth with the secret key, the Payment Request API (QRIS, virtual accounts, OVO) with idempotency
 * replay, the Invoice API (GoPay) with complete bodies, the Refund API (refunds.ts), test-mode payment
 * simulation, and callbacks with x-callback-token. Tests serve it on a loopback port; the server mounts it for sandbox projects without keys.
 * Like Xendit it expires a pending QR code, virtual account or invoice at its expiry; having no clock loop of
 * its own, it does so when it next reads the charge (a GET, the list, a payment), which is before anyone can
 * see it pending past its expiry.
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
import type { Remembered, SimulatorPersistence, StoredCharge, StoredPaymentMethod } from "./persistence.ts";
import type { PaymentMethodRecord } from "./payment_method_records.ts";
import type { RefundRecord } from "./refunds.ts";

type Keyed<T> = T & { secretKey: string };
export type OwnedCharge =
  | { kind: "invoice"; record: Keyed<InvoiceRecord> }
  | { kind: "payment_request"; record: Keyed<PaymentRequestRecord> };
export type SettleAction = "pay" | "fail" | "expire";

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
  /** Finds an account by its businessId (for charges loaded from `persistence`). */
  findAccountById?: (businessId: string) => Promise<SimulatorAccount | null>;
  /** Finds an existing account a publishable key names (never makes one); defaults to findAccountById. */
  findPublishableAccount?: (businessId: string) => Promise<SimulatorAccount | null>;
  /** Shared storage for charges and idempotency keys (the offline sandbox: Postgres). */
  persistence?: SimulatorPersistence;
  retryDelaysMs?: number[];
  deliver?: Deliver;
};

export class XenditSimulator {
  readonly accounts = new Map<string, SimulatorAccount>();
  readonly paymentRequests = new Map<string, PaymentRequestRecord & { secretKey: string }>();
  readonly invoices = new Map<string, InvoiceRecord & { secretKey: string }>();
  /** secretKey + idempotency key → the request it was first used with and the answer given. */
  readonly idempotency = new Map<string, { requestHash: string; status: number; body: unknown }>();
  /** Refunds made through this instance (refunds.ts). */
  readonly refunds = new Map<string, RefundRecord>();
  /** Reusable payment methods (payment_methods.ts) this instance has seen; the shared storage is the truth. */
  readonly paymentMethods = new Map<string, PaymentMethodRecord>();
  /** E-wallet channels whose account linking Xendit approved for this merchant (ShopeePay needs it). */
  readonly approvedLinkingChannels = new Set<string>();
  /** What a debit of a linked method does in test mode: settle at once, or wait (settle/pay/fail/expire it). */
  linkedChargeOutcome: "pay" | "fail" | "hold" = "pay";
  /** What a new refund does in test mode: settle at once (succeed or fail), or wait for settleRefund. */
  refundOutcome: "succeed" | "fail" | "hold" = "succeed";
  /** The time charges' expiries are judged by: the wall clock, as at Xendit (tests move it on). */
  now: () => number = Date.now;
  readonly webhooks: WebhookSender;
  baseUrl: string;
  readonly app: Hono<SimEnv>;
  readonly #findAccount: SimulatorOptions["findAccount"];
  readonly #findAccountById: SimulatorOptions["findAccountById"];
  readonly #findPublishableAccount: SimulatorOptions["findPublishableAccount"];
  readonly persistence: SimulatorPersistence | undefined;

  constructor(options: SimulatorOptions) {
    this.baseUrl = options.baseUrl;
    this.#findAccount = options.findAccount;
    this.#findAccountById = options.findAccountById;
    this.#findPublishableAccount = options.findPublishableAccount;
    this.persistence = options.persistence;
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

  /**
   * Test mode: the customer pays. Sends payment.succeeded (or the invoice's PAID callback). Like every
   * control, refused (409) for a settled charge, which one past its expiry is.
   */
  pay(id: string, delivery: DeliveryOptions = {}): void {
    this.#memoryOnly();
    this.#expireIfDue(id);
    const pr = this.paymentRequests.get(id);
    if (pr) {
      this.#settle(pr, "SUCCEEDED", delivery);
      return;
    }
    const invoice = this.#invoice(id);
    this.#notify(invoice.secretKey, changeInvoice(invoice, "pay"), delivery);
  }

  /** The charge fails (payment requests only): payment.failed. */
  fail(id: string, delivery: DeliveryOptions = {}): void {
    this.#memoryOnly();
    this.#expireIfDue(id);
    this.#settle(this.#paymentRequest(id), "FAILED", delivery);
  }

  /** The charge expires unpaid: payment.expired, or the invoice's EXPIRED callback. */
  expire(id: string, delivery: DeliveryOptions = {}): void {
    this.#memoryOnly();
    this.#expireIfDue(id);
    this.#expireInMemory(id, delivery);
  }

  #expireInMemory(id: string, delivery: DeliveryOptions): void {
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

  /** Records a new charge (in memory, and in the shared storage when there is one). */
  async store(account: SimulatorAccount, charge: OwnedCharge): Promise<void> {
    if (charge.kind === "invoice") this.invoices.set(charge.record.id, charge.record);
    else this.paymentRequests.set(charge.record.id, charge.record);
    await this.persistence?.save(account.businessId, unkeyed(charge));
  }

  /** Records a new reusable payment method (in memory, and in the shared storage when there is one). */
  async saveMethod(account: SimulatorAccount, method: PaymentMethodRecord): Promise<void> {
    this.paymentMethods.set(method.id, method);
    await this.persistence?.saveMethod(account.businessId, withoutKey(method));
  }

  /** A payment method by id as it is now (from the shared storage when there is one), or undefined. */
  async findMethod(id: string): Promise<PaymentMethodRecord | undefined> {
    if (!this.persistence) return this.paymentMethods.get(id);
    const loaded = await this.persistence.loadMethod(id);
    const account = loaded && await this.#accountById(loaded.accountId);
    if (!loaded || !account) return undefined;
    const method = { ...loaded.method, secretKey: account.secretKey };
    this.paymentMethods.set(id, method);
    return method;
  }

  /** Writes `method` if its status is still one of `from` (compare and set across instances); true when it did. */
  async moveMethod(method: PaymentMethodRecord, from: string[]): Promise<boolean> {
    if (this.persistence) {
      const moved = await this.persistence.transitionMethod(method.businessId, withoutKey(method), from);
      if (!moved) return false;
    } else if (!from.includes(this.paymentMethods.get(method.id)?.status ?? "")) {
      return false;
    }
    this.paymentMethods.set(method.id, method);
    return true;
  }

  /**
   * A charge by id as it is now (from the shared storage when there is one), or undefined; one whose expiry
   * has passed while pending is expired first, as Xendit would have.
   */
  async findCharge(id: string): Promise<OwnedCharge | undefined> {
    if (!this.persistence) {
      this.#expireIfDue(id);
      return this.#inMemory(id);
    }
    const charge = await this.#load(id);
    return charge && await this.#expiredIfDue(charge);
  }

  async #load(id: string): Promise<OwnedCharge | undefined> {
    const loaded = await this.persistence!.load(id);
    const account = loaded && await this.#accountById(loaded.accountId);
    if (!loaded || !account) return undefined;
    return this.#remember(
      { ...loaded.charge, record: { ...loaded.charge.record, secretKey: account.secretKey } } as OwnedCharge,
    );
  }

  #inMemory(id: string): OwnedCharge | undefined {
    const pr = this.paymentRequests.get(id);
    if (pr) return { kind: "payment_request", record: pr };
    const invoice = this.invoices.get(id);
    return invoice && { kind: "invoice", record: invoice };
  }

  /** In memory: expires the charge if its expiry has passed while pending (its callback goes out). */
  #expireIfDue(id: string): void {
    const charge = this.#inMemory(id);
    if (charge && expiryPassed(charge, this.now())) this.#expireInMemory(id, {});
  }

  /**
   * In the shared storage: expires the charge if its expiry has passed while pending, through the same
   * compare-and-set as settle(), so with several instances reading it one callback goes out; the charge as
   * it is after.
   */
  async #expiredIfDue(charge: OwnedCharge): Promise<OwnedCharge> {
    if (!expiryPassed(charge, this.now())) return charge;
    return await this.#transition(charge, "expire", {}) ?? await this.#load(charge.record.id) ?? charge;
  }

  /** The account's invoices, newest first, optionally by external_id. */
  async listInvoices(account: SimulatorAccount, externalId: string | undefined, limit: number) {
    if (!this.persistence) {
      const listed = [...this.invoices.values()]
        .filter((inv) => inv.secretKey === account.secretKey)
        .filter((inv) => externalId === undefined || inv.externalId === externalId)
        .sort((a, b) => b.created.localeCompare(a.created))
        .slice(0, limit);
      for (const invoice of listed) this.#expireIfDue(invoice.id);
      return listed;
    }
    const found = await this.persistence.invoices(account.businessId, externalId, limit);
    const listed = [];
    for (const record of found) {
      const charge = this.#remember({ kind: "invoice", record: { ...record, secretKey: account.secretKey } });
      listed.push((await this.#expiredIfDue(charge)).record as Keyed<InvoiceRecord>);
    }
    return listed;
  }

  /** What an idempotency key was used with, for this account. */
  async remembered(account: SimulatorAccount, key: string): Promise<Remembered | undefined> {
    if (this.persistence) return (await this.persistence.remembered(account.businessId, key)) ?? undefined;
    return this.idempotency.get(`${account.secretKey}\0${key}`);
  }

  /** Keeps the first answer given for an idempotency key; returns the one kept. */
  async remember(account: SimulatorAccount, key: string, value: Remembered): Promise<Remembered> {
    if (this.persistence) return await this.persistence.remember(account.businessId, key, value);
    const replayKey = `${account.secretKey}\0${key}`;
    const prior = this.idempotency.get(replayKey);
    if (prior) return prior;
    this.idempotency.set(replayKey, value);
    return value;
  }

  /**
   * Pays, fails or expires a charge as it is now in the shared storage, once: with several instances, the
   * status change is compare-and-set, so a second attempt is a 409, not a second callback.
   */
  async settle(id: string, action: SettleAction, delivery: DeliveryOptions = {}): Promise<void> {
    if (!this.persistence) {
      if (action === "pay") this.pay(id, delivery);
      else if (action === "fail") this.fail(id, delivery);
      else this.expire(id, delivery);
      return;
    }
    const charge = await this.findCharge(id);
    if (!charge) throw new SimulatorError(404, "DATA_NOT_FOUND", "Could not find the charge");
    if (!(await this.#transition(charge, action, delivery))) {
      throw new SimulatorError(409, "CHARGE_NOT_PENDING", "the charge changed meanwhile");
    }
  }

  /**
   * Applies `action` to the charge as loaded and writes it if the stored status is still the loaded one,
   * then sends its callback; the charge after, or null when another instance changed it meanwhile.
   */
  async #transition(
    charge: OwnedCharge,
    action: SettleAction,
    delivery: DeliveryOptions,
  ): Promise<OwnedCharge | null> {
    const next = structuredClone(charge.record);
    const body = charge.kind === "invoice"
      ? changeInvoice(next as Keyed<InvoiceRecord>, action)
      : changePaymentRequest(next as Keyed<PaymentRequestRecord>, action);
    const account = await this.#accountById(
      charge.kind === "invoice"
        ? (charge.record as InvoiceRecord).userId
        : (charge.record as PaymentRequestRecord).businessId,
    );
    const settled = { kind: charge.kind, record: next } as OwnedCharge;
    const moved = await this.persistence!.transition(account?.businessId ?? "", unkeyed(settled), [
      charge.record.status,
    ]);
    if (!moved) return null;
    this.#remember(settled);
    this.#notify(next.secretKey, body, delivery);
    return settled;
  }

  /** The synchronous controls change memory only: with shared storage they would diverge from it. */
  #memoryOnly(): void {
    if (this.persistence) throw new Error("This simulator shares its charges: use settle().");
  }

  #remember(charge: OwnedCharge): OwnedCharge {
    if (charge.kind === "invoice") this.invoices.set(charge.record.id, charge.record);
    else this.paymentRequests.set(charge.record.id, charge.record);
    return charge;
  }

  /** The account a publishable key's business id names, known already or existing; null for none. */
  async publishableAccount(businessId: string): Promise<SimulatorAccount | null> {
    for (const account of this.accounts.values()) if (account.businessId === businessId) return account;
    if (!this.#findPublishableAccount) return await this.#accountById(businessId);
    const found = await this.#findPublishableAccount(businessId);
    if (found) this.addAccount(found);
    return found;
  }

  async #accountById(businessId: string): Promise<SimulatorAccount | null> {
    for (const account of this.accounts.values()) if (account.businessId === businessId) return account;
    const found = await this.#findAccountById?.(businessId) ?? null;
    if (found) this.addAccount(found);
    return found;
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

  /** Sends a callback to the account that owns `secretKey` (refund callbacks use it). */
  notifyAccount(secretKey: string, body: unknown, delivery: DeliveryOptions = {}): void {
    this.#notify(secretKey, body, delivery);
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

function withoutKey(method: PaymentMethodRecord): StoredPaymentMethod {
  const { secretKey: _key, ...stored } = method;
  return stored;
}

/** The record without its key, as shared storage keeps it. */
function unkeyed(charge: OwnedCharge): StoredCharge {
  const { secretKey: _key, ...record } = charge.record;
  return { kind: charge.kind, record } as StoredCharge;
}

/**
 * Whether Xendit would have expired the charge by `now`: a pending QR code or virtual account past its
 * channel_properties.expires_at, a pending invoice past its expiry_date. An e-wallet push or a debit of a
 * linked method has no expiry here.
 */
function expiryPassed(charge: OwnedCharge, now: number): boolean {
  if (charge.record.status !== "PENDING") return false;
  if (charge.kind === "invoice") return Date.parse(charge.record.expiryDate) <= now;
  const { type, channelProperties } = charge.record;
  const expiresAt = channelProperties.expires_at;
  return (type === "QR_CODE" || type === "VIRTUAL_ACCOUNT") && typeof expiresAt === "string" &&
    Date.parse(expiresAt) <= now;
}

/** Applies `action` to an invoice (a copy); the callback body to send. */
function changeInvoice(invoice: InvoiceRecord, action: SettleAction): Record<string, unknown> {
  if (invoice.status !== "PENDING") {
    throw new SimulatorError(409, "INVOICE_NOT_PENDING", "invoice is not pending");
  }
  const now = new Date().toISOString();
  if (action === "pay") {
    Object.assign(invoice, {
      status: "PAID",
      paidAt: now,
      updated: now,
      paymentChannel: "GOPAY",
      paymentId: `ewc_${crypto.randomUUID()}`,
    });
    return invoiceCallbackBody(invoice, "PAID");
  }
  if (action === "fail") throw new SimulatorError(404, "DATA_NOT_FOUND", "Payment request not found");
  Object.assign(invoice, { status: "EXPIRED", updated: now });
  return invoiceCallbackBody(invoice, "EXPIRED");
}

/** Applies `action` to a payment request (a copy); the callback body to send. */
function changePaymentRequest(pr: PaymentRequestRecord, action: SettleAction): Record<string, unknown> {
  if (pr.status !== "PENDING" && pr.status !== "REQUIRES_ACTION") {
    throw new SimulatorError(409, "PAYMENT_REQUEST_NOT_PENDING", `payment request is ${pr.status}`);
  }
  const status = action === "pay" ? "SUCCEEDED" : action === "fail" ? "FAILED" : "EXPIRED";
  pr.status = status;
  pr.updated = new Date().toISOString();
  if (status === "SUCCEEDED") pr.paymentId = `py-${crypto.randomUUID()}`;
  if (status === "FAILED") pr.failureCode = "INSUFFICIENT_BALANCE";
  return paymentCallbackBody(pr, status) as Record<string, unknown>;
}
