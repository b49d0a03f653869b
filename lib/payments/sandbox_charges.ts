/**
 * The offline simulator's shared storage (xendit_simulator/persistence.ts) in Postgres: charges and
 * idempotency keys (and reusable payment methods) per project (the account's businessId is its project id), so every instance's simulator
 * sees, pays and replays the same charges.
 */
import type { Sql } from "@/db/client.ts";
import {
  findSandboxCharge,
  rememberSandboxKey,
  sandboxInvoices,
  sandboxRemembered,
  saveSandboxCharge,
  transitionSandboxCharge,
} from "@/db/sandbox_charges.ts";
import {
  findSandboxPaymentMethod,
  saveSandboxPaymentMethod,
  transitionSandboxPaymentMethod,
} from "@/db/sandbox_payment_methods.ts";
import type { InvoiceRecord } from "./xendit_simulator/bodies.ts";
import type {
  SimulatorPersistence,
  StoredCharge,
  StoredPaymentMethod,
} from "./xendit_simulator/persistence.ts";

const externalId = (charge: StoredCharge) =>
  charge.kind === "invoice" ? charge.record.externalId : charge.record.referenceId;

export function postgresSimulatorStorage(sql: Sql): SimulatorPersistence {
  return {
    async save(projectId, charge) {
      await saveSandboxCharge(sql, projectId, {
        id: charge.record.id,
        kind: charge.kind,
        externalId: externalId(charge),
        status: charge.record.status,
        record: charge.record,
      });
    },
    transition: (projectId, charge, from) =>
      transitionSandboxCharge(sql, projectId, {
        id: charge.record.id,
        status: charge.record.status,
        record: charge.record,
      }, from),
    async load(id) {
      const found = await findSandboxCharge(sql, id);
      return found && { accountId: found.projectId, charge: found.charge as unknown as StoredCharge };
    },
    async invoices(projectId, external, limit) {
      return (await sandboxInvoices(sql, projectId, external, limit)) as unknown as InvoiceRecord[];
    },
    async remembered(projectId, key) {
      const row = await sandboxRemembered(sql, projectId, key);
      return row && { requestHash: row.request_hash, status: row.status, body: row.body };
    },
    async remember(projectId, key, value) {
      const row = await rememberSandboxKey(sql, projectId, key, value);
      return { requestHash: row.request_hash, status: row.status, body: row.body };
    },
    async saveMethod(projectId, method) {
      await saveSandboxPaymentMethod(sql, projectId, {
        id: method.id,
        status: method.status,
        record: method,
      });
    },
    transitionMethod: (projectId, method, from) =>
      transitionSandboxPaymentMethod(
        sql,
        projectId,
        { id: method.id, status: method.status, record: method },
        from,
      ),
    async loadMethod(id) {
      const found = await findSandboxPaymentMethod(sql, id);
      return found && { accountId: found.projectId, method: found.record as unknown as StoredPaymentMethod };
    },
  };
}
