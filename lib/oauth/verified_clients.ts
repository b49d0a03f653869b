/**
 * Verified client credentials, cached in each instance (issue 24), so that a client_credentials request whose
 * secret already matched needs no round trip to Postgres, and other grants of that client skip the secret check
 * and lockout read (their own statement still runs). An entry holds the client's project and kind, the
 * SHA-256 of the secret that matched (never the secret) and the grants SQL decided for it, per scope and
 * resource. Postgres stays the truth:
 *
 * - a miss, a different secret and every failure go to Postgres (the lockout counts there, unchanged);
 * - a change to what a grant reads (secret, client id, settings, machine client, scopes, resources) drops every
 *   entry: at once in the process that made it (the trigger's notice, db/client_changes.ts), on commit in the
 *   others (NOTIFY astapa_client_changes, backed by astapa.client_changes);
 * - a failure counted anywhere (NOTIFY astapa_client_failures) keeps its buckets out of the cache for their
 *   window, so a locked client or address is answered by Postgres (429) on every instance;
 * - nothing is served while the LISTEN session is down, and a re-listen starts empty;
 * - every entry expires after `maxAgeSeconds` (ASTAPA_CLIENT_CACHE_SECONDS) whatever happens.
 */
import type { Sql } from "@/db/client.ts";
import {
  CLIENT_CHANGES_CHANNEL,
  CLIENT_FAILURES_CHANNEL,
  failingClientBuckets,
  onLocalClientChange,
} from "@/db/client_changes.ts";
import { log } from "../http/log.ts";
import type { ClientKind } from "../router/callers.ts";

/** dpopRequired: its token requests need a DPoP proof (its own mark or its project's setting). */
export type CachedClient = { projectId: string; kind: ClientKind; dpopRequired?: boolean };
type Entry = {
  secretHash: Uint8Array;
  client: CachedClient;
  grants: Map<string, unknown>;
  expiresAt: number;
};

const MAX_CLIENTS = 10_000;
const MAX_GRANTS_PER_CLIENT = 32;
/** Past this many failing buckets (an attack from many addresses) the cache stays off for a window. */
const MAX_FAILING = 10_000;

type ListenWithLoss = (
  channel: string,
  fn: (payload: string) => void,
  onlisten?: () => void,
  onlost?: () => void,
) => Promise<{ unlisten: () => Promise<void> }>;

export class VerifiedClients {
  #entries = new Map<string, Entry>();
  /** Bucket name → when (ms) its window ends at the latest. */
  #failing = new Map<string, number>();
  #offUntil = 0;
  #live = false;
  /** Bumped by every change, loss and re-listen: a lookup that started before one may not store. */
  #generation = 0;
  #losses = 0;
  /** The largest astapa.client_changes seq heard (NOTIFY or this process's notice); 0 before any. */
  #heard = 0;
  #stops: (() => unknown)[] = [];

  /** `failurePrefix` starts every bucket name the cache watches; `failureWindowSeconds` is their longest window. */
  constructor(
    readonly maxAgeSeconds: number,
    readonly failurePrefix: string,
    readonly failureWindowSeconds: number,
  ) {}

  /** Listens for changes and failures, catches up with the failing buckets, then serves. */
  async start(sql: Sql): Promise<void> {
    this.#stops.push(onLocalClientChange((seq) => this.#changed(seq)));
    const listen = sql.listen as unknown as ListenWithLoss;
    // Failures first: the catch-up (onlisten of the second channel) runs once both channels listen.
    const failures = await listen(CLIENT_FAILURES_CHANNEL, (bucket) => this.noteFailures([bucket]));
    this.#stops.push(() => failures.unlisten().catch(() => {}));
    let caughtUp: Promise<void> | undefined;
    const changes = await listen(
      CLIENT_CHANGES_CHANNEL,
      (seq) => this.#changed(Number(seq)),
      () => caughtUp = this.#catchUp(sql),
      () => this.#lost(),
    );
    this.#stops.push(() => changes.unlisten().catch(() => {}));
    await caughtUp;
  }

