/**
 * The clients of authorization requests, cached in each instance (issue 24), so that the hosted login's pages
 * need no round trip to read the client and check its scope and resource. An entry is what
 * api.authorization_request_client answered for one client id, scope and resource: the project's id, name,
 * mode, redirect URIs and settings, and the refusal of the scope or resource if any. No secret is involved.
 *
 * It is invalidated with the client-credential cache and by the same signals (lib/oauth/verified_clients.ts):
 * a change to a project's client id, name, mode, redirect URIs, settings or deletion, or to its scopes or
 * resources, bumps that cache's generation (at once in the process that made the change, on commit in the
 * others), and an entry is served only in the generation it was stored in, only while that cache listens, and
 * for at most its maximum age. Unknown client ids are not stored (anyone can make up as many as they like).
 */
import { type AuthorizationRequestClient, authorizationRequestClient } from "@/db/login.ts";
import type { Deps } from "@/lib/app_env.ts";

/** What tells this cache that its entries may be stale: VerifiedClients. */
export type ClientChangeSignal = { readonly live: boolean; ticket(): number };

type Entry = { client: AuthorizationRequestClient; generation: number; expiresAt: number };

const MAX_ENTRIES = 10_000;
/** Longer keys (a scope list of many names) are answered by Postgres each time rather than held. */
const MAX_KEY_LENGTH = 1_000;

export class AuthorizationClients {
  #entries = new Map<string, Entry>();

  constructor(readonly changes: ClientChangeSignal, readonly maxAgeSeconds: number) {}

  /** The cached answer for this request, or `load`'s (stored when nothing changed while it ran). */
  async get(
    clientId: string,
    target: { scope: string | null; resource: string | null },
    load: () => Promise<AuthorizationRequestClient | null>,
  ): Promise<AuthorizationRequestClient | null> {
    const key = `${clientId}\n${target.scope ?? ""}\n${target.resource ?? ""}`;
    const generation = this.changes.ticket();
    const now = Date.now();
    const entry = this.#entries.get(key);
    if (entry && this.changes.live && entry.generation === generation && entry.expiresAt > now) {
      return entry.client;
    }
    if (entry) this.#entries.delete(key);
    const client = await load();
    if (
      client && this.changes.live && this.changes.ticket() === generation && this.maxAgeSeconds > 0 &&
      key.length <= MAX_KEY_LENGTH
    ) {
      if (this.#entries.size >= MAX_ENTRIES) this.#entries.delete(this.#entries.keys().next().value!);
      const expiresAt = Date.now() + this.maxAgeSeconds * 1000;
      this.#entries.set(key, { client: frozen(client), generation, expiresAt });
    }
    return client;
  }
}

const NO_TARGET = { scope: null, resource: null };

/**
 * The client of an authorization request, from this instance's cache when it may answer: the sign-in pages
 * ask with their scope and resource; the account, billing, verification and sign-out pages with none (the
 * project a client id names, its name, mode, redirect URIs and settings). Entries are frozen.
 */
export function requestClient(
  deps: Pick<Deps, "sql" | "authorizationClients">,
  clientId: string,
  target: { scope: string | null; resource: string | null } = NO_TARGET,
): Promise<AuthorizationRequestClient | null> {
  const read = () => authorizationRequestClient(deps.sql, clientId, target);
  return deps.authorizationClients ? deps.authorizationClients.get(clientId, target, read) : read();
}

/** Requests share an entry: one that changed it would change it for the next (a TypeError instead). */
function frozen<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) frozen(inner);
    Object.freeze(value);
  }
  return value;
}
