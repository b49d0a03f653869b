/**
 * Typed wrappers around the client-assertion functions (db/api/client_assertions.sql): a machine client's
 * public keys, its project's say on them, the deployment-wide jti replay check, and the audit of refusals.
 */
import { z } from "zod";
import { asApp, type Fragment, type Sql, type Tx } from "./client.ts";
import { result } from "./result.ts";
import { type MachineClient, MachineClientSchema } from "./machine_clients.ts";

export const Jwks = z.object({ keys: z.array(z.record(z.string(), z.unknown())) });
export type Jwks = z.infer<typeof Jwks>;

const MachineClientKeys = z.object({
  project_id: z.string(),
  enabled: z.boolean(),
  jwks: Jwks,
  /** Its token requests need a DPoP proof: its own dpop_bound_access_tokens, or its project's setting. */
  dpop_required: z.boolean(),
});
export type MachineClientKeys = z.infer<typeof MachineClientKeys>;

/** A machine client's public keys and project, or null when it has none (or does not exist). */
export function machineClientKeys(sql: Sql, clientId: string): Promise<MachineClientKeys | null> {
  return asApp(
    sql,
    null,
    (tx) => result(tx`select api.machine_client_keys(${clientId}) as result`, MachineClientKeys.nullable()),
  );
}

/** Sets (null: removes) the public keys a machine client of the transaction's project signs with. */
export function setMachineClientJwks(tx: Tx, clientId: string, jwks: Jwks | null): Promise<MachineClient> {
  return result(
    tx`select api.set_machine_client_jwks(${clientId}, ${
      jwks ? tx.json(jwks as never) : null
    }::jsonb) as result`,
    MachineClientSchema,
  );
}

/** Records an assertion's jti until it expires; false when the client already used it (a replay). */
export function consumeClientAssertion(
  sql: Sql,
  clientId: string,
  jti: string,
  expiresAt: Date,
): Promise<boolean> {
  return asApp(sql, null, (tx) =>
    result(
      tx`select api.consume_client_assertion(${clientId}, ${jti}, ${expiresAt}) as result`,
      z.boolean(),
    ));
}

/** Audits a refused client assertion in `projectId` (client.assertion_refused). */
export async function recordAssertionRefused(
  sql: Sql,
  projectId: string,
  refused: { clientId: string; reason: string; path: string },
): Promise<void> {
  await asApp(sql, projectId, async (tx) => {
    await tx`select api.record_client_assertion_refused(${refused.clientId}, ${refused.reason},
      ${refused.path})`;
  }, { actor: `client:${refused.clientId.slice(0, 100)}` });
}

/** Runs a grant's call (built for the client's kind) acting for its project, after an assertion passed. */
export async function grantAs(sql: Sql, projectId: string, call: Fragment): Promise<unknown> {
  const [row] = await asApp(sql, projectId, (tx) => tx`select ${call} as grant`);
  return row.grant;
}
