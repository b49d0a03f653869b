/**
 * What DPoP asks of each kind of client at the token endpoint (RFC 9449 §5): a client that registered
 * dpop_bound_access_tokens, or any client of a project that requires DPoP, sends a proof with every token
 * request (§5.2), and only a public client's refresh tokens are bound to its key (§5.0; a confidential client's
 * are bound to its credentials already).
 */
import { AppError } from "../http/errors.ts";
import type { AuthenticatedClient } from "./authenticate_client.ts";
import type { DpopProof } from "./dpop.ts";

/** A client that authenticates with nothing but its client_id. */
export const isPublicClient = (client: AuthenticatedClient) => client.method === "none";

/**
 * A token request's DPoP proof, checked (lib/oauth/dpop_token_request.ts), or null when it sent none. Client
 * authentication given one is authenticating a token request, where DPoP may be required.
 */
export type TokenRequestProof = { proof: DpopProof | null };

/**
 * invalid_dpop_proof for a token request without a proof from a client that must send one (RFC 9449 §5.2,
 * §7: a dpop_bound_access_tokens client, or any client of a project with settings.dpop.required). The one
 * place this is decided; client authentication (authenticate_client.ts) calls it for every grant and kind.
 */
export function assertProofIfRequired(
  client: { dpopRequired?: boolean },
  tokenRequest: TokenRequestProof | undefined,
): void {
  if (client.dpopRequired && tokenRequest && !tokenRequest.proof) {
    throw new AppError("invalid_dpop_proof", {
      description: "This client must send a DPoP proof with every token request (it registered " +
        "dpop_bound_access_tokens, or its project requires DPoP).",
    });
  }
}
