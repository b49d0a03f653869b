/**
 * LISTEN that survives a failover. One dedicated session per process carries every channel; when it closes
 * (primary killed, switched over, session terminated) the hub reconnects to whatever the pool now calls the
 * primary, LISTENs again and calls each listener's `onlisten`, which catches up from its table (NOTIFY is a
 * wake-up call; the table is the truth).
 *
 * Why not postgres.js's own `sql.listen`: it re-listens once when its session closes and, if that attempt fails
 * (mid-failover no host takes it), drops the listeners silently, so a worker sleeps until the process restarts.
 */
import postgres from "postgres";
import { log } from "../lib/http/log.ts";
import { type Target, targetOptions } from "./target.ts";

type Listener = { fn: (payload: string) => void; onlisten?: () => void; onlost?: () => void };

export type ListenHubOptions = {
  /** The primary right now (the failover pool's current host). */
  target: () => Target;
  /** Asked to re-find the primary before each reconnect attempt. */
  recheck: (error: unknown) => Promise<void>;
  /** Waits between reconnect attempts, growing; the last repeats. */
  backoffMs?: number[];
  connectTimeoutSeconds?: number;
};

export class ListenHub {
  #channels = new Map<string, Set<Listener>>();
  #session: postgres.Sql | null = null;
  #opening: Promise<postgres.Sql> | null = null;
  #reconnecting = false;
  #closed = false;

  constructor(readonly options: ListenHubOptions) {}

  /**
   * Same shape as postgres.js `sql.listen`: `onlisten` runs now and after every re-listen; `onlost` (an
   * addition) runs when the session is lost, before notices may have been missed.
   */
  async listen(
    channel: string,
    fn: (payload: string) => void,
    onlisten?: () => void,
    onlost?: () => void,
  ): Promise<{ state: Record<string, never>; unlisten: () => Promise<void> }> {
    const listener: Listener = { fn, onlisten, onlost };
    const known = this.#channels.get(channel);
    const listeners = known ?? new Set<Listener>();
    listeners.add(listener);
    this.#channels.set(channel, listeners);
    if (!known) {
      try {
        const session = await this.#open();
        await session.unsafe(`listen ${quote(channel)}`);
      } catch (error) {
        listeners.delete(listener);
        if (listeners.size === 0) this.#channels.delete(channel);
        throw error;
      }
    }
    onlisten?.();
    const unlisten = async () => {
      listeners.delete(listener);
      if (listeners.size || this.#channels.get(channel) !== listeners) return;
      this.#channels.delete(channel);
      await this.#session?.unsafe(`unlisten ${quote(channel)}`).catch(() => {});
    };
    return { state: {}, unlisten };
  }

  /** Moves to the current primary now (the pool found a new one). */
  moved(): void {
    if (this.#session || this.#opening) this.#lost(null);
  }

  async close(): Promise<void> {
    this.#closed = true;
    const session = this.#session;
    this.#session = null;
    await session?.end({ timeout: 1 });
  }

  #open(): Promise<postgres.Sql> {
    if (this.#session) return Promise.resolve(this.#session);
    this.#opening ??= (async () => {
      const target = this.options.target();
      const session: postgres.Sql = postgres(
        target.url,
        targetOptions(target, {
          max: 1,
          idle_timeout: 0,
          max_lifetime: 0,
          fetch_types: false,
          connect_timeout: this.options.connectTimeoutSeconds ?? 3,
          onnotice: () => {},
          connection: { application_name: "astapa-listen" },
          onnotify: (channel: string, payload: string) => {
            for (const listener of this.#channels.get(channel) ?? []) listener.fn(payload);
          },
          onclose: () => {
            if (this.#session !== session) return;
            this.#session = null;
            void session.end().catch(() => {});
            this.#lost(null);
          },
        } as postgres.Options<Record<string, never>>),
      );
      try {
        await session`select 1`;
      } catch (error) {
        void session.end().catch(() => {});
        throw error;
      }
      this.#session = session;
      return session;
    })().finally(() => this.#opening = null);
    return this.#opening;
  }

  /** The session is gone: reconnect until LISTEN works again, then let every listener catch up. */
  #lost(error: unknown): void {
    if (this.#closed || this.#reconnecting) return;
    this.#reconnecting = true;
    for (const listeners of this.#channels.values()) {
      for (const listener of listeners) listener.onlost?.();
    }
    const old = this.#session;
    this.#session = null;
    void old?.end().catch(() => {});
    const backoff = this.options.backoffMs ?? [100, 250, 500, 1_000, 2_000];
    void (async () => {
      let cause = error;
      for (let attempt = 0; !this.#closed; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, backoff[Math.min(attempt, backoff.length - 1)]));
        try {
          await this.options.recheck(cause ?? new Error("listen session closed"));
          const session = await this.#open();
          const channels = [...this.#channels.keys()];
          if (channels.length) await session.unsafe(channels.map((c) => `listen ${quote(c)}`).join("; "));
          if (this.#session === session) break; // else it closed again meanwhile: go round
        } catch (failure) {
          cause = failure;
          const session = this.#session;
          this.#session = null;
          void session?.end().catch(() => {});
          if (attempt % 10 === 0) log("warn", "listen_reconnect_failed", { error: String(failure) });
        }
      }
      this.#reconnecting = false;
      if (this.#closed) return;
      log("info", "listen_reconnected", { channels: [...this.#channels.keys()] });
      for (const listeners of this.#channels.values()) {
        for (const listener of listeners) listener.onlisten?.();
      }
    })();
  }
}

function quote(channel: string): string {
  return `"${channel.replaceAll('"', '""')}"`;
}
