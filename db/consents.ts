/**
 * Typed wrappers around remembered consent (db/api/consents.sql): whether a person already allowed a
 * third-party client what it asks, their consents (dashboard user page; the account page uses `userConsents`
 * and `revokeConsent` with byAdmin false), revoking one, and the project's list of such clients.
 */
import { z } from "zod";
import { asApp, type Sql, type Tx } from "./client.ts";
import { result } from "./result.ts";

export const ConsentSchema = z.object({
  client_id: z.string(),
  /** The client's own, unverified name. */
  client_name: z.string().optional(),
  /** A metadata-document client's URL host: the verified part of who it is. */
  client_host: z.string().optional(),
  resource: z.string(),
  resource_name: z.string().optional(),
  scopes: z.array(z.string()),
  granted_at: z.string(),
  updated_at: z.string(),
});
export type Consent = z.infer<typeof ConsentSchema>;

/** Whether the person already allowed `clientId` every scope of `scope` for `resource` (acting for the project). */
export function consentCovers(
  sql: Sql,
  projectId: string,
  consent: { userId: string; clientId: string; resource: string; scope: string },
): Promise<boolean> {
  return asApp(sql, projectId, (tx) =>
    result(
      tx`select api.consent_covers(${consent.userId}::bigint, ${consent.clientId}, ${consent.resource},
                                   ${consent.scope}) as result`,
      z.boolean(),
    ));
}

/** A user's consents in the transaction's project, newest first. */
export function userConsents(tx: Tx, userId: string): Promise<Consent[]> {
  return result(tx`select api.user_consents(${userId}::bigint) as result`, z.array(ConsentSchema));
}

/** Revokes one consent and the refresh tokens issued under it; not_found when there is none. */
export function revokeConsent(
  tx: Tx,
  consent: { userId: string; clientId: string; resource: string; byAdmin: boolean },
): Promise<{ refresh_tokens_revoked: number }> {
  return result(
    tx`select api.revoke_consent(${consent.userId}::bigint, ${consent.clientId}, ${consent.resource},
                                 ${consent.byAdmin}) as result`,
    z.object({ refresh_tokens_revoked: z.number().int() }),
  );
}

export const ThirdPartyClientSchema = z.object({
  client_id: z.string(),
  client_name: z.string().optional(),
  kind: z.enum(["registered", "metadata_document"]),
  users: z.number().int(),
  resources: z.array(z.string()),
  last_granted_at: z.string(),
  last_used_at: z.string(),
});
export type ThirdPartyClient = z.infer<typeof ThirdPartyClientSchema>;

/** The self-registered and metadata-document clients people of the transaction's project allowed. */
export function projectThirdPartyClients(tx: Tx): Promise<ThirdPartyClient[]> {
  return result(tx`select api.project_third_party_clients() as result`, z.array(ThirdPartyClientSchema));
}
