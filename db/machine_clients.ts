/** Typed wrappers around the machine-client functions (db/api/clients.sql). */
import { z } from "zod";
import type { Fragment, Sql, Tx } from "./client.ts";
import { result } from "./result.ts";
import { newClientSecret, sha256 } from "../lib/secrets.ts";

export const MachineClientSchema = z.object({
  client_id: z.string(),
  project_id: z.string(),
  name: z.string(),
  scopes: z.array(z.string()),
  resources: z.array(z.string()),
  access_token_ttl: z.number().int().optional(),
  enabled: z.boolean(),
  secret_rotated_at: z.string(),
  /** Public keys for private_key_jwt (RFC 7523), when the project gave it some. */
  jwks: z.object({ keys: z.array(z.record(z.string(), z.unknown())) }).optional(),
  created_at: z.string(),
  updated_at: z.string(),
  /** RFC 9449 §5.2: every token request must carry a DPoP proof. */
  dpop_bound_access_tokens: z.boolean(),
});
export type MachineClient = z.infer<typeof MachineClientSchema>;

/** A machine client with the secret just issued: the only time anyone sees it. */
export type MachineClientWithSecret = MachineClient & { client_secret: string };

export type MachineClientInput = {
  name: string;
  scopes?: string[];
  resources?: string[];
  accessTokenTtl?: number | null;
  dpopBoundAccessTokens?: boolean;
};

export async function createMachineClient(
  tx: Tx,
  input: MachineClientInput,
): Promise<MachineClientWithSecret> {
  const secret = newClientSecret();
  const created = await result(
    tx`select api.create_machine_client(${input.name}, ${await sha256(secret)}, ${input.scopes ?? []}::text[],
      ${input.resources ?? []}::text[], ${input.accessTokenTtl ?? null}::integer) as result`,
    MachineClientSchema,
  );
  const client = input.dpopBoundAccessTokens ? await setDpopBound(tx, created.client_id, true) : created;
  return { ...client, client_secret: secret };
}

/** Whether the client must send a DPoP proof with every token request (RFC 9449 §5.2). */
function setDpopBound(tx: Tx, clientId: string, bound: boolean): Promise<MachineClient> {
  return result(
    tx`select api.set_machine_client_dpop_bound(${clientId}, ${bound}) as result`,
    MachineClientSchema,
  );
}

export function listMachineClients(tx: Tx): Promise<MachineClient[]> {
  return result(tx`select api.list_machine_clients() as result`, z.array(MachineClientSchema));
}

export function getMachineClient(tx: Tx, clientId: string): Promise<MachineClient> {
  return result(tx`select api.get_machine_client(${clientId}) as result`, MachineClientSchema);
}

export type MachineClientChanges = {
  name?: string;
  scopes?: string[];
  resources?: string[];
  /** 0 (or null) returns to the project's lifetime. */
  accessTokenTtl?: number | null;
  enabled?: boolean;
  dpopBoundAccessTokens?: boolean;
};

/** Changes the given fields; omitted ones stay as they are. */
export async function updateMachineClient(
  tx: Tx,
  clientId: string,
  changes: MachineClientChanges,
): Promise<MachineClient> {
  const ttl = changes.accessTokenTtl === undefined ? null : changes.accessTokenTtl ?? 0;
  const updated = await result(
    tx`select api.update_machine_client(${clientId}, name => ${changes.name ?? null}::text,
      scopes => ${changes.scopes ?? null}::text[], resources => ${changes.resources ?? null}::text[],
      access_token_ttl => ${ttl}::integer, enabled => ${changes.enabled ?? null}::boolean) as result`,
    MachineClientSchema,
  );
  return changes.dpopBoundAccessTokens === undefined
    ? updated
    : await setDpopBound(tx, clientId, changes.dpopBoundAccessTokens);
}

/** Issues a new secret; the old one stops verifying at once. */
export async function rotateMachineClientSecret(tx: Tx, clientId: string): Promise<MachineClientWithSecret> {
  const secret = newClientSecret();
  const client = await result(
    tx`select api.rotate_machine_client_secret(${clientId}, ${await sha256(secret)}) as result`,
    MachineClientSchema,
  );
  return { ...client, client_secret: secret };
}

export async function deleteMachineClient(tx: Tx, clientId: string): Promise<void> {
  await tx`select api.delete_machine_client(${clientId})`;
}

/** The client_credentials decision for a machine client, as a call to place in a statement acting for its
 * project (db/tokens.ts clientGrant reads it). */
export function machineClientGrantCall(
  sql: Sql,
  clientId: string,
  scope: string | null,
  resource: string | null,
): Fragment {
  return sql`api.machine_client_grant(${clientId}, ${scope}, ${resource})`;
}
