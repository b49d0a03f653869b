/** The DPoP replay store and refresh-token binding (db/api/dpop.sql), as a wrapper around a grant's SQL call. */
import type { Fragment, Sql } from "./client.ts";
import type { DpopProof } from "../lib/oauth/dpop.ts";

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
