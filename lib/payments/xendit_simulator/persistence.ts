/**
 * Where the simulator keeps charges beyond its own memory: the offline sandbox persists them in Postgres
 * (lib/payments/sandbox_charges.ts) so every instance sees the same charges; the tests' standalone fake keeps
 * them in memory only. Reusable payment methods are kept the same way. Accounts are named by their businessId (a project id in the offline sandbox).
 */
import type { InvoiceRecord, PaymentRequestRecord } from "./bodies.ts";
import type { PaymentMethodRecord } from "./payment_method_records.ts";

/** A payment method as shared storage keeps it: without the account's key. */
export type StoredPaymentMethod = Omit<PaymentMethodRecord, "secretKey">;

export type StoredCharge =
  | { kind: "invoice"; record: InvoiceRecord }
  | { kind: "payment_request"; record: PaymentRequestRecord };

export type Remembered = { requestHash: string; status: number; body: unknown };

export interface SimulatorPersistence {
  save(accountId: string, charge: StoredCharge): Promise<void>;
  /** Compare and set: writes the charge only if its stored status is one of `from`; true when it did. */
  transition(accountId: string, charge: StoredCharge, from: string[]): Promise<boolean>;
  /** A charge by id, whichever account made it (the hosted invoice page, a simulated payment). */
  load(id: string): Promise<{ accountId: string; charge: StoredCharge } | null>;
  invoices(accountId: string, externalId: string | undefined, limit: number): Promise<InvoiceRecord[]>;
  remembered(accountId: string, key: string): Promise<Remembered | null>;
  /** Keeps the first answer for a key (another instance may have been first); returns the one kept. */
  remember(accountId: string, key: string, value: Remembered): Promise<Remembered>;
  saveMethod(accountId: string, method: StoredPaymentMethod): Promise<void>;
  /** Compare and set, as for charges: writes the method only if its stored status is one of `from`. */
  transitionMethod(accountId: string, method: StoredPaymentMethod, from: string[]): Promise<boolean>;
  /** A payment method by id, whichever account made it (the linking page names the method only). */
  loadMethod(id: string): Promise<{ accountId: string; method: StoredPaymentMethod } | null>;
}
