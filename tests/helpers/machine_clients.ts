/** Fixtures for machine-client tests: resources, scopes and clients made through the SQL API itself. */
import { asApp, type Sql } from "@/db/client.ts";
import { createMachineClient, type MachineClientInput } from "@/db/machine_clients.ts";
import { addResource, declareScope } from "@/db/resources.ts";

export type SeededMachineClient = { clientId: string; secret: string; projectId: string };

/**
 * Registers resources and declares scopes for a project (idempotent for scopes). The resources count as proven
 * (their owner's metadata checked), as a production project's would be; resource_claims_test covers proof.
 */
export async function seedRegistry(
  sql: Sql,
  projectId: string,
  registry: { resources?: string[]; scopes?: string[] },
): Promise<void> {
  await asApp(sql, projectId, async (tx) => {
    for (const uri of registry.resources ?? []) await addResource(tx, uri, "", true);
    for (const scope of registry.scopes ?? []) await declareScope(tx, scope, `Lets a client ${scope}`);
  });
}

/** A machine client of `projectId`; its scopes and resources must already be declared and registered. */
export async function seedMachineClient(
  sql: Sql,
  projectId: string,
  input: Partial<MachineClientInput> = {},
): Promise<SeededMachineClient> {
  const client = await asApp(
    sql,
    projectId,
    (tx) => createMachineClient(tx, { name: "Test agent", ...input }),
  );
  return { clientId: client.client_id, secret: client.client_secret, projectId };
}
