/** Typed wrappers around the dynamic-client functions (db/api/clients.sql; grants in db/api/tokens.sql). */
import { z } from "zod";
import { asApp, type Sql } from "./client.ts";
import { result } from "./result.ts";
import type { FailureBucket } from "./client_authentication.ts";
import { Jwks } from "./client_assertions.ts";

export const DynamicClientSchema = z.object({
  client_id: z.string(),
  client_name: z.string().optional(),
  redirect_uris: z.array(z.string()),
  grant_types: z.array(z.string()),
  response_types: z.array(z.string()),
  token_endpoint_auth_method: z.enum([
    "none",
    "client_secret_basic",
    "client_secret_post",
    "private_key_jwt",
  ]),
  scope: z.string().optional(),
  /** The public keys of a private_key_jwt client (RFC 7591 `jwks`, or the last fetch of its `jwks_uri`). */
  jwks: Jwks.optional(),
  jwks_uri: z.string().optional(),
  /** When the keys were last fetched from jwks_uri. */
  jwks_fetched_at: z.string().optional(),
}).passthrough();
export type DynamicClient = z.infer<typeof DynamicClientSchema>;

export type DynamicClientInput = {
  client_name?: string;
  redirect_uris: string[];
  grant_types: string[];
  token_endpoint_auth_method: DynamicClient["token_endpoint_auth_method"];
  scope?: string;
  /** The other registered fields, echoed back as given. */
  metadata: Record<string, unknown>;
};

const Registration = z.union([
  z.object({ wait: z.number().int() }),
  DynamicClientSchema.extend({ client_id_issued_at: z.number().int() }),
]);

/** Registers a client, or says how long this address must wait (past its hourly allowance). */
export function registerDynamicClient(
  sql: Sql,
  input: DynamicClientInput,
  secretHash: Uint8Array | null,
  limit: { address: string; perHour: number },
): Promise<z.infer<typeof Registration>> {
  return asApp(sql, null, (tx) =>
    result(
      tx`select api.register_dynamic_client(${tx.json(input as never)}, ${secretHash}, ${limit.address},
                                            ${limit.perHour}) as result`,
      Registration,
    ));
}

/** A registered client's metadata, or null. */
export function dynamicClient(sql: Sql, clientId: string): Promise<DynamicClient | null> {
  return asApp(
    sql,
    null,
    (tx) => result(tx`select api.dynamic_client(${clientId}) as result`, DynamicClientSchema.nullable()),
  );
}

/**
 * A confidential dynamic client's secret check behind the same lockout counters as other clients: a locked
 * bucket answers with the wait before the secret is looked at; a wrong secret counts one hit in every bucket.
 */
export function verifyDynamicClient(
  sql: Sql,
  clientId: string,
  secretHash: Uint8Array,
  buckets: FailureBucket[],
): Promise<{ wait: number } | { verified: boolean }> {
  return asApp(sql, null, (tx) =>
    result(
      tx`select api.authenticate_dynamic_client(${clientId}, ${secretHash}, ${tx.json(buckets)}) as result`,
      z.union([z.object({ wait: z.number().int() }), z.object({ verified: z.boolean() })]),
    ));
}

export const ResourceOwnerSchema = z.object({
  project_id: z.string(),
  name: z.string(),
  mode: z.enum(["sandbox", "production"]),
  settings: z.record(z.string(), z.unknown()),
  resource: z.string(),
  resource_name: z.string(),
  dynamic_clients: z.boolean(),
  scopes: z.array(z.string()),
});
export type ResourceOwner = z.infer<typeof ResourceOwnerSchema>;

/** The project that owns a protected resource (canonical URI), or null. */
export function resourceOwner(sql: Sql, resource: string): Promise<ResourceOwner | null> {
  return asApp(
    sql,
    null,
    (tx) => result(tx`select api.resource_owner(${resource}) as result`, ResourceOwnerSchema.nullable()),
  );
}

/** Keeps a fresh fetch of a jwks_uri client's keys; false when no such client. */
export function storeDynamicClientJwks(sql: Sql, clientId: string, jwks: Jwks): Promise<boolean> {
  return asApp(
    sql,
    null,
    (tx) =>
      result(
        tx`select api.store_dynamic_client_jwks(${clientId}, ${tx.json(jwks as never)}) as result`,
        z.boolean(),
      ),
  );
}
