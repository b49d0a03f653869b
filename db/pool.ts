/**
 * A pool that follows the primary. DATABASE_URL may name several hosts, libpq style
 * (`postgres://u:p@h1:5432,h2:5433/db?target_session_attrs=read-write`), or one host behind a proxy.
 *
 * postgres.js 3.4 parses several hosts but (measured) hangs forever when none answers, and its `read-write`
 * check looks at default_transaction_read_only only, which a hot standby reports as off: after a failover it
 * keeps connecting to the old primary come back as a standby (issue 30). So Astapa finds the primary itself —
 * probing every host with `pg_is_in_recovery()` and `transaction_read_only` — and runs an ordinary one-host
 * postgres.js pool on it. When a call fails the way a failover fails (failover.ts), `recheck` probes again
 * and, if another host is now the primary, swaps in a pool on it and ends the old one. The returned `Sql` is a
 * stable proxy, so everything holding it follows the swap; `listen` goes through a ListenHub that re-listens.
 */
import postgres from "postgres";
import { failureKind, NoPrimaryError } from "./failover.ts";
import { ListenHub } from "./listen.ts";
import { type Target, targetOptions } from "./target.ts";
import { log } from "../lib/http/log.ts";

export type PoolSettings = postgres.Options<Record<string, postgres.PostgresType>>;

/** Present on pools made by createFailoverPool; asApp uses it to re-find the primary before a retry. */
export const FAILOVER = Symbol.for("astapa.failover");

export type Failover = {
  /** Re-finds the primary after `error`; resolves when the pool points at it (or none was found). */
  recheck(error: unknown): Promise<void>;
  /** host:port the pool uses now. */
  current(): string;
};

/**
 * Splits a libpq-style URL into one URL per host. Throws on a URL it cannot read. libpq's `host` parameter
 * naming a directory (`postgres://astapa@/astapa?host=/var/run/postgresql`) is a Unix socket there, on the
 * URL's port (5432 by default): cheaper than TCP for a Postgres on the same machine (docs/self-hosting.md).
 */
