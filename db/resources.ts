/** Typed wrappers around the protected-resource and scope functions (db/api/resources.sql). */
import { z } from "zod";
import type { Tx } from "./client.ts";
import { result } from "./result.ts";

export const ResourceSchema = z.object({
  uri: z.string(),
  name: z.string(),
  created_at: z.string(),
  verified: z.boolean(),
});
export type Resource = z.infer<typeof ResourceSchema>;

export const ScopeSchema = z.object({ name: z.string(), description: z.string() });
export type Scope = z.infer<typeof ScopeSchema>;

/**
 * Registers a resource URI (already canonical: lib/oauth/scope.ts canonicalResource). `proven`: the app checked
 * the resource's metadata (lib/oauth/resource_registration.ts); production projects need it.
 */
export function addResource(tx: Tx, uri: string, name = "", proven = false): Promise<Resource> {
  return result(tx`select api.add_resource(${uri}, ${name}, ${proven}) as result`, ResourceSchema);
}

/** The deployment owner gives `uri` to a project, taking it from any other (no project set: CLI only). */
export function assignResource(tx: Tx, uri: string, projectId: string, name = ""): Promise<Resource> {
  return result(tx`select api.assign_resource(${uri}, ${projectId}, ${name}) as result`, ResourceSchema);
}

export async function removeResource(tx: Tx, uri: string): Promise<void> {
  await tx`select api.remove_resource(${uri})`;
}

export function listResources(tx: Tx): Promise<Resource[]> {
  return result(tx`select api.list_resources() as result`, z.array(ResourceSchema));
}

/** Declares a scope, or redescribes one already declared. */
export function declareScope(tx: Tx, name: string, description = ""): Promise<Scope> {
  return result(tx`select api.declare_scope(${name}, ${description}) as result`, ScopeSchema);
}

export async function removeScope(tx: Tx, name: string): Promise<void> {
  await tx`select api.remove_scope(${name})`;
}

export function listScopes(tx: Tx): Promise<Scope[]> {
  return result(tx`select api.list_scopes() as result`, z.array(ScopeSchema));
}
