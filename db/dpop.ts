/** The DPoP replay store and refresh-token binding (db/api/dpop.sql), as a wrapper around a grant's SQL call. */
import type { Fragment, Sql } from "./client.ts";

/** A checked proof (lib/oauth/dpop.ts checks it): the key's RFC 7638 thumbprint, and what the replay store keeps. */
export type DpopProof = {
  jkt: string;
  /** SHA-256 of thumbprint and jti: the proof's name in astapa.dpop_proofs. */
  proofHash: Uint8Array;
  /** When the proof's iat falls out of the window, so its jti need not be remembered longer. */
  expiresAt: Date;
};

/**
 * A grant's call wrapped in api.use_dpop_proof, for the same statement: the proof's jti is recorded (a replay
 * rolls the grant back), and a refresh token the grant hands out must be bound to the proof's key if bound at
 * all; `bindRefresh` (a public client) binds an unbound one to it.
 */
export function dpopGrantCall(
  sql: Sql,
  proof: DpopProof | null,
  bindRefresh: boolean,
  call: Fragment,
): Fragment {
  return sql`api.use_dpop_proof(${proof?.proofHash ?? null}, ${proof?.expiresAt ?? null}, ${
    proof?.jkt ?? null
  },
                                ${bindRefresh && proof !== null}, ${call})`;
}