export function splitHosts(url: string): { targets: Target[]; wantsPrimary: boolean } {
  const match = /^(postgres(?:ql)?:\/\/)([^@/?#]*@)?([^/?#]*)(.*)$/.exec(url);
  if (!match) throw new Error("DATABASE_URL is not a postgres:// URL");
  const [, scheme, userinfo = "", hostList, rest] = match;
  const [path, query = ""] = rest.split("?", 2);
  const params = new URLSearchParams(query);
  const attrs = params.get("target_session_attrs");
  if (attrs && !["any", "read-write", "primary"].includes(attrs)) {
    throw new Error(
      `target_session_attrs=${attrs} is not supported: use read-write (or primary) or leave it out`,
    );
  }
  params.delete("target_session_attrs"); // checked here; postgres.js's own check would loop on a standby
  const wantsPrimary = attrs === "read-write" || attrs === "primary";
  const socketDir = params.get("host");
  params.delete("host"); // libpq's, not a setting for the server's session
  const search = params.size ? `?${params}` : "";
  if (socketDir !== null) {
    if (!socketDir.startsWith("/")) throw new Error("DATABASE_URL: host= must name a socket directory (/…)");
    if (hostList.includes(",")) throw new Error("DATABASE_URL: host= (a Unix socket) names one server");
    const port = /:(\d+)$/.exec(hostList)?.[1] ?? "5432";
    const socket = `${socketDir.replace(/\/+$/, "")}/.s.PGSQL.${port}`;
    const target = { address: socket, socket, url: `${scheme}${userinfo}localhost:${port}${path}${search}` };
    return { targets: [target], wantsPrimary };
  }
  const hosts = hostList.split(",").filter(Boolean);
  if (!hosts.length) throw new Error("DATABASE_URL names no host");
  const targets = hosts.map((address) => ({
    address,
    url: `${scheme}${userinfo}${address}${path}${search}`,
  }));
  return { targets, wantsPrimary: hosts.length > 1 || wantsPrimary };
}

const SESSION_CLOSED = Object.assign(new Error("a pooled session closed"), { code: "CONNECTION_CLOSED" });

/** Opens a pool following the primary (see the module comment). */
export function createFailoverPool(url: string, settings: PoolSettings): postgres.Sql {
  const { targets, wantsPrimary } = splitHosts(url);
  // Any session closing (killed, refused, the server gone) is a hint to look for the primary: so statements
  // run outside asApp (workers' sweeps, /readyz) follow a failover too. recheck is throttled and shared.
  const poolSettings: PoolSettings = wantsPrimary
    ? { ...settings, onclose: () => void failover.recheck(SESSION_CLOSED) }
    : settings;
  let target = targets[0];
  let pool = postgres(target.url, targetOptions(target, poolSettings));
  let probing: Promise<void> | null = null;
  let lastProbe = 0;
  let again: ReturnType<typeof setTimeout> | undefined;
  let ended = false;

  const swapTo = (next: Target) => {
    const old = pool;
    const oldTarget = target;
    target = next;
    pool = postgres(next.url, targetOptions(next, poolSettings));
    log("warn", next === oldTarget ? "database_sessions_renewed" : "database_primary_changed", {
      primary: next.address,
    });
    hub.moved();
    void old.end().catch(() => {}); // no timeout: a forced end races postgres.js writes (a null-socket crash)
  };

  const failover: Failover = {
    current: () => target.address,
    recheck(error) {
      if (!wantsPrimary) {
        // One host (maybe a proxy): postgres.js reconnects by itself; a read-only answer means this pool's
        // sessions predate the switch, so start over with fresh ones.
        if ((error as { code?: string } | null)?.code === "25006") swapTo(target);
        return Promise.resolve();
      }
      if (probing) return probing;
      if (performance.now() - lastProbe < 200) return Promise.resolve();
      probing = findPrimary(targets, settings).then((primary) => {
        lastProbe = performance.now();
        // Mid-failover no host is primary yet: look again shortly, so the pool moves as soon as one is, even
        // if no request fails to remind it (reads still succeed on a demoted primary).
        if (!primary && !ended) {
          clearTimeout(again);
          again = setTimeout(() => void failover.recheck(new NoPrimaryError("still looking")), 500);
        }
        if (primary && primary !== target) swapTo(primary);
        else if (primary === target && (error as { code?: string } | null)?.code === "25006") swapTo(target);
      }).finally(() => probing = null);
      return probing;
    },
  };

  const hub = new ListenHub({ target: () => target, recheck: (error) => failover.recheck(error) });

  const renew = () => swapTo(target);
  renewals.add(renew);
  installWriteAfterCloseGuard();
  installConnectionRejectionGuard();
  const end = async (options?: { timeout?: number }) => {
    ended = true;
    clearTimeout(again);
    renewals.delete(renew);
    await hub.close();
    await pool.end(options);
  };

  const proxy = new Proxy((() => {}) as unknown as postgres.Sql, {
    apply: (_target, _this, args) => (pool as unknown as (...a: unknown[]) => unknown)(...args),
    get(_target, property) {
      if (property === FAILOVER) return failover;
      if (property === "listen") return hub.listen.bind(hub);
      if (property === "end") return end;
      const value = Reflect.get(pool, property);
      return typeof value === "function" ? value.bind(pool) : value;
    },
  });
  if (wantsPrimary) void failover.recheck(new NoPrimaryError("first look"));
  return proxy;
}

/** Every open failover pool's "start over with fresh sessions". */
const renewals = new Set<() => void>();
let guarded = false;

/**
 * postgres.js 3.4.9 (the latest) crashes the process when the server ends a session (57P01 on a failover)
 * while a transaction still has a statement to send — begin()'s own ROLLBACK included: the write is scheduled
 * with setImmediate and runs after the socket was dropped (`Cannot read properties of null (reading 'write')`,
 * seen under load in tests/reliability/patroni_failover_test.ts). The uncaught error is stopped here, and every
 * pool starts over, because the connection object it came from keeps the unsent bytes and would send them
 * ahead of its next startup message.
 */
function installWriteAfterCloseGuard(): void {
  if (guarded) return;
  guarded = true;
  globalThis.addEventListener("error", (event) => {
    const error = event.error;
    if (!(error instanceof TypeError) || !error.message.includes("reading 'write'")) return;
    if (!String(error.stack).includes("postgres/src/connection.js")) return;
    event.preventDefault();
    log("warn", "database_write_after_close", { pools_renewed: renewals.size });
    for (const renewal of renewals) renewal();
  });
}

let rejectionsGuarded = false;

/**
 * A database connection failure that no code awaited (a socket reset under a statement postgres.js queued on
 * its own, seen as "Uncaught (in promise) Error: read ECONNRESET" when a Patroni primary was killed) would end
 * the process: Deno, like Node, exits on an unhandled rejection. Nobody waits for that promise, and the pool
 * reconnects by itself, so it is logged and stopped here. Every other unhandled rejection still ends the
 * process: it is a bug to be seen.
 */
export function installConnectionRejectionGuard(): void {
  if (rejectionsGuarded) return;
  rejectionsGuarded = true;
  globalThis.addEventListener("unhandledrejection", (event) => {
    if (failureKind(event.reason) === "other") return;
    event.preventDefault();
    const { code, message } = event.reason as { code: string; message?: unknown };
    log("warn", "database_rejection_unhandled", { code, error: String(message ?? "") });
  });
}

/** The first host (in URL order) that is writable now, or null. */
async function findPrimary(targets: Target[], settings: PoolSettings): Promise<Target | null> {
  const answers = await Promise.all(targets.map(async (target) => {
    const probe = postgres(
      target.url,
      targetOptions(target, {
        ...settings,
        max: 1,
        fetch_types: false,
        prepare: false,
        connect_timeout: 2,
        connection: { application_name: "astapa-probe" },
      }),
    );
    try {
      const [row] = await probe<{ standby: boolean; read_only: string }[]>`
        select pg_catalog.pg_is_in_recovery() as standby,
               pg_catalog.current_setting('transaction_read_only') as read_only`;
      return !row.standby && row.read_only === "off";
    } catch {
      return false;
    } finally {
      void probe.end().catch(() => {});
    }
  }));
  const index = answers.indexOf(true);
  return index < 0 ? null : targets[index];
}

/** The Failover of a pool, or null for a plain postgres.js pool (tests, a transaction). */
export function failoverOf(sql: unknown): Failover | null {
  return (sql as { [FAILOVER]?: Failover })?.[FAILOVER] ?? null;
}
