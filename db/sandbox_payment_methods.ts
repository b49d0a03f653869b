/** Typed wrappers around the offline simulator's shared payment methods (db/api/sandbox_payment_methods.sql). */
import { z } from "zod";
import { asApp, type Sql } from "./client.ts";
import { result } from "./result.ts";

const Json = z.record(z.string(), z.unknown());

export async function saveSandboxPaymentMethod(
  sql: Sql,
  projectId: string,
  method: { id: string; status: string; record: unknown },
): Promise<void> {
  await asApp(
    sql,
    projectId,
    (tx) =>
      tx`select api.save_sandbox_payment_method(${method.id}, ${method.status},
        ${tx.json(method.record as never)})`,
  );
}

/** Compare and set on the method's status; true when it moved. */
export function transitionSandboxPaymentMethod(
  sql: Sql,
  projectId: string,
  method: { id: string; status: string; record: unknown },
  from: string[],
): Promise<boolean> {
  return asApp(sql, projectId, (tx) =>
    result(
      tx`select api.transition_sandbox_payment_method(${method.id}, ${from}, ${method.status},
        ${tx.json(method.record as never)}) as result`,
      z.boolean(),
    ));
}

/** The project a method id belongs to, with the method's record; null for an unknown id. */
export async function findSandboxPaymentMethod(
  sql: Sql,
  id: string,
): Promise<{ projectId: string; record: Record<string, unknown> } | null> {
  const projectId = await asApp(
    sql,
    null,
    (tx) => result(tx`select api.sandbox_payment_method_owner(${id}) as result`, z.string().nullable()),
  );
  if (!projectId) return null;
  const record = await asApp(
    sql,
    projectId,
    (tx) => result(tx`select api.sandbox_payment_method(${id}) as result`, Json.nullable()),
  );
  return record && { projectId, record };
}
