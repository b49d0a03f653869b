/**
 * Who may call a route, declared by the route itself. A route family whose `_middleware.ts` exports
 * `authorize` (e.g. routes/api/) requires every route module below it to export `callers` — for all its
 * methods or per method — and the router refuses to start when one is missing. The family's `authorize` reads
 * the declaration in front of the handler, and the matrix test (tests/http/authorization_matrix_test.ts) tries
 * every declared route with every kind of credential.
 */
import type { Method } from "./routes.ts";

/** cid_… (the project's own client), mcl_… (a machine client), dcl_… (a self-registered client). */
export type ClientKind = "project" | "machine" | "dynamic";

export type Caller =
  /** Anyone; nothing is authenticated (say why, for docs/security.md's reader). */
  | { kind: "public"; why: string }
  /**
   * Clients of these kinds, authenticated by the family middleware before the handler runs (`middleware`), or
   * by the handler itself through the same entry point when it must share a statement with its work
   * (`handler`: the token endpoint's one-statement grants, docs/performance.md).
   */
  | {
    kind: "clients";
    clients: readonly ClientKind[];
    authenticatedBy: "middleware" | "handler";
    /** "refused": a public client (its client_id alone) gets 401 invalid_client (introspection, RFC 7662 §2.1). */
    publicClients?: "refused";
  }
  /** A user's access token (RFC 6750 Bearer), verified by the handler. */
  | { kind: "access_token" }
  /** Xendit, proving itself with the project's callback token (verified by the handler). */
  | { kind: "payment_callback" }
  /**
   * Apple's server-to-server notifications: anyone may POST, but only a JWT signed by Apple's key (its issuer's
   * JWKS), for a Services ID of the deployment, is acted on (verified by the handler).
   */
  | { kind: "apple_notification" }
  /** An organization's IdP with its SCIM directory token (RFC 6750 Bearer), verified by routes/scim's authorize. */
  | { kind: "scim_token" };

export type Callers = Caller | Partial<Record<Method, Caller>>;

/** Anyone may call; `why` says what protects it instead. */
export function publicRoute(why: string): Caller {
  return { kind: "public", why };
}

/** Clients of these kinds, authenticated before the handler runs (the handler reads `clientOf(c)`). */
export function clients(...kinds: ClientKind[]): Caller {
  return { kind: "clients", clients: kinds, authenticatedBy: "middleware" };
}

/** Clients of these kinds, authenticated by the handler in its own statement (the token endpoint). */
export function clientsInHandler(...kinds: ClientKind[]): Caller {
  return { kind: "clients", clients: kinds, authenticatedBy: "handler" };
}

/** Like clientsInHandler, but a public client (no secret, no assertion) is refused as unauthenticated. */
export function confidentialClientsInHandler(...kinds: ClientKind[]): Caller {
  return { kind: "clients", clients: kinds, authenticatedBy: "handler", publicClients: "refused" };
}

export const ACCESS_TOKEN: Caller = { kind: "access_token" };
export const PAYMENT_CALLBACK: Caller = { kind: "payment_callback" };
export const APPLE_NOTIFICATION: Caller = { kind: "apple_notification" };
export const SCIM_TOKEN: Caller = { kind: "scim_token" };

/** The declaration for one method, or undefined when the module declares none for it. */
export function callerFor(callers: Callers | undefined, method: Method): Caller | undefined {
  if (callers === undefined) return undefined;
  if ("kind" in callers && typeof callers.kind === "string") return callers as Caller;
  return (callers as Partial<Record<Method, Caller>>)[method];
}