  stop(): void {
    this.#live = false;
    this.#entries.clear();
    for (const stop of this.#stops.splice(0)) stop();
  }

  /** Whether lookups may be answered now (listening and caught up). */
  get live(): boolean {
    return this.#live;
  }

  /**
   * The last client change this instance heard (its astapa.client_changes seq). Notices arrive in commit order,
   * so an instance that heard seq n has dropped everything cached before every change up to n.
   */
  get heardChange(): number {
    return this.#heard;
  }

  /** The grant cached for this client, secret and grant key, or null: then ask Postgres. */
  get(clientId: string, secretHash: Uint8Array, buckets: string[], grantKey: string) {
    const entry = this.#entry(clientId, secretHash, buckets);
    if (!entry || !entry.grants.has(grantKey)) return null;
    return { client: entry.client, grant: entry.grants.get(grantKey) };
  }

  /**
   * The client these credentials were verified for, or null: then ask Postgres. For grants that write (they
   * still run in Postgres, without the secret check and the lockout read before them).
   */
  verified(clientId: string, secretHash: Uint8Array, buckets: string[]): CachedClient | null {
    return this.#entry(clientId, secretHash, buckets)?.client ?? null;
  }

  #entry(clientId: string, secretHash: Uint8Array, buckets: string[]): Entry | null {
    const now = Date.now();
    if (!this.#live || now < this.#offUntil) return null;
    for (const bucket of buckets) {
      const until = this.#failing.get(bucket);
      if (until === undefined) continue;
      if (until > now) return null;
      this.#failing.delete(bucket);
    }
    const entry = this.#entries.get(clientId);
    if (!entry) return null;
    if (entry.expiresAt <= now) {
      this.#entries.delete(clientId);
      return null;
    }
    return sameBytes(entry.secretHash, secretHash) ? entry : null;
  }

  /** Taken before asking Postgres; `put` stores only if nothing changed meanwhile. */
  ticket(): number {
    return this.#generation;
  }

  /** Stores what Postgres just verified and, with a grant key, granted. */
  put(
    ticket: number,
    clientId: string,
    secretHash: Uint8Array,
    client: CachedClient,
    grantKey?: string,
    grant?: unknown,
  ) {
    if (!this.#live || ticket !== this.#generation || this.maxAgeSeconds <= 0) return;
    let entry = this.#entries.get(clientId);
    if (!entry || !sameBytes(entry.secretHash, secretHash) || entry.client.projectId !== client.projectId) {
      if (!entry && this.#entries.size >= MAX_CLIENTS) {
        this.#entries.delete(this.#entries.keys().next().value!);
      }
      entry = {
        secretHash: secretHash.slice(),
        client,
        grants: new Map(),
        expiresAt: Date.now() + this.maxAgeSeconds * 1000,
      };
      this.#entries.set(clientId, entry);
    }
    if (grantKey !== undefined && entry.grants.size < MAX_GRANTS_PER_CLIENT) {
      entry.grants.set(grantKey, grant);
    }
  }

  /** Failures counted for these buckets (here or, through NOTIFY, anywhere): Postgres answers them for a window. */
  noteFailures(buckets: string[]): void {
    const until = Date.now() + this.failureWindowSeconds * 1000;
    for (const bucket of buckets) {
      if (bucket.startsWith(this.failurePrefix)) this.#failing.set(bucket, until);
    }
    if (this.#failing.size > MAX_FAILING) this.#overflow();
  }

  #overflow(): void {
    const now = Date.now();
    for (const [bucket, until] of this.#failing) if (until <= now) this.#failing.delete(bucket);
    if (this.#failing.size <= MAX_FAILING) return;
    this.#failing.clear();
    this.#offUntil = now + this.failureWindowSeconds * 1000;
  }

  #changed(seq?: number): void {
    if (seq !== undefined && Number.isSafeInteger(seq) && seq > this.#heard) this.#heard = seq;
    this.#generation++;
    this.#entries.clear();
  }

  #lost(): void {
    this.#live = false;
    this.#losses++;
    this.#changed();
  }

  /** After (re)listening: start empty, learn which buckets hold failures, then serve. */
  async #catchUp(sql: Sql): Promise<void> {
    this.#lost();
    const losses = this.#losses;
    try {
      const failing = await failingClientBuckets(sql, this.failurePrefix, MAX_FAILING + 1);
      const now = Date.now();
      for (const { bucket, seconds } of failing) {
        this.#failing.set(bucket, Math.max(this.#failing.get(bucket) ?? 0, now + seconds * 1000));
      }
      if (failing.length > MAX_FAILING) this.#overflow();
      // A loss during the catch-up leaves the cache off until the next re-listen catches up again.
      if (losses === this.#losses && this.#stops.length) this.#live = true;
    } catch (error) {
      log("warn", "client_cache_catch_up_failed", { error: String(error) });
      // Still listening: try again soon (the cache stays off meanwhile, which is only slower).
      const retry = setTimeout(() => {
        if (losses === this.#losses && this.#stops.length) void this.#catchUp(sql);
      }, 1_000);
      Deno.unrefTimer(retry);
    }
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}
