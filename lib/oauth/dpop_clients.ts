/**
 * What DPoP asks of each kind of client at the token endpoint (RFC 9449 §5): a client that registered
 * dpop_bound_access_tokens sends a proof with every token request (§5.2), and only a public client's refresh
 * tokens are bound to its key (§5.0; a confidential client's are bound to its credentials already).
 */
import { AppError } from "../http/errors.ts";
import type { AuthenticatedClient } from "./authenticate_client.ts";
import type { DpopProof } from "./dpop.ts";

/** A client that authenticates with nothing but its client_id. */
export const isPublicClient = (client: AuthenticatedClient) => client.method === "none";

/** invalid_dpop_proof for a dpop_bound_access_tokens client's token request without a proof. */
export function assertProofIfRequired(client: AuthenticatedClient, proof: DpopProof | null): void {
  if (client.dpopBound && !proof) {
    throw new AppError("invalid_dpop_proof", {
      description:
        "This client registered dpop_bound_access_tokens: send a DPoP proof with every token request.",
    });
  }
}
