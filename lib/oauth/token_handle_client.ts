/**
 * Who calls the revocation and introspection endpoints (RFC 7009, RFC 7662): the project's own client, a
 * machine client, or a client no project owns — self-registered (dcl_…) or known by its metadata document URL.
 * Those need not name a `resource` here (the token names its project) and act only on tokens issued to
 * themselves. Public clients may revoke with their client_id alone (RFC 7009 §2.1 lets them; holding the token
 * is the proof); introspection asks for an authenticated client (RFC 7662 §2.1), so the route refuses them.
 */
import type { Ctx } from "../app_env.ts";
import { AppError } from "../http/errors.ts";
import type { Caller } from "../router/callers.ts";
import { authenticateClient, type AuthenticatedClient } from "./authenticate_client.ts";
import { BASIC_CHALLENGE, type ClientAuthMethod, presentedClient } from "./client_auth.ts";
import { isSelfRegisteredClientId, verifyDynamicClientSecret } from "./dynamic_client_auth.ts";
import type { OAuthParams } from "./params.ts";

/** A client of a project, or a self-registered one (which has no project of its own). */
export type TokenHandleClient =
  | AuthenticatedClient
  | { kind: "self_registered"; clientId: string; method: ClientAuthMethod };

/** Authenticates the caller of a token-handle endpoint as its route declares (`publicClients`). */
export async function tokenHandleClient(c: Ctx, params: OAuthParams): Promise<TokenHandleClient> {
  const presented = presentedClient(c.req.header("authorization"), params);
  if (!isSelfRegisteredClientId(presented.clientId)) return await authenticateClient(c, params);
  await verifyDynamicClientSecret(c, presented, params);
  const caller: Caller | undefined = c.get("caller");
  if (caller?.kind === "clients" && caller.publicClients === "refused" && presented.method === "none") {
    throw new AppError("invalid_client", {
      description: "A public client cannot introspect tokens (RFC 7662 §2.1): authenticate with a secret " +
        "or a client assertion.",
      headers: BASIC_CHALLENGE,
    });
  }
  return { kind: "self_registered", clientId: presented.clientId, method: presented.method };
}
