/** Typed wrappers around the offline simulator's shared charges and idempotency keys (db/api/payments.sql). */
import { z } from "zod";
import { asApp, type Sql } from "./client.ts";
import { result } from "./result.ts";

const Json = z.record(z.string(), z.unknown());
const ChargeSchema = z.object({ kind: z.enum(["invoice", "payment_request"]), record: Json });
const RememberedSchema = z.object({ request_hash: z.string(), status: z.number().int(), body: z.unknown() });

export type SandboxCharge = z.infer<typeof ChargeSchema>;
export type SandboxRemembered = z.infer<typeof RememberedSchema>;
export type ChargeRow = {
  id: string;
  kind: SandboxCharge["kind"];
  externalId: string;
  status: string;
  record: unknown;
};

export async function saveSandboxCharge(sql: Sql, projectId: string, charge: ChargeRow): Promise<void> {
  await asApp(
    sql,
    projectId,
    (tx) =>
      tx`select api.save_sandbox_charge(${charge.id}, ${charge.kind}, ${charge.externalId}, ${charge.status},
      ${tx.json(charge.record as never)})`,
  );
}

/** Compare and set on the charge's status; true when it moved. */
export function transitionSandboxCharge(
  sql: Sql,
  projectId: string,
  charge: { id: string; status: string; record: unknown },
  from: string[],
): Promise<boolean> {
  return asApp(sql, projectId, (tx) =>
    result(
      tx`select api.transition_sandbox_charge(${charge.id}, ${from}, ${charge.status},
        ${tx.json(charge.record as never)}) as result`,
      z.boolean(),
    ));
}

/** The project a charge id belongs to, with the charge; null for an unknown id. */
export async function findSandboxCharge(
  sql: Sql,
  id: string,
): Promise<{ projectId: string; charge: SandboxCharge } | null> {
  const projectId = await asApp(
    sql,
    null,
    (tx) => result(tx`select api.sandbox_charge_owner(${id}) as result`, z.string().nullable()),
  );
  if (!projectId) return null;
  const charge = await asApp(
    sql,
    projectId,
    (tx) => result(tx`select api.sandbox_charge(${id}) as result`, ChargeSchema.nullable()),
  );
  return charge && { projectId, charge };
}

export function sandboxInvoices(
  sql: Sql,
  projectId: string,
  externalId: string | undefined,
  limit: number,
): Promise<Record<string, unknown>[]> {
  return asApp(
    sql,
    projectId,
    (tx) => result(tx`select api.sandbox_invoices(${externalId ?? null}, ${limit}) as result`, z.array(Json)),
  );
}

export function sandboxRemembered(
  sql: Sql,
  projectId: string,
  key: string,
): Promise<SandboxRemembered | null> {
  return asApp(
    sql,
    projectId,
    (tx) => result(tx`select api.sandbox_idempotency(${key}) as result`, RememberedSchema.nullable()),
  );
}

export function rememberSandboxKey(
  sql: Sql,
  projectId: string,
  key: string,
  value: { requestHash: string; status: number; body: unknown },
): Promise<SandboxRemembered> {
  return asApp(sql, projectId, (tx) =>
    result(
      tx`select api.save_sandbox_idempotency(${key}, ${value.requestHash}, ${value.status},
        ${tx.json(value.body as never)}) as result`,
      RememberedSchema,
    ));
}
