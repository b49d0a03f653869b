/**
 * Typed wrappers around enterprise-managed authorization (db/api/identity_assertions.sql): the identity
 * providers a project trusts, and the jwt-bearer grant of an identity assertion (ID-JAG) one of them signed.
 */
import { z } from "zod";
import { asApp, type Sql, type Tx } from "./client.ts";
import { result } from "./result.ts";
import { Jwks } from "./client_assertions.ts";
import { dpopGrantCall } from "./dpop.ts";
import type { DpopProof } from "./dpop.ts";

export const TrustedIdentityProviders = z.array(z.object({
  issuer: z.string(),
  jwks: Jwks,
  created_at: z.string(),
  updated_at: z.string(),
}));

export function listTrustedIdentityProviders(tx: Tx) {
  return result(tx`select api.list_trusted_identity_providers() as result`, TrustedIdentityProviders);
}

/** Trusts (or re-keys) an identity provider; returns the whole list. */
export function trustIdentityProvider(tx: Tx, issuer: string, jwks: Jwks) {
  return result(
    tx`select api.trust_identity_provider(${issuer}, ${tx.json(jwks as never)}) as result`,
    TrustedIdentityProviders,
  );
}

export async function distrustIdentityProvider(tx: Tx, issuer: string): Promise<void> {
  await tx`select api.distrust_identity_provider(${issuer})`;
}

/** The keys of an issuer the project trusts, or null. */
export function identityProviderKeys(sql: Sql, projectId: string, issuer: string): Promise<Jwks | null> {
  return asApp(
    sql,
    projectId,
    (tx) => result(tx`select api.identity_provider_keys(${issuer}) as result`, Jwks.nullable()),
  );
}

/** Audits an assertion refused before the grant, in the client's project. */
export async function recordIdentityAssertionRefused(
  sql: Sql,
  projectId: string,
  refused: { clientId: string; issuer: string; reason: string },
): Promise<void> {
  await asApp(sql, projectId, async (tx) => {
    await tx`select api.record_identity_assertion_refused(${refused.clientId}, ${refused.issuer},
      ${refused.reason})`;
  }, { actor: `client:${refused.clientId.slice(0, 100)}` });
}

export type IdentityAssertion = {
  issuer: string;
  subject: string;
  jti: string;
  expiresAt: Date;
  email: string;
  clientId: string;
  scope: string | null;
  resource: string | null;
};

/** The grant of a verified assertion, acting for the client's project: a user grant or an error object. */
export async function identityAssertionGrant(
  sql: Sql,
  projectId: string,
  a: IdentityAssertion,
  proof: DpopProof | null = null,
): Promise<unknown> {
  const call =
    sql`api.identity_assertion_grant(${a.issuer}, ${a.subject}, ${a.jti}, ${a.expiresAt}, ${a.email},
      ${a.clientId}, ${a.scope}, ${a.resource})`;
  // A DPoP proof's jti is recorded in the grant's own statement (db/api/dpop.sql).
  const [row] = await asApp(
    sql,
    projectId,
    (tx) => tx`select ${proof ? dpopGrantCall(sql, proof, false, call) : call} as result`,
  );
  return row.result;
}
